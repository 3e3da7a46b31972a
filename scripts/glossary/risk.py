"""Chinese for GB 18218 grading fields."""

GLOSSARY = {
    "major (S ≥ 1)": "构成重大危险源（S ≥ 1）",
    "R (highest unit)": "R 值（最高单元）",
    "grade": "级别",
    "graded at": "分级时间",
    "S = Σq/Q": "S = Σq/Q",
    "R = α·Σβq/Q": "R = α·Σβq/Q",
    "grading note": "分级说明",
}
