// One phone: a WatermelonDB database (LokiJS adapter, in memory) synced with the real
// `synchronize()` against a firegrid server. Driven by tests/offline_sync/test_real_clients.py.
//
//   BASE_URL=http://127.0.0.1:8000 FG_USERNAME=worker.one FG_PASSWORD=... node device.mjs
//
// A phone must outlive the steps a test takes on the server between two of its syncs, so this
// script is a small command loop: every stdin line is one JSON command, answered by exactly one
// JSON line on stdout (the first line says the database is ready). Expected failures (a sync
// refused by the server) are answered as {"error": ...}; anything unexpected is printed to
// stderr and ends the process with status 1. Logs of WatermelonDB go to stderr.
//
// Commands: {"op": "create"|"update"|"delete"|"get"|"all"|"count"|"deletionsToPush"|"sync",
// ...}, see `commands` below; {"op": "resume"} continues a sync held before its push.

import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'

import { HttpError, answer, connect, env, logsToStderr, require, watermelonSchema } from './common.mjs'

const { Database, Model, Q } = require('@nozbe/watermelondb')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize } = require('@nozbe/watermelondb/sync')
const { setGenerator } = require('@nozbe/watermelondb/utils/common/randomId')

logsToStderr('device')
const [BASE_URL, USERNAME, PASSWORD] = env('BASE_URL', 'FG_USERNAME', 'FG_PASSWORD')

// The server's record ids are uuids: WatermelonDB's id generator makes them (its default makes
// 16-character random strings).
setGenerator(() => randomUUID())

// --- The database, its schema generated from the server's table definitions -----------------

const call = await connect(BASE_URL, USERNAME, PASSWORD)
const served = await call('GET', '/api/v1/sync/schema')
const schema = watermelonSchema(served)
// No decorators: records are read and written through their raw columns.
const modelClasses = served.tables.map(
  (t) =>
    class extends Model {
      static table = t.name
    },
)
const database = new Database({
  adapter: new LokiJSAdapter({
    schema,
    dbName: `${USERNAME}-${randomUUID()}`,
    useWebWorker: false,
    useIncrementalIndexedDB: false, // no IndexedDB in Node: LokiJS keeps the data in memory
  }),
  modelClasses,
})

const columnsOf = Object.fromEntries(served.tables.map((t) => [t.name, t.columns.map((c) => c.name)]))

function setColumns(record, table, fields) {
  for (const [column, value] of Object.entries(fields)) {
    if (!columnsOf[table].includes(column)) throw new Error(`${table} has no column ${column}`)
    record._setRaw(column, value) // what a @field setter does: the column is marked changed
  }
}

/** The record (raw columns, with WatermelonDB's _status and _changed), or null when absent or
 * marked as deleted. */
async function find(table, id) {
  const [record] = await database.get(table).query(Q.where('id', id)).fetch()
  return record ?? null
}

// --- Sync ---------------------------------------------------------------------------------------

// Lines from stdin, one at a time, for the command loop and for a sync held before its push.
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
async function nextCommand() {
  const { value, done } = await lines.next()
  if (done) return null
  return JSON.parse(value)
}

/**
 * One `synchronize()`: pull, apply (column-wise merge with local changes), push.
 *
 * Paging: WatermelonDB 0.28 makes one pullChanges call per synchronize() and then pushes at
 * once with that pull's timestamp. Looping synchronize() over the pages would push after a
 * partial pull, with a cursor the phone has not caught up to yet (the server rightly answers
 * 409 for a record changed in a later page). So pullChanges itself pulls every page while the
 * server says `has_more`, merges them (a later page's version of a record wins, deletions
 * included) and hands WatermelonDB one change set with the last page's timestamp: one
 * synchronize() is one full round of the protocol, applied in one write.
 */
async function sync(report, { pageSize, holdBeforePush = false, loseAnswer = false } = {}) {
  await synchronize({
    database,
    sendCreatedAsUpdated: true,
    log: report.log,
    pullChanges: async ({ lastPulledAt, schemaVersion }) => {
      const merged = {} // table -> Map(id -> record, or null when deleted)
      let cursor = lastPulledAt
      for (let more = true; more; ) {
        const query = new URLSearchParams({ schema_version: String(schemaVersion) })
        if (cursor) query.set('last_pulled_at', String(cursor))
        if (pageSize) query.set('page_size', String(pageSize))
        const page = await call('GET', `/api/v1/sync?${query}`)
        report.pages += 1
        for (const [table, changes] of Object.entries(page.changes)) {
          const records = (merged[table] ??= new Map())
          report.received[table] = (report.received[table] ?? 0) + changes.created.length
          report.received[table] += changes.updated.length + changes.deleted.length
          for (const raw of [...changes.created, ...changes.updated]) records.set(raw.id, raw)
          for (const id of changes.deleted) records.set(id, null)
        }
        cursor = page.timestamp
        more = page.has_more
      }
      const changes = {}
      for (const [table, records] of Object.entries(merged)) {
        const all = [...records.entries()]
        changes[table] = {
          created: [],
          updated: all.filter(([, raw]) => raw).map(([, raw]) => raw),
          deleted: all.filter(([, raw]) => !raw).map(([id]) => id),
        }
        report.pulled[table] = all.length
      }
      return { changes, timestamp: cursor }
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      const body = { changes } // as WatermelonDB gives them: every table, _status and _changed too
      const push = { lastPulledAt, body }
      report.pushes.push(push)
      if (holdBeforePush) {
        // Pulled, not pushed yet: let the test change things on the server, then go on.
        answer({ held: true, lastPulledAt, changes: body.changes })
        const resume = await nextCommand()
        if (resume?.op !== 'resume') throw new Error(`expected {"op": "resume"}, got ${JSON.stringify(resume)}`)
      }
      push.answer = await call('POST', `/api/v1/sync?last_pulled_at=${lastPulledAt}`, body)
      if (loseAnswer) throw new LostAnswer('the connection dropped before the answer arrived')
    },
  })
}

class LostAnswer extends Error {}

// --- Commands -------------------------------------------------------------------------------

const commands = {
  /** {table, fields} -> {id}: a record made on the phone (offline). */
  async create({ table, fields }) {
    let made
    await database.write(async () => {
      made = await database.get(table).create((record) => setColumns(record, table, fields))
    })
    return { id: made.id }
  },
  /** {table, id, fields} -> {record}: an edit on the phone. */
  async update({ table, id, fields }) {
    const record = await find(table, id)
    if (!record) throw new Error(`no ${table} ${id}`)
    await database.write(() => record.update(() => setColumns(record, table, fields)))
    return { record: record._raw }
  },
  /** {table, id}: deleted on the phone, to be pushed as deleted (markAsDeleted). */
  async delete({ table, id }) {
    const record = await find(table, id)
    if (!record) throw new Error(`no ${table} ${id}`)
    await database.write(() => record.markAsDeleted())
    return { deleted: id }
  },
  /** {table, id}: dropped from the phone for good, never pushed (destroyPermanently): what an
   * app does with a record the server will never take (a 422 naming it). */
  async discard({ table, id }) {
    const record = await find(table, id)
    if (!record) throw new Error(`no ${table} ${id}`)
    await database.write(() => record.destroyPermanently())
    return { discarded: id }
  },
  async get({ table, id }) {
    return { record: (await find(table, id))?._raw ?? null }
  },
  /** {table} -> {ids}: records marked as deleted here and not pushed yet. */
  async deletionsToPush({ table }) {
    return { ids: await database.adapter.getDeletedRecords(table) }
  },
  async all({ table }) {
    const records = await database.get(table).query().fetch()
    return { records: records.map((r) => r._raw) }
  },
  /** -> {counts: {table: n}} (records not marked as deleted). */
  async count() {
    const counts = {}
    for (const table of Object.keys(columnsOf)) counts[table] = await database.get(table).query().fetchCount()
    return { counts }
  },
  /** {pageSize?, holdBeforePush?, loseAnswer?} -> what the sync did: {pages, received: {table:
   * records in all pages}, pulled: {table: distinct records}, pushes: [{lastPulledAt, body, answer}], log (WatermelonDB's sync log), ms}, with
   * {error} when the server refused (e.g. 409: pull again and push) or the answer was lost. */
  async sync(options) {
    const report = { pages: 0, received: {}, pulled: {}, pushes: [], log: {} }
    const started = Date.now()
    try {
      await sync(report, options)
    } catch (error) {
      if (error instanceof HttpError) report.error = { status: error.status, problem: error.problem }
      else if (error instanceof LostAnswer) report.error = { lost: true, message: error.message }
      else throw error
    }
    return { ...report, ms: Date.now() - started }
  },
}

answer({ ready: true, schemaVersion: served.version, tables: Object.keys(columnsOf) })
for (let command = await nextCommand(); command; command = await nextCommand()) {
  const run = commands[command.op]
  if (!run) throw new Error(`unknown op ${JSON.stringify(command.op)}`)
  answer(await run(command))
}
process.exit(0) // stdin closed: the phone is switched off (LokiJS timers would keep it alive)
