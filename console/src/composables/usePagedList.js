// One page of an API list and what a screen needs around it: the request with limit, offset
// and the screen's filters, the total, a loading flag, the error, the page number. The API
// filters, sorts and counts; the screen shows what it answers.
import { ref } from 'vue'

import { errorText, request } from '../api/client.js'

// Most lists count in X-Total-Count; a list that answers {items, total} passes its own unpack.
function rowsAndTotal(body, headers) {
  return { rows: body, total: Number(headers.get('x-total-count') ?? body.length) }
}

/**
 * usePagedList('/api/v1/hazards', {query: () => ({state: filters.state})}) → {rows, total,
 * page, pageSize, loading, error, load, search}
 *
 * `query` is called at each load, so it reads the filters as they are then (empty values are
 * left out of the URL). `unpack(body, headers)` → {rows, total}; `loaded(body)` hears every
 * answer (the inbox's unread counts). A failed load empties the page, keeps the reason in
 * `error` (in Chinese, with the API's problem detail) and the client has shown it already.
 */
export function usePagedList(
  path,
  { query = () => ({}), pageSize = 20, unpack = rowsAndTotal, loaded } = {},
) {
  const rows = ref([])
  const total = ref(0)
  const page = ref(1)
  const loading = ref(false)
  const error = ref('')
  let inFlight = null // the load before this one: its answer must not overwrite a newer page

  async function load() {
    inFlight?.abort()
    const mine = (inFlight = new AbortController())
    loading.value = true
    try {
      const answer = await request('GET', path, {
        full: true,
        signal: mine.signal,
        query: { ...query(), limit: pageSize, offset: (page.value - 1) * pageSize },
      })
      const unpacked = unpack(answer.body, answer.headers)
      rows.value = unpacked.rows
      total.value = unpacked.total
      error.value = ''
      loaded?.(answer.body)
    } catch (failure) {
      if (mine.signal.aborted) return // a newer load took over
      rows.value = []
      total.value = 0
      error.value = errorText(failure)
    } finally {
      if (inFlight === mine) {
        loading.value = false
        inFlight = null
      }
    }
  }

  // New filters, a new sort or a new tab: from the first page again.
  function search() {
    page.value = 1
    return load()
  }

  return { rows, total, page, pageSize, loading, error, load, search }
}
