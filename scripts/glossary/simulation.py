"""简体中文 for the scenario engine (typhoon replay)."""

GLOSSARY = {
    "Simulation": "情景推演",
    "scenario": "情景",
    "track": "路径",
    "speed (simulated seconds per real second, 0 = flat out)": "速度（每秒推演的模拟秒数，0 为全速）",
    "step (minutes)": "步长（分钟）",
    "scope (region path prefix)": "范围（区划代码前缀）",
    "replay window start, track time": "回放开始时间（路径时间）",
    "replay window end, track time": "回放结束时间（路径时间）",
    "shift (days)": "时间平移（天）",
    "Recorded instants = track instants + this many days": "记录时间 = 路径时间 + 该天数",
    "started at (wall clock)": "开始时间（实际）",
    "finished at (wall clock)": "结束时间（实际）",
    "wall time (s)": "实际耗时（秒）",
    "ids of the records created": "生成记录的编号",
    "error": "错误",
    "simulation run": "推演运行",
    "simulation runs": "推演运行",
}
