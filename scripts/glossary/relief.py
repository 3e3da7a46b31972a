"""简体中文 for shelters and relief (转移安置与救助): models, the service, the incident page's panel."""

GLOSSARY = {
    # models
    "village": "村（社区）",
    "people evacuated": "转移人数",
    "evacuation report": "转移人数上报",
    "evacuation reports": "转移人数上报",
    "from village": "转出村（社区）",
    "people": "人数",
    "placed at": "安置时间",
    "distance (km, great circle)": "距离（公里，大圆距离）",
    "went home at": "返家时间",
    "shelter placement": "避灾安置记录",
    "shelter placements": "避灾安置记录",
    "affected group": "受灾群众",
    "basic needs": "基本生活需求",
    "relief started": "开始救助时间",
    "basic needs met": "基本生活保障时间",
    "relief record": "救助记录",
    "relief records": "救助记录",
    "needs must be a list of basic needs": "needs 须为基本生活需求列表",
    "Choose at least one basic need": "请至少选择一项基本生活需求",
    # the service
    "%(field)s must be a whole number ≥ %(low)d": "%(field)s 必须是不小于 %(low)d 的整数",
    "%(field)s must be at most %(high)d": "%(field)s 不能超过 %(high)d",
    "Choose a village": "请选择村（社区）",
    "No village %(code)s in your jurisdiction": "您的辖区内没有代码为 %(code)s 的村（社区）",
    "%(name)s is not a village": "%(name)s 不是村（社区）",
    "%(name)s is not in the incident's county": "%(name)s 不在事件所在县（市、区）",
    "%(field)s cannot be in the future": "%(field)s 不能是将来的时间",
    "%(field)s is too early for this incident": "%(field)s 早于本事件的合理时间",
    "%(n)d people is more than %(f)d × the population of %(name)s (%(pop)d): check the figure": (
        "%(n)d 人超过 %(name)s 人口（%(pop)d）的 %(f)d 倍，请核对数字"
    ),
    "%(village)s: %(n)d people evacuated (reported by %(who)s)": (
        "%(village)s：已转移 %(n)d 人（%(who)s 上报）"
    ),
    ", was %(n)d": "，此前为 %(n)d 人",
    "max_km must be a number of km above 0 and at most %(n)d": (
        "max_km 须为大于 0、不超过 %(n)d 的公里数"
    ),
    "Everyone reported evacuated already has a shelter": "上报转移的群众均已安置",
    "Shelters assigned: %(placed)d people placed in %(n)d shelters; %(left)d not placed (no shelter with room within %(km)g km)": (
        "分配避灾安置场所：%(placed)d 人安置到 %(n)d 个场所；%(left)d 人未安置（%(km)g 公里内没有空余场所）"
    ),
    "No such placement": "没有这条安置记录",
    "These people have already gone home": "这些群众已返家",
    "%(n)d people of %(village)s went home from %(shelter)s; %(left)d still evacuated": (
        "%(village)s %(n)d 人已从%(shelter)s返家；仍转移 %(left)d 人"
    ),
    "Send the relief record as fields": "请按字段提交救助记录",
    "More people than %(f)d × the population of %(name)s": "人数超过 %(name)s 人口的 %(f)d 倍",
    "Relief for %(group)s (%(n)d people): %(needs)s": "救助%(group)s（%(n)d 人）：%(needs)s",
    "No such relief record": "没有这条救助记录",
    "The basic needs of this group are already recorded as met": "该群体的基本生活已登记为得到保障",
    "Basic needs met for %(group)s, %(h).1f h after the event": (
        "%(group)s 基本生活得到保障，距事发 %(h).1f 小时"
    ),
    " — later than the 10-hour target": "——超过 10 小时目标",
    "Relief overdue: basic needs of %(group)s not met within 10 hours of the event": (
        "救助超时：%(group)s 的基本生活未在事发后 10 小时内得到保障"
    ),
    # the panel and its forms
    "Evacuation count recorded: %(n)d people.": "已登记转移人数：%(n)d 人。",
    "%(placed)d people placed in shelters; %(left)d still without one.": (
        "%(placed)d 人已安置到避灾安置场所；%(left)d 人尚未安置。"
    ),
    "Relief recorded for %(group)s.": "已登记%(group)s的救助。",
    "Basic needs met for %(group)s.": "%(group)s 的基本生活已得到保障。",
    "%(n)d people have gone home.": "%(n)d 人已返家。",
    "Evacuation and relief (转移安置)": "转移安置与救助",
    "Target: basic needs of everyone affected met within %(h)s hours of the event": (
        "目标：受灾群众基本生活在事发后 %(h)s 小时内得到有效救助"
    ),
    "Evacuated": "已转移",
    "In shelters": "已安置",
    "Waiting for a shelter": "待安置",
    "Not yet placed": "待安置",
    "Reported at": "上报时间",
    "Evacuated per village": "各村（社区）转移人数",
    "No evacuation reported yet.": "尚未上报转移人数。",
    "Shelters": "避灾安置场所",
    "Map of the shelters by occupancy": "避灾安置场所使用率地图",
    "under half full": "使用不到一半",
    "full": "已满",
    "capacity unknown": "容量不详",
    "Shelter": "避灾安置场所",
    "From this incident": "本事件安置",
    "Occupied": "已使用",
    "Capacity": "容量",
    "Nobody of this incident is in a shelter.": "本事件尚无群众入住避灾安置场所。",
    "%(n)s placement": "%(n)s 条安置记录",
    "Placed": "安置时间",
    "went home": "已返家",
    "Gone home": "已返家",
    "Relief for affected groups": "受灾群众救助",
    "Group": "群体",
    "Basic needs": "基本生活需求",
    "met in %(h)s h": "%(h)s 小时得到保障",
    "met in %(h)s h — late": "%(h)s 小时得到保障（超时）",
    "%(h)s h since the event": "距事发 %(h)s 小时",
    "Needs met": "已保障",
    "No relief recorded yet.": "尚无救助记录。",
    "Report an evacuation count": "上报转移人数",
    "Report the count": "上报人数",
    "Village (code)": "村（社区）代码",
    "People evacuated from it now (its total)": "当前转移人数（总数）",
    "Assign shelters": "分配避灾安置场所",
    "Everyone waiting goes to the nearest shelters with room, never over capacity; the largest villages first.": (
        "待安置群众分配到最近的有空余的场所，不超过容量；人数多的村（社区）优先。"
    ),
    "Farthest shelter (km)": "最远距离（公里）",
    "Record relief for a group": "登记群体救助",
    "Affected group": "受灾群众",
    "e.g. residents of a flooded hamlet": "如：某自然村受淹群众",
    "Village (optional)": "村（社区）（可选）",
    "Relief started (default: now)": "开始救助时间（默认现在）",
    "Record relief": "登记救助",
}
