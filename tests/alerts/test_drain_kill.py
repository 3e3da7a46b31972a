"""Killing a dissemination worker mid-drain (issue 7, done means 4): after a restart every
recipient has exactly one message, none missing and none twice.

A real process drains the outbox of an issued warning (3,000 people) through the HTTP SMS
adapter to a fake gateway in this test process; it is killed with SIGKILL while batches are
in flight; a second process resumes once the first one's leases ran out (2 s here instead of
60). The rows the first worker had sent but not recorded are sent again with the same id,
which the gateway — like a real one with client message ids — delivers only once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.alerts.fakes.sms_gateway import TOKEN, FakeSmsGateway
from tests.processes import TIMEOUT, run_python

PEOPLE = 3000

SETUP = """
import datetime as dt, json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from django.utils import timezone
from yingji.alerts import services
from yingji.core import services as core
from yingji.regions.models import Level, Region
from yingji.registry.models.people import Contact
village = Region.objects.filter(level=Level.VILLAGE, path__startswith="330106").first()
Contact.objects.bulk_create(
    Contact(code=f"K{i:05d}", name=f"联系人{i}", phone=f"139{i:08d}", roles="村干部",
            channels="sms", region=village, region_path=village.path)
    for i in range(PEOPLE)
)
users = {}
for name, role in (("duty", "duty_officer"), ("reviewer", "warning_reviewer"),
                   ("issuer", "warning_issuer")):
    users[name] = core.create_user(actor=None, username=name, password="x-" + "y" * 20,
                                   region_code="330106", roles=[role])
now = timezone.now()
warning = services.create_draft(users["duty"], {
    "event_type": "rainstorm", "level": 3, "headline": "暴雨红色预警", "description": "测试",
    "expires": (now + dt.timedelta(hours=6)).isoformat(),
    "areas": [{"region": village.code, "description": village.name}],
})
services.act(users["duty"], warning.pk, "submit")
services.act(users["reviewer"], warning.pk, "review")
services.act(users["issuer"], warning.pk, "issue")
print(json.dumps({"warning": warning.pk}))
""".replace("PEOPLE", str(PEOPLE))

DRAIN = """
import datetime as dt, json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from yingji.alerts import dispatch
print(json.dumps(dispatch.drain_all(["sms"])), flush=True)
"""

STATES = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
django.setup()
from django.db.models import Count
from yingji.alerts.models import Delivery
print(json.dumps(dict(Delivery.objects.values_list("state").annotate(n=Count("pk")))))
"""


@pytest.fixture
def gateway():
    with FakeSmsGateway() as fake:
        yield fake


@pytest.mark.slow
def test_kill_9_mid_drain_then_restart_gives_each_person_one_message(
    server_env, gateway, tmp_path: Path
):
    channels = tmp_path / "channels.json"
    channels.write_text(json.dumps({"sms": {
        "url": gateway.endpoint, "token": TOKEN, "rate_per_second": 1500, "batch_size": 50,
    }}))  # fmt: skip
    env = {**server_env, "YINGJI_CHANNELS_FILE": str(channels), "YINGJI_OUTBOX_LEASE_SECONDS": "2"}
    run_python(env, SETUP)

    first = subprocess.Popen([sys.executable, "-c", DRAIN], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)  # fmt: skip
    reached = _wait(lambda: gateway.delivered_count() >= PEOPLE // 3 or first.poll() is not None)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=TIMEOUT)
    assert reached and first.returncode == -signal.SIGKILL, first.stderr.read()[-2000:]
    before = gateway.delivered_count()
    assert 0 < before < PEOPLE, "the kill must land mid-drain"

    time.sleep(2.5)  # the killed worker's leases (2 s) must run out before they are retaken
    resumed = json.loads(run_python(env, DRAIN))
    assert resumed["sms"]["dead"] == 0

    states = json.loads(run_python(env, STATES))
    assert states == {"sent": PEOPLE}, states
    per_phone = {phone: len(texts) for phone, texts in gateway.deliveries.items()}
    assert len(per_phone) == PEOPLE  # nobody missing
    assert set(per_phone.values()) == {1}  # nobody twice
    assert len(gateway.accepted) == PEOPLE


def _wait(condition, timeout: float = TIMEOUT) -> bool:
    done = threading.Event()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            done.set()
            break
        time.sleep(0.005)  # polling another process's progress: no event crosses processes
    return done.is_set()
