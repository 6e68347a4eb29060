// The alarm feeds' codes as people read them (alarms/enums.py gives the same names).
export const DEVICE_KINDS = {
  smoke: '独立式感烟探测报警器',
  electrical: '电气火灾监控',
  control_room: '消防设施联网',
  other: '其他设备',
}
export const DEVICE_STATUSES = { active: '在用', retired: '已停用' }
export const EVENT_KINDS = { alarm: '报警', fault: '故障', recovered: '恢复', test: '测试' }
export const EVENT_TAGS = { alarm: 'danger', fault: 'warning', recovered: 'success', test: 'info' }
export const OUTCOMES = {
  check_task: '生成核查任务',
  urgent_task: '生成紧急任务',
  hazard: '多次报警，上报隐患',
  in_burst: '同一轮报警（已上报隐患）',
  recorded: '仅记录',
  not_routed: '未定位（不在平台服务区域）',
  device_retired: '设备已停用，仅记录',
}
