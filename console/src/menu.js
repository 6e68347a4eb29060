// The side menu: only screens that exist, and only for roles that may use them. A screen
// that is not built yet has no entry (地图, 投诉 come in later slices).
export const MENU = [
  {
    path: '/hazards',
    title: '隐患',
    icon: 'warning',
    // every console role sees hazards in its area (GET /api/v1/hazards)
    allowed: (me) =>
      ['grid_leader', 'station_staff', 'brigade_staff', 'dispatcher', 'admin'].includes(me.role),
  },
  {
    path: '/notifications',
    title: '消息',
    icon: 'bell',
    badge: 'unread', // the unread count beside it (src/inbox/UnreadBadge.vue)
    // everyone's own inbox (GET /api/v1/notifications)
    allowed: (me) => Boolean(me),
  },
]

export function menuFor(me) {
  return me ? MENU.filter((entry) => entry.allowed(me)) : []
}
