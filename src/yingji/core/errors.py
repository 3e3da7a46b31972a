"""Domain errors raised by services and selectors; the API and pages turn them into
responses of the shape ``{"code": ..., "message": ..., "field": ...}``."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    """Also raised for objects outside the actor's jurisdiction, so existence is not leaked."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
