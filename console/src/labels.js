// What people read: every code the API answers, in Chinese.

export const ROLES = {
  citizen: '群众',
  grid_worker: '网格员',
  grid_leader: '网格长',
  station_staff: '乡镇消防工作站',
  brigade_staff: '县级消防救援大队',
  dispatcher: '调度中心',
  admin: '系统管理员',
  integration: '对接系统',
}

export const HAZARD_STATES = {
  reported: '已上报',
  confirmed: '已确认',
  rejected: '不予认定',
  duplicate: '重复上报',
  rectified_on_spot: '当场整改',
  rectification_ordered: '责令整改',
  rectification_submitted: '整改待复查',
  rectification_failed: '复查不合格',
  verified_closed: '复查合格',
  major_suspected: '疑似重大隐患',
  determined_major: '认定重大隐患',
  reported_to_government: '已报政府',
  listed: '挂牌督办',
  rectifying: '整改中',
  reinspected: '已复查',
  delisted: '已摘牌',
}

export const SEVERITIES = { ordinary: '一般隐患', major: '重大火灾隐患' }

export const CATEGORIES = {
  exit_blocked: '疏散通道、安全出口堵塞或锁闭',
  facility_faulty: '消防设施缺失、损坏、停用',
  electrical: '电气线路敷设、违规用电',
  ebike_indoor: '电动自行车违规停放充电',
  open_flame: '违规用火',
  flammables: '违规存放易燃易爆物品',
  living_in_workplace: '“三合一”场所住人',
  fire_lane_blocked: '消防车通道堵塞',
  hydrant_extinguisher: '消火栓、灭火器缺失或过期',
  other: '其他',
}

export const SOURCES = { patrol: '巡查', citizen: '随手拍', complaint: '投诉', inspection: '执法检查' }

// Who holds a hazard at each level of escalation (docs/hazards.md).
export const LEVELS = ['网格员', '网格长', '消防工作站', '消防救援大队', '政府督办']

// The levels of the area tree (grids/enums.py AreaLevel).
export const AREA_LEVELS = { county: '县（区）', township: '乡镇（街道）', village: '村（社区）', grid: '网格' }

export function label(table, code) {
  return table[code] ?? code ?? '—'
}
