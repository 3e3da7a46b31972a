"""Experts, volunteers and contacts. Personal data: scoped lists only, no map layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yingji.core.registry.spec import RegistrySpec, register
from yingji.registry.models.people import Contact, Expert, Volunteer, validate_channels

EXPERTS = register(
    RegistrySpec(
        name="experts",
        model=Expert,
        title="应急专家",
        fields=("code", "name", "specialty", "title", "organisation", "phone", "id_number",
                "region", "address", "lon", "lat"),
        natural_key="code",
        list_fields=("code", "name", "specialty", "title", "organisation", "phone", "region"),
        search=("name", "code", "organisation", "phone"),
        filters=("specialty",),
        sort=("-updated_at", "name", "code"),
        examples={"code": "33-ZJ-0001", "name": "陈静", "specialty": "geology",
                  "title": "正高级工程师", "organisation": "浙江省地质院", "phone": "13800000003",
                  "id_number": "11010519491231002X", "region": "330106"},
    )
)  # fmt: skip

VOLUNTEERS = register(
    RegistrySpec(
        name="volunteers",
        model=Volunteer,
        title="应急志愿者",
        fields=("code", "name", "phone", "organisation", "skills", "certificates",
                "availability", "region", "address", "lon", "lat"),
        natural_key="code",
        list_fields=("code", "name", "phone", "skills", "certificates", "availability",
                     "region"),
        search=("name", "code", "phone", "skills", "certificates", "organisation"),
        filters=("availability",),
        sort=("-updated_at", "name", "code"),
        examples={"code": "330106-ZY-00001", "name": "刘洋", "phone": "13800000004",
                  "organisation": "西湖区应急志愿者服务队", "skills": "急救,水域救援",
                  "certificates": "红十字救护员", "availability": "off_duty",
                  "region": "330106002"},
    )
)  # fmt: skip


def _email_for_email_channel(values: Mapping[str, Any]) -> dict[str, str]:
    if "email" in validate_channels.values(values.get("channels")) and not values.get("email"):
        return {"email": "the e-mail channel needs an e-mail address"}
    return {}


CONTACTS = register(
    RegistrySpec(
        name="contacts",
        model=Contact,
        title="责任人",
        fields=("code", "name", "phone", "roles", "channels", "email", "organisation",
                "region", "address", "lon", "lat"),
        natural_key="code",
        list_fields=("code", "name", "phone", "roles", "channels", "region"),
        search=("name", "code", "phone", "roles", "organisation"),
        filters=(),
        rules=(_email_for_email_channel,),
        sort=("-updated_at", "name", "code"),
        examples={"code": "330106002001-ZR-1", "name": "王芳", "phone": "13800000005",
                  "roles": "村干部,防汛责任人", "channels": "sms,voice",
                  "organisation": "村委会主任", "region": "330106002001"},
    )
)  # fmt: skip
