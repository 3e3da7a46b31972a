"""zh-Hans for the 力量调度 panel of the incident page, its API and the rescue coverage page."""

GLOSSARY = {
    # the panel
    "Forces and supplies (力量调度)": "力量调度",
    "Rescue coverage analysis": "救援覆盖分析",
    "Suggested rescue forces": "推荐救援力量",
    "Specialty": "专业",
    "For this type of incident (%(s)s)": "按事件类型（%(s)s）",
    "Any (this type needs no particular one)": "不限（该类型无特定专业）",
    "Show": "查看",
    "Rescue force": "救援队伍",
    "Specialties matched": "匹配专业",
    "Est. min": "预计分钟",
    "%(n)s member": "%(n)s 人",
    "Dispatch (调派)": "调派",
    "No rescue force on standby in your jurisdiction has this specialty.": (
        "辖区内没有具备该专业的待命救援队伍。"
    ),
    "No rescue force on standby in your jurisdiction has %(s)s: all forces on standby are "
    "listed, fastest first.": "辖区内没有具备%(s)s专业的待命救援队伍：以下列出全部待命队伍，按用时排序。",
    "Dispatch orders": "调派单",
    "Times": "时间",
    "No force dispatched yet.": "尚未调派力量。",
    "Set out": "出动",
    "Arrived on scene": "到达现场",
    "Released": "归队",
    "Cancel": "取消",
    "Supply requests": "物资需求",
    "%(a)s of %(q)s %(u)s allocated": "已调拨 %(a)s / %(q)s %(u)s",
    "%(q)s %(u)s still needed": "尚需 %(q)s %(u)s",
    "met": "已满足",
    "Allocate": "调拨",
    "No depot in your jurisdiction has stock of this category.": "辖区内没有储备库存有该类物资。",
    "No supplies requested yet.": "尚未申请物资。",
    "Request supplies": "申请物资",
    "e.g. tents": "如：帐篷",
    "Unit": "单位",
    "e.g. pieces": "如：顶、件、箱",
    "Request": "申请",
    # messages of the panel's forms
    "Quantity must be a number": "数量必须是数字",
    "Quantity must be at most %(max)s": "数量不能超过 %(max)s",
    "NUL characters are not allowed": "不允许包含空字符（NUL）",
    "Dispatched %(name)s: about %(min).0f min away.": "已调派%(name)s：预计约 %(min).0f 分钟到达。",
    "%(name)s: %(status)s.": "%(name)s：%(status)s。",
    "Supplies requested: %(name)s %(q)s %(unit)s.": "已申请物资：%(name)s %(q)s %(unit)s。",
    "Allocated %(q)s %(unit)s of %(name)s from %(depot)s.": (
        "已从%(depot)s调拨%(name)s %(q)s %(unit)s。"
    ),
    # the coverage page
    "Rescue coverage": "救援覆盖",
    "Rescue coverage (救援覆盖分析)": "救援覆盖分析",
    "%(n)s village in your jurisdiction": "辖区内 %(n)s 个村（社区）",
    "Map of the villages outside the rescue circles": "救援圈外村（社区）分布图",
    "%(p)s%% covered": "覆盖率 %(p)s%%",
    "Layers": "图层",
    "Outside the ground circle": "地面救援圈外",
    "Outside the air circle": "航空救援圈外",
    "Villages outside the ground circle": "地面救援圈外的村（社区）",
    "Villages outside the air circle": "航空救援圈外的村（社区）",
    "The rule": "判定规则",
    "Ground: a village is covered when a rescue force is within %(km)s km and %(min)s minutes "
    "of it (the plan's 50 km / 1 hour circle).": (
        "地面：距村（社区）%(km)s 公里以内且 %(min)s 分钟内可到达处有救援队伍，即为覆盖"
        "（规划的“50 公里/1 小时”救援圈）。"
    ),
    "Air: covered when a helicopter base or landing point reaches it within %(min)s minutes, "
    "%(launch)s minutes of launch included, at %(speed)s km/h.": (
        "航空：直升机基地或起降点 %(min)s 分钟内可到达（含 %(launch)s 分钟起飞准备，"
        "航速 %(speed)s 公里/小时），即为覆盖。"
    ),
    "Travel model: great-circle distance × %(d)s (roads are longer than the straight line) at "
    "%(speed)s km/h on the ground. An estimate until a road router replaces it.": (
        "行程模型：直线距离 × %(d)s（道路比直线更长），地面按 %(speed)s 公里/小时计算。"
        "在接入路网路径计算之前为估算值。"
    ),
    "Recomputed whenever rescue forces, aviation sites or villages change. Click a point to see "
    "how far off it is.": "救援队伍、航空起降点或村（社区）变化时即重新计算。点击地图上的点可查看差距。",
    "Per county": "分县统计",
    "Villages": "村（社区）数",
    "Covered by ground": "地面覆盖",
    "Ground share": "地面覆盖率",
    "Uncovered (ground)": "地面未覆盖",
    "Covered by air": "航空覆盖",
    "Air share": "航空覆盖率",
    "Uncovered (air)": "航空未覆盖",
    "No village with a location in your jurisdiction.": "辖区内没有带位置的村（社区）。",
    "Choose a county to list its uncovered villages.": "点击县（市、区）名称可列出其未覆盖的村（社区）。",
    "Uncovered villages of %(name)s": "%(name)s未覆盖的村（社区）",
    "Ground: nearest force": "地面：最近队伍",
    "Air: nearest site": "航空：最近起降点",
    "covered": "已覆盖",
    "Every village of this county is covered by both circles.": "该县所有村（社区）均在地面和航空救援圈内。",
    "No such county in your jurisdiction (county)": "您的辖区内没有该县（county）",
    "Nearest base": "最近基地",
    "No base at all": "没有任何基地",
    "Limit: %(km)s km and %(min)s min": "标准：%(km)s 公里且 %(min)s 分钟",
    "Limit: %(min)s min, launch included": "标准：%(min)s 分钟（含起飞准备）",
    "%(n)s min over the limit": "超出标准 %(n)s 分钟",
    "%(g)s outside ground · %(a)s outside air": "地面圈外 %(g)s 个 · 航空圈外 %(a)s 个",
}
