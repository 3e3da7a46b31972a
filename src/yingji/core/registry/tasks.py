"""Background imports of registry workbooks (over 5,000 rows)."""

from __future__ import annotations

from typing import Any

from yingji.core.errors import InvalidInput
from yingji.core.jobs import JobContext, job_kind
from yingji.core.registry import excel, services
from yingji.core.registry import spec as specs


class ImportRefused(InvalidInput):
    """The workbook had bad rows; nothing was written. Carries the rows for the job page."""

    def __init__(self, message: str, job_result: dict[str, Any]) -> None:
        super().__init__(message, field="file")
        self.job_result = job_result


@job_kind("registry.import", "Excel import")
def run_import(context: JobContext, registry: str, file: str) -> dict[str, Any]:
    spec = specs.get(registry)
    if spec is None:
        raise InvalidInput(f"No registry {registry}", field="registry")
    content = (excel.imports_dir() / file).read_bytes()
    context.progress(1, "reading the workbook")
    rows = excel.read(spec, content)
    try:
        result = services.import_rows(
            actor=context.job.created_by, spec=spec, rows=rows, progress=context.progress
        )
    except services.RowErrors as exc:
        annotated = excel.keep_annotated(spec, content, exc.errors)
        raise ImportRefused(
            f"{len(exc.errors)} problem(s); nothing was imported",
            {
                "errors": [e.as_dict() for e in exc.errors[:500]],
                "annotated": annotated,
                "registry": spec.name,
            },
        ) from exc
    return {"created": result.created, "updated": result.updated, "rows": len(rows)}
