// The townships of the caller's scope, by name, for a township filter or field: the top of
// the scope (GET /api/v1/areas?top=true), and under a county its townships.
import { request } from '../api/client.js'

const BATCH = 500

async function all(query) {
  const areas = []
  for (;;) {
    const batch = await request('GET', '/api/v1/areas', { query: { ...query, limit: BATCH, offset: areas.length } })
    areas.push(...batch)
    if (batch.length < BATCH) return areas
  }
}

export async function townshipsInScope() {
  const top = await all({ top: true })
  const found = top.filter((a) => a.level === 'township')
  for (const county of top.filter((a) => a.level === 'county')) {
    found.push(...(await all({ parent: county.code })).filter((a) => a.level === 'township'))
  }
  return found.map((a) => ({ code: a.code, name: a.name }))
}
