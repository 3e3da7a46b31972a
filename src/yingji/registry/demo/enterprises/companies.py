"""Enterprises saved in chunks, then the licences and training records of those that need them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db import models

from yingji.registry.demo.context import DemoContext
from yingji.registry.demo.enterprises.columns import _columns, _people
from yingji.registry.demo.enterprises.tables import AS_OF, PLATE, SIZES
from yingji.registry.models.enterprise import Enterprise, HazchemRole, Licence, TrainingRecord

CHUNK = 50_000


def generate_enterprises(ctx: DemoContext) -> None:
    """Enterprises, then licences of those that need one and their key persons' training."""
    n = SIZES.get(ctx.scale, SIZES["default"])
    cols = _columns(ctx, n, ctx.rng("enterprises"))
    for start in range(0, n, CHUNK):  # executemany; keys are read back by credit code below
        rows = {k: v[start : start + CHUNK] for k, v in cols.items()}
        ctx.insert("enterprises", Enterprise, [Enterprise(**r) for r in _records(rows)])
    trained = ctx.rng("trainings-sample").random(n) < 0.02  # a few ordinary enterprises too
    keep = np.flatnonzero(
        (cols["hazchem_role"] != HazchemRole.NONE) | (cols["industry_code"] == "B1011") | trained
    )
    subset = {k: v[keep] for k, v in cols.items()}
    pks = _pks(Enterprise, "credit_code", subset["credit_code"])
    _licences(ctx, subset, pks, ctx.rng("licences"))
    _trainings(ctx, subset, pks, ctx.rng("trainings"))


def _records(cols: dict[str, np.ndarray]) -> Iterable[dict[str, Any]]:
    names = list(cols)
    for values in zip(*(cols[k].tolist() for k in names), strict=True):
        yield dict(zip(names, values, strict=True))


def _pks(model: type[models.Model], field: str, keys: Iterable[str]) -> dict[str, int]:
    """Primary keys of rows just bulk-inserted, by natural key (any database backend)."""
    wanted = [str(k) for k in keys]
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 900):
        rows = model._default_manager.filter(**{f"{field}__in": wanted[start : start + 900]})
        found.update(rows.values_list(field, "pk"))
    return found


def _days_before(rng: np.random.Generator, low: int, high: int) -> dt.date:
    return AS_OF - dt.timedelta(days=int(rng.integers(low, high)))


def _licences(
    ctx: DemoContext, cols: dict[str, np.ndarray], pks: dict[str, int], rng: np.random.Generator
) -> None:
    """The licences each role needs (3-year terms); about 5% have lapsed."""
    needs = {"produce": ("safety", "hc_reg"), "trade": ("hc_trade",), "store": ("hc_trade",)}
    objs: list[Licence] = []
    for i, code in enumerate(cols["credit_code"]):
        role, industry = cols["hazchem_role"][i], cols["industry_code"][i]
        kinds = list(needs.get(role, ("hc_use",) if role == "use" and rng.random() < 0.4 else ()))
        kinds += ["safety"] if industry == "B1011" else []
        plate, city = PLATE.get(str(cols["region_id"][i])[:4], ("A", "浙"))
        sector = "FM" if industry == "B1011" else "WH"  # 非煤矿山 / 危化
        for kind in kinds:
            lapsed = rng.random() < 0.05
            day = _days_before(rng, 1096, 1460) if lapsed else _days_before(rng, 0, 1094)
            seq, year = len(objs) + 1, day.year
            number = {
                "safety": f"(浙){plate}{sector}安许证字〔{year}〕{seq:04d}",
                "hc_reg": f"33{seq:06d}",
                "hc_trade": f"浙{city}安经字〔{year}〕{seq:06d}",
                "hc_use": f"浙{city}危化使字〔{year}〕{seq:04d}",
            }[kind]
            objs.append(
                Licence(
                    enterprise_id=pks[code],
                    kind=kind,
                    number=number,
                    issued_on=day,
                    expires_on=day + dt.timedelta(days=1094),
                )
            )
    ctx.insert("licences", Licence, objs)


def _trainings(
    ctx: DemoContext, cols: dict[str, np.ndarray], pks: dict[str, int], rng: np.random.Generator
) -> None:
    """主要负责人 and 安全管理人员 assessments (3 years), 特种作业 certificates (6 years)."""
    objs: list[TrainingRecord] = []
    for i, code in enumerate(cols["credit_code"]):
        role, county = cols["hazchem_role"][i], str(cols["region_id"][i])[:6]
        sector = "一般行业生产经营单位" if role == "none" else "危险化学品生产经营单位"
        people = [
            ("principal", cols["legal_representative"][i], f"{sector}主要负责人"),
            ("manager", cols["safety_manager"][i], f"{sector}安全生产管理人员"),
        ]
        if role == "none":  # an ordinary enterprise in the sample: one of the two
            people = [people[int(rng.integers(0, 2))]]
        processes = [f"{p}作业" for p in str(cols["key_processes"][i]).split("、") if p]
        for course in processes or (["危险化学品安全作业"] if role == "produce" else []):
            people.append(("operator", str(_people(rng, 1)[0]), course))
        for who, person, course in people:
            day, seq, operator = _days_before(rng, 30, 4 * 365), len(objs) + 1, who == "operator"
            objs.append(
                TrainingRecord(
                    enterprise_id=pks[code],
                    person=str(person),
                    role=who,
                    course=course if operator else f"{course}安全生产知识和管理能力考核",
                    certificate_number=f"T{county}{seq:07d}"
                    if operator
                    else f"浙安考〔{day.year}〕{seq:06d}",
                    trained_on=day,
                    expires_on=day + dt.timedelta(days=(6 if operator else 3) * 365),
                )
            )
    ctx.insert("trainings", TrainingRecord, objs)
