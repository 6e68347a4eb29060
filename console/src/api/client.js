// The one way the console talks to firegrid: same origin, bearer token from sessionStorage,
// one refresh (POST /api/v1/auth/refresh) and one retry on a 401, and every problem+json
// answer's `detail` shown in an ElMessage.
import { ElMessage } from 'element-plus'

const KEY = 'firegrid.console.tokens'
let refreshing = null // one refresh at a time, shared by the requests that met a 401
const signedOutListeners = []

export function tokens() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null
  } catch {
    return null
  }
}

function keep(pair) {
  if (pair) sessionStorage.setItem(KEY, JSON.stringify(pair))
  else sessionStorage.removeItem(KEY)
}

export function onSignedOut(listener) {
  signedOutListeners.push(listener)
}

function forget() {
  keep(null)
  signedOutListeners.forEach((listener) => listener())
}

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `HTTP ${status}`)
    this.status = status
    this.problem = problem
    this.retryAfter = retryAfter ? Number(retryAfter) : null
  }
}

const STATUS_TEXT = {
  401: '登录已失效，请重新登录',
  403: '没有权限进行此操作',
  404: '未找到，或不在您的管辖范围内',
  413: '内容过大',
  429: '操作过于频繁，请稍后再试',
  503: '服务暂时不可用，请稍后重试',
}

async function problemOf(response) {
  const type = response.headers.get('content-type') || ''
  if (type.includes('json')) {
    try {
      return await response.json()
    } catch {
      return null
    }
  }
  return null
}

// The API's problem texts are written for developers (in English): the user reads what
// happened in Chinese, and the server's `detail` after it, for whoever they call about it.
export function describe(error) {
  const known = STATUS_TEXT[error.status] || (error.status === 422 ? '填写的内容有误' : null)
  const text = known || `请求失败（${error.status}）`
  const detail = error.problem?.detail
  return detail ? `${text}（${detail}）` : text
}

// What the user reads of any failure: the API's problem, or the network's.
export function errorText(error) {
  return error instanceof ApiError ? describe(error) : '无法连接服务器，请检查网络后重试'
}

export function showError(error) {
  ElMessage({ type: 'error', message: errorText(error), showClose: true, grouping: true })
}

async function refreshTokens() {
  const current = tokens()
  if (!current?.refresh_token) return false
  const response = await fetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ refresh_token: current.refresh_token }),
  })
  if (!response.ok) return false
  keep(await response.json())
  return true
}

/**
 * request('GET', '/api/v1/hazards', {query: {limit: 20}}) → the parsed JSON answer
 * ({status, headers, body} with `full`; {body, headers} with `withHeaders`, for a list's
 * X-Total-Count; a Blob with `blob`). `signal` cancels it (a map view that moved on). `file`
 * sends a File or Blob as the body, with its own type (a sheet to import). `accept` asks for
 * one type of answer (a workbook instead of the JSON report).
 * Throws ApiError (already shown to the user unless `quiet`).
 */
export async function request(
  method,
  path,
  {
    query,
    json,
    form,
    file,
    quiet = false,
    auth = true,
    withHeaders = false,
    blob = false,
    full = false,
    accept,
    signal,
  } = {},
) {
  const url = new URL(path, window.location.origin)
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value)
  }
  const send = () => {
    const headers = {
      Accept: accept ? `${accept}, application/problem+json` : blob ? '*/*' : 'application/json, application/problem+json',
      'Accept-Language': 'zh-CN', // problem details in Chinese
    }
    let body
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(json)
    } else if (form !== undefined) {
      body = new URLSearchParams(form)
    } else if (file !== undefined) {
      headers['Content-Type'] = file.type || 'application/octet-stream'
      body = file
    }
    const access = tokens()?.access_token
    if (auth && access) headers.Authorization = `Bearer ${access}`
    return fetch(url, { method, headers, body, signal })
  }
  try {
    let response = await send()
    if (response.status === 401 && auth && tokens()) {
      refreshing = refreshing || refreshTokens().finally(() => (refreshing = null))
      if (await refreshing) response = await send()
      else forget()
    }
    if (!response.ok) throw new ApiError(
        response.status,
        await problemOf(response),
        response.headers.get('retry-after'),
      )
    // An image or a file, read with the bearer token (with `full`, its headers too).
    if (blob) return full ? { headers: response.headers, body: await response.blob() } : await response.blob()
    const body = response.status === 204 ? null : await response.json()
    // `full`: the status and headers too (202 waiting for approvers, X-Total-Count)
    if (full) return { status: response.status, headers: response.headers, body }
    return withHeaders ? { body, headers: response.headers } : body
  } catch (error) {
    // A request cancelled by its caller (`signal`: a map view that moved on) is no error.
    if (!quiet && error?.name !== 'AbortError') showError(error)
    throw error
  }
}

// The file's name from Content-Disposition: RFC 5987's filename* (UTF-8, a Chinese name)
// before the ASCII filename.
function fileNameOf(headers, fallback) {
  const disposition = headers.get('content-disposition') || ''
  const encoded = disposition.match(/filename\*=UTF-8''([^;]+)/i)
  if (encoded) return decodeURIComponent(encoded[1])
  const plain = disposition.match(/filename="?([^";]+)"?/i)
  return plain ? plain[1] : fallback
}

// A file the API answers (an export, a PDF), fetched with the bearer token and saved under
// the name the server gives it.
// An Excel workbook's media type: what imports send and what the 开户通知单 answers in.
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export async function download(path, { query, fallbackName = 'download' } = {}) {
  const { headers, body } = await request('GET', path, { query, blob: true, full: true })
  saveFile(body, headers, fallbackName)
}

// Save a Blob the API answered under the name its Content-Disposition gives.
export function saveFile(body, headers, fallbackName = 'download') {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(body)
  link.download = fileNameOf(headers, fallbackName)
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
}

export async function signIn(username, password) {
  const pair = await request('POST', '/api/v1/auth/token', {
    form: { username, password },
    auth: false,
    quiet: true, // the sign-in page says why, in its own words
  })
  keep(pair)
  return pair
}

// Choose a new password (POST /api/v1/me/password): the server signs every other session out
// and answers with a new pair, which this one goes on with.
export async function changePassword(currentPassword, newPassword) {
  const pair = await request('POST', '/api/v1/me/password', {
    json: { current_password: currentPassword, new_password: newPassword },
    quiet: true, // the page says why, beside the field
  })
  keep(pair)
  return pair
}

export async function signOut() {
  const current = tokens()
  try {
    if (current?.refresh_token) {
      await request('POST', '/api/v1/auth/revoke', {
        json: { refresh_token: current.refresh_token },
        auth: false,
        quiet: true,
      })
    }
  } catch {
    // signed out here whatever the server says: the refresh token is forgotten below
  } finally {
    forget()
  }
}
