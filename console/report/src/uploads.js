// The photos of a report just sent, uploading: kept here (not in the page's URL) so that the
// follow view the page moves to shows their progress and asks for the report once they are in.
import { reactive } from 'vue'
import { uploadAll } from './photos.js'

export const pending = reactive({}) // follow code → {fractions: [..], error, done, promise}

export function startUploads(code, upload, photos) {
  const job = reactive({ fractions: photos.map(() => 0), error: '', done: false, promise: null })
  pending[code] = job
  const run = () => {
    job.error = ''
    job.promise = uploadAll(upload, photos, (index, fraction) => {
      job.fractions[index] = fraction
    })
      .then(() => {
        job.done = true
      })
      .catch((error) => {
        job.error = error.message
      })
    return job.promise
  }
  job.retry = run
  run()
  return job
}
