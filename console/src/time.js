// Every date and time is shown in Beijing time, whatever the browser's own zone.
const FORMAT = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

export function beijingTime(value) {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return '—'
  const parts = Object.fromEntries(FORMAT.formatToParts(date).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}

// A rectification deadline is the end of its last day, stored as the next day's 00:00: shown as
// that last day's 24:00, as a notice reads (自送达之日起N日内), not as a day too late.
export function beijingDeadline(value) {
  if (!value) return '—'
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return '—'
  const shown = beijingTime(date)
  if (!shown.endsWith(' 00:00')) return shown
  return `${beijingTime(new Date(date.getTime() - 60 * 1000)).slice(0, 10)} 24:00`
}
