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

// Roles the console is for; grid workers use the phone app, citizens the citizen apps.
export const CONSOLE_ROLES = ['grid_leader', 'station_staff', 'brigade_staff', 'dispatcher', 'admin']

export function mayUseConsole(me) {
  return Boolean(me) && CONSOLE_ROLES.includes(me.role)
}
