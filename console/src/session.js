// Who is signed in: GET /api/v1/me, kept in one reactive object for the layout and the menu.
import { reactive } from 'vue'
import { onSignedOut, request, tokens } from './api/client.js'

export const session = reactive({ me: null })

export async function loadMe() {
  if (!tokens()) {
    session.me = null
    return null
  }
  if (!session.me) session.me = await request('GET', '/api/v1/me')
  return session.me
}

onSignedOut(() => {
  session.me = null
})

// What the caller may do, as the server's one table says (GET /api/v1/me `permissions`); the
// console asks this, never a list of roles of its own.
export function may(me, permission) {
  return Boolean(me) && (me.permissions || []).includes(permission)
}

// The console is for stations, brigades, dispatchers, grid leaders and admins; grid workers
// use the phone app, citizens the citizen apps.
export function mayUseConsole(me) {
  return may(me, 'use_console')
}
