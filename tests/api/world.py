"""A small world for API-wide tests: every kind of region-owned record in three counties.

西湖区 (330106) is home; 滨江区 (330108, the same city) and 鄞州区 (330212, another city) are the
neighbours whose records a 西湖区 user must never see. Records are made through the services
where that is cheap (so their side records — timelines, receipts, audit — exist too) and
through the ORM otherwise. Everything is deterministic.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from tests.conftest import PASSWORD, credit_code
from yingji.accidents.models import Evaluation, Investigation, Measure, RegionEconomy
from yingji.accidents.models import Finding as AccidentFinding
from yingji.accidents.services import records as accident_records
from yingji.alerts import services as alerts
from yingji.alerts.models import Ack, BroadcastTerminal, Subscriber
from yingji.core import exports
from yingji.core import services as core
from yingji.core.models import AuditEntry, Job, JobStatus, User
from yingji.core.photos import store_photo
from yingji.enforcement.models import (
    Conflict,
    CreditRating,
    CreditRepair,
    DrawPlan,
    EnforcementDocument,
    Finding,
    InspectionItem,
    InspectionTask,
    Inspector,
    PenaltyCase,
    Publication,
    SafetyCode,
    TaskInspector,
)
from yingji.enforcement.services import discretion, documents
from yingji.hazards.services import report as hazard_report
from yingji.incidents import services as incidents
from yingji.incidents.dispatch_models import DispatchOrder, SupplyRequest
from yingji.incidents.models import Task
from yingji.incidents.relief_models import Evacuation, Placement, Relief
from yingji.monitoring.models import Alarm, Reading, Sensor, Station
from yingji.plans.models import Action, Activation, Plan, PlanRole
from yingji.regions.models import Region
from yingji.registry.models.depot import Depot, StockItem, StockMovement
from yingji.registry.models.enterprise import (
    Enterprise,
    EnterpriseAccount,
    Licence,
    TrainingRecord,
)
from yingji.registry.models.hazard import HazardChemical, HazardSource, HazardUnit
from yingji.registry.models.people import Contact, Expert, Volunteer
from yingji.registry.models.rescue import AviationSite, RescueForce
from yingji.registry.models.shelter import Shelter
from yingji.review.models import ManualValue
from yingji.risk.models import AreaRisk, ControlIndex, RiskFacts

HOME = "330106"  # 西湖区, 杭州市
NEIGHBOURS = ("330108", "330212")  # 滨江区 (杭州市), 鄞州区 (宁波市)
NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate()
_serial = itertools.count(1)


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 60, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@dataclass
class County:
    """One county's people and records; ``records[kind]`` lists model instances."""

    code: str
    region: Region
    township: Region
    village: Region
    staff: User
    records: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, kind: str, *objs: Any) -> None:
        self.records.setdefault(kind, []).extend(objs)

    def first(self, kind: str) -> Any:
        return self.records[kind][0]


@dataclass
class World:
    counties: dict[str, County]
    users: dict[str, User]
    tokens: dict[str, str]  # username → bearer secret

    @property
    def home(self) -> County:
        return self.counties[HOME]

    def bearer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


def _user(username: str, region: str, *roles: str) -> User:
    return core.create_user(
        actor=None, username=username, password=PASSWORD, region_code=region, roles=list(roles)
    )


def _first_child(parent: Region) -> Region:
    return Region.objects.filter(parent=parent).order_by("code").first()  # type: ignore[return-value]


def build() -> World:
    """The world: users with API tokens, then each county's records."""
    with override_settings(PASSWORD_HASHERS=["yingji.testing.hashers.FastArgon2PasswordHasher"]):
        return _build()


def _build() -> World:
    discretion.load_table()
    users: dict[str, User] = {
        "zj_staff": _user("zj_staff", "33", "province_staff", "duty_officer"),
        "hz_staff": _user("hz_staff", "3301", "city_staff"),
    }
    counties: dict[str, County] = {}
    item = InspectionItem.objects.create(
        code="ZJ-API-001", name="危险化学品企业安全生产条件检查", legal_basis="《安全生产法》",
        region=Region.objects.get(path="33"), share=0.5, key_colours="red,orange",
        checklist=[{"id": "1", "text": "特种作业人员持证上岗", "basis": "《安全生产法》第三十条"}],
    )  # fmt: skip
    for code in (HOME, *NEIGHBOURS):
        county_region = Region.objects.get(path=code)
        township = _first_child(county_region)
        staff = _user(f"staff_{code}", code, "county_staff", "duty_officer")
        users[staff.username] = staff
        county = County(code, county_region, township, _first_child(township), staff)
        counties[code] = county
        _seed(county, item, users)
    tokens = {
        name: core.create_api_token(actor=None, username=name, name="api tests").secret
        for name in users
    }
    return World(counties=counties, users=users, tokens=tokens)


def _seed(c: County, item: InspectionItem, users: dict[str, User]) -> None:
    _registry(c)
    _enterprise_side(c, users)
    _monitoring(c)
    _warnings(c)
    _incident_side(c)
    _enforcement(c, item, users)
    _accidents(c)
    _review_and_core(c)


def _located(c: County, **extra: Any) -> dict[str, Any]:
    lon, lat = c.village.lon or c.township.lon or 120.1, c.village.lat or c.township.lat or 30.2
    return {"region": c.village, "lon": lon, "lat": lat, **extra}


def _registry(c: County) -> None:
    n = next(_serial)
    depot = Depot.objects.create(
        **_located(c), code=f"CK-{c.code}-{n}", name=f"{c.code}物资库", level="county"
    )
    c.add("depot", depot)
    c.add(
        "stock_item",
        StockItem.objects.create(
            depot=depot, code=f"WZ-{c.code}-{n}", category="flood", name="救生衣", unit="件",
            quantity=Decimal(500),
        ),
    )  # fmt: skip
    c.add("stock_movement", StockMovement.objects.create(
        item=c.first("stock_item"), kind="in", quantity=Decimal(500), delta=Decimal(500),
        balance_after=Decimal(500), reason="采购入库", occurred_at=NOW,
    ))  # fmt: skip
    c.add("shelter", Shelter.objects.create(
        **_located(c), code=f"BN-{c.code}-{n}", name=f"{c.code}避灾点", level="village",
        kind="hall", capacity=200,
    ))  # fmt: skip
    c.add("rescue_force", RescueForce.objects.create(
        **_located(c), code=f"JY-{c.code}-{n}", name=f"{c.code}救援队", kind="professional",
        level="county", members=30, readiness="standby",
    ))  # fmt: skip
    c.add("expert", Expert.objects.create(
        **_located(c), code=f"ZJ-{c.code}-{n}", name="专家", specialty="flood",
        phone=f"139{n:08d}",
    ))  # fmt: skip
    c.add("volunteer", Volunteer.objects.create(
        **_located(c), code=f"ZY-{c.code}-{n}", name="志愿者", phone=f"138{n:08d}",
        availability="anytime",
    ))  # fmt: skip
    c.add("contact", Contact.objects.create(
        **_located(c), code=f"LX-{c.code}-{n}", name="村干部", phone=f"137{n:08d}",
        roles="村干部", channels="sms",
    ))  # fmt: skip
    c.add("aviation_site", AviationSite.objects.create(
        **_located(c), code=f"HK-{c.code}-{n}", name="起降点", kind="landing", surface="grass",
        max_aircraft="light",
    ))  # fmt: skip
    c.add("broadcast_terminal", BroadcastTerminal.objects.create(
        **_located(c), code=f"GB-{c.code}-{n}", name="应急广播",
    ))  # fmt: skip
    c.add("subscriber", Subscriber.objects.create(**_located(c), code=f"DY-{c.code}-{n}"))
    c.add("area_risk", AreaRisk.objects.create(
        region=c.township, level_name="较高", hazard_type="flood", hazard=0.5, exposure=0.5,
        vulnerability=0.5, capacity=0.5, risk=0.6, level=2, assessed_at=NOW,
    ))  # fmt: skip
    c.add("control_index", ControlIndex.objects.create(
        region=Region.objects.get(path=c.code), month=TODAY.replace(day=1), value=88.0,
    ))  # fmt: skip


def _enterprise_side(c: County, users: dict[str, User]) -> None:
    enterprise = Enterprise.objects.create(
        **_located(c), credit_code=credit_code(c.code), name=f"{c.code}化工企业",
        industry_code="C2614", scale="above", hazchem_role="use", safety_grade="grade1",
        insurance_status="insured", insurance_expires_on=TODAY + dt.timedelta(days=200),
    )  # fmt: skip
    c.add("risk_fact", RiskFacts.objects.create(enterprise=enterprise, as_of=TODAY))
    c.add("enterprise", enterprise)
    manager = _user(f"company_{c.code}", c.township.path, "enterprise_user")
    EnterpriseAccount.objects.create(user=manager, enterprise=enterprise)
    users[manager.username] = manager
    c.add("hazard_source", HazardSource.objects.create(
        **_located(c), code=f"{c.code}-WXY-{next(_serial):04d}", name="储罐区重大危险源",
        enterprise=enterprise, people_within_500m=60,
    ))  # fmt: skip
    c.add("licence", Licence.objects.create(
        enterprise=enterprise, kind="safety", number=f"(浙)WH安许证字[{next(_serial)}]",
        issued_on=TODAY - dt.timedelta(days=300), expires_on=TODAY + dt.timedelta(days=600),
    ))  # fmt: skip
    c.add("training", TrainingRecord.objects.create(
        enterprise=enterprise, person="张三", role="principal", course="主要负责人安全培训",
        trained_on=TODAY - dt.timedelta(days=30),
    ))  # fmt: skip
    source = c.first("hazard_source")
    unit = HazardUnit.objects.create(
        code=f"{source.code}-U1", source=source, name="储罐区", kind="storage"
    )
    c.add("hazard_unit", unit)
    c.add("hazard_chemical", HazardChemical.objects.create(unit=unit, name="甲醇", quantity=50.0))
    hazard = hazard_report.report(
        actor=c.staff,
        data={
            "enterprise": str(enterprise.pk), "category": "equipment", "grade": "major",
            "title": "储罐区可燃气体报警器失效", "description": "两台报警器不报警。",
            "region": c.township.path,
        },
        photos=[jpeg()],
    )  # fmt: skip
    c.add("hazard", hazard)
    c.add("hazard_photo", *[e.photo for e in hazard.evidence.all()])
    c.add("safety_code", SafetyCode.objects.create(
        enterprise=enterprise, region_path=enterprise.region_path, colour="yellow",
        computed_at=NOW, since=NOW,
    ))  # fmt: skip
    c.add("credit_rating", CreditRating.objects.create(
        enterprise=enterprise, region_path=enterprise.region_path, score=70.0, rating="B",
        computed_at=NOW,
    ))  # fmt: skip
    c.add("credit_repair", CreditRepair.objects.create(
        enterprise=enterprise, region_path=enterprise.region_path, reason="已整改",
        evidence="整改报告", applied_by=c.staff,
    ))  # fmt: skip


def _monitoring(c: County) -> None:
    station = Station.objects.create(
        **_located(c), code=f"33-RAIN-{c.code}-001", name=f"{c.code}雨量站", kind="weather"
    )
    c.add("station", station)
    sensor = Sensor.objects.create(
        code=f"33-RAIN-{c.code}-001-R1", station=station, type="rain", unit="mm",
        expected_interval_s=600,
    )  # fmt: skip
    c.add("sensor", sensor)
    start = int(NOW.timestamp()) - 3600
    Reading.objects.bulk_create(
        Reading(sensor=sensor, ts=start + 600 * i, value=5.0 * i) for i in range(6)
    )
    c.add("alarm", Alarm.objects.create(
        sensor=sensor, region_path=station.region_path, rule="rainstorm", level=2, peak=2,
        started_at=NOW - dt.timedelta(minutes=30), last_at=NOW,
    ))  # fmt: skip


def _warnings(c: County) -> None:
    warning = alerts.create_draft(
        c.staff,
        {
            "event_type": "rainstorm", "level": 2, "headline": f"{c.code}暴雨橙色预警",
            "description": "预计未来3小时降雨量将达50毫米以上。", "onset": NOW.isoformat(),
            "expires": (NOW + dt.timedelta(hours=6)).isoformat(),
            "areas": [{"region": c.code, "description": "全区"}],
        },
    )  # fmt: skip
    c.add("warning", warning)
    contact = c.first("contact")
    c.add("ack", Ack.objects.create(
        warning=warning, contact=contact, region_path=contact.region_path, due_at=NOW,
    ))  # fmt: skip


def _incident_side(c: County) -> None:
    incident = incidents.report_incident(
        c.staff,
        {
            "event_type": "typhoon", "region": c.township.path, "title": f"{c.code}台风灾害",
            "occurred_at": (NOW - dt.timedelta(hours=1)).isoformat(),
            "description": "台风外围影响，局地出现强降雨和大风。", "lon": 120.1, "lat": 30.2,
        },
        now=NOW,
    )  # fmt: skip
    c.add("incident", incident)
    c.add("incident_task", Task.objects.create(incident=incident, title="巡查山塘", created_at=NOW))
    c.add("dispatch_order", DispatchOrder.objects.create(
        incident=incident, force=c.first("rescue_force"), km=5.0, eta_minutes=12.0,
        dispatched_at=NOW, dispatched_by=c.staff,
    ))  # fmt: skip
    c.add("supply_request", SupplyRequest.objects.create(
        incident=incident, category="flood", name="救生衣", unit="件", quantity=Decimal(10),
        requested_at=NOW, requested_by=c.staff,
    ))  # fmt: skip
    c.add("evacuation", Evacuation.objects.create(
        incident=incident, village=c.village, people=20, reported_at=NOW, by=c.staff,
    ))  # fmt: skip
    c.add("placement", Placement.objects.create(
        incident=incident, village=c.village, shelter=c.first("shelter"), people=20, km=1.0,
        at=NOW, by=c.staff,
    ))  # fmt: skip
    c.add("relief", Relief.objects.create(
        incident=incident, group="转移群众", village=c.village, people=20, needs="food,water",
        started_at=NOW, by=c.staff,
    ))  # fmt: skip
    plan = Plan.objects.create(
        code=f"YA-{c.code}-{next(_serial)}", title=f"{c.code}防汛防台应急预案", kind="special",
        scope="全区", event_types="typhoon", region=Region.objects.get(path=c.code),
        status="current", created_at=NOW, condition_iv="预报台风影响本区",
        condition_iii="台风严重影响本区",
    )  # fmt: skip
    PlanRole.objects.create(plan=plan, name="指挥长")
    Action.objects.create(plan=plan, from_level=0, title="加强值班", role="指挥长")
    c.add("plan", plan)
    c.add("activation", Activation.objects.create(
        plan=plan, incident=incident, level=0, mode="real", at=NOW, by=c.staff,
    ))  # fmt: skip


def _enforcement(c: County, item: InspectionItem, users: dict[str, User]) -> None:
    enterprise = c.first("enterprise")
    inspector_user = _user(f"inspector_{c.code}", c.code, "inspector")
    users[inspector_user.username] = inspector_user
    inspector = Inspector.objects.create(
        user=inspector_user, name="执法人员", certificate_number=f"ZJ{c.code}01",
        region=Region.objects.get(path=c.code), qualifications="危化",
    )  # fmt: skip
    c.add("inspector", inspector)
    c.add("conflict", Conflict.objects.create(
        inspector=inspector, enterprise=enterprise, reason="relative",
    ))  # fmt: skip
    c.add("draw_plan", DrawPlan.objects.create(
        code=f"CC-{c.code}-{next(_serial)}", title=f"{c.code}双随机抽查", item=item,
        region=Region.objects.get(path=c.code), share=0.5, starts_on=TODAY,
        due_on=TODAY + dt.timedelta(days=30),
    ))  # fmt: skip
    task = InspectionTask.objects.create(
        code=f"JC-{c.code}-{next(_serial)}", kind="random", item=item, enterprise=enterprise,
        region_path=enterprise.region_path, due_on=TODAY + dt.timedelta(days=7),
        state="in_progress", started_at=NOW,
    )  # fmt: skip
    TaskInspector.objects.create(task=task, inspector=inspector, lead=True)
    c.add("inspection_task", task)
    photo = store_photo(jpeg(), purpose="inspection", actor=c.staff)
    finding = Finding.objects.create(
        task=task, point_id="1", point_text="特种作业人员持证上岗", compliant=False,
        description="电工无证",
    )  # fmt: skip
    finding.photos.add(photo)
    c.add("inspection_finding", finding)
    c.add("inspection_photo", photo)
    # The content as the service drafts it (rendering and signing the PDF is not needed here).
    content = documents.draft(actor=inspector_user, pk=task.pk, kind="site_record", data={})
    content["number"] = f"杭西应急现记〔{TODAY.year}〕{next(_serial)}号"
    content["signers"] = []
    c.add("document", EnforcementDocument.objects.create(
        kind="site_record", number=content["number"], task=task, content=content,
        enterprise=enterprise, region_path=enterprise.region_path, pdf=b"%PDF-1.4\n%%EOF\n",
    ))  # fmt: skip
    rule = discretion.DiscretionRule.objects.filter(voided_at__isnull=True).first()
    c.add("penalty_case", PenaltyCase.objects.create(
        code=f"AJ-{c.code}-{next(_serial)}", enterprise=enterprise, rule=rule,
        facts="两名电工未持证上岗作业", filed_on=TODAY, region_path=enterprise.region_path,
        task=task,
    ))  # fmt: skip
    c.add("publication", Publication.objects.create(
        kind="result", task=task, enterprise=enterprise, region_path=enterprise.region_path,
        fact_on=TODAY, due_on=TODAY + dt.timedelta(days=20), title=f"{enterprise.name}检查结果",
    ))  # fmt: skip


def _accidents(c: County) -> None:
    accident = accident_records.record_accident(
        actor=c.staff,
        data={
            "title": f"{c.code}机械伤害事故", "summary": "操作工被卷入设备。",
            "occurred_at": (NOW - dt.timedelta(days=2)).isoformat(),
            "region": c.township.path, "accident_type": "machinery", "dead": 1,
            "seriously_injured": 0, "direct_loss_yuan": "1500000",
            "enterprise": str(c.first("enterprise").pk),
        },
        now=NOW,
    )  # fmt: skip
    c.add("accident", accident)
    investigation = Investigation.objects.create(
        accident=accident, level="county", office="区应急管理局", office_path=c.code,
        started_on=TODAY, due_on=TODAY + dt.timedelta(days=60),
    )  # fmt: skip
    c.add("accident_finding", AccidentFinding.objects.create(
        investigation=investigation, subject="企业负责人", responsibility="main", handling="fine",
    ))  # fmt: skip
    c.add("accident_measure", Measure.objects.create(
        investigation=investigation, text="加强培训", owner_unit="企业", due_on=TODAY,
    ))  # fmt: skip
    c.add("accident_evaluation", Evaluation.objects.create(
        accident=accident, evaluated_on=TODAY, evaluator="市应急管理局",
        measures_implemented="partly", score=80, conclusion="基本落实",
    ))  # fmt: skip
    c.add("region_economy", RegionEconomy.objects.create(
        region=Region.objects.get(path=c.code), year=TODAY.year - 1,
        gdp_100m_yuan=Decimal("1234.5"), source="统计公报",
    ))  # fmt: skip


def _review_and_core(c: County) -> None:
    c.add("manual_value", ManualValue.objects.create(
        indicator="training_coverage", region=Region.objects.get(path=c.code), period="year",
        period_start=TODAY.replace(month=1, day=1), value=0.9, source="统计", entered_by=c.staff,
        entered_at=NOW,
    ))  # fmt: skip
    c.add("user", c.staff)
    job = Job.objects.create(
        kind=exports.EXPORT_KIND, title=f"{c.code} shelters", created_by=c.staff,
        region=c.staff.region, status=JobStatus.SUCCEEDED, params={"name": "registry.shelters"},
    )  # fmt: skip
    name = f"registry.shelters-{job.pk}.xlsx"
    exports.export_dir().mkdir(parents=True, exist_ok=True)
    rows = exports.write_workbook(
        exports.get("registry.shelters"), c.staff, {}, exports.export_dir() / name
    )
    job.result = {"file": name, "rows": rows, "export": "registry.shelters"}
    job.save(update_fields=["result"])
    c.add("job", job)
    c.add("audit_entry", *AuditEntry.objects.filter(region_path__startswith=c.code)[:50])
