"""The Chinese (zh-CN) of every message a client may read in a problem document; used by
backend.core.i18n for a request whose Accept-Language prefers Chinese.

MESSAGES maps an English message to its Chinese. A key without placeholders is matched
exactly; a key with placeholders is the message's f-string template: `{name}` stands for any
text and is copied as it is (ids, codes, numbers, field names), `{name:kind}` for
- a term of TERMS[kind] (a state, a role, an action, a level), or a list of them, written in
  Chinese (a value that is not such a term does not match the key);
- `text`: a message of this catalog inside the message (it must translate too);
- `any`: text that is Chinese when the catalog knows it and copied otherwise (a library's
  exception text);
- `path`: a field's path (`year`, `body.lng`); `dotted`: one with a `.` or `[` in it.
A key may start with `[slug] `: it then applies only to problems of that type (the same English
sentence of a hazard and of a complaint names different steps).

Only strings live here: the kernel imports no domain, and this module names the domain's words,
never its code. The terms are the ones of the domain (/shared/DOMAIN.md) and of the comments on
the enums (backend/identity/enums.py, hazards/enums.py, complaints/enums.py); complaint states
read as Open311 tells them to citizens (complaints/open311/service.py), without the English.

tests/backend/test_problem_texts_zh.py fails for any message in the source that is not here.
"""

from __future__ import annotations

ROLES = {
    "citizen": "群众",
    "grid_worker": "网格员",
    "grid_leader": "网格长",
    "station_staff": "乡镇消防工作站工作人员",
    "brigade_staff": "消防救援大队工作人员",
    "dispatcher": "调度中心工作人员",
    "admin": "系统管理员",
    "integration": "对接系统",
}

AREA_LEVELS = {"county": "县/区", "township": "乡镇/街道", "village": "村/社区", "grid": "网格"}

HAZARD_STATES = {
    "reported": "已上报",
    "confirmed": "已确认",
    "rejected": "经核查不属实",
    "duplicate": "重复上报",
    "rectified_on_spot": "已当场整改",
    "rectification_ordered": "责令整改中",
    "rectification_submitted": "已提交整改待复查",
    "rectification_failed": "复查不合格",
    "verified_closed": "复查合格已销号",
    "major_suspected": "疑似重大火灾隐患",
    "determined_major": "已认定为重大火灾隐患",
    "reported_to_government": "已报请政府挂牌督办",
    "listed": "挂牌督办中",
    "rectifying": "整改中",
    "reinspected": "已复查",
    "delisted": "已摘牌",
}

HAZARD_ACTIONS = {
    "confirm": "确认",
    "reject": "判定不属实",
    "mark_duplicate": "标记为重复上报",
    "rectify_on_spot": "当场整改",
    "order_rectification": "责令整改",
    "submit_rectification": "提交整改",
    "verify": "复查合格销号",
    "fail_verification": "判定复查不合格",
    "suspect_major": "上报疑似重大火灾隐患",
    "determine_major": "认定重大火灾隐患",
    "determine_not_major": "认定不属于重大火灾隐患",
    "report_to_government": "报请政府挂牌督办",
    "list": "挂牌督办",
    "start_rectifying": "开始整改",
    "reinspect": "复查",
    "delist": "摘牌",
}

COMPLAINT_STATES = {
    "received": "已受理",
    "dispatched": "已派单",
    "signed": "已签收",
    "verifying": "已核查",
    "replied": "已答复",
    "closed": "已办结",
    "callback_done": "已办结并回访",
    "unsatisfied": "回访不满意",
    "reopened": "重办中",
}

COMPLAINT_ACTIONS = {
    "dispatch": "派单",
    "sign": "签收",
    "return": "退单",
    "verify": "核查",
    "reply": "答复",
    "close": "办结",
    "callback_satisfied": "回访满意",
    "callback_unsatisfied": "回访不满意",
    "reopen": "重办",
    "not_fixed": "群众反馈未整改",
    "refer": "移送其他部门",
}

# The fields a step needs (hazard and complaint lifecycle rows' `needs`).
NEEDS = {
    "note": "说明",
    "duplicate_of": "重复的隐患",
    "deadline_working_days": "整改期限（工作日）",
    "listing_level": "挂牌级别",
    "assignee_id": "承办人",
    "reason": "理由",
    "finding": "核查结果",
    "department": "移送部门",
    "reply": "答复内容",
    "location": "位置",
    "criteria": "符合的判定标准（GB 35181）",
}

# What `demand(role, permission, doing)` says a role may not do: the `doing` texts, and each
# permission's name when no `doing` is given.
DOINGS = {
    "do this": "执行此操作",
    "register monitored devices": "登记物联网设备",
    "retire monitored devices": "停用物联网设备",
    "manage alarm devices": "管理物联网设备",
    "read alarm feeds": "查看物联网报警",
    "send alarm events": "发送物联网报警事件",
    "manage partner callbacks": "管理对接系统的回调",
    "add photos to complaints": "为投诉添加照片",
    "see who called": "查看来电人",
    "see rewards": "查看举报奖励",
    "decide rewards": "审批举报奖励",
    "record payments": "登记奖励发放",
    "keep the exclusion register": "维护不予奖励名单",
    "ask for more time": "申请延期",
    "change credit records": "变更信用记录",
    "edit areas": "编辑区域",
    "manage users": "管理人员",
    "manage teams": "管理网格队伍",
    "administer": "进行系统管理",
    "register premises": "登记场所",
    "edit premises": "编辑场所",
    "read units": "查看单位",
    "manage units": "管理单位",
    "add unit persons": "登记单位消防安全责任人/管理人",
    "read measures": "查看对单位采取的措施",
    "record measures": "登记对单位采取的措施",
    "read commitments": "查看告知承诺",
    "record commitments": "登记告知承诺",
    "read fire incidents": "查看火灾事故",
    "record fire incidents": "登记火灾事故",
    "work in the field": "进行现场工作",
    "take hazard steps": "处理隐患",
    "take site photos": "拍摄现场照片",
    "see original photos": "查看照片原图",
    "enforce": "执法",
    "list for supervision": "报请挂牌督办",
    "see area complaints": "查看辖区投诉",
    "manage complaints": "管理投诉",
    "see callers": "查看来电人",
    "record callbacks": "登记回访",
    "read rewards": "查看举报奖励",
    "keep reward exclusions": "维护不予奖励名单",
    "read credit": "查看信用记录",
    "read referrals": "查看抄告/移送",
    "make referrals": "抄告/移送其他部门",
    "answer referrals": "答复抄告/移送",
    "refer to other departments": "抄告/移送其他部门",
    "plan patrols": "安排巡查",
    "follow patrols": "跟踪巡查",
    "publish checklists": "发布检查表",
    "run campaigns": "开展专项整治",
    "organise inspections": "组织双随机抽查",
    "read inspections": "查看双随机抽查",
    "see people": "查看辖区人员",
    "use console": "使用管理端",
    "read bulletins": "查看简报",
    "read risk": "查看风险评分",
    "read risk scores": "查看风险评分",
    "make bulletins": "生成简报",
    "read notices": "查看执法文书",
    "serve notices": "送达执法文书",
    "decide hazard extensions": "审批延期整改申请",
    "decide requests for more time": "审批延期整改申请",
    "read micro stations": "查看微型消防站",
    "manage micro stations": "管理微型消防站",
    "register micro stations": "登记微型消防站",
    "change the register": "修改微型消防站登记",
    "raise fire alerts": "一键报警",
    "report a position": "上报位置",
    "read fire alerts": "查看火警",
    "manage fire alerts": "处置火警",
    "enter answers": "代为登记回复",
    "relay sms": "转发上行短信",
    "relay texts": "转发上行短信",
}

TERMS: dict[str, dict[str, str]] = {
    "role": ROLES,
    "area_level": AREA_LEVELS,
    "hazard_state": HAZARD_STATES,
    "hazard_action": HAZARD_ACTIONS,
    "complaint_state": COMPLAINT_STATES,
    "complaint_action": COMPLAINT_ACTIONS,
    "need": NEEDS,
    "doing": {**DOINGS, **HAZARD_ACTIONS},
    "task_state": {"open": "待巡查", "done": "已完成", "cancelled": "已取消"},
    "task_step": {"visit": "巡查", "cancel": "取消"},
    "measure_kind": {
        "reminder": "提醒",
        "interview": "约谈",
        "warning": "告诫",
        "exposure": "曝光",
    },
    "measure_state": {"new": "新建", "recorded": "已登记", "withdrawn": "已撤回"},
    "measure_action": {"record": "登记", "withdraw": "撤回"},
    "commitment_state": {
        "new": "新建",
        "committed": "已承诺待核查",
        "verified": "经核查属实",
        "false": "虚假承诺",
        "withdrawn": "已撤回",
    },
    "fire_incident_state": {
        "new": "新建",
        "draft": "草稿",
        "confirmed": "已核实",
        "published": "已公开",
        "withdrawn": "已撤回",
    },
    "fire_incident_action": {
        "record": "登记",
        "confirm": "核实",
        "publish": "公开",
        "withdraw": "撤回",
    },
    "commitment_action": {
        "record": "登记",
        "verify": "核查属实",
        "find_false": "认定虚假承诺",
        "withdraw": "撤回",
    },
    "reward_state": {
        "eligible": "待审批",
        "excluded": "不予奖励",
        "approved": "已批准",
        "refused": "未获批准",
        "paid": "已发放",
    },
    "extension_state": {"requested": "待审批", "approved": "已批准", "refused": "未获批准"},
    "hazard_extension_state": {"pending": "待审批", "granted": "已批准", "refused": "未获批准"},
    "credit_standing": {"active": "有效", "repaired": "已信用修复", "annulled": "已撤销"},
    "appeal_state": {"pending": "待处理", "approved": "已批准", "rejected": "已驳回"},
    "credit_kind": {
        "hazard_confirmed": "确认隐患",
        "major_hazard": "重大火灾隐患",
        "rectification_overdue": "逾期未整改",
        "order_refused": "拒不整改",
        "stop_order_ignored": "擅自恢复使用、营业",
        "business_stopped": "责令停产停业",
        "false_commitment": "虚假承诺",
        "commendation": "表彰",
        "reminded": "被提醒",
        "interviewed": "被约谈",
        "warned": "被告诫",
        "exposed": "被曝光",
    },
    # The words of the console (console/src/labels.js, complaintLabels.js, hazardTerms.js),
    # for exports (the xlsx of each list writes codes as people read them).
    "hazard_category": {
        "exit_blocked": "疏散通道、安全出口堵塞或锁闭",
        "facility_faulty": "消防设施缺失、损坏、停用",
        "electrical": "电气线路敷设、违规用电",
        "ebike_indoor": "电动自行车违规停放充电",
        "open_flame": "违规用火",
        "flammables": "违规存放易燃易爆物品",
        "living_in_workplace": "“三合一”场所住人",
        "fire_lane_blocked": "消防车通道堵塞",
        "hydrant_extinguisher": "消火栓、灭火器缺失或过期",
        "other": "其他",
    },
    "severity": {"ordinary": "一般隐患", "major": "重大火灾隐患"},
    "hazard_source": {
        "patrol": "巡查",
        "citizen": "随手拍",
        "complaint": "投诉",
        "inspection": "执法检查",
    },
    # Who holds a hazard at each escalation level (hazards.enums.EscalationLevel).
    "escalation_level": {
        "0": "网格员",
        "1": "网格长",
        "2": "消防工作站",
        "3": "消防救援大队",
        "4": "政府督办",
    },
    "handler_kind": {
        "primary_worker": "网格员",
        "backup_worker": "备岗网格员",
        "grid_leader": "网格长",
        "township_station": "乡镇消防工作站",
        "county_brigade": "县级消防救援大队",
    },
    "listing_level": {"county": "县级", "city": "市级", "province": "省级"},
    "complaint_channel": {
        "96119": "96119 消防举报投诉专线",
        "12345": "12345 政务服务便民热线",
        "app": "群众App",
        "wechat": "微信小程序",
        "web": "随手拍网页",
        "other": "其他渠道",
    },
    "complaint_type": {
        "consultation": "咨询",
        "complaint": "投诉",
        "report": "举报",
        "help_request": "求助",
    },
    "complaint_stage": {"sign": "签收", "verify": "现场核查", "reply": "答复"},
    "finding": {
        "hazard_found": "发现隐患",
        "rectified_already": "已自行整改",
        "not_found": "未发现所述情况",
        "not_fire_related": "非消防问题",
        "answered": "已解答",
    },
    "route_status": {
        "inside": "已定位到网格",
        "nearest": "就近归入网格",
        "township": "归入乡镇消防工作站",
        "unrouted": "未能定位",
        "address": "仅有地址，待定位",
        "none": "未能定位",
        "outside": "位置不在辖区内",
    },
    "credit_status": {
        "normal": "正常",
        "red_list": "红名单",
        "watch": "重点关注",
        "blacklist": "黑名单",
    },
    "task_kind": {"plan": "月度巡查", "campaign": "专项整治", "adhoc": "临时任务"},
    # Who answers for an overdue patrol task (patrols.enums.TaskLevel).
    "task_level": {"0": "网格员", "1": "网格长", "2": "消防工作站"},
    "outbox_status": {
        "pending": "待发送",
        "delivered": "已送达",
        "no_device": "无可推送设备",
        "dead": "已停止重试",
    },
}

MESSAGES: dict[str, str] = {
    # --- titles: HTTP statuses, framework errors and each Problem type -------------------------
    "Bad request": "请求有误",
    "Authentication required": "需要登录",
    "Forbidden": "无权操作",
    "Not found": "未找到",
    "Method not allowed": "不支持该请求方法",
    "Not acceptable": "无法提供所要求的格式",
    "Conflict": "与当前状态冲突",
    "Request body too large": "请求体过大",
    "Unsupported media type": "不支持的内容类型",
    "The request is not valid": "请求内容不符合要求",
    "Too many requests": "请求过于频繁",
    "Service unavailable": "服务暂不可用",
    "Error": "错误",
    "Internal error": "内部错误",
    "Not ready": "服务尚未就绪",
    "Not allowed for this role": "当前角色无权执行此操作",
    "Metrics are not served to this client": "不向此客户端提供监控指标",
    "metrics are served to the operators' networks or with their token only": (
        "监控指标仅提供给运维网络内的客户端或持有运维令牌的请求"
    ),
    "metrics are off on this server": "本服务器未开启监控指标",
    "No Chinese font to render documents": "缺少生成文书所需的中文字体",
    "The notice has already been served": "该文书已送达",
    "This way of serving a notice is not available yet": "暂不支持该送达方式",
    "A signature drawn on site is a PNG image": "现场签名须为 PNG 图片",
    "The notice's file does not match its hash": "文书文件与其哈希值不符",
    "no notice {id} in your area": "您的辖区内没有文书 {id}",
    "serving by SMS link is not available yet": "暂不支持短信链接送达",
    "notice {number:any} was served at {when:any}": "文书 {number} 已于 {when} 送达",
    "notice {number:any} was served meanwhile": "文书 {number} 已被他人送达",
    "the signature drawn on site is sent as a PNG": "现场签名须以 PNG 图片上传",
    "the stored file of notice {number:any} does not match": "文书 {number} 的存储文件与记录不符",
    "serving by SMS link sends no evidence": "短信链接送达无需上传凭证",
    # --- notices.unitlink: serving by SMS link, the unit's page --------------------------------
    "The notice's premises belongs to no registered unit": "该文书所涉场所未登记所属单位",
    "No person of the unit has a verified phone": "该单位没有手机号已验证的人员",
    "No public address is set for the unit's link": "未设置单位链接的公网地址",
    "The link is wrong or has expired": "链接无效或已过期",
    "The hazard is not waiting for the unit's fix": "该隐患当前不在待单位整改状态",
    "the notice's premises belongs to no registered unit: register the unit and its "
    "消防安全责任人 first, or serve the notice on paper or on site": (
        "该文书所涉场所未登记所属单位：请先登记单位及其消防安全责任人，或改为直接送达、现场签收"
    ),
    "neither the 消防安全责任人 nor the 消防安全管理人 of {unit:any} has a verified phone: verify "
    "one, or serve the notice on paper or on site": (
        "{unit}的消防安全责任人和消防安全管理人均无已验证的手机号：请先验证，或改为直接送达、现场签收"
    ),
    "FIREGRID_PUBLIC_BASE_URL is not set: there is no address to text": (
        "未设置 FIREGRID_PUBLIC_BASE_URL，无法发送链接"
    ),
    "too many requests; try again in {wait} s": "请求过于频繁，请在 {wait} 秒后重试",
    "send the link's key: Authorization: Bearer ulk_…": "请发送链接密钥：Authorization: Bearer ulk_…",
    "the link is wrong or has expired: ask the fire station for a new one": (
        "链接无效或已过期：请联系消防工作站重新发送"
    ),
    "no hazard {id} of your unit": "您的单位没有隐患 {id}",
    "no notice {id} of your unit": "您的单位没有文书 {id}",
    "the hazard is {state:any}": "该隐患当前状态为：{state}",
    "no such hazard": "没有该隐患",
    # --- hazards.extensions: a unit's request for more time ------------------------------------
    "This hazard is not waiting on a deadline": "该隐患当前没有整改期限",
    "A request for more time is already waiting": "已有待审批的延期申请",
    "No request for more time is waiting": "没有待审批的延期申请",
    "a hazard that is {state:hazard_state} is not waiting on a deadline": (
        "处于“{state}”状态的隐患没有整改期限"
    ),
    "a request for more time is already waiting for a decision": "已有延期申请在等待审批",
    "hazard {id} has no request for more time waiting": "隐患 {id} 没有待审批的延期申请",
    "the request was decided meanwhile": "该申请已被他人审批",
    "the unit asked for {days} days at most": "单位申请的延期最多为 {days} 日",
    "the hazard is {state:hazard_state} now; nothing to extend": "该隐患当前为“{state}”，无需延期",
    "Choose a new password first": "请先设置新密码",
    "Conflicts with the current state": "与当前状态冲突",
    "Too many attempts": "尝试次数过多",
    "The photo is too large": "照片过大",
    "Only JPEG, PNG and HEIC photos are accepted": "仅接受 JPEG、PNG 和 HEIC 格式的照片",
    "The photo cannot be read": "无法读取照片",
    "The photo store cannot be reached": "无法连接照片存储",
    "The location is in none of our areas": "该位置不在本系统的任何辖区内",
    "The record was already repaired or annulled": "该信用记录已修复或已撤销",
    "An appeal about this record is already pending": "该记录已有待处理的申请",
    "The record cannot be repaired yet": "该记录暂不能信用修复",
    "The appeal was already decided": "该申请已有决定",
    "Another officer must decide what you filed": "本人提交的申请须由另一名执法人员决定",
    "Not possible in the hazard's current state": "隐患当前状态下不能进行此操作",
    "The hazard changed since you read it": "隐患在您读取后已有变动",
    "Your role may not take this step": "您的角色无权执行此步骤",
    "Enforcement steps need a valid certificate (持证)": "执法步骤须由持有效执法证的人员执行（持证）",
    "You already approved this step; another officer must": "您已批准此步骤，须由另一名执法人员批准",
    "The action lacks what it needs": "该操作缺少必要内容",
    "This channel and external id came with another body": "该渠道和外部编号已用于另一份不同的内容",
    "Intake is busy": "受理繁忙",
    "Sign-in is busy": "登录繁忙",
    "No extension can be asked for now": "现在不能申请延期",
    "Not possible in the complaint's current state": "投诉当前状态下不能进行此操作",
    "Not possible in the referral's current state": "抄告/移送当前状态下不能进行此操作",
    "The referral changed since you read it": "抄告/移送在您读取后已被修改",
    "The device changed since you read it": "设备在您读取后已被修改",
    "The platform's device is registered already": "该平台的设备已经登记",
    "The device is retired": "设备已停用",
    "The complaint changed since you read it": "投诉在您读取后已有变动",
    "This complaint is assigned to someone else": "该投诉已派给他人",
    "The step lacks what it needs": "该步骤缺少必要内容",
    "Not possible in the reward's current state": "举报奖励当前状态下不能进行此操作",
    "The app's database schema does not match the server's": "App 的数据库结构与服务器不一致",
    "Records changed on the server since your last pull": "自上次同步拉取以来，服务器上的记录已有变动",
    "Send Tus-Resumable: 1.0.0": "请发送 Tus-Resumable: 1.0.0",
    "Upload-Offset is not where the upload stands": "Upload-Offset 与上传的当前进度不一致",
    "The bytes do not match their checksum": "数据与其校验值不符",
    "More bytes than the upload may hold": "数据超出了该上传允许的大小",
    "The upload expired; start a new one": "上传已过期，请重新开始上传",
    "The upload's bytes are gone; start a new one": "已上传的数据已不存在，请重新开始上传",
    "Finish or delete an upload first": "请先完成或删除一个上传",
    "Use sha1 or sha256": "请使用 sha1 或 sha256",
    "The patrol task cannot take this step": "该巡查任务不能执行此步骤",
    # Starlette's and FastAPI's own details (an unknown path, a wrong method, ...)
    "Not Found": "未找到",
    "Method Not Allowed": "不支持该请求方法",
    "Unsupported Media Type": "不支持的内容类型",
    "Not Acceptable": "无法提供所要求的格式",
    "Unauthorized": "需要登录",
    "Bad Request": "请求有误",
    "Internal Server Error": "服务器内部错误",
    "Not authenticated": "未登录",
    # --- backend.core.web, backend.health ---------------------------------------------------------
    "the body is not valid JSON": "请求体不是有效的 JSON",
    "the request conflicts with existing data (a reference or a unique value)": (
        "请求与已有数据冲突（引用或唯一值）"
    ),
    "a value in the request cannot be stored": "请求中的某个值无法保存",
    "the database is busy with other writes; nothing was stored, try again shortly": (
        "数据库正忙于其他写入，本次未保存任何内容，请稍后重试"
    ),
    "the database cannot be reached or is not accepting writes right now; nothing was stored, "
    "try again shortly": "数据库暂时无法连接或不接受写入，本次未保存任何内容，请稍后重试",
    "internal error; quote the request id when reporting it": "内部错误；反馈问题时请提供请求编号",
    "the body is larger than {limit} bytes": "请求体超过 {limit} 字节",
    "database unreachable: {error}": "数据库无法连接：{error}",
    "database schema is not current; run `firegrid db upgrade`": (
        "数据库结构不是最新版本，请运行 `firegrid db upgrade`"
    ),
    "{field:path}: {message:text}": "{field}：{message}",
    # a problem's detail with the fields it names, in a shape that has no errors[] (Open311)
    "{message:text} ({fields})": "{message}（{fields}）",
    # --- backend.core: calendar notices, photos, types ---------------------------------------------
    "a notice is a JSON object with year, title, holidays and workdays": (
        "放假通知须为包含 year、title、holidays 和 workdays 的 JSON 对象"
    ),
    "not a JSON object": "不是 JSON 对象",
    "unknown field; a notice has year, title, holidays and workdays": (
        "未知字段；放假通知包含 year、title、holidays 和 workdays"
    ),
    "give the year the notice is for, e.g. 2027": "请填写通知所属年份，例如 2027",
    "give the notice's title or number (1 to 300 characters)": "请填写通知的标题或文号（1 至 300 个字符）",
    "not a date as YYYY-MM-DD": "不是 YYYY-MM-DD 格式的日期",
    "{day} is not in {year} (nor in the days around it)": "{day} 不在 {year} 年内（也不在其前后几天内）",
    "give the holiday's name, e.g. 春节 (1 to 64 characters)": "请填写节假日名称，例如 春节（1 至 64 个字符）",
    'give a list of {"name", "from", "to"}, one per holiday': (
        '请填写列表，每个节假日一项 {"name", "from", "to"}'
    ),
    'give {"name": ..., "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}': (
        '请按 {"name": ..., "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} 填写'
    ),
    "must be on or after from, within {days} days": "须不早于 from，且在 {days} 天之内",
    "{day} is already in another holiday": "{day} 已在另一个节假日中",
    'give a list of {"name", "date"} (may be empty)': '请填写 {"name", "date"} 的列表（可为空）',
    'give {"name": ..., "date": "YYYY-MM-DD"}': '请按 {"name": ..., "date": "YYYY-MM-DD"} 填写',
    "{day} is a weekday already; 调休 days are weekend days": "{day} 本来就是工作日；调休上班日应为周末",
    "{day} is also listed as a holiday": "{day} 同时被列为节假日",
    "{day} is listed twice": "{day} 重复列出",
    "the photo is {size} bytes; at most {most} are accepted": "照片为 {size} 字节，最多接受 {most} 字节",
    "a {format} image is not accepted": "不接受 {format} 格式的图片",
    "the photo has too many pixels (at most {most})": "照片像素过多（最多 {most}）",
    "the photo store refused the request; try again later": "照片存储拒绝了请求，请稍后重试",
    "the photo store did not answer; try again later": "照片存储没有响应，请稍后重试",
    "the data is not an image in an accepted format": "数据不是可接受格式的图片",
    "the photo is damaged or truncated: {error:any}": "照片已损坏或不完整：{error}",
    "must not contain NUL characters": "不能包含 NUL 字符",
    "start and end are the same time: the span would be empty": "开始和结束时间相同：时间段为空",
    # --- backend.identity ----------------------------------------------------------------------
    "send an access token: Authorization: Bearer <token>": "请发送访问令牌：Authorization: Bearer <token>",
    "only integration clients sign requests": "只有对接系统使用签名请求",
    "the console is for grid leaders, stations, brigades and dispatchers": (
        "管理端供网格长、消防工作站、消防救援大队和调度中心使用"
    ),
    "signing keys are for integration clients only": "签名密钥仅供对接系统使用",
    "no signing key '{key}'": "没有签名密钥 '{key}'",
    "unknown or revoked key id": "密钥编号未知或已吊销",
    "nonce already used (replayed request)": "nonce 已被使用（重放的请求）",
    "signed request is missing headers: {headers}": "签名请求缺少请求头：{headers}",
    "X-Firegrid-Timestamp must be Unix seconds": "X-Firegrid-Timestamp 须为 Unix 秒数",
    "X-Firegrid-Timestamp is {skew} s away from server time (allowed: {allowed} s)": (
        "X-Firegrid-Timestamp 与服务器时间相差 {skew} 秒（允许 {allowed} 秒）"
    ),
    "X-Firegrid-Nonce must be 16-128 URL-safe characters": "X-Firegrid-Nonce 须为 16 至 128 个 URL 安全字符",
    "signature does not match; see docs/integration-auth.md": "签名不匹配；参见 docs/integration-auth.md",
    "a {role:role} may not {doing:doing}": "{role}无权{doing}",
    "phone must be a mainland mobile number (11 digits)": "手机号须为中国大陆手机号码（11 位）",
    "username must be 3-64 letters, digits, '.', '_' or '-'": (
        "用户名须为 3 至 64 个字母、数字、'.'、'_' 或 '-'"
    ),
    "password must be at least {length} characters": "密码至少需要 {length} 个字符",
    "a certificate needs both its number and its expiry date": "执法证须同时填写证号和有效期",
    "username '{name}' is taken": "用户名 '{name}' 已被占用",
    "the account no longer exists or is disabled": "账号不存在或已停用",
    "the session was signed out": "该登录已退出",
    "too many failed sign-ins from this address; try again in {wait} s": (
        "该地址登录失败次数过多，请在 {wait} 秒后重试"
    ),
    "too many failed sign-ins for this username; try again in {wait} s": (
        "该用户名登录失败次数过多，请在 {wait} 秒后重试"
    ),
    "too many sign-ins are being checked right now; try again in {wait} s": (
        "当前登录人数过多，请在 {wait} 秒后重试"
    ),
    "wrong username or password": "用户名或密码错误",
    "the refresh token is unknown or expired": "刷新令牌无效或已过期",
    "the refresh token was revoked": "刷新令牌已被吊销",
    "the refresh token was already used; this sign-in has been revoked, sign in again": (
        "刷新令牌已被使用过，此次登录已被吊销，请重新登录"
    ),
    "no user with id {id}": "没有 id 为 {id} 的用户",
    "not an access token": "不是访问令牌",
    "the access token has expired": "访问令牌已过期",
    "the access token is not valid": "访问令牌无效",
    "stored secret cannot be decrypted with this FIREGRID_SECRET_KEY": (
        "无法用当前的 FIREGRID_SECRET_KEY 解密已保存的密钥"
    ),
    # --- backend.notify ------------------------------------------------------------------------
    "no notification {id}": "没有通知 {id}",
    "a webpush registration has a subscription, not a token": "webpush 注册应提供 subscription，而不是 token",
    "a webpush registration needs its subscription: endpoint and keys (p256dh, auth)": (
        "webpush 注册需要 subscription：endpoint 和 keys（p256dh、auth）"
    ),
    "the subscription's endpoint is not an http(s) URL": "subscription 的 endpoint 不是 http(s) 地址",
    "a {provider} registration has a token, not a subscription": "{provider} 注册应提供 token，而不是 subscription",
    "a {provider} registration needs its token": "{provider} 注册需要 token",
    "Web Push is not configured on this server": "本服务器未配置 Web Push",
    "no outbox message {id}": "没有待发消息 {id}",
    "only dead messages are replayed; this one is {status:outbox_status}": (
        "只有已停止重试的消息才能重发；该消息状态为：{status}"
    ),
    # --- grids ---------------------------------------------------------------------------------
    "the location is not inside any township we know": "该位置不在已知的任何乡镇/街道内",
    "the location is outside your area": "该位置不在您的辖区内",
    "a unified social credit code is required (optional for individual businesses)": (
        "须填写统一社会信用代码（个体工商户可不填）"
    ),
    "no premises with id {id}": "没有 id 为 {id} 的场所",
    "premises {id} was changed meanwhile (version {version}, you sent {sent})": (
        "场所 {id} 已被他人修改（当前版本 {version}，您提交的是 {sent}）"
    ),
    "no area with code '{code}'": "没有代码为 '{code}' 的区域",
    # --- measures ---------------------------------------------------------------------------------
    "Not possible in the measure's current state": "措施当前状态下不能执行此操作",
    "The second officer has no valid certificate (双人执法)": "第二名执法人员没有有效执法证（双人执法）",
    "The measure has its signed record already": "该措施已有签字文书",
    "The document is too large": "文件过大",
    "Only a PDF or a JPEG, PNG or HEIC photo is accepted": "仅接受 PDF 或 JPEG、PNG、HEIC 照片",
    "The document cannot be read": "无法读取该文件",
    "{action:measure_action} is not possible for a {state:measure_state} measure": (
        "{state}的措施不能{action}"
    ),
    "give the {field:need}": "请填写{field}",
    "no measure with id {id}": "没有 id 为 {id} 的措施",
    "recording a measure needs a valid certificate (持证)": "登记措施须持有效执法证（持证）",
    "the day a measure was taken cannot be in the future": "措施日期不能晚于今天",
    "an exposure names the premises whose address it publishes": "曝光须指明场所，公开其地址",
    "the measure it follows is against another unit": "所依据的前一措施针对的是其他单位",
    "a {kind:measure_kind} needs a second certified officer (双人执法)": (
        "“{kind}”须有第二名持证执法人员（双人执法）"
    ),
    "the second officer must be someone other than you": "第二名执法人员须为您以外的其他人",
    "no officer with id {id}": "没有 id 为 {id} 的执法人员",
    "the second officer has no certificate valid today: 双人执法 needs two certified officers": (
        "第二名执法人员今日没有有效执法证：双人执法须由两名持证执法人员进行"
    ),
    "the premises is not run by this unit": "该场所不属于此单位",
    "hazard {id} is not at one of the unit's premises": "隐患 {id} 不在该单位的场所",
    "the measure has its signed record already; it is never replaced": (
        "该措施已有签字文书，不能替换"
    ),
    "the document is {size} bytes; at most {most} are accepted": (
        "文件为 {size} 字节，最多接受 {most} 字节"
    ),
    "the body is not a PDF": "请求内容不是 PDF 文件",
    "send a PDF (application/pdf) or a photo (image/jpeg, image/png, image/heic)": (
        "请上传 PDF（application/pdf）或照片（image/jpeg、image/png、image/heic）"
    ),
    "measure {id} has no signed record yet": "措施 {id} 尚无签字文书",
    "only an exposure is withdrawn; other measures stay on the unit's record": (
        "只有曝光可以撤回，其他措施保留在单位记录中"
    ),
    # --- grids.commitments (告知承诺) -------------------------------------------------------------
    "Not possible in the commitment's current state": "告知承诺当前状态下不能执行此操作",
    "{action:commitment_action} is not possible for a {state:commitment_state} commitment": (
        "{state}的告知承诺不能{action}"
    ),
    "The premises has an open commitment already": "该场所已有尚未核查的告知承诺",
    "Only a public gathering place opens on a commitment (告知承诺)": (
        "只有公众聚集场所适用告知承诺"
    ),
    "The commitment has as many files as it may": "该告知承诺的文件已达上限",
    "no commitment with id {id}": "没有 id 为 {id} 的告知承诺",
    "only a public gathering place (公众聚集场所) opens on a commitment; this premises is registered as {type}": (
        "只有公众聚集场所适用告知承诺；该场所登记的类型为 {type}"
    ),
    "the day of a commitment cannot be in the future": "承诺日期不能晚于今天",
    "the premises has a commitment not yet checked; withdraw it before recording another": (
        "该场所已有尚未核查的告知承诺；请先撤回，再登记新的承诺"
    ),
    "a commitment keeps at most {most} files": "一份告知承诺最多保存 {most} 个文件",
    "commitment {id} has no file {sha}": "告知承诺 {id} 没有文件 {sha}",
    "recording what a spot check found needs a valid certificate (持证)": (
        "登记核查结果须持有效执法证（持证）"
    ),
    # --- fires.incidents (火灾事故) -----------------------------------------------------------------
    "Not possible in the fire incident's current state": "火灾事故当前状态下不能执行此操作",
    "A published or withdrawn fire incident is not edited": "已公开或已撤回的火灾事故不能修改",
    "The place is outside your area": "起火地点不在您的辖区内",
    "The fire incident changed since you read it": "火灾事故在您读取后已被修改",
    "The alert is recorded as an incident already": "该报警已登记为火灾事故",
    "{action:fire_incident_action} is not possible for a {state:fire_incident_state} fire incident": (
        "{state}的火灾事故不能{action}"
    ),
    "no fire incident with id {id}": "没有 id 为 {id} 的火灾事故",
    "give both lng and lat, or neither": "经度和纬度须同时填写或同时不填",
    "give the place: lng and lat, or the premises that burned": "请填写起火地点：经纬度，或起火场所",
    "({lng}, {lat}) is outside your area: record incidents of your own area": (
        "（{lng}, {lat}）不在您的辖区内：只能登记本辖区的火灾事故"
    ),
    "a fire cannot break out in the future": "起火时间不能晚于当前时间",
    "{name} is before the fire broke out (occurred_at)": "{name} 早于起火时间（occurred_at）",
    "a {state:fire_incident_state} fire incident is not edited": "{state}的火灾事故不能修改",
    "the incident is at version {version}, you read {sent}": (
        "火灾事故当前版本为 {version}，您读取的是 {sent}"
    ),
    "alert {id} is recorded as a fire incident already": "报警 {id} 已登记为火灾事故",
    "{name} cannot be emptied": "{name} 不能清空",
    "no county or township with code '{code}'": "没有代码为 '{code}' 的县区或乡镇街道",
    # --- alarms (物联网) -------------------------------------------------------------------------
    "no monitoring platform {name} serves this place": "没有为此地服务的物联网平台 {name}",
    "give a premises_id or a location": "请提供 premises_id 或位置",
    "device {device} of {partner} is registered in another area": (
        "{partner} 的设备 {device} 已在其他区域登记"
    ),
    "the device is at version {version}, not {sent}": "设备当前版本为 {version}，不是 {sent}",
    "device {device} is retired already": "设备 {device} 已经停用",
    "no monitored device with id {id}": "没有 id 为 {id} 的物联网设备",
    "only monitoring platforms report with source 'monitoring'": (
        "只有物联网平台可以以来源 'monitoring' 上报"
    ),
    # --- fires: 一键报警 and micro fire stations -----------------------------------------------
    "Not possible in the alert's current state": "火警当前状态下不能进行此操作",
    "The alert changed since you read it": "火警在您读取后已被修改",
    "The alert is no longer open": "火警已结束处置",
    "Another alert has this id": "该 id 已属于另一条火警",
    "Only those alerted answer an alert": "只有收到火警通知的人才能回复",
    "The station changed since you read it": "微型消防站在您读取后已被修改",
    "[fire-alert-transition-not-allowed] cannot {action} an alert that is {state}": (
        "火警处于“{state}”状态，不能“{action}”"
    ),
    "[fire-alert-role-not-allowed] a {role:role} may not {action}": "{role}无权“{action}”",
    "no fire alert with id {id}": "没有 id 为 {id} 的火警",
    "The alert is closed": "该火警已结束",
    "alert {id} is closed: photos are taken while it is open": (
        "火警 {id} 已结束：只能在处置中补充现场照片"
    ),
    "an alert keeps at most {most} photos": "一条火警最多保存 {most} 张照片",
    "no photo {sha} on fire alert {id}": "火警 {id} 没有照片 {sha}",
    "originals (with their EXIF) are for the staff whose area covers it": (
        "原图（含拍摄位置等信息）仅供辖区工作人员查看"
    ),
    "the alert is {state}: answers are no longer taken": "火警已是“{state}”状态，不再接受回复",
    "only those alerted answer; you were not alerted to this fire": (
        "只有收到火警通知的人才能回复；您未收到这条火警通知"
    ),
    "no recipient {id} of this alert": "这条火警没有接收人 {id}",
    "people answer for themselves; staff enter a micro station's answer": (
        "个人须自行回复；工作人员只能代微型消防站登记回复"
    ),
    "the alert is at version {version}, not {sent}": "火警当前版本为 {version}，不是 {sent}",
    "the outcome is closed or false_alarm": "处置结果应为 closed（已处置）或 false_alarm（误报）",
    "the id {id} is another alert's: make a new one": "id {id} 已属于另一条火警：请重新生成",
    "only the SMS gateway (FIREGRID_FIRE_ALERT_SMS_GATEWAY) relays texts": (
        "只有短信网关（FIREGRID_FIRE_ALERT_SMS_GATEWAY）可以转发上行短信"
    ),
    "received_at needs its offset (+08:00)": "received_at 须带时区（+08:00）",
    "({lng}, {lat}) is not inside the township {code}": "（{lng}, {lat}）不在乡镇 {code} 内",
    "must be a mainland mobile number (11 digits)": "须为中国大陆手机号（11位）",
    "name the township the station belongs to": "请填写微型消防站所属的乡镇",
    "the station is at version {version}, not {sent}": "微型消防站当前版本为 {version}，不是 {sent}",
    "no micro station with id {id}": "没有 id 为 {id} 的微型消防站",
    "give lng and lat together": "经度和纬度须同时填写",
    "a station keeps a contact phone": "微型消防站须保留联系电话",
    "only the register's staff or the station's own members set its duty": (
        "只有管理人员或本站队员可以设置在岗状态"
    ),
    "no township with code {code}": "没有编码为 {code} 的乡镇",
    # --- referrals -------------------------------------------------------------------------------
    "no department {key} to refer to": "没有可抄告/移送的部门 {key}",
    "no referral with id {id}": "没有 id 为 {id} 的抄告/移送",
    "no photo {sha} of this hazard": "该隐患没有照片 {sha}",
    "name a hazard, a complaint or a unit to refer": "请指明要抄告/移送的隐患、投诉或单位",
    "photos are a hazard's: name the hazard": "照片属于隐患：请指明隐患",
    "the referral is at version {version}, not {sent}": "抄告/移送当前版本为 {version}，不是 {sent}",
    "[referral-transition-not-allowed] cannot {action} a referral that is {state}": (
        "抄告/移送处于“{state}”状态，不能“{action}”"
    ),
    "[referral-role-not-allowed] a {role:role} may not {action}": "{role}无权“{action}”",
    "only a complaint found not fire-related on site is referred to another department": (
        "只有现场核查为非消防事项的投诉才能移送其他部门"
    ),
    "write each department as key:名称, not {part}": "每个部门应写作 key:名称，而不是 {part}",
    "give at least one department, each key once": "至少填写一个部门，每个 key 只能出现一次",
    # --- grids.units -----------------------------------------------------------------------------
    "a unified social credit code is required": "须填写统一社会信用代码",
    "give the area the unit is registered in": "请填写单位登记所在的区域",
    "no unit with id {id}": "没有 id 为 {id} 的单位",
    "the unit has no current person of role {role}": "该单位当前没有角色为 {role} 的人员",
    "a {role:role} may not replace a person whose phone is verified": (
        "{role}不能替换手机号已验证的人员"
    ),
    "a code was sent less than a minute ago; wait before asking for another": (
        "验证码发送未满一分钟，请稍后再获取"
    ),
    "ask for a new code: none is waiting for this person": "请重新获取验证码：该人员没有待用的验证码",
    "bbox is min_lng,min_lat,max_lng,max_lat (WGS-84 degrees)": (
        "bbox 应为 min_lng,min_lat,max_lng,max_lat（WGS-84 度）"
    ),
    "the geometry has no polygon area": "该几何图形没有面积",
    "{label:any}{field} '{code}' is not an area code: digits, optionally followed by '-' and up to 6 "
    "digits (e.g. 450202901001-003)": (
        "{label}{field} '{code}' 不是有效的区域代码：应为数字，可再接 '-' 和最多 6 位数字"
        "（例如 450202901001-003）"
    ),
    "a {level:area_level} needs a parent area": "{level}需要上级区域",
    "a {level:area_level} cannot sit under a {parent:area_level}": "{level}不能位于{parent}之下",
    "an area with code '{code}' exists": "代码为 '{code}' 的区域已存在",
    "area {code} was changed meanwhile (version {version}, you sent {sent})": (
        "区域 {code} 已被他人修改（当前版本 {version}，您提交的是 {sent}）"
    ),
    "feature {index} ({name}): needs properties '{code_prop}' and '{name_prop}'": (
        "第 {index} 个要素（{name}）：需要属性 '{code_prop}' 和 '{name_prop}'"
    ),
    "feature {index} ({name}): {message:text}": "第 {index} 个要素（{name}）：{message}",
    "feature {index} ({name}): invalid polygon ({reason:any}); refused with --strict": (
        "第 {index} 个要素（{name}）：多边形无效（{reason}）；--strict 模式下拒绝导入"
    ),
    "not a GeoJSON geometry: {error:any}": "不是 GeoJSON 几何图形：{error}",
    "{code} is a {level:area_level}, not a township": "{code} 是{level}，不是乡镇/街道",
    "give either a cell size or a maximum number of premises per grid": "请给出网格边长或每个网格的最多场所数，二者选一",
    "{code} has no villages/communities; import them first": "{code} 下没有村/社区，请先导入",
    "{code} already has {count} grids; remove them before splitting again": (
        "{code} 已有 {count} 个网格，重新划分前请先删除"
    ),
    "the cell size must be positive": "网格边长须为正数",
    "{rows} × {cols} cells of {size} m is more than {most}": "{rows} × {cols} 个边长 {size} 米的网格，超过上限 {most}",
    "max_points cannot be negative": "max_points 不能为负数",
    "the minimum cell size must be positive": "最小网格边长须为正数",
    "the sliver ratio is a fraction of a cell, from 0 up to 1": "碎片比例是网格的一部分，取值 0 至 1（不含 1）",
    "cells of {size} m are too small for a {side} m area": "边长 {size} 米的网格对于 {side} 米的区域过小",
    "0,0 is what a phone without a position fix sends, not a place: take a fix": (
        "0,0 是手机未定位时发送的坐标，不是实际位置：请先定位"
    ),
    "({lng}, {lat}) is outside every grid and township of this deployment": (
        "({lng}, {lat}) 不在本系统的任何网格或乡镇/街道内"
    ),
    "a {role:role} needs an area (--scope)": "{role}需要指定区域（--scope）",
    "a {role:role} is placed at {levels:area_level}, not at the {level:area_level} {code}": (
        "{role}应安排在{levels}，不能安排在{level} {code}"
    ),
    "a {role:role} cannot create a {new:role}": "{role}不能创建{new}",
    "a {role:role} cannot administer a {other:role}": "{role}不能管理{other}的账号",
    "{name} is a partner system: it signs requests, it has no password": (
        "{name} 是对接系统，以签名调用接口，没有密码"
    ),
    "the current password is wrong": "当前密码不正确",
    "the new password must differ from the current one": "新密码不能与当前密码相同",
    "the password must not be the username": "密码不能与用户名相同",
    "you cannot close or reopen your own account": "不能停用或启用自己的账号",
    "your password was reset: choose a new one (POST /api/v1/me/password) first": (
        "您的密码已被重置，请先设置新密码（POST /api/v1/me/password）"
    ),
    "you administer others; change your own password at /api/v1/me/password": (
        "这里管理的是他人的账号；修改自己的密码请用 /api/v1/me/password"
    ),
    "no user named {name}": "没有名为 {name} 的用户",
    "{code} is a {level:area_level}, not a grid": "{code} 是{level}，不是网格",
    "{id} is not an active grid worker": "{id} 不是在岗的网格员",
    "duty is kept for grid workers and grid leaders": "只为网格员和网格长记录在岗状态",
    "leave needs both leave_from and leave_until": "请假须同时填写 leave_from 和 leave_until",
    "leave_until is before leave_from": "leave_until 早于 leave_from",
    "reported_to is before reported_from": "reported_to（上报截止日）早于 reported_from（上报起始日）",
    "received_to is before received_from": "received_to（受理截止日）早于 received_from（受理起始日）",
    "recorded_to is before recorded_from": "recorded_to（记录截止日）早于 recorded_from（记录起始日）",
    "no grid {id} under a complete area tree": "没有位于完整区域树下的网格 {id}",
    "a certificate needs both certificate_number and certificate_expires_on": (
        "执法证须同时填写 certificate_number 和 certificate_expires_on"
    ),
    "not a valid unified social credit code: {problem:any}": "不是有效的统一社会信用代码：{problem}",
    "a unified social credit code has {length} characters, this one has {count}": (
        "统一社会信用代码应为 {length} 位，此代码为 {count} 位"
    ),
    "position {position} belongs to the administrative division code and must be a digit, not "
    "{character}": "第 {position} 位属于行政区划码，须为数字，不能是 {character}",
    "character {character} is not allowed at position {position}": "第 {position} 位不允许使用字符 {character}",
    "character {character} is not allowed at position {position} (codes never use {never})": (
        "第 {position} 位不允许使用字符 {character}（代码中从不使用 {never}）"
    ),
    "wrong check character: expected {expected}, found {found}": "校验码错误：应为 {expected}，实为 {found}",
    "the CSV must be UTF-8 text": "CSV 须为 UTF-8 文本",
    "the file is empty": "文件为空",
    "unknown columns: {columns}": "未知的列：{columns}",
    "missing columns: {columns}": "缺少的列：{columns}",
    "unknown columns: {columns} (columns: {known})": "未知的列：{columns}（可用的列：{known}）",
    "missing columns: {columns} (columns: {known})": "缺少的列：{columns}（可用的列：{known}）",
    "more than {count} rows": "超过 {count} 行",
    "columns given twice: {columns}": "重复的列：{columns}",
    "columns given twice: {columns} (columns: {known})": "重复的列：{columns}（可用的列：{known}）",
    # importing a sheet (backend.core.sheets; premises: grids.premises.importing)
    "The file is not text we can read": "无法读取该文件的文字",
    "The workbook cannot be read": "无法读取该工作簿",
    "The workbook is too large": "工作簿过大",
    "The sheet has too many rows": "表格行数过多",
    "this is an old .xls workbook; save it as .xlsx or as CSV and send it again": (
        "这是旧版 .xls 工作簿，请另存为 .xlsx 或 CSV 后重新上传"
    ),
    "this file is UTF-16 text; save it as CSV UTF-8 (or as .xlsx) and send it again": (
        "该文件为 UTF-16 文本，请另存为“CSV UTF-8”（或 .xlsx）后重新上传"
    ),
    "the file is not {encoding} text": "该文件不是 {encoding} 编码的文本",
    "the file is neither UTF-8 nor GB18030 (GBK) text; save it as CSV UTF-8 or .xlsx": (
        "该文件既不是 UTF-8 也不是 GB18030（GBK）编码的文本，请另存为“CSV UTF-8”或 .xlsx"
    ),
    "the file is not an xlsx workbook (not a zip archive)": "该文件不是 xlsx 工作簿（不是 zip 压缩包）",
    "the xlsx workbook is damaged or not a workbook; save it again from Excel or WPS": (
        "该 xlsx 工作簿已损坏或不是工作簿，请用 Excel 或 WPS 重新保存"
    ),
    "the workbook unpacks to more than {count} bytes": "工作簿解压后超过 {count} 字节",
    "the sheet has more than {count} rows; split it into several files": (
        "表格超过 {count} 行，请拆分为多个文件"
    ),
    "the sheet runs past line {line}; delete the empty rows at its end": (
        "表格超过第 {line} 行，请删除末尾的空行"
    ),
    "this code or external reference cannot be used in your area": (
        "该统一社会信用代码或外部编号不能在您的辖区内使用"
    ),
    "{count} premises in your area carry this unified social credit code; add an "
    "external_ref column to say which one": (
        "您辖区内有 {count} 个场所使用此统一社会信用代码，请增加“外部编号”（external_ref）列以指明是哪一个"
    ),
    "the premises with this external reference are archived": "使用此外部编号的场所已归档",
    "line {line} already names these premises": "本文件第 {line} 行已是同一场所",
    "the external reference is already in use": "该外部编号已被使用",
    "{count} problem(s); nothing imported": "发现 {count} 个问题，未导入任何内容",
    # importing a roll of people (grids.people_import)
    "unknown role '{role}'": "未知的角色“{role}”：请填写 网格员、网格长 等（见模板的填写说明）",
    "line {line} has this username too": "本文件第 {line} 行已使用此用户名",
    "username '{name}' is taken by another account (another role or area)": (
        "用户名 '{name}' 已被其他账号使用（角色或区域不同），请换一个用户名"
    ),
    "an empty geometry has no centre to project around": "空几何图形没有可用于投影的中心点",
    # --- hazards -------------------------------------------------------------------------------
    "no hazard with id {id}": "没有 id 为 {id} 的隐患",
    "hazard is at version {version}, you sent {sent}": "隐患当前版本为 {version}，您提交的是 {sent}",
    "submitting a rectification needs an 'after' photo": "提交整改须附整改后（after）照片",
    "a hazard cannot duplicate itself": "隐患不能与自身重复",
    "{action:hazard_action} needs a certified officer": "“{action}”须由持证执法人员执行",
    "you already approved {action:hazard_action}; another officer must": (
        "您已批准“{action}”，须由另一名执法人员批准"
    ),
    "hazard {id} changed while you acted; reload it": "隐患 {id} 在您操作期间已有变动，请重新加载",
    "[hazard-transition-not-allowed] cannot {action:hazard_action} a hazard that is "
    "{state:hazard_state}": "隐患处于“{state}”状态，不能“{action}”",
    "[hazard-role-not-allowed] a {role:role} may not {action:hazard_action}": "{role}无权“{action}”",
    "[action-incomplete] {action:hazard_action} needs {needs:need}": "“{action}”需要填写：{needs}",
    "{count} of {required} officers have approved": "已有 {count} 名执法人员批准，共需 {required} 名",
    "no photo {sha256} on hazard {id}": "隐患 {id} 没有照片 {sha256}",
    "originals (with their EXIF) are for grid workers, grid leaders, station and brigade staff, "
    "dispatchers and admins whose area covers the hazard": (
        "照片原图（含 EXIF）仅供辖区覆盖该隐患的网格员、网格长、消防工作站和大队工作人员、"
        "调度人员及管理员查看"
    ),
    "a {role:role} has no queue": "{role}没有待办队列",
    "partner systems send complaints, not hazards": "对接系统发送的是投诉，不是隐患",
    "citizens report with source 'citizen'": "群众上报时来源须为 'citizen'",
    "hazard {id} exists with other content": "隐患 {id} 已存在且内容不同",
    "no premises with id {id} in your area": "您的辖区内没有 id 为 {id} 的场所",
    "{count} field(s) of the reports are not valid: {summary:text}": "上报中有 {count} 个字段不符合要求：{summary}",
    "hazard {id} was reported by someone else": "隐患 {id} 由他人上报",
    # hazards.credit
    "the appeal is already {state:appeal_state}": "该申请{state}",
    "{kind:credit_kind} entries follow from the hazard itself": "“{kind}”记录由隐患本身产生",
    "{kind:credit_kind} entries follow from a measure against the unit": (
        "“{kind}”记录由对单位采取的措施产生"
    ),
    "no hazard {id} at this premises": "该场所没有隐患 {id}",
    "no credit record with id {id}": "没有 id 为 {id} 的信用记录",
    "the record is {standing:credit_standing}": "该记录{standing}",
    "an appeal about this record is already pending": "该记录已有待处理的申请",
    "no credit appeal with id {id}": "没有 id 为 {id} 的信用申请",
    "you filed this appeal; another officer must decide it": "该申请由您提交，须由另一名执法人员决定",
    "the appeal was decided meanwhile": "该申请已在此期间作出决定",
    "this needs an officer with a valid certificate (持证)": "此操作须由持有效执法证的人员执行（持证）",
    "may be repaired from {date}": "自 {date} 起可申请信用修复",
    "the hazard behind it is not closed yet": "相关隐患尚未销号",
    "the unit's obligations (rectification, fines, orders) are not confirmed met": (
        "尚未确认单位已履行义务（整改、罚款、责令事项）"
    ),
    "a newer {kind:credit_kind} record exists ({date})": "存在更新的“{kind}”记录（{date}）",
    # --- complaints ----------------------------------------------------------------------------
    "only the worker it is assigned to may do this": "只有承办该投诉的网格员可以执行此操作",
    "complaints go to grid workers or grid leaders": "投诉只能派给网格员或网格长",
    "a hazard found on site needs its location (the complaint has none)": "现场发现的隐患需要位置（该投诉没有位置）",
    "no partner system '{name}'": "没有对接系统 '{name}'",
    "the callback URL must be http(s)://host/...": "回调地址须为 http(s)://host/...",
    "the overlap is between 0 and {days} days": "新旧密钥并存时间须在 0 至 {days} 天之间",
    "partner '{name}' has no callback address yet: set one first": "对接系统 '{name}' 还没有回调地址，请先设置",
    "no callback with id {id}": "没有 id 为 {id} 的回调",
    "only dead callbacks are replayed; this one is {status:outbox_status}": (
        "只有已停止重试的回调才能重发；该回调状态为：{status}"
    ),
    "only complaints in triage are placed; this one is {state:complaint_state}": (
        "只有待分派的投诉才能定位；该投诉状态为：{state}"
    ),
    "that point is outside your area": "该位置不在您的辖区内",
    "only the worker it is assigned to may ask": "只有承办该投诉的网格员可以申请",
    "no deadline runs while a complaint is {state:complaint_state}": "投诉处于“{state}”状态时没有计时的期限",
    "the deadline has passed: an extension is asked for before it": "期限已过：延期须在期限届满前申请",
    "an extension is already waiting for a decision": "已有延期申请在等待审批",
    "no extension with id {id}": "没有 id 为 {id} 的延期申请",
    "this extension was {state:extension_state} already": "该延期申请已处理：{state}",
    "external id '{id}' on channel {channel} is taken": "渠道 {channel} 上的外部编号 '{id}' 已被占用",
    "complaint '{id}' on channel {channel} was received with another body; send a new external "
    "id for a new complaint": (
        "渠道 {channel} 上的投诉 '{id}' 已以不同内容受理；新投诉请使用新的外部编号"
    ),
    "complaints come in from partners": "投诉由对接系统转入",
    "the complaint was not taken within {seconds} s; send it again with the same external id (a "
    "complaint taken meanwhile is answered, not doubled)": (
        "投诉未能在 {seconds} 秒内受理；请用同一外部编号重新发送（期间已受理的投诉会直接答复，不会重复）"
    ),
    "[complaint-transition-not-allowed] cannot {action:complaint_action} a complaint that is "
    "{state:complaint_state}": "投诉处于“{state}”状态，不能“{action}”",
    "[complaint-role-not-allowed] a {role:role} may not {action:complaint_action}": "{role}无权“{action}”",
    "[complaint-action-incomplete] {action:complaint_action} needs {needs:need}": "“{action}”需要填写：{needs}",
    "no complaint with id {id}": "没有 id 为 {id} 的投诉",
    "complaint is at version {version}, you sent {sent}": "投诉当前版本为 {version}，您提交的是 {sent}",
    "no complaint '{id}' on channel {channel}": "渠道 {channel} 上没有投诉 '{id}'",
    "no reward with id {id}": "没有 id 为 {id} 的举报奖励",
    "only eligible rewards are decided; this one is {state:reward_state}": (
        "只有待审批的举报奖励才能审批；该奖励状态为：{state}"
    ),
    "only approved rewards are paid; this one is {state:reward_state}": (
        "只有已批准的举报奖励才能发放；该奖励状态为：{state}"
    ),
    "an anonymous complaint carries no caller name or phone": "匿名投诉不能带有来电人姓名或电话",
    "give a location or an address": "请提供位置或地址",
    "hotline_deadline must be after received_at": "hotline_deadline 须晚于 received_at",
    # complaints.open311 (Open311's own {code, description})
    "no format '{fmt}': use .json or .xml": "没有格式 '{fmt}'：请使用 .json 或 .xml",
    "{name} must be a number": "{name} 须为数字",
    "{name} must be a W3C date-time, e.g. 2026-11-24T09:00:00+08:00": (
        "{name} 须为 W3C 日期时间，例如 2026-11-24T09:00:00+08:00"
    ),
    "{name} needs a time zone (Z or +08:00)": "{name} 需要时区（Z 或 +08:00）",
    "service_request_id '{id}' is not an id": "service_request_id '{id}' 不是有效的编号",
    "no integration client '{name}'": "没有对接系统 '{name}'",
    "api_key is required to submit a request": "提交请求需要 api_key",
    "api_key is not valid": "api_key 无效",
    "no service with code '{code}'": "没有代码为 '{code}' 的服务",
    "service_code is required": "service_code 为必填",
    "lat and long go together": "lat 和 long 须同时提供",
    "give lat and long, or address_string": "请提供 lat 和 long，或 address_string",
    "lat must be within -90..90 and long within -180..180": "lat 须在 -90..90 之间，long 须在 -180..180 之间",
    "lat, long: {reason:text}": "lat、long：{reason}",
    "description is required": "description 为必填",
    "description is longer than 4000 characters": "description 超过 4000 个字符",
    "{name} contains a control character (U+{code}) at {position}": "{name} 在第 {position} 个位置含有控制字符（U+{code}）",
    "too many reports {said:text}; try again in {wait} s": "{said}提交的报告过多，请在 {wait} 秒后重试",
    "from this address": "该地址",
    "with this api_key": "该 api_key",
    "Idempotency-Key must be 1 to 255 visible ASCII characters": "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符",
    "Idempotency-Key '{key}' was sent before with another report; use a new key for a new report": (
        "Idempotency-Key '{key}' 此前已用于另一份报告；新报告请使用新的键"
    ),
    # --- the citizens' page (complaints/citizens, backend/core/challenge.py) -------------------
    "The challenge was not answered": "未通过人机验证",
    "the challenge token is not one this server gave": "验证令牌无效，请刷新页面后重试",
    "the challenge has expired: ask for a new one": "验证已过期，请刷新页面后重试",
    "the challenge is easier than asked now": "验证难度不足，请刷新页面后重试",
    "the answer is too long": "验证答案过长",
    "the answer does not solve the challenge": "验证答案不正确，请刷新页面后重试",
    "the challenge was answered already": "该验证已使用过，请刷新页面后重试",
    "only the one who reported it from the citizens' page may {action:complaint_action}": (
        "只有通过随手拍网页举报的群众本人可以执行“{action}”"
    ),
    "The code is wrong or has expired": "验证码错误或已过期",
    "ask for a new code: none is waiting for this number": "请重新获取验证码：该号码没有待用的验证码",
    "the code is wrong; {left} tries are left": "验证码错误，还可以再试 {left} 次",
    "prove your phone number with a code first (it lasts 7 days)": (
        "请先用短信验证码验证手机号码（验证后 7 天内有效）"
    ),
    "give the mainland mobile number the report was made with": "请填写举报时留下的手机号码",
    "The citizens' page is not open here": "本地区尚未开通随手拍举报",
    "No report has this follow code": "没有与该查询码对应的举报",
    "This report cannot be said not fixed now": "该举报现在不能反馈未整改",
    "The Idempotency-Key was used for another report": "该 Idempotency-Key 已用于另一份举报",
    "reports from the page are not taken here (FIREGRID_CITIZEN_AREA unset)": (
        "本地区尚未开通随手拍举报（未设置 FIREGRID_CITIZEN_AREA）"
    ),
    "FIREGRID_CITIZEN_AREA '{code}' is not a county or township here": (
        "FIREGRID_CITIZEN_AREA '{code}' 不是本系统中的县区或乡镇"
    ),
    "Idempotency-Key must be 1 to 64 visible ASCII characters": "Idempotency-Key 须为 1 至 64 个可见 ASCII 字符",
    "a report carries at most {count} photos": "每份举报最多 {count} 张照片",
    "two photos have the same id": "两张照片的编号相同",
    "a photo may have at most {count} bytes": "每张照片不能超过 {count} 字节",
    "photo id {id} is already used; make a new one": "照片编号 {id} 已被使用，请重新生成",
    "no stage '{stage}' to be told of": "没有可通知的环节 '{stage}'",
    "to be told of stages, give a phone number": "如需接收办理进度短信，请填写手机号码",
    "the point is outside the area this page serves: report it to that area's page or call 96119": (
        "该位置不在本页面服务的区域内，请通过当地的举报渠道反映或拨打 96119"
    ),
    "outside the area this page serves": "不在本页面服务的区域内",
    "this Idempotency-Key was sent with another report; make a new key for a new report": (
        "该 Idempotency-Key 已用于另一份举报，新举报请使用新的键"
    ),
    "no report has this follow code; check it and try again": "没有与该查询码对应的举报，请核对后重试",
    "the report has no photo {sha}": "该举报没有照片 {sha}",
    "you said it was not fixed already; the report is being redone": "您已反馈过未整改，该举报正在重新办理",
    "the report is not closed yet: it is still being worked on": "该举报尚未办结，仍在办理中",
    "the {days} days to say it is not fixed have passed; send a new report": (
        "办结后 {days} 天内可反馈未整改，现已超过期限，请重新举报"
    ),
    "for this phone number": "该手机号码",
    "too many codes asked {said:text}; try again in {wait} s": "{said}获取验证码过于频繁，请在 {wait} 秒后重试",
    "send the report's upload token (it lasts a day after the report)": (
        "请提供举报的上传令牌（举报后一天内有效）"
    ),
    "the report declared no photo {id}": "该举报没有声明照片 {id}",
    "photo {id} has arrived already": "照片 {id} 已上传",
    "photo {id} was declared with {size} bytes and another sha256: send exactly the declared bytes": (
        "照片 {id} 声明的大小为 {size} 字节且 sha256 不同：请上传与声明一致的文件"
    ),
    "the report holds {count} unfinished uploads, the most allowed: finish or delete one before starting another": (
        "该举报已有 {count} 个未完成的上传，已达上限：请先完成或删除一个"
    ),
    "status is open or closed": "status 须为 open 或 closed",
    "no service request '{id}'": "没有服务请求 '{id}'",
    "crs is one of {names}; not {value}": "crs 须为 {names} 之一，不能是 {value}",
    "media {number}: {detail:text}": "第 {number} 张照片（media）：{detail}",
    "media: at most {count} photos in one report": "media：一份报告最多 {count} 张照片",
    "{name} is a text field, not a file": "{name} 是文本字段，不是文件",
    "media must be a file: send the report as multipart/form-data": (
        "media 须为文件：请以 multipart/form-data 提交报告"
    ),
    "extensions is true or false": "extensions 须为 true 或 false",
    "no published photo '{sha256}'": "没有已公开的照片 '{sha256}'",
    # --- patrols -------------------------------------------------------------------------------
    "a campaign ends after it starts, in the future": "专项整治的结束时间须晚于开始时间，且在将来",
    "no checklist '{code}'": "没有检查表 '{code}'",
    "no work prompt {id} for you": "没有发给您的工作提示 {id}",
    "no work prompt {id} in your area": "您的辖区内没有工作提示 {id}",
    "no campaign {id} in your area": "您的辖区内没有专项整治 {id}",
    "the campaign is cancelled already": "该专项整治已取消",
    "item keys must be unique within a checklist": "同一检查表内检查项的键不能重复",
    "an inspection item '{code}' exists": "抽查事项 '{code}' 已存在",
    "no user {id}": "没有用户 {id}",
    "name the unit: premises_id or uscc": "请指明单位：premises_id 或 uscc",
    "no premises {id}": "没有场所 {id}",
    "the directory is per area: sign in as staff of one": "名录库按辖区管理：请以某一辖区的工作人员身份登录",
    "a plan ends after it starts, within one calendar year": "计划的结束时间须晚于开始时间，且在同一自然年内",
    "no inspection items {codes}: add them first": "没有抽查事项 {codes}：请先添加",
    "no inspection plan {id} in your area": "您的辖区内没有抽查计划 {id}",
    "this plan has been drawn; make a new plan to draw again": "该计划已抽取过；如需再次抽取请新建计划",
    "no draw {id}": "没有抽取记录 {id}",
    "no inspection {id} drawn for you": "没有抽派给您的检查 {id}",
    "recording an inspection needs a valid certificate": "登记检查结果须持有效执法证",
    "record passed, failed or not_found": "请登记 passed、failed 或 not_found",
    "a failed inspection found at least one hazard": "检查不合格时须至少发现一处隐患",
    "a period is a month written YYYY-MM": "期间为月份，格式为 YYYY-MM",
    "FIREGRID_PATROL_FREQUENCIES ({path}) is not a rule list: {error:any}": (
        "FIREGRID_PATROL_FREQUENCIES（{path}）不是规则列表：{error}"
    ),
    "FIREGRID_PATROL_FREQUENCIES must end with a catch-all rule": "FIREGRID_PATROL_FREQUENCIES 须以兜底规则结尾",
    "a {state:task_state} task cannot take '{step:task_step}'": "“{state}”的巡查任务不能“{step}”",
    "give a premises_id, or a point (lng, lat)": "请提供 premises_id，或一个点（lng, lat）",
    "the point is in no grid of your area": "该点不在您辖区的任何网格内",
    "the premises is in no grid yet: place it on the map first": "该场所尚未归入网格：请先在地图上标注位置",
    "the due time has passed": "截止时间已过",
    "that worker is not assigned to the task's grid": "该网格员未分配到此任务所在的网格",
    "no patrol task {id} in your area": "您的辖区内没有巡查任务 {id}",
    "no bulletin {id} in your area": "您的辖区内没有简报 {id}",
    "no page {page} in bulletin {id}": "简报 {id} 没有第 {page} 页",
    "bulletins are made for townships and counties": "简报只为乡镇（街道）和县（区）生成",
    "the month has not begun": "该月份尚未开始",
    "no Chinese TrueType font for PDF documents: install fonts-wqy-zenhei (scripts/bootstrap.sh does) or set FIREGRID_BULLETIN_FONT to a .ttf/.ttc file": "缺少生成简报和文书所需的中文 TrueType 字体：请安装 fonts-wqy-zenhei（scripts/bootstrap.sh 会安装），或将 FIREGRID_BULLETIN_FONT 设为一个 .ttf/.ttc 字体文件",
    "a {state:task_state} task is not reassigned": "“{state}”的巡查任务不能改派",
    "visit {id} belongs to someone else": "巡查记录 {id} 属于他人",
    "no patrol task {id} for you": "没有分配给您的巡查任务 {id}",
    "no visit {id} of yours": "您没有巡查记录 {id}",
    "answer {id} belongs to another visit": "检查项记录 {id} 属于另一次巡查",
    "a failed item has reported its hazard; follow the hazard instead": "不合格检查项已上报隐患；请跟进该隐患",
    "checklist {code} v{version} has no item '{key}'": "检查表 {code} 第 {version} 版没有检查项 '{key}'",
    "a failed item needs a place: the visit has neither premises nor location": (
        "不合格检查项需要地点：该巡查既没有场所也没有位置"
    ),
    # --- offline_sync --------------------------------------------------------------------------
    "{where:path}: id {id} belongs to another record": "{where}：id {id} 属于另一条记录",
    "{where:dotted} is not a uuid": "{where} 不是有效的 UUID",
    "{count} field(s) in this push are not valid, nothing was stored: {shown:text}": (
        "本次推送有 {count} 个字段不符合要求，未保存任何内容：{shown}"
    ),
    "{count} field(s) in this push are not valid, nothing was stored: {shown:text} (and {more} "
    "more)": "本次推送有 {count} 个字段不符合要求，未保存任何内容：{shown}（另有 {more} 个）",
    "the app speaks sync schema {app}, the server {server}: update the app": (
        "App 的同步结构版本为 {app}，服务器为 {server}：请更新 App"
    ),
    "a {role:role} does not sync a device": "{role}不使用设备同步",
    "there is no sync table '{name}'": "没有同步表 '{name}'",
    "{name} is read-only on devices; its changes are not accepted": "{name} 在设备上只读，不接受其修改",
    "{count} record(s) changed on the server after {since}: pull, then push again": (
        "{since} 之后服务器上有 {count} 条记录发生变动：请先拉取，再重新推送"
    ),
    "changes.{name}.{kind} must be a list of records with ids": "changes.{name}.{kind} 须为带 id 的记录列表",
    "this server speaks tus {server}, you sent '{sent}'": "本服务器使用 tus {server}，您发送的是 '{sent}'",
    "Upload-Metadata: the value of '{key}' is not base64 text": "Upload-Metadata：'{key}' 的值不是 base64 文本",
    "Upload-Checksum: '{algorithm}' is not supported": "Upload-Checksum：不支持 '{algorithm}'",
    "Upload-Checksum: the digest is not base64": "Upload-Checksum：摘要不是 base64",
    "a {role:role} does not upload from a device": "{role}不从设备上传",
    "Upload-Length is required (deferred length is not supported)": "须提供 Upload-Length（不支持延后告知长度）",
    "a photo may have 1 to {most} bytes; Upload-Length is {length}": "照片大小应为 1 至 {most} 字节；Upload-Length 为 {length}",
    "Upload-Metadata must name the photo_id (a uuid)": "Upload-Metadata 须给出 photo_id（UUID）",
    "Upload-Metadata must give the photo's sha256 (64 hex digits)": "Upload-Metadata 须给出照片的 sha256（64 位十六进制）",
    "Upload-Length is {length}, but photo {id} was declared with {size} bytes": (
        "Upload-Length 为 {length}，但照片 {id} 登记的大小为 {size} 字节"
    ),
    "Upload-Metadata: sha256 differs from the one photo {id} declared": "Upload-Metadata：sha256 与照片 {id} 登记的不一致",
    "you hold {count} unfinished uploads, the most allowed: finish or delete one (DELETE its URL) "
    "before starting another": (
        "您有 {count} 个未完成的上传，已达上限：请先完成或删除一个（对其地址发送 DELETE），再开始新的上传"
    ),
    "no upload {id}": "没有上传 {id}",
    "upload {id} expired at {at}": "上传 {id} 已于 {at} 过期",
    "Content-Type must be application/offset+octet-stream": "Content-Type 须为 application/offset+octet-stream",
    "Upload-Offset is required": "须提供 Upload-Offset",
    "the upload is already complete": "该上传已完成",
    "the bytes received so far are no longer stored; start the upload again": (
        "此前收到的数据已不再保存，请重新开始上传"
    ),
    "the upload stands at {offset}, you sent {sent}": "上传当前进度为 {offset}，您发送的是 {sent}",
    "{name} must be a non-negative integer": "{name} 须为非负整数",
    "another request moved the upload meanwhile": "另一个请求已在此期间推进了该上传",
    "the uploaded file does not match the sha256 in its metadata; upload it again": (
        "上传的文件与元数据中的 sha256 不符，请重新上传"
    ),
    "the upload holds {length} bytes; this request goes past its end": "该上传共 {length} 字节；本次请求超出了末尾",
    "the bytes of this request do not match their {algorithm}; nothing kept": "本次请求的数据与其 {algorithm} 不符，未保留任何内容",
    # the fields of a device's records (offline_sync.fields and the families)
    "{where:dotted} {message:text}": "{where} {message}",
    "is not a uuid": "不是有效的 UUID",
    "is not a time in milliseconds": "不是以毫秒表示的时间",
    "is required (milliseconds)": "为必填（毫秒）",
    "must be one of {values}": "须为 {values} 之一",
    "must be a number from {low} to {high}": "须为 {low} 至 {high} 之间的数字",
    "must be pass, fail or na": "须为 pass、fail 或 na",
    "is required": "为必填",
    "must be text of at most 2000 characters": "须为不超过 2000 个字符的文本",
    "a track point needs lng and lat": "轨迹点需要 lng 和 lat",
    "must be 64 hex digits": "须为 64 位十六进制数",
    "must be before or after": "须为 before 或 after",
    "must be 1 to {most} bytes": "须为 1 至 {most} 字节",
    "must be the signer's name, 1 to {most} characters": "须为签名人姓名，1 至 {most} 个字符",
}

# Pydantic's validation errors by their `type`, filled from the error's `ctx`.
VALIDATION: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "不是有效的 JSON：{error}",
    "json_type": "JSON 输入须为字符串或字节",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "dict_type": "须为对象",
    "list_type": "须为列表",
    "tuple_type": "须为列表",
    "set_type": "须为列表",
    "none_required": "须为空（null）",
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须大于或等于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须小于或等于 {le}",
    "multiple_of": "须为 {multiple_of} 的倍数",
    "finite_number": "须为有限数值",
    "too_short": "至少需要 {min_length} 项，实际 {actual_length} 项",
    "too_long": "最多 {max_length} 项，实际 {actual_length} 项",
    "string_type": "须为字符串",
    "string_unicode": "须为有效的字符串",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（{pattern}）",
    "enum": "须为 {expected} 之一",
    "literal_error": "须为 {expected} 之一",
    "bool_type": "须为布尔值",
    "bool_parsing": "须为布尔值",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_parsing_size": "整数超出范围",
    "int_from_float": "须为整数，不能有小数部分",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "bytes_type": "须为字节串",
    "bytes_too_short": "至少需要 {min_length} 字节",
    "bytes_too_long": "最多 {max_length} 字节",
    "value_error": "取值无效：{error}",
    "assertion_error": "取值无效：{error}",
    "date_type": "须为有效的日期",
    "date_parsing": "须为 YYYY-MM-DD 格式的有效日期",
    "date_from_datetime_parsing": "须为有效的日期或日期时间",
    "date_from_datetime_inexact": "日期不能带有时间部分",
    "date_past": "须为过去的日期",
    "date_future": "须为将来的日期",
    "time_type": "须为有效的时间",
    "time_parsing": "须为有效的时间格式",
    "datetime_type": "须为有效的日期时间",
    "datetime_parsing": "须为有效的日期时间",
    "datetime_object_invalid": "日期时间无效",
    "datetime_from_date_parsing": "须为有效的日期时间或日期",
    "datetime_past": "须为过去的时间",
    "datetime_future": "须为将来的时间",
    "timezone_naive": "不能带有时区",
    "timezone_aware": "须带有时区",
    "time_delta_type": "须为有效的时长",
    "time_delta_parsing": "须为有效的时长",
    "url_type": "须为网址字符串",
    "url_parsing": "须为有效的网址",
    "url_syntax_violation": "网址格式不符合要求",
    "url_too_long": "网址最多 {max_length} 个字符",
    "url_scheme": "网址协议须为 {expected_schemes}",
    "uuid_type": "须为 UUID",
    "uuid_parsing": "须为有效的 UUID",
    "uuid_version": "须为第 {expected_version} 版 UUID",
    "decimal_type": "须为数字",
    "decimal_parsing": "须为有效的数字",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_whole_digits": "小数点前最多 {whole_digits} 位数字",
    "union_tag_invalid": "类型标记 '{tag}' 无效，应为 {expected_tags}",
    "union_tag_not_found": "缺少类型标记 {discriminator}",
    "missing_argument": "缺少必填参数",
    "unexpected_keyword_argument": "不允许的参数",
}
