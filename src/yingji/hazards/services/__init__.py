"""Hidden-hazard use cases, one module per concern:

- :mod:`.report`: reporting a hazard and adding evidence photos;
- :mod:`.workflow`: the state machine (register → rectify → submit → accept → close, void);
- :mod:`.supervision`: 挂牌督办 and lifting it;
- :mod:`.deadlines`: reminders, overdue flags and escalation (the daily sweep).
"""

from yingji.hazards.services import deadlines, report, supervision, workflow

__all__ = ["deadlines", "report", "supervision", "workflow"]
