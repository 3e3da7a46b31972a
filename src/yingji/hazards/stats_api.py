"""Hidden-hazard statistics API (``/api/hazards/stats/``)."""

from ninja import Router

router = Router(tags=["hazards"])
