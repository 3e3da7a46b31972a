"""`yingji risk …`: GB 18218-2018 identification and grading of a hazard-source file.

`yingji risk gb18218 FILE.json [--json]` needs no database: it reads the file, assesses every
unit with `yingji.kernels.gb18218`, and prints either a table or
``{"units": [{"name", "S", "is_major", "alpha", "R", "grade", "terms": [...]}]}``. The whole
file is checked before anything is printed, so a bad file prints one error line and nothing on
stdout (exit status 2).
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yingji.cli_errors import CommandError
from yingji.kernels.gb18218 import Chemical, Gb18218Error, UnitReport, assess_unit
from yingji.kernels.methods import COLOURS

_TOP_KEYS = {"people_within_500m", "units"}
_UNIT_KEYS = {"name", "kind", "chemicals"}
_CHEMICAL_KEYS = {"cas", "name", "quantity_t", "category"}
_KINDS = {"production", "storage"}  # 生产单元, 储存单元


def add_parser(sub: Any, setup: Callable[[], None], progress: Any) -> None:
    """Attach the `risk` subcommands (setup: Django, progress: rich; gb18218 uses neither)."""
    risk = sub.add_parser("risk", help="risk engine: GB 18218 major hazard grading")
    commands = risk.add_subparsers(dest="risk_command", required=True)

    p = commands.add_parser(
        "gb18218",
        help="identify and grade the units of a hazard source described in a JSON file",
        description="GB 18218-2018: S = Σq/Q (major when S ≥ 1) and R = α·Σβ·q/Q per unit. "
        'Input: {"people_within_500m": 60, "units": [{"name": "储罐区", "chemicals": '
        '[{"cas": "7782-50-5", "quantity_t": 30}, '
        '{"name": "甲醇", "quantity_t": 1000, "category": "W5.3"}]}]}',
    )
    p.add_argument("file", type=Path, help="hazard-source description (UTF-8 JSON)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=gb18218)

    p = commands.add_parser(
        "assess",
        help="score every enterprise (four colours), then area risk and the control index",
        description="Scores the enterprises of a region (default: the province) with the active"
        " indicator model and stores the run; without --region it also computes the area risk"
        " (五色图) of every county, township and village and publishes this month's control"
        " index (管控力指数).",
    )
    p.add_argument("--region", default="", help="region code (12 digits or short), e.g. 330106")
    p.add_argument(
        "--classifier",
        default="natural_breaks",
        choices=["natural_breaks", "quantiles"],
        help="class breaks of the area risk levels",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=lambda a: assess(a, setup, progress))


def gb18218(args: argparse.Namespace) -> int:
    units = assess_file(_read_json(args.file))
    if args.json:
        print(json.dumps({"units": [as_json(n, r) for n, r in units]}, ensure_ascii=False))
    else:
        print("\n\n".join(as_table(n, r) for n, r in units))
    return 0


def assess(args: argparse.Namespace, setup: Callable[[], None], progress: Any) -> int:
    setup()
    from yingji.core.errors import DomainError
    from yingji.kernels.codes import CodeError, to_12
    from yingji.regions.models import Region
    from yingji.risk import services
    from yingji.risk.models import AreaHazard
    from yingji.risk.sources import Selection

    path = ""
    if args.region:
        code = args.region.strip()
        try:
            region = Region.objects.filter(code=to_12(code)).first()
        except CodeError:
            region = None
        if region is None:
            raise CommandError(f"--region: no region {code!r} (give a 12-digit or short code)")
        path = region.path
    summary: dict[str, Any] = {}
    try:
        with progress() as bar:
            task = bar.add_task("企业风险 enterprises", total=100)
            run = services.enterprises.assess(
                Selection(region_path=path),
                reason="命令行 yingji risk assess",
                progress=lambda pct, msg: bar.update(task, completed=pct, description=msg),
            )
            summary["enterprises"] = {
                "run": run.pk,
                "assessed": run.enterprises,
                "colours": dict(zip(COLOURS, run.colour_counts, strict=True)),
                "seconds": run.seconds,
            }
            if not path and not AreaHazard.objects.exists():
                summary["areas"] = {"skipped": "no area hazard inputs (致灾危险性/脆弱性) loaded"}
            elif not path:
                task = bar.add_task("区域风险 areas", total=100)
                summary["areas"] = services.area.assess_areas(
                    classifier=args.classifier,
                    progress=lambda pct, msg: bar.update(task, completed=pct, description=msg),
                )
            if not path:
                summary["control_index_counties"] = services.control.publish()
    except DomainError as exc:
        raise CommandError(exc.message) from exc
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        e = summary["enterprises"]
        print(
            f"enterprises: {e['assessed']} assessed in {e['seconds']} s — "
            + ", ".join(f"{k} {v}" for k, v in e["colours"].items())
        )
        areas = summary.get("areas", {})
        if "skipped" in areas:
            print(f"area risk: skipped, {areas['skipped']}")
        elif areas:
            print(f"area risk: {areas['rows']} region × hazard rows")
        if "control_index_counties" in summary:
            print(f"control index: {summary['control_index_counties']} counties")
    return 0


def assess_file(data: object) -> list[tuple[str, UnitReport]]:
    """Check the whole description and assess each unit; any problem raises CommandError."""
    top = _object(data, "the file", _TOP_KEYS)
    if "people_within_500m" not in top:
        raise _error("people_within_500m: missing (people living within 500 m of the boundary)")
    people = top["people_within_500m"]
    if isinstance(people, bool) or not isinstance(people, int) or people < 0:
        raise _error(f"people_within_500m: must be a whole number ≥ 0, not {_show(people)}")
    units = top.get("units")
    if not isinstance(units, list) or not units:
        raise _error("units: must be a non-empty list of units")
    results = []
    for i, raw in enumerate(units):
        where = f"units[{i}]"
        unit = _object(raw, where, _UNIT_KEYS)
        name = unit.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _error(f"{where}.name: must be a non-empty text")
        kind = unit.get("kind", "storage")
        if not isinstance(kind, str) or kind not in _KINDS:
            kinds = " or ".join(sorted(_KINDS))
            raise _error(f"{where}.kind: must be {kinds}, not {_show(kind)}")
        where = f"{where} ({name.strip()})"
        chemicals = unit.get("chemicals")
        if not isinstance(chemicals, list) or not chemicals:
            raise _error(f"{where}.chemicals: must be a non-empty list of chemicals")
        parsed = [_chemical(c, f"{where}.chemicals[{j}]") for j, c in enumerate(chemicals)]
        try:
            results.append((name.strip(), assess_unit(parsed, people)))
        except Gb18218Error as exc:
            raise _error(f"{where}: {exc}") from None
    return results


def as_json(name: str, report: UnitReport) -> dict[str, object]:
    """One unit in the output shape of `yingji risk gb18218 --json`."""
    return {
        "name": name,
        "S": report.S,
        "is_major": report.is_major,
        "alpha": report.alpha,
        "R": report.R,
        "grade": report.grade,
        "terms": [
            {
                "chemical": t.chemical,
                "cas": t.cas,
                "q": t.q,
                "Q": t.Q,
                "beta": t.beta,
                "Q_source": t.q_source,
                "beta_source": t.beta_source,
            }
            for t in report.terms
        ],
    }


def as_table(name: str, report: UnitReport) -> str:
    """One unit as a heading line and an aligned table of its terms."""
    verdict = "重大危险源" if report.is_major else "不构成重大危险源"
    head = f"{name}: S = {_num(report.S)} {verdict}, α = {_num(report.alpha)}"
    if report.R is not None:
        head += f", R = {_num(report.R)} {report.grade}"
    rows = [["化学品", "CAS", "q (t)", "Q (t)", "Q 来源", "β", "β 来源", "β·q/Q"]]
    for t in report.terms:
        shown = t.chemical if t.given in {t.chemical, t.cas} else f"{t.chemical} [{t.given}]"
        cells = [t.cas or "—", _num(t.q), _num(t.Q), t.q_source, _num(t.beta), t.beta_source]
        rows.append([shown, *cells, _num(t.weighted)])
    widths = [max(_width(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([head, *("  " + line.rstrip() for line in lines)])


# ---------------------------------------------------------------- input checks


def _read_json(path: Path) -> object:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _error(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise _error(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise _error(f"{path}: not valid JSON (nested too deeply)") from None


def _object(value: object, where: str, allowed: set[str]) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _error(f"{where}: must be an object with {', '.join(sorted(allowed))}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _error(
            f"{where}: unknown field {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
        )
    return value


def _chemical(raw: object, where: str) -> Chemical:
    chem = _object(raw, where, _CHEMICAL_KEYS)
    cas, name = _text(chem, "cas", where), _text(chem, "name", where)
    if not (cas and cas.strip()) and not (name and name.strip()):
        raise _error(f"{where}: needs a cas or a name")
    if "quantity_t" not in chem:
        raise _error(f"{where}.quantity_t: missing (the maximum quantity, tonnes)")
    quantity = chem["quantity_t"]
    if isinstance(quantity, bool) or not isinstance(quantity, int | float):
        raise _error(f"{where}.quantity_t: must be a number of tonnes, not {_show(quantity)}")
    category = chem.get("category")
    codes: str | tuple[str, ...] | None
    if category is None or isinstance(category, str):
        codes = category
    elif isinstance(category, list) and all(isinstance(c, str) for c in category):
        codes = tuple(str(c) for c in category)
    else:
        raise _error(f'{where}.category: must be a code such as "W5.3" or a list of codes')
    return Chemical(quantity_t=quantity, cas=cas, name=name, category=codes)


def _text(chem: dict[str, object], key: str, where: str) -> str | None:
    value = chem.get(key)
    if value is not None and not isinstance(value, str):
        raise _error(f"{where}.{key}: must be text, not {_show(value)}")
    return value


# ---------------------------------------------------------------- helpers


def _error(message: str) -> Exception:
    return CommandError(message)


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def _num(value: float) -> str:
    return f"{value:.6g}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
