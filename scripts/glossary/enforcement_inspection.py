"""简体中文 for 掌上执法 (inspections on a phone) and on-site documents: the task list, a task's
checklist, findings and hidden hazards, completion, the document preview, signatures and
downloads, the audit labels and the services' messages.

Generic words another glossary already translates (All, Apply, Search, Address, Save …) are
not repeated here, so this file never changes another page's wording.
"""

GLOSSARY = {
    # the task list
    "Inspection tasks": "检查任务",
    "New task": "新建任务",
    "To do": "待检查",
    "In progress": "检查中",
    "None.": "无。",
    "Inspections of your enterprise.": "对本企业的执法检查。",
    "No inspection of your enterprise yet.": "本企业暂无执法检查记录。",
    "Code or enterprise": "任务编号或企业名称",
    "Draw plan": "抽查计划",
    "Inspection item": "抽查事项",
    "Inspector": "执法人员",
    "Inspectors": "执法人员",
    "No inspection task matches.": "没有符合条件的检查任务。",
    "overdue %(n)s day": "逾期 %(n)s 天",
    "due %(d)s": "截止 %(d)s",
    # a new ad-hoc task
    "New inspection task": "新建检查任务",
    "For a complaint or referral, or a follow-up check; drawn inspections come from the draw plans.": (
        "用于举报、转办或整改复查；双随机抽查任务由抽查计划生成。"
    ),
    "Inspectors (two or more, no conflict of interest)": "执法人员（至少两名，须无回避情形）",
    "No inspector in the pool of your jurisdiction.": "本辖区执法检查人员名录库中暂无人员。",
    "Open the task": "创建任务",
    "Task %(code)s opened.": "已创建检查任务 %(code)s。",
    "Only bureau staff open inspection tasks.": "只有应急管理部门工作人员可以创建检查任务。",
    # a task
    "Inspection": "执法检查",
    "Legal basis": "法律依据",
    "lead": "主办",
    "%(n)s open hidden hazard": "%(n)s 项未销号隐患",
    "Start the inspection": "开始检查",
    "Your position is recorded if the phone gives it.": "如手机可定位，将记录开始检查时的位置。",
    "Cancelled because": "取消原因",
    "Inspection summary": "检查小结",
    "Checklist": "检查清单",
    "Start the inspection to record findings.": "开始检查后才能逐项登记检查情况。",
    "This item has no checklist.": "该抽查事项没有检查细则。",
    "not checked": "未检查",
    "compliant": "符合",
    "not compliant": "不符合",
    "Compliant": "符合",
    "Not compliant": "不符合",
    "Basis:": "依据：",
    "Recorded at": "记录位置",
    "Hidden hazard": "隐患",
    "Create a hidden hazard": "生成隐患",
    "Create the hidden hazard": "生成隐患",
    "The finding's photos go with it; the county office registers it.": (
        "检查照片一并转入隐患，由区县应急管理部门登记。"
    ),
    "Change the answer": "修改检查结果",
    "What was found": "检查情况",
    "Required when not compliant": "不符合时必填",
    "JPEG or PNG, up to %(n)s photos, 10 MB each.": "支持 JPEG、PNG，最多 %(n)s 张，每张不超过 10 MB。",
    "Check point": "检查项",
    "Check point %(id)s saved.": "检查项 %(id)s 已保存。",
    "Complete the inspection": "完成检查",
    "Complete": "完成检查",
    "Enterprise person present": "被检查单位现场负责人",
    "Inspection started.": "已开始检查。",
    "Inspection completed.": "检查已完成。",
    "Task cancelled.": "任务已取消。",
    "Unknown action.": "未知操作。",
    "Cancel the task": "取消任务",
    "Reason for cancelling": "取消原因",
    "Hidden hazard %(code)s created.": "已生成隐患 %(code)s。",
    # the phone's position and photos (inspection.js)
    "Finding your position…": "正在定位…",
    "Position {lon}, {lat} (± {acc} m)": "位置 {lon}, {lat}（精度 ± {acc} 米）",
    "No position: {error}": "无法定位：{error}",
    "This browser cannot give a position.": "此浏览器无法获取位置。",
    "At most {n} photos; the first {n} are kept.": "最多 {n} 张照片，已保留前 {n} 张。",
    # documents
    "Place inspected": "检查场所",
    "Rectify by": "整改期限",
    "Instruction": "整改要求",
    "Leave empty for the standard text": "留空则使用规范文本",
    "Other remarks": "其他情况",
    "Review opinion": "复查意见",
    "Update the preview": "更新预览",
    "Preview": "预览",
    "Signatures": "签名",
    "At least two inspectors and the enterprise's person present sign with a finger in the boxes.": (
        "至少两名执法人员和被检查单位现场负责人用手指在框内签名。"
    ),
    "Clear": "清除",
    "Signature of": "签名：",
    "Signature of the enterprise person present": "被检查单位现场负责人签名",
    "Sign and issue": "签名并签发",
    "%(number)s issued.": "%(number)s 已签发。",
    "Download PDF": "下载 PDF",
    "Download Word": "下载 Word",
    "An issued document is never changed; a correction is a new document.": (
        "文书签发后不再修改；如需更正，另行签发新文书。"
    ),
    "Document": "文书",
    "Only the task's inspectors (or bureau staff) issue documents.": (
        "只有本任务的执法人员（或应急管理部门工作人员）可以签发文书。"
    ),
    # services: refusals
    "Cannot %(action)s task %(code)s while it is %(state)s; allowed now: %(allowed)s": (
        "任务 %(code)s 当前为%(state)s，不能执行 %(action)s；当前可执行：%(allowed)s"
    ),
    "Task %(code)s is %(state)s: this is possible only while it is %(states)s": (
        "任务 %(code)s 当前为%(state)s：此操作仅在%(states)s时可以进行"
    ),
    "Only bureau staff of the jurisdiction may do this.": "只有本辖区应急管理部门工作人员可以执行此操作。",
    "Only the task's inspectors (or bureau staff) may act on it.": (
        "只有本任务的执法人员（或应急管理部门工作人员）可以操作。"
    ),
    "A hidden hazard was created from this finding; it stays non-compliant.": (
        "该检查项已生成隐患，不能改为符合。"
    ),
    "Hidden hazard already created from this finding.": "该检查项已生成隐患。",
    "Your jurisdiction does not cover this enterprise: ask the county office.": (
        "该企业不在您的辖区内，请联系区县应急管理部门。"
    ),
    "%(title)s %(number)s was already issued for this task.": "本任务已签发%(title)s %(number)s。",
    # audit trail
    "inspection task opened": "创建检查任务",
    "inspection started": "开始检查",
    "finding recorded": "登记检查情况",
    "hidden hazard created from a finding": "检查发现生成隐患",
    "inspection completed": "完成检查",
    "inspection cancelled": "取消检查任务",
    "document issued": "签发执法文书",
}
