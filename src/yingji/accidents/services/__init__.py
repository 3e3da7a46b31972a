"""Accident use cases, one module per concern; each function is keyword-only, owns its
transaction, checks the actor's capability and jurisdiction, and audits what it writes:

- :mod:`.records`: record an accident (graded by Decree 493), 补报 of its figures, void, and
  the record made from a work-safety incident;
- :mod:`.investigation`: the investigation's state machine (open, extend, appraisal pause
  and resume, submit the report, return it, close) and responsibility findings;
- :mod:`.followup`: rectification measures and their 回头看, the evaluation of the accident,
  typical cases;
- :mod:`.economy`: county GDP imported from CSV or Excel, whole or not at all.
"""

from yingji.accidents.services import economy, followup, investigation, records

__all__ = ["economy", "followup", "investigation", "records"]
