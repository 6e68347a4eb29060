// SHA-256 in plain JavaScript: WeChat's built-in browser on a plain-http deployment has no
// crypto.subtle (a secure context only). Used for the photos' digests (declared with the
// report, checked by the server when their bytes arrive) and for the proof of work.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
const W = new Uint32Array(64)

function blocks(state, bytes, length) {
  let [a0, b0, c0, d0, e0, f0, g0, h0] = state
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4
      W[i] = (bytes[j] << 24) | (bytes[j + 1] << 16) | (bytes[j + 2] << 8) | bytes[j + 3]
    }
    for (let i = 16; i < 64; i++) {
      const x = W[i - 15]
      const y = W[i - 2]
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0
    }
    let a = a0, b = b0, c = c0, d = d0, e = e0, f = f0, g = g0, h = h0
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g; g = f; f = e; e = (d + t1) | 0
      d = c; c = b; b = a; a = (t1 + t2) | 0
    }
    a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0
    e0 = (e0 + e) | 0; f0 = (f0 + f) | 0; g0 = (g0 + g) | 0; h0 = (h0 + h) | 0
  }
  state[0] = a0; state[1] = b0; state[2] = c0; state[3] = d0
  state[4] = e0; state[5] = f0; state[6] = g0; state[7] = h0
}

/** The SHA-256 digest of `bytes` (a Uint8Array) as 8 big-endian 32-bit words. */
export function sha256Words(bytes) {
  const state = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ])
  const whole = bytes.length - (bytes.length % 64)
  blocks(state, bytes, whole)
  const rest = bytes.length - whole
  const tail = new Uint8Array(rest < 56 ? 64 : 128)
  tail.set(bytes.subarray(whole))
  tail[rest] = 0x80
  const bits = bytes.length * 8
  const end = tail.length
  tail[end - 5] = Math.floor(bits / 0x100000000) & 0xff
  tail[end - 4] = (bits >>> 24) & 0xff
  tail[end - 3] = (bits >>> 16) & 0xff
  tail[end - 2] = (bits >>> 8) & 0xff
  tail[end - 1] = bits & 0xff
  blocks(state, tail, tail.length)
  return state
}

export function sha256Hex(bytes) {
  let hex = ''
  for (const word of sha256Words(bytes)) hex += (word >>> 0).toString(16).padStart(8, '0')
  return hex
}

const encoder = new TextEncoder()

/** How many leading zero bits the digest has (at most 32 looked at: enough for any challenge). */
function leadingZeroBits(words) {
  const first = words[0] >>> 0
  if (first !== 0) return Math.clz32(first)
  return 32 + Math.clz32(words[1] >>> 0)
}

/** The proof of work of the contract (docs/citizens.md): a nonce such that
 * sha256(token + ":" + nonce) starts with `bits` zero bits. Works in slices of `slice` tries
 * and yields to the page in between, so that typing stays smooth; `cancelled()` stops it. */
export async function solveChallenge(token, bits, cancelled = () => false, slice = 4000) {
  const prefix = token + ':'
  for (let nonce = 0; ; ) {
    const until = nonce + slice
    for (; nonce < until; nonce++) {
      const text = prefix + nonce.toString(36)
      if (leadingZeroBits(sha256Words(encoder.encode(text))) >= bits) return nonce.toString(36)
    }
    if (cancelled()) return null
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}
