"""The two documents of a penalty case: 行政处罚告知书 (notice) and 行政处罚决定书 (decision).

Both are rendered once, when the step happens, and stored as issued (PDF and the content it
came from): what the enterprise received is what the record shows. The wording follows
《中华人民共和国行政处罚法》 (2021): the notice states the facts, reasons and basis and the rights
to 陈述、申辩 and to ask for a hearing within five days (Art. 44, 63, 64); the decision states
the 15-day payment term and the 3 % daily surcharge (Art. 67, 72) and the remedies.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from yingji.core.documents import Document, Fields, Issued, Paragraph, to_pdf
from yingji.enforcement.models import DocumentKind, EnforcementDocument, PenaltyCase
from yingji.enforcement.services.publication import organ_name, yuan

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from yingji.core.models import User

    Actor = User | AnonymousUser


def _date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _party(case: PenaltyCase) -> Fields:
    firm = case.enterprise
    return Fields(
        [
            ("当事人", firm.name),
            ("统一社会信用代码", firm.credit_code),
            ("地址", firm.address or "—"),
            ("案件编号", case.code),
        ]
    )


def _penalty(case: PenaltyCase, amount: Decimal | None) -> str:
    measures = case.other_measures or case.rule.other_measures
    text = f"罚款人民币{yuan(amount)}元"
    return text + (f"；{measures}" if measures else "")


def notice(case: PenaltyCase, amount: Decimal) -> Document:
    rule, organ = case.rule, organ_name(case.region_path)
    return Document(
        title="行政处罚告知书",
        number=f"{case.code}-告知",
        issuer=organ,
        blocks=(
            _party(case),
            Paragraph(f"经查，你单位存在以下违法事实：{case.facts}"),
            Paragraph(
                f"以上事实违反了{rule.violated_provision}的规定。依据{rule.penalty_provision}"
                f"（裁量基准 {rule.code}，{rule.get_circumstance_display()}："
                f"{rule.circumstance_text}），"
                f"本机关拟对你单位作出如下行政处罚：{_penalty(case, amount)}。"
            ),
            Paragraph(
                "根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你单位有权进行陈述和申辩。"
                "拟作出的罚款属于较大数额的，依据第六十三条、第六十四条，你单位有权要求听证，"
                "要求听证的，应当在收到本告知书之日起五日内提出。逾期未提出陈述、申辩或者听证要求的，"
                "视为放弃上述权利。"
            ),
            Issued(organ, _date(case.notified_on)),
        ),
        footer=f"{case.code} 行政处罚告知书",
    )


def decision(case: PenaltyCase) -> Document:
    rule, organ = case.rule, organ_name(case.region_path)
    return Document(
        title="行政处罚决定书",
        number=case.decision_number,
        issuer=organ,
        blocks=(
            _party(case),
            Paragraph(f"经查，你单位存在以下违法事实：{case.facts}"),
            Paragraph(
                f"以上事实违反了{rule.violated_provision}的规定。本机关已于{_date(case.notified_on)}"
                "告知你单位拟作出行政处罚的事实、理由、依据及你单位依法享有的权利。"
            ),
            Paragraph(
                f"依据{rule.penalty_provision}（裁量基准 {rule.code}，"
                f"{rule.get_circumstance_display()}），本机关决定给予如下行政处罚："
                f"{_penalty(case, case.amount_yuan)}。"
            ),
            Paragraph(
                "罚款自收到本决定书之日起十五日内缴至指定银行或者通过电子支付系统缴纳。"
                "到期不缴纳罚款的，本机关可以每日按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额"
                "（《中华人民共和国行政处罚法》第六十七条、第七十二条）。"
            ),
            Paragraph(
                "你单位如不服本决定，可以依法在收到本决定书之日起六十日内申请行政复议，或者在六个月内"
                "依法向人民法院提起行政诉讼。行政复议或者行政诉讼期间，本决定不停止执行，法律另有规定的除外。"
            ),
            Issued(organ, _date(case.decided_on)),
        ),
        footer=f"{case.code} 行政处罚决定书 {case.decision_number}",
    )


def store(
    case: PenaltyCase,
    kind: DocumentKind,
    document: Document,
    *,
    actor: Actor,
    extra: dict[str, Any],
) -> EnforcementDocument:
    """Render and keep the document as issued (inside the caller's transaction)."""
    content = {
        "title": document.title,
        "number": document.number,
        "issuer": document.issuer,
        "text": [b.text for b in document.blocks if isinstance(b, Paragraph)],
        **extra,
    }
    return EnforcementDocument.objects.create(
        kind=kind,
        number=document.number,
        task=case.task,
        case=case,
        enterprise_id=case.enterprise_id,
        region_path=case.region_path,
        content=content,
        pdf=to_pdf(document),
        issued_by=actor if actor.is_authenticated else None,
    )
