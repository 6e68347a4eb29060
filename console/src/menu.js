// The side menu: only screens that exist, and only for roles that may use them. A screen
// that is not built yet has no entry.
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
    path: '/map',
    title: '地图',
    icon: 'map-location',
    // the map of one's area (GET /api/v1/map/*, GET /api/v1/console/config)
    allowed: (me) =>
      ['grid_leader', 'station_staff', 'brigade_staff', 'dispatcher', 'admin'].includes(me.role),
  },
  {
    path: '/complaints',
    title: '投诉',
    icon: 'phone',
    // GET /api/v1/complaints: staff and dispatchers their area's (see_area_complaints)
    allowed: (me) => ['station_staff', 'brigade_staff', 'dispatcher', 'admin'].includes(me.role),
  },
  {
    path: '/callbacks',
    title: '热线回传',
    icon: 'connection',
    // GET /api/v1/hotline/callbacks: admins only (the dead letters and their replay)
    allowed: (me) => me.role === 'admin',
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
