"""Enforcement use cases, one module per part: lists (items, pool, conflicts), draws,
inspections and documents, penalties, publication and the calendar, credit and safety code.

Parts call each other only through the few functions named here, so each stays replaceable:
- ``publication.on_task_completed(task)`` and ``publication.on_case_decided(case)``: open the
  publication record due 20 working days later (inside the caller's transaction);
- ``safety_code.refresh(enterprise_ids, cause=...)``: recompute credit and 安全码 after any
  change of their inputs (on commit of the caller's transaction).
"""
