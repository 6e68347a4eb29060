// What the scripts here share: calling the server, and WatermelonDB's schema built from the
// server's table definitions (GET /api/v1/sync/schema).

import { createRequire } from 'node:module'
import { format } from 'node:util'

// WatermelonDB ships CommonJS with directory entry points, which ESM `import` cannot resolve.
export const require = createRequire(import.meta.url)
const { appSchema, tableSchema } = require('@nozbe/watermelondb')

/** stdout carries the scripts' JSON answers only; every log line goes to stderr. */
export function logsToStderr(tag) {
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = (...args) => process.stderr.write(`[${tag} ${level}] ${format(...args)}\n`)
  }
}

export const answer = (value) => process.stdout.write(`${JSON.stringify(value)}\n`)

export function env(...names) {
  const missing = names.filter((n) => !process.env[n])
  if (missing.length) {
    process.stderr.write(`set ${missing.join(', ')}\n`)
    process.exit(2)
  }
  return names.map((n) => process.env[n])
}

/** A server answer other than 2xx; `problem` is its problem+json body. */
export class HttpError extends Error {
  constructor(status, problem) {
    super(`HTTP ${status}: ${problem?.title ?? ''} ${problem?.detail ?? ''}`)
    this.status = status
    this.problem = problem
  }
}

/** A signed-in JSON client: `call(method, path, body?)`. */
export async function connect(baseUrl, username, password) {
  let token = null
  async function call(method, path, body) {
    const headers = { Accept: 'application/json' }
    if (token) headers.Authorization = `Bearer ${token}`
    let payload = body
    if (body instanceof URLSearchParams) headers['Content-Type'] = 'application/x-www-form-urlencoded'
    else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: payload })
    const text = await res.text()
    const json = text ? JSON.parse(text) : null
    if (!res.ok) throw new HttpError(res.status, json)
    return json
  }
  const form = new URLSearchParams({ username, password })
  token = (await call('POST', '/api/v1/auth/token', form)).access_token
  call.token = token
  return call
}

/** WatermelonDB's appSchema built from the server's published tables, unchanged. */
export function watermelonSchema(served) {
  const tables = served.tables.map((table) =>
    tableSchema({ name: table.name, columns: table.columns })
  )
  return appSchema({ version: served.version, tables })
}
