// What people read of the codes of units, notices, measures, referrals and requests for more
// time (notices/enums.py, measures/enums.py, referrals/enums.py, hazards/enums.py).

export const NOTICE_STATES = { issued: '待送达', sent: '已发短信，待签收', served: '已送达' }
export const NOTICE_STATE_TAGS = { issued: 'warning', sent: 'primary', served: 'success' }
export const SERVICE_METHODS = { paper: '直接送达（纸质回执）', on_site: '现场签名', sms_link: '短信链接签收' }

export const MEASURE_KINDS = { reminder: '提醒', interview: '约谈', warning: '告诫', exposure: '曝光' }
export const MEASURE_STATES = { recorded: '已记录', withdrawn: '已撤回' }
// Who must be there: all but a reminder take two certified officers (双人执法).
export const TWO_OFFICERS = new Set(['interview', 'warning', 'exposure'])

export const REFERRAL_KINDS = { copy: '抄告', transfer: '移送' }
export const REFERRAL_STATES = { sent: '待回复', overdue: '已逾期', replied: '已回复', closed: '已办结' }
export const REFERRAL_STATE_TAGS = { sent: 'primary', overdue: 'danger', replied: 'success', closed: 'info' }

export const EXTENSION_STATES = { pending: '待决定', granted: '已同意', refused: '已驳回' }
export const EXTENSION_STATE_TAGS = { pending: 'warning', granted: 'success', refused: 'info' }

export const COMMITMENT_STATES = { committed: '已承诺', verified: '核查属实', false: '虚假承诺', withdrawn: '已撤回' }

export const PERSON_ROLES = { responsible: '消防安全责任人', manager: '消防安全管理人' }

// Today in Beijing, as the API's days are (YYYY-MM-DD).
export function beijingToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
}
