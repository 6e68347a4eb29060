// The side menu: only screens that exist, and only for roles that may use them. A screen
// that is not built yet has no entry (投诉, 消息 come in later slices).
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
]

export function menuFor(me) {
  return me ? MENU.filter((entry) => entry.allowed(me)) : []
}
