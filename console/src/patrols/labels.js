// The patrol screens' codes in Chinese (patrols/enums.py); premises types are in ../labels.js.

export const TASK_STATES = { open: '待巡查', done: '已完成', cancelled: '已取消' }
export const TASK_STATE_TAGS = { open: 'warning', done: 'success', cancelled: 'info' }

export const TASK_KINDS = { plan: '月度计划', campaign: '专项整治', adhoc: '临时任务', alarm: '物联网报警' }

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
