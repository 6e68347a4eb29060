// Does WatermelonDB accept the server's sync schema exactly as published?
//
//   BASE_URL=... FG_USERNAME=... FG_PASSWORD=... node schema.mjs
//
// Prints one JSON line: {version, tables, accepted, error}. Exits 1 on unexpected errors.

import { answer, connect, env, logsToStderr, watermelonSchema } from './common.mjs'

logsToStderr('schema')
const [baseUrl, username, password] = env('BASE_URL', 'FG_USERNAME', 'FG_PASSWORD')
const call = await connect(baseUrl, username, password)
const served = await call('GET', '/api/v1/sync/schema')
let accepted = true
let error = null
try {
  watermelonSchema(served)
} catch (refusal) {
  accepted = false
  error = refusal.message
}
answer({ version: served.version, tables: served.tables.map((t) => t.name), accepted, error })
