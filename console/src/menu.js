// The side menu: only screens that exist, and only for those whose permissions (from the
// server's table, GET /api/v1/me) let them use it. A screen not built yet has no entry.
// Twenty-odd screens read best in a few headed groups, in the order of a station's day: its
// daily work first, then fires and risk, enforcement, the records, and the office's chores.
import { may } from './session.js'

export const GROUPS = [
  { key: 'daily', title: '日常工作' },
  { key: 'fire', title: '火警与风险' },
  { key: 'enforce', title: '执法检查' },
  { key: 'records', title: '档案与人员' },
  { key: 'admin', title: '简报与运维' },
]

export const MENU = [
  {
    path: '/hazards',
    group: 'daily',
    title: '隐患',
    icon: 'warning',
    // everyone in the console sees the hazards of their area (GET /api/v1/hazards)
    allowed: (me) => may(me, 'use_console'),
  },
  {
    path: '/map',
    group: 'daily',
    title: '地图',
    icon: 'map-location',
    // the map of one's area (GET /api/v1/map/*, GET /api/v1/console/config)
    allowed: (me) => may(me, 'use_console'),
  },
  {
    path: '/patrols',
    group: 'daily',
    title: '巡查',
    icon: 'guide',
    // plans, tasks, progress, campaigns, prompts: each tab by its own permission
    allowed: (me) => may(me, 'follow_patrols'),
  },
  {
    path: '/complaints',
    group: 'daily',
    title: '投诉',
    icon: 'phone',
    // GET /api/v1/complaints: staff and dispatchers their area's (see_area_complaints)
    allowed: (me) => may(me, 'see_area_complaints'),
  },
  {
    path: '/notifications',
    group: 'daily',
    title: '消息',
    icon: 'bell',
    badge: 'unread', // the unread count beside it (src/inbox/UnreadBadge.vue)
    // everyone's own inbox (GET /api/v1/notifications)
    allowed: (me) => Boolean(me),
  },
  {
    path: '/fire-alerts',
    group: 'fire',
    title: '火警',
    icon: 'bell-filled',
    // GET /api/v1/fire-alerts: 一键报警 of one's area, live (read_fire_alerts); closing and a
    // micro station's phone answer: manage_fire_alerts
    allowed: (me) => may(me, 'read_fire_alerts'),
  },
  {
    path: '/fire-incidents',
    group: 'fire',
    title: '火灾事故',
    icon: 'sunny',
    // GET /api/v1/fire-incidents (read_fire_incidents); recording and publishing: record_fire_incidents
    allowed: (me) => may(me, 'read_fire_incidents'),
  },
  {
    path: '/alarm-feeds',
    group: 'fire',
    title: '物联网报警',
    icon: 'cpu',
    // GET /api/v1/alarm-feeds/devices and each device's feed (read_alarm_feeds); registering
    // devices: manage_alarm_devices
    allowed: (me) => may(me, 'read_alarm_feeds'),
  },
  {
    path: '/fire-stations',
    group: 'fire',
    title: '微型消防站',
    icon: 'first-aid-kit',
    // GET /api/v1/fire-stations/micro (read_micro_stations); registering: manage_micro_stations
    allowed: (me) => may(me, 'read_micro_stations'),
  },
  {
    path: '/risk',
    group: 'fire',
    title: '风险评估',
    icon: 'data-analysis',
    // GET /api/v1/risk/premises and each one's contributions; the 隐患清单 xlsx (read_risk)
    allowed: (me) => may(me, 'read_risk'),
  },
  {
    path: '/inspections',
    group: 'enforce',
    title: '双随机',
    icon: 'aim',
    // GET /api/v1/inspections/*: plans, draws and results of one's area (read_inspections)
    allowed: (me) => may(me, 'read_inspections'),
  },
  {
    path: '/notices',
    group: 'enforce',
    title: '待送达',
    icon: 'tickets',
    // GET /api/v1/notices?unserved=true; POST …/service (serve_notices)
    allowed: (me) => may(me, 'serve_notices') && may(me, 'read_notices'),
  },
  {
    path: '/extensions',
    group: 'enforce',
    title: '延期申请',
    icon: 'timer',
    // GET /api/v1/hazards/extension-requests, decided by decide_hazard_extensions
    allowed: (me) => may(me, 'decide_hazard_extensions'),
  },
  {
    path: '/measures',
    group: 'enforce',
    title: '约谈告诫',
    icon: 'chat-line-square',
    // GET /api/v1/measures (read_measures); recording needs record_measures
    allowed: (me) => may(me, 'read_measures'),
  },
  {
    path: '/referrals',
    group: 'enforce',
    title: '抄告移送',
    icon: 'share',
    // GET /api/v1/referrals (read_referrals); referring and entering replies: make_referrals
    allowed: (me) => may(me, 'read_referrals'),
  },
  {
    path: '/premises',
    group: 'records',
    title: '场所',
    icon: 'office-building',
    // GET /api/v1/premises and each unit's credit (read_credit: workers, leaders, staff, admin)
    allowed: (me) => may(me, 'read_credit'),
  },
  {
    path: '/units',
    group: 'records',
    title: '单位档案',
    icon: 'school',
    // GET /api/v1/units: the units one sees, each with its persons, hazards, notices, measures
    allowed: (me) => may(me, 'read_units'),
  },
  {
    path: '/people',
    group: 'records',
    title: '人员',
    icon: 'user',
    // GET /api/v1/users: the people of one's area; reset and close those one administers
    allowed: (me) => may(me, 'see_people'),
  },
  {
    path: '/teams',
    group: 'records',
    title: '网格团队',
    icon: 'user-filled',
    // GET/PUT /api/v1/grids/{code}/team, PUT /api/v1/users/{id}/duty
    allowed: (me) => may(me, 'manage_teams'),
  },
  {
    path: '/bulletins',
    group: 'admin',
    title: '简报',
    icon: 'document',
    // GET/POST /api/v1/bulletins: the monthly bulletins of one's area (read_bulletins)
    allowed: (me) => may(me, 'read_bulletins'),
  },
  {
    path: '/callbacks',
    group: 'admin',
    title: '热线回传',
    icon: 'connection',
    // GET /api/v1/hotline/callbacks: the dead letters and their replay (admins)
    allowed: (me) => may(me, 'administer'),
  },
]

export function menuFor(me) {
  return me ? MENU.filter((entry) => entry.allowed(me)) : []
}

/** The allowed entries under their group headings; a group with nothing allowed is left out. */
export function groupedMenuFor(me) {
  const allowed = menuFor(me)
  return GROUPS.map((group) => ({ ...group, entries: allowed.filter((entry) => entry.group === group.key) })).filter(
    (group) => group.entries.length,
  )
}
