// 火灾事故's codes as people read them (fires/incidents/enums.py gives the same names).
export const CAUSES = {
  electrical: '电气火灾',
  production: '生产作业',
  careless_fire_use: '用火不慎',
  smoking: '吸烟',
  playing_with_fire: '玩火',
  arson: '放火',
  spontaneous: '自燃',
  lightning: '雷击',
  static: '静电',
  undetermined: '不明原因',
  other: '其他',
}

export const PLACES = {
  residential: '住宅',
  small_venue: '九小场所',
  crowded_place: '人员密集场所',
  factory_warehouse: '厂房仓库',
  outdoor: '室外',
  vehicle: '交通工具',
  other: '其他',
}

export const STATES = { draft: '草稿', confirmed: '已核实', published: '已公开', withdrawn: '已撤回' }
export const STATE_TAGS = { draft: 'info', confirmed: 'warning', published: 'success', withdrawn: 'danger' }

// A Beijing wall-clock time from the picker ('YYYY-MM-DDTHH:mm:ss') as the API takes it.
export function beijingIso(value) {
  return value ? `${value}+08:00` : null
}

// 一键报警 (fires/alerts/enums.py).
export const ALERT_STATES = { open: '处置中', closed: '已处置', false_alarm: '误报' }
export const ALERT_STATE_TAGS = { open: 'danger', closed: 'success', false_alarm: 'info' }
export const ALERT_CHANNELS = { app: '一键报警', sms: '短信报警' }
export const SEND_CHANNELS = { push: '推送', sms: '短信' }
export const ACK_CHANNELS = { app: '手机', sms: '短信', staff: '工作站代录' }
export const DISTANCE_FROM = { position: '按实时位置', grid: '按网格位置', station: '按站点位置' }
export const PLACE_SOURCES = { gps: '手机定位', text: '短信所报坐标', position: '最近上报位置', grid: '所在网格' }

// 微型消防站 (fires/stations/enums.py).
export const STATION_KINDS = { micro: '微型消防站', volunteer: '志愿消防队' }

/** 203.5 → '204 米', 2345 → '2.3 公里'. */
export function distance(metres) {
  if (metres == null) return '—'
  return metres < 1000 ? `${Math.round(metres)} 米` : `${(metres / 1000).toFixed(1)} 公里`
}
