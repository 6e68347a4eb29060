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

// 我的举报: the follow codes this phone keeps, newest first: those it filed, and those found
// with a proven number (用手机号查找), kept as long as the number's token: they belong to
// whoever proved it, and a shared phone forgets them with the token (换个号码, or its expiry).
const MINE = 'firegrid.report.mine'
const KEPT = 100 // as many as my-reports lists
function keptReports() {
  try {
    const kept = JSON.parse(localStorage.getItem(MINE) || '[]')
    return Array.isArray(kept) ? kept : []
  } catch {
    return []
  }
}
function keep(entries) {
  try {
    localStorage.setItem(MINE, JSON.stringify(entries.slice(0, KEPT)))
  } catch {
    // private mode or full: the code is still on the screen to copy
  }
}
export function myReports() {
  const kept = keptReports()
  if (!kept.some((item) => item.found) || phoneSession()) return kept
  const filed = kept.filter((item) => !item.found) // the token is gone: so are the reports it found
  keep(filed)
  return filed
}
export function remember(entry) {
  const kept = keptReports().filter((item) => item.code !== entry.code)
  kept.unshift(entry)
  keep(kept)
}
/** The reports a proven number lists (my-reports) join 我的举报, once each, newest first;
 * a report this phone filed stays as it was kept. */
export function rememberFound(reports, phone) {
  const kept = keptReports()
  const codes = new Set(kept.map((item) => item.code))
  const found = reports
    .filter((r) => !codes.has(r.follow_code))
    .map((r) => ({ code: r.follow_code, at: r.received_at, what: r.category_name || '', found: phone }))
  if (!found.length) return
  const time = (item) => Date.parse(item.at) || 0
  keep([...kept, ...found].sort((a, b) => time(b) - time(a)))
}
function forgetFound() {
  const kept = keptReports()
  if (kept.some((item) => item.found)) keep(kept.filter((item) => !item.found))
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
  forgetFound()
}
