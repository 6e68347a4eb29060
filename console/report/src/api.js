// The citizens' API (/api/v1/citizen/, no sign-in): problem+json errors come with their
// detail in Chinese (Accept-Language), and a network failure says so in plain words.

export class ApiError extends Error {
  constructor(message, status, problem) {
    super(message)
    this.status = status
    this.problem = problem
  }
}

const NETWORK = '网络连接不畅，请检查网络后重试'

export async function request(method, path, { json, headers = {} } = {}) {
  let response
  try {
    response = await fetch(path, {
      method,
      headers: {
        Accept: 'application/json',
        'Accept-Language': 'zh-CN',
        ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: json === undefined ? undefined : JSON.stringify(json),
      credentials: 'omit',
    })
  } catch {
    throw new ApiError(NETWORK, 0, null)
  }
  let body = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  if (!response.ok) {
    const detail = body && (body.detail || body.title)
    const message =
      response.status === 503
        ? detail || '本地区暂未开通网上举报，请拨打 96119'
        : response.status === 429
          ? detail || '提交太频繁，请稍后再试'
          : detail || `提交失败（${response.status}），请稍后重试`
    throw new ApiError(message, response.status, body)
  }
  return body
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** A POST that may be sent again on a bad line: the same Idempotency-Key and body, so the
 * server keeps one report however many times it arrives. Only network failures are retried. */
export async function postOnce(path, json, key, delays = [1000, 3000, 8000]) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request('POST', path, { json, headers: { 'Idempotency-Key': key } })
    } catch (error) {
      if (error.status !== 0 || attempt >= delays.length) throw error
      await sleep(delays[attempt])
    }
  }
}

export const getForm = () => request('GET', '/api/v1/citizen/form')
/** The form as the page opened with it: the header (is 附近的举报 offered?) and the screen
 * shown first share one request. Kept 30 s only, as its challenge ages. */
let opened = null
export function openingForm() {
  if (opened && Date.now() - opened.at < 30 * 1000) return opened.promise
  const promise = getForm()
  opened = { at: Date.now(), promise }
  promise.catch(() => {
    opened = null
  })
  return promise
}
export const getReport = (code) =>
  request('GET', `/api/v1/citizen/reports/${encodeURIComponent(code)}`)

/** A version 4 UUID from crypto.getRandomValues (crypto.randomUUID needs https). */
export function uuid4() {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = (bytes[6] & 0x0f) | 0x40
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Beijing time, whatever the phone's own zone. */
const beijing = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})
export const when = (iso) => (iso ? beijing.format(new Date(iso)) : '')

// 我的举报: the follow codes this phone filed, newest first.
const MINE = 'firegrid.report.mine'
export function myReports() {
  try {
    return JSON.parse(localStorage.getItem(MINE) || '[]')
  } catch {
    return []
  }
}
export function remember(entry) {
  const kept = myReports().filter((item) => item.code !== entry.code)
  kept.unshift(entry)
  try {
    localStorage.setItem(MINE, JSON.stringify(kept.slice(0, 50)))
  } catch {
    // private mode or full: the code is still on the screen to copy
  }
}

// 用手机号查找: the token a proven number got (cps_…), kept on this phone until it expires.
const PHONE_SESSION = 'firegrid.report.phone'
export function phoneSession() {
  try {
    const kept = JSON.parse(localStorage.getItem(PHONE_SESSION) || 'null')
    if (kept && kept.token && Date.parse(kept.expires_at) > Date.now()) return kept
    if (kept) localStorage.removeItem(PHONE_SESSION)
  } catch {
    // unreadable: as if none
  }
  return null
}
export function savePhoneSession(session) {
  const kept = { token: session.token, expires_at: session.expires_at, phone: session.phone }
  try {
    localStorage.setItem(PHONE_SESSION, JSON.stringify(kept))
  } catch {
    // private mode or full: good for this visit only
  }
  return kept
}
export function forgetPhoneSession() {
  try {
    localStorage.removeItem(PHONE_SESSION)
  } catch {
    // nothing kept
  }
}
