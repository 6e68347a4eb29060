// The patrol screens' codes in Chinese (patrols/enums.py, grids/premises/enums.py).

export const TASK_STATES = { open: '待巡查', done: '已完成', cancelled: '已取消' }
export const TASK_STATE_TAGS = { open: 'warning', done: 'success', cancelled: 'info' }

export const TASK_KINDS = { plan: '月度计划', campaign: '专项整治', adhoc: '临时任务' }

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

// "YYYY-MM" of the month after today's, in Beijing time: what a station usually plans.
export function nextMonth(now = new Date()) {
  const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(now)
    .split('-')
    .map(Number)
  const index = year * 12 + month // month is 1-based: this is next month's 0-based index
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`
}

export function thisMonth(now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(now)
}

export function share(done, due) {
  return due ? `${Math.round((done / due) * 100)}%` : '—'
}
