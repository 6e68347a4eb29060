// The unit's API (/api/v1/unit-link, docs/unit-page.md). No sign-in: the texted link's key
// (ulk_…, in the URL's fragment, which no server sees) goes with every call as a bearer token.
// problem+json errors come with their detail in Chinese (Accept-Language).

export class ApiError extends Error {
  constructor(message, status, problem, retryAfter) {
    super(message)
    this.status = status
    this.problem = problem
    this.retryAfter = retryAfter
  }
}

const NETWORK = '网络连接不畅，请检查网络后重试'

// --- The key ----------------------------------------------------------------------------------
// Read once from the link (#ulk_…), then taken out of the address bar (a screenshot or a shared
// address does not carry it) and kept in this tab's sessionStorage, so that a reload still works
// and the key is gone when the tab is closed (decision 0052).
const KEPT = 'firegrid.unit.key'
const SHAPE = /^#?(ulk_[A-Za-z0-9_-]{10,100})$/
let key = null

export function takeKey() {
  const found = SHAPE.exec(window.location.hash)
  if (found) {
    key = found[1]
    try {
      sessionStorage.setItem(KEPT, key)
    } catch {
      // private mode: good for this visit only
    }
    window.history.replaceState(null, '', window.location.pathname + window.location.search)
    return key
  }
  if (!key) {
    try {
      key = sessionStorage.getItem(KEPT)
    } catch {
      key = null
    }
  }
  return key
}

export function forgetKey() {
  key = null
  try {
    sessionStorage.removeItem(KEPT)
  } catch {
    // nothing kept
  }
}

// --- Calls ------------------------------------------------------------------------------------

async function send(method, path, { json, body, type } = {}) {
  const headers = { Authorization: `Bearer ${key || ''}`, 'Accept-Language': 'zh-CN' }
  if (json !== undefined) headers['Content-Type'] = 'application/json'
  if (type) headers['Content-Type'] = type
  try {
    return await fetch(path, {
      method,
      headers,
      body: json !== undefined ? JSON.stringify(json) : body,
      credentials: 'omit',
      cache: 'no-store',
    })
  } catch {
    throw new ApiError(NETWORK, 0, null)
  }
}

/** A wait in words: seconds, or minutes once it is long. */
export const waitWords = (seconds) =>
  seconds < 120 ? `${seconds} 秒` : `约 ${Math.ceil(seconds / 60)} 分钟`

async function failure(response) {
  let problem = null
  try {
    problem = await response.json()
  } catch {
    problem = null
  }
  const detail = problem && (problem.detail || problem.title)
  if (response.status === 429) {
    const wait = parseInt(response.headers.get('Retry-After') || '', 10) || 60
    return new ApiError(`操作太频繁，请${waitWords(wait)}后再试`, 429, problem, wait)
  }
  if (response.status === 413) return new ApiError(detail || '照片太大，请换一张', 413, problem)
  return new ApiError(detail || `操作失败（${response.status}），请稍后重试`, response.status, problem)
}

async function call(method, path, options) {
  const response = await send(method, path, options)
  if (!response.ok) throw await failure(response)
  return response.json()
}

const BASE = '/api/v1/unit-link'
export const getPage = () => call('GET', BASE)
export const confirmReceipt = () => call('POST', `${BASE}/receipt`)
export const sendPhoto = (hazardId, file) =>
  call('POST', `${BASE}/hazards/${hazardId}/photos`, {
    body: file,
    type: file.type || 'application/octet-stream',
  })
export const sendReport = (hazardId, text) =>
  call('POST', `${BASE}/hazards/${hazardId}/report`, { json: { text } })
export const askExtension = (hazardId, reason, days) =>
  call('POST', `${BASE}/hazards/${hazardId}/extension-requests`, { json: { reason, days } })

/** The notice's PDF, fetched with the key (a plain link could not carry it): a blob URL. */
export async function noticePdf(url) {
  const response = await send('GET', url)
  if (!response.ok) throw await failure(response)
  return URL.createObjectURL(await response.blob())
}

// --- Time, in Beijing whatever the phone's own zone ---------------------------------------------

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

const DAY = 24 * 60 * 60 * 1000
const EIGHT_HOURS = 8 * 60 * 60 * 1000
const beijingDay = (ms) => Math.floor((ms + EIGHT_HOURS) / DAY)

/** A deadline in plain words: days left counted in Beijing calendar days up to its last day,
 * or days overdue. A deadline at midnight (firegrid's: the end of the last day) counts that
 * last day as its own. */
export function daysLeft(iso, now = Date.now()) {
  if (!iso) return null
  const at = Date.parse(iso)
  const days = beijingDay(at - 1) - beijingDay(now)
  if (at <= now) return { overdue: true, text: `已逾期 ${Math.max(1, -days)} 天` }
  if (days <= 0) return { overdue: false, soon: true, text: '今天到期' }
  return { overdue: false, soon: days <= 3, text: `还剩 ${days} 天` }
}

/** The deadline as people say it: "2026/12/21 24:00 前" for the end of a day. */
export function deadline(iso) {
  if (!iso) return ''
  const at = Date.parse(iso)
  if ((at + EIGHT_HOURS) % DAY === 0) {
    const day = new Date(at - DAY + EIGHT_HOURS)
    const pad = (n) => String(n).padStart(2, '0')
    return `${day.getUTCFullYear()}/${pad(day.getUTCMonth() + 1)}/${pad(day.getUTCDate())} 24:00 前`
  }
  return `${when(iso)} 前`
}
