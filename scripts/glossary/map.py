"""Chinese for the one map's registry layers (panel, popups, statuses); see translate_zh.py."""

GLOSSARY = {
    "Map layers": "图层",
    "Loading…": "加载中…",
    "Details": "详情",
    "No map layers to show.": "暂无可显示的图层。",
    "The map layers could not be loaded.": "图层加载失败。",
    "This layer could not be loaded.": "该图层加载失败，请稍后重试。",
    "{n} in view": "视野内 {n} 个",
    "{n} in view, grouped: zoom in to see each one": "视野内 {n} 个（已聚合，放大可查看单个点位）",
    "{n} here: click to zoom in": "此处 {n} 个，点击放大",
}
