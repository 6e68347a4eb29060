// The inbox's words: each kind of notification and what it is about, in Chinese
// (backend/notify/enums.py), and where in the console each subject is shown.

export const KINDS = {
  hazard_reported: '新报隐患',
  hazard_step: '隐患处置',
  hazard_escalated: '隐患超期升级',
  complaint_dispatched: '投诉派单',
  complaint_triage: '投诉待分派',
  complaint_overdue: '投诉超期督办',
  complaint_extension: '投诉延期申请',
  complaint_reopened: '投诉重办',
  task_overdue: '巡查任务超期',
  campaign: '专项整治',
  alarm_feed: '物联网报警',
  fire_alert: '火警',
  work_prompt: '工作提示',
  other: '其他',
}

export const SUBJECTS = {
  hazard: '查看隐患',
  complaint: '查看投诉',
  task: '查看巡查任务',
  prompt: '查看工作提示',
  campaign: '查看专项整治',
  fire_alert: '查看火警',
}

// The console's page for what a notification is about (the service worker, public/sw.js,
// keeps the same table for a push's data).
const PAGES = {
  hazard: (id) => `/hazards/${id}`,
  complaint: (id) => `/complaints/${id}`,
  task: (id) => `/tasks/${id}`,
  fire_alert: (id) => `/fire-alerts/${id}`,
}

export function pageOf(notification) {
  const page = PAGES[notification.subject_type]
  return page && notification.subject_id ? page(notification.subject_id) : null
}
