"""简体中文 for warnings (预警发布): models, the lifecycle service, CAP in and out, the pages."""

GLOSSARY = {
    # nav and pages
    "Warnings": "预警发布",
    "Warning pages": "预警页面",
    "New warning": "新建预警",
    "Public page": "公众页面",
    "Warnings in force": "生效中的预警",
    "Atom feed (CAP 1.2)": "Atom 订阅（CAP 1.2）",
    "No warning is in force.": "当前没有生效的预警。",
    "No warning matches.": "没有符合条件的预警。",
    "Headline or identifier": "标题或编号",
    "State": "状态",
    "Updated": "更新时间",
    "issued": "发布于",
    "until": "有效至",
    "Map of the warning areas": "预警区域地图",
    "replaces #%(n)s": "替代 #%(n)s",
    "replaced by #%(n)s": "已被 #%(n)s 替代",
    "CAP 1.2 XML": "CAP 1.2 XML",
    "Public CAP file": "公开 CAP 文件",
    "From alarm": "来源告警",
    "Next steps": "下一步",
    "What must change": "需要修改的内容",
    "Note (optional)": "备注（可选）",
    "Content": "内容",
    "Headline (English)": "标题（英文）",
    "Description (English)": "预警内容（英文）",
    "Defence guide (English)": "防御指南（英文）",
    "Drafted by": "起草人",
    "Reviewed by": "审核人",
    "Issued by": "签发人",
    "circle %(r)s km": "圆形 %(r)s 公里",
    "No area yet.": "尚无预警区域。",
    "History": "处理记录",
    "Only the colours the type has can be chosen.": "只能选择该预警类型具有的颜色级别。",
    "Left empty, the signal's name is used (e.g. 暴雨橙色预警（Ⅱ级）).": (
        "留空时使用信号名称（如 暴雨橙色预警（Ⅱ级））。"
    ),
    "Left empty, the stored defence guide (防御指南) for the type and level is used.": (
        "留空时使用该类型和级别已存的防御指南。"
    ),
    "Beijing time.": "北京时间。",
    "Regions (hold Ctrl or ⌘ to choose several)": "行政区域（按住 Ctrl 或 ⌘ 可多选）",
    "Other region codes (villages too), separated by spaces": "其他区划代码（可到村），以空格分隔",
    "Polygon or circle (JSON, optional)": "多边形或圆形（JSON，可选）",
    "or": "或",
    "Name of the drawn area": "绘制区域名称",
    "Points are [latitude, longitude] (CAP order); a polygon repeats its first point last; "
    "a circle's radius is in km.": (
        "坐标为 [纬度, 经度]（CAP 顺序）；多边形的最后一点须与第一点相同；圆形半径单位为公里。"
    ),
    "English version (optional)": "英文版本（可选）",
    "Save draft": "保存草稿",
    "Back": "返回",
    "Your roles do not include warnings.": "您的角色不包含预警权限。",
    "Your roles do not allow drafting warnings.": "您的角色不允许起草预警。",
    "Draft saved.": "草稿已保存。",
    "Only a draft can be edited, by someone who may draft.": "只有草稿可以编辑，且须由有起草权限的人编辑。",
    "Edit draft #%(pk)s": "编辑草稿 #%(pk)s",
    "Draft made from the alarm: check it and submit it for review.": (
        "已根据告警生成预警草稿：请核对后提交审核。"
    ),
    "A draft replacing the warning was made.": "已生成替代该预警的草稿。",
    "Done: %(action)s.": "已完成：%(action)s。",
    "Yingji: warnings in force": "应急：生效中的预警",
    "Active warnings issued through Yingji, as CAP 1.2": "通过应急平台发布的生效预警（CAP 1.2）",
    "Draft a warning": "生成预警草稿",
    "A warning draft filled from this alarm: type, level, area and figures.": (
        "根据此告警生成预警草稿：类型、级别、区域和数据均已填入。"
    ),
    # lifecycle buttons and history
    "Submit for review": "提交审核",
    "Return to the drafter": "退回起草人",
    "Approve (审核)": "审核通过",
    "Issue (签发)": "签发",
    "Withdraw": "撤回",
    "Update": "更新",
    "Cancel (解除)": "解除",
    "Drafted": "起草",
    "Edited": "编辑",
    "Submitted": "提交审核",
    "Returned": "退回",
    "Approved": "审核通过",
    "Issued": "签发",
    "Withdrawn": "撤回",
    "Expired": "到期",
    "Update drafted": "起草更新",
    "Cancellation drafted": "起草解除",
    "Replaced by an update": "已被更新替代",
    "Cancelled": "已解除",
    # form labels and parsing
    "Warning type": "预警类型",
    "Urgency": "紧急程度",
    "Certainty": "确定程度",
    "Headline": "标题",
    "Warning description": "预警内容",
    "Defence guide": "防御指南",
    "Onset": "开始时间",
    "Expires": "失效时间",
    "Areas": "预警区域",
    "Polygon or circle": "多边形或圆形",
    "Issuing office": "发布单位",
    "%(field)s: %(value)r is not a date and time": "%(field)s：%(value)r 不是有效的日期时间",
    "Give a polygon [[lat, lon], …], a circle [lat, lon, km] or a list of them": (
        "请填写多边形 [[纬度, 经度], …]、圆形 [纬度, 经度, 公里] 或它们的列表"
    ),
    "The shape is not valid JSON": "区域图形不是有效的 JSON",
    "Drawn area": "绘制区域",
    # CAP import
    "The CAP severity is Unknown: a warning needs a colour (Minor 蓝 … Extreme 红)": (
        "CAP 严重程度为 Unknown：预警须有颜色级别（Minor 蓝 … Extreme 红）"
    ),
    "No area of the CAP message is in your jurisdiction (geocode, polygon or circle)": (
        "CAP 消息中没有位于您辖区内的区域（地理编码、多边形或圆形）"
    ),
    "A CAP %(type)s message carries no warning": "CAP %(type)s 消息不包含预警",
    "The CAP message has no info block": "CAP 消息没有 info 信息块",
    "The CAP info has no expires time": "CAP info 没有失效时间（expires）",
    "Not a valid CAP 1.2 message: %(why)s": "不是有效的 CAP 1.2 消息：%(why)s",
    # models
    "identifier": "编号",
    "GB/T 35965.1 identifier, given when issued": "GB/T 35965.1 编号，签发时生成",
    "message type": "消息类型",
    "replaces": "替代",
    "warning type": "预警类型",
    "0 蓝 … 3 红": "0 蓝 … 3 红",
    "urgency": "紧急程度",
    "certainty": "确定程度",
    "headline": "标题",
    "instruction (防御指南)": "防御指南",
    "headline (English)": "标题（英文）",
    "description (English)": "描述（英文）",
    "instruction (English)": "防御指南（英文）",
    "onset": "开始时间",
    "expires": "失效时间",
    "issuing office": "发布单位",
    "The office in whose name the warning is issued": "以其名义发布预警的单位",
    "from alarm": "来源告警",
    "upstream CAP": "上游 CAP 原文",
    "drafted by": "起草人",
    "reviewed by": "审核人",
    "issued by": "签发人",
    "submitted at": "提交时间",
    "reviewed at": "审核时间",
    "issued at (CAP sent)": "签发时间（CAP sent）",
    "ended at": "结束时间",
    "warning": "预警",
    "warnings": "预警",
    "area description": "区域描述",
    "polygon": "多边形",
    "[[lat, lon], …], closed (CAP order)": "[[纬度, 经度], …]，首尾闭合（CAP 顺序）",
    "circle": "圆形",
    "[lat, lon, radius km] (CAP order)": "[纬度, 经度, 半径公里]（CAP 顺序）",
    "warning area": "预警区域",
    "warning areas": "预警区域",
    "by": "操作人",
    "warning event": "预警记录",
    "warning events": "预警记录",
    "defence guide": "防御指南",
    "defence guides": "防御指南",
    # services
    "Cannot %(action)s a warning that is %(state)s; allowed now: %(allowed)s": (
        "预警当前为“%(state)s”，不能执行 %(action)s；现在允许：%(allowed)s"
    ),
    "nothing": "无",
    "Your roles do not allow %(action)s here": "您的角色不允许在此执行 %(action)s",
    "The drafter cannot review their own warning (审核 needs a second person)": (
        "起草人不能审核自己起草的预警（审核须由第二人进行）"
    ),
    "The issuer must be neither the drafter nor the reviewer (签发 needs a third person)": (
        "签发人不能是起草人或审核人（签发须由第三人进行）"
    ),
    "Your roles do not allow editing this warning": "您的角色不允许编辑此预警",
    "kind must be Update or Cancel": "类型须为 Update 或 Cancel",
    "Your roles do not allow replacing this warning": "您的角色不允许更新或解除此预警",
    "Cancelled: %(headline)s": "解除：%(headline)s",
    "Unknown action %(action)r; use one of %(allowed)s": "未知操作 %(action)r；可用：%(allowed)s",
    "The note must be text of at most 2000 characters": "备注须为不超过 2000 字的文本",
    "Say in the note what must change": "请在备注中写明需要修改的内容",
    "required": "必填",
    "at least one area": "至少需要一个区域",
    "already past: set a later expiry before issuing": "已过期：签发前请设置更晚的失效时间",
    "The warning is not complete: %(field)s %(why)s": "预警内容不完整：%(field)s %(why)s",
    "The warning this replaces (#%(pk)s) is %(state)s, no longer issued": (
        "被替代的预警（#%(pk)s）状态为“%(state)s”，已不在发布中"
    ),
    "Ten warnings issued by this office this second; try again": "该单位本秒已签发十条预警，请重试",
    "Choose the issuing office (sender)": "请选择发布单位",
    "No region %(code)r in your jurisdiction": "您的辖区内没有区域 %(code)r",
    "%(field)s is required": "%(field)s 为必填项",
    "Unknown warning type %(given)r": "未知预警类型 %(given)r",
    "level must be 0 (蓝) to 3 (红)": "级别须为 0（蓝）到 3（红）",
    "%(field)s must be one of %(choices)s": "%(field)s 须为以下之一：%(choices)s",
    "%(field)s must be text": "%(field)s 须为文本",
    "%(field)s is %(n)d characters; at most %(max)d": "%(field)s 为 %(n)d 字，最多 %(max)d 字",
    "expires is required": "失效时间为必填项",
    "%(field)s must be an ISO 8601 time with offset, e.g. 2024-07-01T08:00:00+08:00": (
        "%(field)s 须为带时区的 ISO 8601 时间，如 2024-07-01T08:00:00+08:00"
    ),
    "expires must be after the onset": "失效时间须晚于开始时间",
    "a warning lasts at most 30 days": "预警有效期最长 30 天",
    "%(type)s has no %(level)s signal; it has %(levels)s": (
        "%(type)s没有%(level)s信号；它有：%(levels)s"
    ),
    "Give at least one area (a region, a polygon or a circle)": (
        "请至少给出一个区域（行政区域、多边形或圆形）"
    ),
    "At most %(n)d areas": "最多 %(n)d 个区域",
    "area %(i)d must be an object": "第 %(i)d 个区域格式不正确",
    "area %(i)d: no region %(code)r in your jurisdiction": "第 %(i)d 个区域：您的辖区内没有区域 %(code)r",
    "area %(i)d needs a region, a polygon or a circle": "第 %(i)d 个区域须为行政区域、多边形或圆形",
    "area %(i)d needs a description": "第 %(i)d 个区域需要描述",
    "area %(i)d: a polygon is 4 to %(max)d [lat, lon] points, the first repeated last": (
        "第 %(i)d 个区域：多边形须为 4 到 %(max)d 个 [纬度, 经度] 点，且最后一点与第一点相同"
    ),
    "area %(i)d: a circle is [lat, lon, radius km], radius above 0 and at most 500": (
        "第 %(i)d 个区域：圆形为 [纬度, 经度, 半径公里]，半径大于 0 且不超过 500"
    ),
    # dissemination outbox and 叫应 (alerts.outbox, alerts.acks: written alongside)
    "This reply link is not valid": "此回复链接无效",
    "phone and text must be text": "电话和内容须为文本",
    "No such acknowledgement in your jurisdiction": "您的辖区内没有此叫应记录",
    "[Acknowledgement reminder] %(name)s (%(phone)s, %(place)s) has not acknowledged the "
    "warning “%(headline)s”; please follow up.": (
        "【叫应提醒】%(name)s（%(phone)s，%(place)s）尚未确认收到预警“%(headline)s”，请跟进。"
    ),
    "contact": "责任人",
    "channel": "渠道",
    "'warning', or 'escalation:<ack>:<step>' for a 叫应 reminder": (
        "'warning'（预警），或 'escalation:<ack>:<step>'（叫应提醒）"
    ),
    "text": "内容",
    "attempts": "尝试次数",
    "next attempt at": "下次尝试时间",
    "claimed until": "占用至",
    "worker": "工作进程",
    "provider message id": "服务商消息编号",
    "last error": "最近错误",
    "sent at": "发送时间",
    "delivered at": "送达时间",
    "delivery": "投递",
    "deliveries": "投递",
    "reply token": "回复令牌",
    "due at": "应答期限",
    "answered at": "应答时间",
    "answered through": "应答方式",
    "acknowledgement (叫应)": "叫应",
    "acknowledgements (叫应)": "叫应",
    "%(recipients)d people, %(messages)d messages": "%(recipients)d 人，%(messages)d 条消息",
}
