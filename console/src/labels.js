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
// Who took a step in a timeline: a person's role, or firegrid itself (a scheduled job, routing).
export const ACTOR_ROLES = { ...ROLES, system: '系统' }

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

export const SOURCES = { patrol: '巡查', citizen: '随手拍', complaint: '投诉', inspection: '执法检查', monitoring: '物联网监测' }

// Who holds a hazard at each level of escalation (docs/hazards.md).
export const LEVELS = ['网格员', '网格长', '消防工作站', '消防救援大队', '政府督办']

// The levels of the area tree (grids/enums.py AreaLevel).
export const AREA_LEVELS = { county: '县（区）', township: '乡镇（街道）', village: '村（社区）', grid: '网格' }

// The premises registry (grids/premises/enums.py).
export const PREMISES_TYPES = {
  public_gathering: '公众聚集场所',
  high_rise: '高层建筑',
  underground: '地下建筑',
  large_complex: '大型综合体',
  flammable_explosive: '易燃易爆场所',
  farm_stay: '农家乐/民宿',
  small_venue: '九小场所',
  residential: '住宅',
  living_workshop: '“三合一”场所',
  school: '学校',
  hospital: '医院',
  elderly_care: '养老机构',
  child_venue: '儿童活动场所',
  labour_intensive: '劳动密集型企业',
  other: '其他',
}
export const RISK_LEVELS = { low: '低', medium: '中', high: '高', very_high: '很高' }
export const SUPERVISION_TIERS = { brigade: '消防救援大队', police_station: '派出所', township: '乡镇（街道）' }

// Credit (hazards/credit/enums.py); the colours are CreditStatus.colour's (docs/credit.md).
export const CREDIT_STATUSES = { normal: '正常', red_list: '红名单', watch: '重点关注', blacklist: '黑名单' }
export const CREDIT_COLOURS = { normal: '#52c41a', red_list: '#f5222d', watch: '#fa8c16', blacklist: '#000000' }
export const CREDIT_RECORD_KINDS = {
  hazard_confirmed: '隐患经确认',
  major_hazard: '重大火灾隐患',
  rectification_overdue: '逾期未整改',
  order_refused: '拒不整改',
  stop_order_ignored: '擅自恢复使用、营业',
  business_stopped: '责令停产停业',
  false_commitment: '告知承诺严重失实',
  commendation: '表彰（如消防安全标准化管理达标）',
  reminded: '被提醒',
  interviewed: '被约谈',
  warned: '被告诫',
  exposed: '被曝光',
}
// A rule's reason as the rule set words it, e.g. "refused to rectify (拒不整改)": the Chinese in
// its brackets when it has some, else as it stands (a county's own rules may be all Chinese).
export function creditReason(reason) {
  return reason.match(/\(([^()]*[\u4e00-\u9fff][^()]*)\)\s*$/)?.[1] ?? reason
}
export const CREDIT_STANDINGS = { active: '有效', repaired: '已修复', annulled: '已撤销' }
export const APPEAL_KINDS = { repair: '信用修复', objection: '异议申诉' }
export const APPEAL_STATES = { pending: '待决定', approved: '已批准', rejected: '已驳回' }

export function label(table, code) {
  return table[code] ?? code ?? '—'
}

// Who holds a hazard or a grid's work now (texts_zh.TERMS['handler_kind']).
export const HANDLER_KINDS = {
  primary_worker: '网格员',
  backup_worker: '备岗网格员',
  grid_leader: '网格长',
  township_station: '乡镇消防工作站',
  county_brigade: '县级消防救援大队',
}

// How an inspector is tied to a unit they must not inspect (patrols/inspections/enums.py).
export const RELATIONS = {
  self: '本人经营或持有',
  spouse: '配偶',
  parent: '父母',
  child: '子女',
  sibling: '兄弟姐妹',
  other_close_relative: '其他近亲属',
  former_employer: '曾任职单位',
}
