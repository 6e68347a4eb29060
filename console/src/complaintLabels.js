// What people read of complaints 投诉: every code the complaints API answers, in Chinese.

export const CHANNELS = {
  96119: '96119 消防举报投诉专线',
  12345: '12345 政务服务便民热线',
  app: '群众App',
  wechat: '微信小程序',
  web: '随手拍网页',
  other: '其他渠道',
}

// The same, short enough for a list's narrow 来源 column.
export const CHANNELS_SHORT = { 96119: '96119', 12345: '12345', app: '群众App', wechat: '微信', web: '随手拍', other: '其他' }

export const COMPLAINT_TYPES = { consultation: '咨询', complaint: '投诉', report: '举报', help_request: '求助' }

export const COMPLAINT_STATES = {
  received: '待分派',
  dispatched: '已派单',
  signed: '已签收',
  verifying: '已核查',
  replied: '已答复',
  closed: '已办结',
  callback_done: '回访满意',
  unsatisfied: '回访不满意',
  reopened: '重办',
}

export const STAGES = { sign: '签收', verify: '现场核查', reply: '答复' }

export const FINDINGS = {
  hazard_found: '发现隐患',
  rectified_already: '已自行整改',
  not_found: '未发现所述情况',
  not_fire_related: '非消防问题',
  answered: '已解答',
}

export const EXTENSION_STATES = { requested: '待审批', approved: '已批准', refused: '不予批准' }

export const ROUTE_STATUS = {
  inside: '已定位到网格',
  address: '仅有地址，待定位',
  none: '未能定位',
  outside: '位置不在辖区内',
}

export const RELATIONS = { primary: '专职网格员', backup: '备岗网格员', grid_leader: '网格长' }

export const DUTY = { on_duty: '在岗', off_duty: '不在岗', on_leave: '请假' }

// The timeline reads the audit log: one line per step.
export const TIMELINE_ACTIONS = {
  'complaint.received': '受理',
  'complaint.triage': '进入待分派',
  'complaint.placed': '定位',
  'complaint.dispatched': '派单',
  'complaint.sign': '签收',
  'complaint.return': '退单',
  'complaint.verify': '现场核查',
  'complaint.reply': '答复',
  'complaint.close': '办结',
  'complaint.callback_satisfied': '回访满意',
  'complaint.callback_unsatisfied': '回访不满意',
  'complaint.reopen': '重办',
  'complaint.reward_eligible': '符合举报奖励条件',
  'complaint.reward_excluded': '不予奖励（排除名单）',
  'complaint.reward_approved': '举报奖励已批准',
  'complaint.reward_refused': '举报奖励未获批准',
  'complaint.reward_paid': '举报奖励已发放',
  'complaint.reopened': '重办',
  'complaint.not_fixed': '群众反馈未整改，重办',
  'complaint.citizen_photo_added': '群众上传照片',
  'complaint.reminded': '催办',
  'complaint.escalated': '逾期上报',
  'complaint.extension_requested': '申请延期',
  'complaint.extension_decided': '延期审批',
  'complaint.caller_viewed': '查看来电人信息',
  'complaint.photo_added': '上传照片',
  'complaint.callback_replayed': '重发回访推送',
}

export const CALLBACK_EVENTS = {
  dispatched: '已派单',
  signed: '已签收',
  verifying: '已核查',
  replied: '已答复',
  closed: '已办结',
  extended: '已延期',
  reopened: '重办',
}

export const CALLBACK_STATUS = { pending: '待发送', delivered: '已送达', dead: '发送失败' }

// The lifecycle's steps (complaints/lifecycle.py) as buttons; what each one's form asks for
// comes with the complaint (`step_needs`).
export const COMPLAINT_ACTIONS = {
  dispatch: '派单',
  sign: '签收',
  return: '退单',
  verify: '现场核查',
  reply: '答复',
  close: '办结',
  callback_satisfied: '回访满意',
  callback_unsatisfied: '回访不满意',
  reopen: '重办',
  not_fixed: '群众反馈未整改',
}

