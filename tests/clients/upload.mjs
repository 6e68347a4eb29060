// A photo's bytes sent with tus-js-client, as the app does: interrupted, then resumed from
// where the server stands. Driven by tests/offline_sync/test_real_clients.py.
//
//   BASE_URL=... FG_USERNAME=... FG_PASSWORD=... PHOTO_FILE=/tmp/p.jpg PHOTO_ID=<uuid> \
//     [CHUNK_SIZE=100000] [ABORT_AFTER_CHUNKS=2] [FORGE_PATCH_TOKEN=1] node upload.mjs
//
// ABORT_AFTER_CHUNKS=n: abort() once the server accepted n chunks (the connection is lost),
// then a new Upload with the same uploadUrl resumes from the server's offset (tus HEAD).
// FORGE_PATCH_TOKEN=1: the upload is created with the real token, but its PATCH requests carry
// a forged one; the outcome is reported, not resumed.
//
// Prints one JSON line: {uploadUrl, size, ...what happened}. Exits 1 on unexpected errors.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

import { Upload } from 'tus-js-client'

import { answer, connect, env, logsToStderr } from './common.mjs'

logsToStderr('upload')
const [baseUrl, username, password, file, photoId] = env(
  'BASE_URL',
  'FG_USERNAME',
  'FG_PASSWORD',
  'PHOTO_FILE',
  'PHOTO_ID',
)
const chunkSize = Number(process.env.CHUNK_SIZE || 100_000)
const abortAfterChunks = Number(process.env.ABORT_AFTER_CHUNKS || 0)
const forgePatchToken = process.env.FORGE_PATCH_TOKEN === '1'

const { token } = await connect(baseUrl, username, password)
const data = readFileSync(file)
const sha256 = createHash('sha256').update(data).digest('hex')
const result = { size: data.length, sha256 }

/** Options of every Upload of this photo; `patches` collects the Upload-Offset of each PATCH. */
function options(patches, extra) {
  return {
    endpoint: `${baseUrl}/api/v1/uploads/`,
    chunkSize, // PATCH bodies stay small (the server refuses ~15 MB ones) and interruptible
    metadata: { photo_id: photoId, sha256 }, // what the server needs to match the photo's record
    headers: { Authorization: `Bearer ${token}` },
    addRequestId: false,
    retryDelays: null, // failures are reported here, not retried
    storeFingerprintForResuming: false, // resumed below from the upload's URL
    onBeforeRequest: (req) => {
      if (req.getMethod() !== 'PATCH') return
      patches.push(Number(req.getHeader('Upload-Offset')))
      if (forgePatchToken) req.setHeader('Authorization', 'Bearer forged')
    },
    ...extra,
  }
}

/** tus HEAD: where the server stands. */
async function serverOffset(url) {
  const res = await fetch(url, {
    method: 'HEAD',
    headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' },
  })
  if (!res.ok) throw new Error(`HEAD ${url}: ${res.status}`)
  return Number(res.headers.get('Upload-Offset'))
}

// 1. The first attempt: the whole file, or until the connection is lost.
const firstPatches = []
const first = await new Promise((resolve, reject) => {
  let chunks = 0
  const upload = new Upload(
    data,
    options(firstPatches, {
      onChunkComplete: (_size, accepted) => {
        chunks += 1
        if (abortAfterChunks && chunks >= abortAfterChunks) {
          upload.abort() // the lift door closes: no further PATCH is sent
          resolve({ upload, outcome: 'aborted', accepted })
        }
      },
      onSuccess: () => resolve({ upload, outcome: 'finished', accepted: data.length }),
      onError: (error) =>
        resolve({
          upload,
          outcome: 'failed',
          status: error.originalResponse?.getStatus() ?? null,
          message: error.message,
        }),
    }),
  )
  upload.start()
  setTimeout(() => reject(new Error('the first upload did not end in 60 s')), 60_000).unref()
})
result.uploadUrl = first.upload.url
result.first = {
  outcome: first.outcome,
  accepted: first.accepted ?? null,
  status: first.status ?? null,
  message: first.message ?? null,
  patchOffsets: firstPatches,
}

// 2. Resumed by a new Upload that knows only the upload's URL: tus-js-client asks the server
//    where it stands (HEAD) and sends the rest from there.
if (first.outcome === 'aborted') {
  result.serverOffsetAfterAbort = await serverOffset(first.upload.url)
  const patches = []
  await new Promise((resolve, reject) => {
    const upload = new Upload(
      data,
      options(patches, {
        uploadUrl: first.upload.url,
        onSuccess: resolve,
        onError: reject,
      }),
    )
    upload.start()
  })
  result.resumed = { patchOffsets: patches, serverOffset: await serverOffset(first.upload.url) }
}

answer(result)
process.exit(0)
