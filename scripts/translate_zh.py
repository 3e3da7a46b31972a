"""Fill the zh_Hans catalogue from the glossary below (msgid → 简体中文), then compile.

Run `make messages` after changing user-facing strings: it extracts the strings
(makemessages), applies this glossary and compiles the .mo file that is committed.
Strings missing from the glossary are listed so none ships untranslated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/yingji/locale/zh_Hans/LC_MESSAGES/django.po"

GLOSSARY = {
    "Core": "核心",
    "Province staff": "省级工作人员",
    "City staff": "市级工作人员",
    "County staff": "县级工作人员",
    "Township staff": "乡镇工作人员",
    "Duty officer (值班员)": "值班员",
    "Warning reviewer (审核)": "预警审核人",
    "Warning issuer (签发)": "预警签发人",
    "Inspector (执法)": "执法人员",
    "Enterprise user": "企业用户",
    "Grid worker (网格员)": "网格员",
    "Viewer": "只读用户",
    "home region": "所属区域",
    "display name": "姓名",
    "mobile phone": "手机号",
    "machine account": "机器账号",
    "Sensor gateways and other API clients": "传感器网关等接口调用方",
    "user": "用户",
    "users": "用户",
    "role": "角色",
    "user role": "用户角色",
    "name": "名称",
    "API token": "接口令牌",
    "time": "时间",
    "actor": "操作人",
    "IP address": "IP 地址",
    "action": "操作",
    "object type": "对象类型",
    "object ID": "对象编号",
    "object": "对象",
    "changes": "变更",
    "message": "说明",
    "audit entry": "审计记录",
    "audit trail": "审计日志",
    "Queued": "排队中",
    "Running": "运行中",
    "Succeeded": "已完成",
    "Failed": "失败",
    "kind": "类型",
    "title": "标题",
    "status": "状态",
    "progress": "进度",
    "job": "任务",
    "Regions": "行政区划",
    "Province": "省",
    "City": "市",
    "County": "县（市、区）",
    "Township": "乡镇（街道）",
    "Village": "村（社区）",
    "code": "代码",
    "short code": "短代码",
    "level": "级别",
    "parent": "上级",
    "population": "人口",
    "households": "户数",
    "population source": "人口来源",
    "longitude": "经度",
    "latitude": "纬度",
    "location source": "位置来源",
    "townships": "乡镇数",
    "villages": "村社数",
    "region": "区域",
    "regions": "区域",
    "geometry": "几何",
    "boundary": "边界",
    "boundaries": "边界",
    "Web": "网页",
    "Page not found": "页面不存在",
    "Back to the map": "返回一张图",
    "Previous": "上一页",
    "Page %(n)s of %(total)s (%(count)s rows)": "第 %(n)s / %(total)s 页（共 %(count)s 条）",
    "Next": "下一页",
    "Audit trail": "审计日志",
    "Object or message contains": "对象或说明包含",
    "User": "用户",
    "Action": "操作",
    "Object type": "对象类型",
    "Object ID": "对象编号",
    "From": "从",
    "To": "至",
    "Search": "查询",
    "Time": "时间",
    "Object": "对象",
    "Changes": "变更内容",
    "No entries match.": "没有符合条件的记录。",
    "Yingji emergency management": "应急管理",
    "One map": "一张图",
    "My jurisdiction": "本辖区",
    "Jobs": "后台任务",
    "API": "接口",
    "Language": "语言",
    "Switch": "切换",
    "Sign out": "退出",
    "Not allowed": "无权访问",
    "Map of Zhejiang": "浙江省地图",
    "Zhejiang province": "浙江省",
    "%(c)s cities, %(n)s counties, %(t)s townships, %(v)s villages and communities": "%(c)s 个设区市、%(n)s 个县（市、区）、%(t)s 个乡镇（街道）、%(v)s 个村（社区）",
    "Click a county on the map to see its figures.": "点击地图上的县（市、区）查看概况。",
    "Code": "代码",
    "Population": "人口",
    "Households": "户数",
    "Townships": "乡镇（街道）",
    "Villages and communities": "村（社区）",
    "Townships and villages": "乡镇与村社",
    "Population: 7th national census (2020), county level.": "人口：第七次全国人口普查（2020年）县级数据。",
    "No base map is configured (YINGJI_TILE_URL); boundaries only.": "未配置底图（YINGJI_TILE_URL），仅显示行政边界。",
    "Census 2020": "2020年人口普查",
    "Derived from census figures": "由普查数据推算",
    "Synthetic": "模拟数据",
    "Edited": "人工修订",
    "The map data could not be loaded.": "地图数据加载失败。",
    "Started": "开始时间",
    "Job": "任务",
    "Status": "状态",
    "Progress": "进度",
    "No jobs yet.": "暂无任务。",
    "Sign in": "登录",
    "Yingji emergency management platform": "应急管理综合平台",
    "Risk, monitoring, warning and response for Zhejiang, from province to village.": "浙江省风险防控、监测预警与应急处置，省、市、县、乡、村贯通。",
    "This account is locked after repeated failed sign-ins. Try again in 30 minutes or ask "
    "your administrator to unlock it.": "该账号因多次登录失败已被锁定。请 30 分钟后再试，或联系管理员解锁。",
    "Wrong username or password. After 5 failed attempts the account is locked for 30 "
    "minutes.": "用户名或密码错误。连续失败 5 次后账号将锁定 30 分钟。",
    "Username": "用户名",
    "Password": "密码",
    "Source": "来源",
    "History of changes": "变更历史",
    "Filter by name": "按名称筛选",
    "Filter": "筛选",
    "Name": "名称",
    "Nothing matches.": "没有匹配的结果。",
    "Your roles do not include viewing the audit trail.": "您的角色无权查看审计日志。",
    "Role": "角色",
    "All roles": "全部角色",
    "All": "全部",
    "Active": "启用",
    "Disabled": "停用",
    "Mobile phone": "手机号",
    "Home region code": "所属区域代码",
    "e.g. 330106 for 西湖区": "如西湖区为 330106",
    "Roles": "角色",
    "Initial password": "初始密码",
    "Download": "下载",
    "rows": "行",
    "New account": "新建账号",
    "Accounts": "账号管理",
    "Create": "创建",
    "Save": "保存",
    "Home region": "所属区域",
    "Last sign-in": "最近登录",
    "Export to Excel": "导出 Excel",
    "Your roles do not allow this export.": "您的角色无权进行此导出。",
    "The export is being prepared; it downloads from this page.": "正在准备导出文件，完成后可在本页下载。",
    "Your roles do not include managing accounts.": "您的角色无权管理账号。",
    "Account %(name)s created.": "账号 %(name)s 已创建。",
    "Changes saved.": "已保存。",
    "Rows": "导出范围",
    "Direct subdivisions": "直接下级",
    "All villages and communities": "全部村（社区）",
    "Username, name or phone": "用户名、姓名或手机号",
    "created": "新建",
    "changed": "修改",
    "revoked": "吊销",
    "started": "启动",
    "loaded": "导入",
    "signed in": "登录",
    "signed out": "退出",
    "failed sign-in": "登录失败",
    "account locked": "账号锁定",
}


def _all_entries() -> dict[str, str]:
    """This file's glossary plus every ``scripts/glossary/*.py`` (one per area, ``GLOSSARY``)."""
    entries = dict(GLOSSARY)
    for path in sorted((Path(__file__).parent / "glossary").glob("*.py")):
        namespace: dict[str, object] = {}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102
        entries.update(namespace.get("GLOSSARY", {}))  # type: ignore[arg-type]
    return entries


def main() -> int:
    glossary = _all_entries()
    catalogue = polib.pofile(str(PO))
    missing = []
    for entry in catalogue:
        text = glossary.get(entry.msgid)
        if text is None:
            missing.append(entry.msgid)
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}  # Chinese has a single plural form
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.metadata["Language"] = "zh_Hans"
    catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    catalogue.save()
    catalogue.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
