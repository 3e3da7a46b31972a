"""Hidden-hazard API (``/api/hazards/``)."""

from ninja import Router

router = Router(tags=["hazards"])
