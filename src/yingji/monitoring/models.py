"""The monitoring network: stations (where) and their sensors (what is measured, how often,
and the thresholds that override the per-type defaults of :mod:`yingji.monitoring.thresholds`).

Readings, rules and alarms come later and refer to sensors by their primary key.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yingji.core.base import Located, RegistryRecord, scope_index
from yingji.registry.models.enterprise import Enterprise, UpperCaseCharField
from yingji.registry.models.hazard import HazardSource

MIN_INTERVAL_S = 1
MAX_INTERVAL_S = 86_400  # some gauges report once a day; slower is not monitoring

# Letters, digits and - _ . (e.g. 33-RAIN-330106-001): a code ends up in file names, URLs,
# MQTT topics and CSV files, so nothing else is accepted where it enters.
validate_code = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z_.\-]*\Z",
    _("use letters, digits and - _ . only, starting with a letter or digit"),
    code="code",
)


def validate_interval(value: int) -> None:
    """Seconds between readings: at least 1 s, at most a day."""
    if not MIN_INTERVAL_S <= value <= MAX_INTERVAL_S:
        raise ValidationError(
            _("must be between %(low)s and %(high)s seconds (1 s to one day)"),
            code="interval",
            params={"low": MIN_INTERVAL_S, "high": MAX_INTERVAL_S},
        )


class StationKind(models.TextChoices):
    WEATHER = "weather", "气象站"
    HYDROLOGY = "hydrology", "水文站"
    GEOHAZARD = "geohazard", "地质灾害监测点"
    ENTERPRISE = "enterprise", "企业监测点"
    OTHER = "other", "其他"


class Station(RegistryRecord, Located):
    """A monitoring site: one place with one or more sensors."""

    code = UpperCaseCharField(
        _("station code"),
        max_length=40,
        unique=True,
        validators=[validate_code],
        help_text=_("e.g. 33-RAIN-330106-001"),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("station type"), max_length=12, choices=StationKind.choices)
    operator = models.CharField(
        _("operator"), max_length=100, blank=True, help_text=_("The unit that runs the station")
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_stations",
    )
    hazard_source = models.ForeignKey(
        HazardSource,
        verbose_name=_("major hazard source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="monitoring_stations",
    )
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("monitoring station")
        verbose_name_plural = _("monitoring stations")
        indexes = [
            scope_index("station_scope"),
            models.Index(fields=["updated_at"], name="station_updated"),
            models.Index(fields=["kind", "region_path"], name="station_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SensorType(models.TextChoices):
    RAIN = "rain", "雨量"
    WATER_LEVEL = "water_level", "水位"
    WIND_SPEED = "wind_speed", "风速"
    WIND_GUST = "wind_gust", "阵风"
    TEMPERATURE = "temperature", "气温"
    DISPLACEMENT = "displacement", "地表位移"
    GAS_LEL = "gas_lel", "可燃气体"
    TOXIC_PPM = "toxic_ppm", "有毒气体"
    TANK_LEVEL = "tank_level", "储罐液位"
    TANK_PRESSURE = "tank_pressure", "储罐压力"
    TANK_TEMPERATURE = "tank_temperature", "储罐温度"


class Unit(models.TextChoices):
    """Units a reading may be in; which ones suit each type is in ``thresholds.UNITS``."""

    MM = "mm", "mm"
    M = "m", "m"
    M_S = "m/s", "m/s"
    CELSIUS = "℃", "℃"
    LEL = "%LEL", "%LEL"
    PPM = "ppm", "ppm"
    MPA = "MPa", "MPa"
    KPA = "kPa", "kPa"
    PERCENT = "%", "%"


class Sensor(RegistryRecord):
    """One measured quantity at a station.

    Thresholds are overrides: empty means "the type's default" (``thresholds.DEFAULTS``),
    and :func:`yingji.monitoring.thresholds.effective` gives the values that apply. Which
    thresholds a type uses (and in what unit) is documented in ``thresholds.USES``; a value
    entered for a threshold the type does not use is refused rather than silently ignored.
    """

    code = UpperCaseCharField(
        _("sensor code"),
        max_length=48,
        unique=True,
        validators=[validate_code],
        help_text=_("e.g. 33-RAIN-330106-001-R1"),
    )
    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="sensors"
    )
    type = models.CharField(_("sensor type"), max_length=16, choices=SensorType.choices)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    substance = models.CharField(
        _("substance"),
        max_length=50,
        blank=True,
        help_text=_("The gas or medium measured, e.g. 甲烷, 硫化氢, 液氨"),
    )
    expected_interval_s = models.PositiveIntegerField(
        _("reporting interval (s)"),
        validators=[validate_interval],
        help_text=_("Expected seconds between readings; a sensor silent for longer is stale"),
    )
    warn_on = models.FloatField(_("warning on"), null=True, blank=True)
    warn_off = models.FloatField(_("warning off"), null=True, blank=True)
    alarm_on = models.FloatField(_("alarm on"), null=True, blank=True)
    alarm_off = models.FloatField(_("alarm off"), null=True, blank=True)
    rate_per_hour = models.FloatField(
        _("rate alarm (per hour)"),
        null=True,
        blank=True,
        help_text=_("Landslide displacement: alarm when it moves at least this many mm per hour"),
    )
    active = models.BooleanField(_("in service"), default=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)

    scope_path_field = "station__region_path"

    class Meta:
        verbose_name = _("sensor")
        verbose_name_plural = _("sensors")
        indexes = [
            models.Index(fields=["updated_at"], name="sensor_updated"),
            models.Index(fields=["type", "active"], name="sensor_type"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_interval_s__gte=MIN_INTERVAL_S)
                & models.Q(expected_interval_s__lte=MAX_INTERVAL_S),
                name="sensor_interval_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.get_type_display()}"


class Reading(models.Model):
    """One measured value of a sensor at an instant: the raw series the rules read.

    Kept as narrow as a row can be (sensor, ts, value) because there are millions a day.
    ``(sensor, ts)`` is the primary key: it is the idempotency key of ingest (a resent batch changes
    nothing) and its index serves "the last N hours of sensor X" (an equality on the sensor,
    a range on the time, read forwards or backwards). The foreign key is not enforced by the
    database (``db_constraint=False``): sensors are never deleted, only voided, and ingest
    resolves every sensor before writing; a per-row constraint check would only cost time.

    ``ts`` is UTC epoch seconds (an integer), the unit of the rule kernels: one reading per
    sensor and second. An integer is half the bytes of SQLite's datetime text, needs no
    conversion on the way in or out, and compares as fast as anything can; together with the
    composite key (no surrogate id, one index) the insert rate is about twice that of a
    datetime column with an id (``bench/bench_ingest.py``). The admin does not list
    composite-key models.
    """

    pk = models.CompositePrimaryKey("sensor", "ts")
    sensor = models.ForeignKey(
        Sensor,
        verbose_name=_("sensor"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,  # the primary key (sensor, ts) leads with the sensor
        related_name="readings",
    )
    ts = models.BigIntegerField(_("observed at (epoch seconds, UTC)"))
    value = models.FloatField(_("measured value"))

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.ts} {self.value}"


class HourlyAggregate(models.Model):
    """Count, sum, minimum and maximum of a sensor's readings in one UTC hour.

    Kept after the raw readings of that hour age out (retention), so long series (months of
    rain) stay cheap to show. ``hour`` is the start of the hour in epoch seconds (a multiple
    of 3600); ``(sensor, hour)`` is the primary key.
    """

    pk = models.CompositePrimaryKey("sensor", "hour")
    sensor = models.ForeignKey(
        Sensor,
        verbose_name=_("sensor"),
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,  # the primary key (sensor, hour) leads with the sensor
        related_name="hourly",
    )
    hour = models.BigIntegerField(_("hour start (epoch seconds, UTC)"))
    count = models.PositiveIntegerField(_("number of readings"))
    sum = models.FloatField(_("sum of readings"))
    min = models.FloatField(_("lowest reading"))
    max = models.FloatField(_("highest reading"))

    class Meta:
        verbose_name = _("hourly aggregate")
        verbose_name_plural = _("hourly aggregates")

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.hour} n={self.count}"


class SensorState(models.Model):
    """Per sensor that ever reported: its latest reading and how far the rules have looked.

    Written by ingest in the same transaction as the readings (so the station map shows the
    latest value without scanning the series) and by the rule evaluation, which moves
    ``evaluated_to`` to the last instant it judged. Readings with ``ts`` after it are pending:
    the evaluation that runs after each ingest, and the periodic sweep after a crash, take
    them up. A reading that arrives for an instant already judged is stored and aggregated
    but raises no alarm retroactively.
    """

    sensor = models.OneToOneField(
        Sensor,
        verbose_name=_("sensor"),
        on_delete=models.CASCADE,
        primary_key=True,
        db_constraint=False,
        related_name="state",
    )
    last_ts = models.BigIntegerField(_("latest reading at (epoch seconds)"))
    last_value = models.FloatField(_("latest value"))
    evaluated_to = models.BigIntegerField(_("rules evaluated up to (epoch seconds)"), default=0)

    class Meta:
        verbose_name = _("sensor state")
        verbose_name_plural = _("sensor states")
        indexes = [models.Index(fields=["last_ts"], name="sensorstate_last")]

    def __str__(self) -> str:
        return f"{self.sensor_id} @{self.last_ts} = {self.last_value}"


class Rule(models.TextChoices):
    """What raised an alarm (one open alarm per sensor and rule)."""

    RAINSTORM = "rainstorm", "暴雨"
    GALE = "gale", "大风"
    THRESHOLD = "threshold", "超阈值"
    RATE = "rate", "变化速率"
    STUCK = "stuck", "数据不变"
    STALE = "stale", "数据中断"


class Disposition(models.TextChoices):
    """A duty officer's verdict on an alarm (处置结论)."""

    REAL = "real", "真实告警"
    FALSE = "false", "误报"
    TEST = "test", "测试"
    MAINTENANCE = "maintenance", "设备维护"
    DUPLICATE = "duplicate", "重复告警"


class Alarm(models.Model):
    """One episode of one rule on one sensor: raised, its level rising and falling, cleared.

    Repeats update the open alarm instead of adding rows (a unique constraint allows one open
    alarm per sensor and rule). ``levels`` is the history [[level, epoch seconds], ...] with
    levels 0..3 = 蓝/黄/橙/红; ``cleared_at`` is when the condition last stopped, and the
    alarm closes (``ended_at``) once it stayed clear for the hold time. Handling is separate
    from the condition: a duty officer acknowledges (确认) and gives a disposition with a note,
    on an open or an already closed alarm; an alarm unacknowledged for too long escalates to
    the office one level up, and again.
    """

    sensor = models.ForeignKey(
        Sensor, verbose_name=_("sensor"), on_delete=models.PROTECT, related_name="alarms"
    )
    rule = models.CharField(_("rule"), max_length=12, choices=Rule.choices)
    region_path = models.CharField(_("region path"), max_length=64, db_index=True)
    level = models.SmallIntegerField(_("current level"))
    peak = models.SmallIntegerField(_("highest level"))
    levels = models.JSONField(_("level history"), default=list)
    value = models.FloatField(_("latest value"), null=True, blank=True)
    peak_value = models.FloatField(_("peak value"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started at"))
    last_at = models.DateTimeField(_("last evaluated at"))
    cleared_at = models.DateTimeField(_("condition cleared at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at (server time)"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "core.User",
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    disposition = models.CharField(
        _("disposition"), max_length=12, choices=Disposition.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    disposed_by = models.ForeignKey(
        "core.User",
        verbose_name=_("disposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    escalations = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)

    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sensor", "rule"],
                condition=models.Q(ended_at__isnull=True),
                name="alarm_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["ended_at", "region_path"], name="alarm_open"),
            models.Index(fields=["acknowledged_at", "raised_at"], name="alarm_unacked"),
            models.Index(fields=["sensor", "started_at"], name="alarm_sensor"),
        ]

    def __str__(self) -> str:
        return f"{self.sensor_id} {self.rule} L{self.level} from {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
