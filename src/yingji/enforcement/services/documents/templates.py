"""The templates of the on-site documents, as code: content (the JSON snapshot) → Document.

The wording follows the national model texts of 安全生产行政执法文书 (现场检查记录,
责令限期整改指令书, 整改复查意见书). The appeal sentence names the county government: since
the 2023 revision of the 行政复议法 (in force 2024-01-01) a county department's act is
reviewed by the government at its level; the time limits are 60 days (复议) and six months
(诉讼, 行政诉讼法 Art. 46).

:func:`render` only reads the content it is given, plus the photos by id through a loader, so
the PDF at issue and the Word file rendered later from the stored snapshot are the same text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from yingji.core.documents import (
    Block,
    Document,
    Fields,
    Heading,
    Image,
    Issued,
    Paragraph,
    Signature,
    Signatures,
    Table,
)

TITLES: Final = {
    "site_record": "现场检查记录",
    "rectify_order": "责令限期整改指令书",
    "review": "整改复查意见书",
}
ORDER_BASIS: Final = "《中华人民共和国安全生产法》第六十五条第一款第（二）项"
FOOTER: Final = "本文书一式两份：一份由应急管理部门存档，一份交被检查单位。"
PHOTO_WIDTH_MM: Final = 70.0
MAX_PHOTOS: Final = 24  # per document: the rest stay in the system, named in the record

Loader = Callable[[str], bytes | None]
Signer = tuple[str, str, bytes]  # role label, name, PNG


def chinese_date(iso: str) -> str:
    """2026-12-15 → 2026年12月15日 (the written form of 文书)."""
    day = dt.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def instruction(day: dt.date) -> str:
    return (
        f"现责令你单位于{chinese_date(day.isoformat())}前整改完毕，达到有关法律法规规章和标准"
        "规定的要求。整改期间，你单位应当采取措施，确保安全生产。对安全生产违法行为，将依法"
        "予以行政处罚；由此造成事故的，依法追究有关人员的责任。"
    )


def appeal(government: str) -> str:
    return (
        f"如不服本指令，可以自收到本指令书之日起六十日内依法向{government}申请行政复议，"
        "或者在六个月内依法向人民法院提起行政诉讼，但本指令不停止执行，法律另有规定的除外。"
    )


def opinion(rectified: bool) -> str:
    if rectified:
        return "经复查，你单位已按要求完成整改，复查合格。"
    return "经复查，你单位尚有问题未按要求整改完毕，请立即整改；对逾期未整改的，将依法予以处理。"


def inspected_on(content: Mapping[str, Any]) -> str:
    started = str(content.get("started_at") or "")[:10]
    return chinese_date(started) if started else "本次"


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def _result(point: Mapping[str, Any]) -> str:
    if not point.get("answered"):
        return "未检查"
    return "符合" if point.get("compliant") else "不符合"


def _inspectors(content: Mapping[str, Any]) -> str:
    return "\n".join(f"{i['name']}（执法证号 {i['certificate']}）" for i in content["inspectors"])


def _faults(content: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in content["points"] if p.get("answered") and not p.get("compliant")]


def _photos(content: Mapping[str, Any], photos: Loader) -> list[Block]:
    """The photos of the non-compliant points, each with its caption."""
    blocks: list[Block] = []
    shown = 0
    for point in _faults(content):
        for n, photo_id in enumerate(point.get("photos", []), 1):
            if shown >= MAX_PHOTOS:
                return [*blocks, Paragraph("（其余照片存于系统，不再附印。）")]
            data = photos(str(photo_id))
            caption = f"现场照片：检查项 {point['id']} 照片 {n}"
            if data is None:
                blocks.append(Paragraph(f"{caption}：照片文件缺失。"))
                continue
            blocks.append(Image(data, width_mm=PHOTO_WIDTH_MM, caption=caption))
            shown += 1
    return blocks  # no heading of its own: it could be left alone at a page's foot


def _signatures(content: Mapping[str, Any], signers: Sequence[Signer]) -> Signatures:
    """The signed signers; before signing (the preview) the empty places to sign."""
    date = chinese_date(content["issued_on"])
    if signers:
        return Signatures([Signature(r, n, png, date) for r, n, png in signers])
    empty = [Signature("执法人员", i["name"], None, date) for i in content["inspectors"]]
    empty.append(Signature("被检查单位现场负责人", content.get("present_person") or "", None, date))
    return Signatures(empty[:9])


def _site_record(content: Mapping[str, Any], photos: Loader) -> list[Block]:
    e = content["enterprise"]
    rows = [
        ("被检查单位", e["name"]),
        ("地址", e["address"] or "—"),
        ("统一社会信用代码", e["credit_code"]),
        ("法定代表人（负责人）", e["legal_representative"] or "—"),
        ("检查场所", content["place"]),
        ("检查时间", content["started_at"] or "—"),
        ("检查事项", f"{content['task']['item']}（任务 {content['task']['code']}）"),
        ("检查依据", content["task"]["basis"]),
        ("检查人员", _inspectors(content)),
        ("现场负责人", content["present_person"] or "—"),
    ]
    table = Table(
        ["序号", "检查内容及依据", "结果", "情况说明"],
        [
            [p["id"], f"{p['text']}\n依据：{p['basis'] or '—'}", _result(p), p["description"]]
            for p in content["points"]
        ],
        widths=[0.6, 3.4, 0.9, 3.1],
    )
    blocks: list[Block] = [
        Paragraph(
            f"我们是{content['organ']}执法人员，已出示执法证件。现依法对你单位进行现场检查，"
            "你单位应当如实提供有关情况和资料，不得拒绝、阻挠。"
        ),
        Fields(rows),
        Heading("检查情况", level=1),
        table,
        *_photos(content, photos),
    ]
    if content.get("note"):
        blocks.append(Paragraph(f"其他情况：{content['note']}"))
    faults = len(_faults(content))
    blocks.append(
        Paragraph(f"本次检查发现问题 {faults} 项。" if faults else "本次检查未发现问题。")
    )
    blocks.append(Paragraph("以上记录经被检查单位现场负责人核对，情况属实。"))
    return blocks


def _rectify_order(content: Mapping[str, Any], photos: Loader) -> list[Block]:
    rows = [
        [str(n), f"{p['text']}：{p['description']}", p["basis"] or content["task"]["basis"]]
        for n, p in enumerate(_faults(content), 1)
    ]
    return [
        Paragraph(f"{content['enterprise']['name']}："),
        Paragraph(
            f"经查，你单位在{inspected_on(content)}检查中存在下列问题"
            f"（检查事项：{content['task']['item']}）："
        ),
        Table(["序号", "存在的问题", "违反的规定"], rows, widths=[0.6, 4.4, 3.0]),
        *_photos(content, photos),
        Paragraph(f"依据{ORDER_BASIS}的规定，{content['instruction']}"),
        Paragraph(f"整改期限：{chinese_date(content['rectify_by'])}前。"),
        Paragraph(content["appeal"]),
        Paragraph(f"执法人员：{_inspectors(content).replace(chr(10), '；')}"),
    ]


def _review(content: Mapping[str, Any], photos: Loader) -> list[Block]:
    order = content["order"]
    table = Table(
        ["序号", "复查内容", "复查结果", "情况说明"],
        [[p["id"], p["text"], _result(p), p["description"]] for p in content["points"]],
        widths=[0.6, 3.4, 0.9, 3.1],
    )
    return [
        Paragraph(f"{content['enterprise']['name']}："),
        Paragraph(
            f"本机关于{chinese_date(order['issued_on'])}作出了《责令限期整改指令书》"
            f"（{order['number']}），经对你单位整改情况进行复查，提出如下意见："
        ),
        table,
        *_photos(content, photos),
        Paragraph(content["opinion"]),
        Paragraph(f"执法人员：{_inspectors(content).replace(chr(10), '；')}"),
    ]


BODIES: Final = {
    "site_record": _site_record,
    "rectify_order": _rectify_order,
    "review": _review,
}


def render(content: Mapping[str, Any], signers: Sequence[Signer], photos: Loader) -> Document:
    """The document of a content snapshot, with the signatures (none yet: places to sign)."""
    blocks = BODIES[content["kind"]](content, photos)
    blocks += [
        _signatures(content, signers),
        Issued(content["organ"], chinese_date(content["issued_on"])),
    ]
    return Document(
        title=content["title"],
        number=content["number"] or "（签发时编号）",
        issuer=content["organ"],
        blocks=blocks,
        footer=FOOTER,
    )
