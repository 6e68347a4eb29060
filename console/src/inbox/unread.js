// The unread count beside 消息 in the menu: GET /api/v1/notifications?limit=1 every 30 s while
// the tab is visible, at once when it comes back into view or gets the focus, and after the
// inbox marks something read.
import { reactive } from 'vue'

import { onSignedOut, request, tokens } from '../api/client.js'

export const unread = reactive({ count: 0, urgent: 0 })

const EVERY_MS = 30_000
let timer = null
let users = 0

export async function refreshUnread() {
  if (!tokens()) return
  try {
    const answer = await request('GET', '/api/v1/notifications', {
      query: { limit: 1 },
      quiet: true, // a missed count is tried again at the next tick
    })
    setUnread(answer)
  } catch {
    // kept as it was
  }
}

export function setUnread(answer) {
  unread.count = answer.unread_count
  unread.urgent = answer.urgent_unread_count ?? unread.urgent
}

function tick() {
  if (document.visibilityState === 'visible') refreshUnread()
}

function onVisible() {
  if (document.visibilityState === 'visible') refreshUnread()
}

// Started by the layout while it is shown; stopped when it goes (sign-out).
export function startUnreadPolling() {
  users += 1
  if (users > 1) return
  refreshUnread()
  timer = setInterval(tick, EVERY_MS)
  document.addEventListener('visibilitychange', onVisible)
  window.addEventListener('focus', refreshUnread)
}

export function stopUnreadPolling() {
  users = Math.max(0, users - 1)
  if (users > 0) return
  clearInterval(timer)
  timer = null
  document.removeEventListener('visibilitychange', onVisible)
  window.removeEventListener('focus', refreshUnread)
}

onSignedOut(() => {
  unread.count = 0
  unread.urgent = 0
})
