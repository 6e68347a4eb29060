// The hazard's steps and timeline events in Chinese (the words of backend/core/texts_zh.py).
// What each step's form asks for is not here: the API gives it with each hazard (`step_needs`,
// from hazards/lifecycle.py).

export const HAZARD_ACTIONS = {
  confirm: '确认',
  reject: '判定不属实',
  mark_duplicate: '标记为重复上报',
  rectify_on_spot: '当场整改',
  order_rectification: '责令整改',
  submit_rectification: '提交整改',
  verify: '复查合格销号',
  fail_verification: '判定复查不合格',
  suspect_major: '上报疑似重大火灾隐患',
  determine_major: '认定重大火灾隐患',
  determine_not_major: '认定不属于重大火灾隐患',
  report_to_government: '报请政府挂牌督办',
  list: '挂牌督办',
  start_rectifying: '开始整改',
  reinspect: '复查',
  delist: '摘牌',
}

// Timeline events that are not steps (audit actions `hazard.<event>`).
export const HAZARD_EVENTS = {
  reported: '上报',
  approval: '审批',
  escalated: '超期上提',
  photo_added: '添加照片',
  report_revised: '修改上报内容',
  report_change_refused: '拒绝修改上报内容',
}

export const LISTING_LEVELS = { county: '县级', city: '市级', province: '省级' }

export const PHOTO_KINDS = { before: '整改前', after: '整改后' }

export const PHOTO_FLAGS = {
  taken_far_from_report: '拍摄地点距上报位置较远',
  taken_long_before_report: '拍摄时间远早于上报时间',
}

// An audit action `hazard.order_rectification` as people read it.
export function eventName(action) {
  const code = String(action || '').replace(/^hazard\./, '')
  return HAZARD_ACTIONS[code] || HAZARD_EVENTS[code] || code
}
