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
