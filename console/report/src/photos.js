// Photos: resized in the browser (longest side 1280 px, JPEG at 0.8) so that a 4 MB camera
// picture goes up as about 200 KB, then uploaded by tus (resumable: a dropped connection
// continues where it stopped, with retries). 1280 px is the server's public copy: a canvas's
// JPEG of that size, with no EXIF, is kept as its own public copy, with nothing to shrink or
// encode again (backend/core/media.py), which is most of a report's cost on the server.
import { Upload } from 'tus-js-client'
import { sha256Hex } from './sha256.js'
import { uuid4 } from './api.js'

export const LONGEST = 1280
export const QUALITY = 0.8

function loadImage(file) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file)
    const image = new Image()
    image.onload = () => resolve({ image, url })
    image.onerror = () => {
      URL.revokeObjectURL(url)
      reject(new Error('无法读取这张照片，请换一张（支持 JPG、PNG）'))
    }
    image.src = url
  })
}

function toBlob(canvas) {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('照片处理失败，请重试'))),
      'image/jpeg',
      QUALITY,
    ),
  )
}

// Blob.arrayBuffer() is missing in older WebViews (iOS before 14): FileReader does the same.
function bytesOf(blob) {
  if (blob.arrayBuffer) return blob.arrayBuffer()
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result)
    reader.onerror = () => reject(reader.error)
    reader.readAsArrayBuffer(blob)
  })
}

/** A picked or taken photo, made ready to declare and upload: {id, blob, size, sha256, preview}.
 * The browser applies the picture's EXIF orientation when it draws it; the JPEG made from the
 * canvas carries no EXIF at all (no position, no phone model). */
export async function preparePhoto(file) {
  const { image, url } = await loadImage(file)
  try {
    const scale = Math.min(1, LONGEST / Math.max(image.naturalWidth, image.naturalHeight))
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale))
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale))
    const context = canvas.getContext('2d')
    context.fillStyle = '#fff' // a transparent PNG becomes white, not black
    context.fillRect(0, 0, canvas.width, canvas.height)
    context.drawImage(image, 0, 0, canvas.width, canvas.height)
    const blob = await toBlob(canvas)
    const bytes = new Uint8Array(await bytesOf(blob))
    return {
      id: uuid4(),
      blob,
      size: bytes.length,
      sha256: sha256Hex(bytes),
      preview: URL.createObjectURL(blob),
      width: canvas.width,
      height: canvas.height,
    }
  } finally {
    URL.revokeObjectURL(url)
  }
}

export const declared = (photos) =>
  photos.map((photo) => ({ id: photo.id, sha256: photo.sha256, size: photo.size }))

/** Sends one declared photo's bytes to the upload endpoint the report's answer named. */
export function uploadPhoto(upload, photo, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const endpoint = new URL(upload.endpoint, window.location.href).href
    const task = new Upload(photo.blob, {
      endpoint,
      headers: { Authorization: `Bearer ${upload.token}` },
      metadata: { photo_id: photo.id, sha256: photo.sha256 },
      chunkSize: 256 * 1024,
      // The first chunk goes with the request that creates the upload (tus
      // creation-with-upload): a 200 KB photo is one request, not two.
      uploadDataDuringCreation: true,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => onProgress(total ? sent / total : 0),
      onSuccess: () => resolve(),
      onError: (error) => reject(new Error(`照片上传失败：${error.message || error}`)),
    })
    task.findPreviousUploads().then((previous) => {
      if (previous.length) task.resumeFromPreviousUpload(previous[0])
      task.start()
    })
  })
}

/** Uploads every photo in turn (one at a time: a slow line is not split four ways). */
export async function uploadAll(upload, photos, progress) {
  for (const [index, photo] of photos.entries()) {
    await uploadPhoto(upload, photo, (fraction) => progress(index, fraction))
    progress(index, 1)
  }
}
