// firegrid console's service worker (served at /console/sw.js, scope /console/): shows a Web
// Push message as a browser notification and opens what it is about when it is clicked.
// A push is JSON: {"title", "body", "data": {kind, hazard_id | complaint_id | patrol_task_id | fire_alert_id, …}}
// (backend/notify/webpush.py).

// What a message is about -> its page (as src/inbox/kinds.js).
const PAGES = [
  ['hazard_id', (id) => `/console/hazards/${id}`],
  ['complaint_id', (id) => `/console/complaints/${id}`],
  ['patrol_task_id', (id) => `/console/tasks/${id}`],
  ['fire_alert_id', (id) => `/console/fire-alerts/${id}`],
]

function pageOf(data) {
  for (const [key, page] of PAGES) {
    if (data && data[key]) return page(encodeURIComponent(data[key]))
  }
  return '/console/notifications'
}

self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('push', (event) => {
  let message = {}
  if (event.data) {
    try {
      message = event.data.json()
    } catch {
      message = { body: event.data.text() }
    }
  }
  const data = message.data || {}
  event.waitUntil(
    self.registration.showNotification(message.title || '您有一条新消息', {
      body: message.body || '',
      lang: 'zh-CN',
      tag: data.hazard_id || data.complaint_id || data.patrol_task_id || data.fire_alert_id || undefined,
      data: { url: pageOf(data) },
    }),
  )
})

self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const url = new URL(event.notification.data?.url || '/console/notifications', self.location.origin)
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const tab = open.find((client) => new URL(client.url).pathname.startsWith('/console/'))
      if (tab) {
        await tab.focus()
        return tab.navigate(url.href)
      }
      return self.clients.openWindow(url.href)
    })(),
  )
})
