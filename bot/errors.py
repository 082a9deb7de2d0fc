"""The domain's errors. One FastAPI handler (bot.api.errors) turns them into JSON responses.

RRBotError
├── BadRequest      400 (details: [{"field", "reason"}])
├── NotFound        404
├── Conflict        409
├── InvalidRequest  422 (details: [{"field", "reason"}])
├── Unauthorized    401
├── Forbidden       403
└── Unavailable     503
"""

from __future__ import annotations

from typing import Any


class RRBotError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequest(RRBotError):
    status, code = 400, "bad_request"


class NotFound(RRBotError):
    status, code = 404, "not_found"


class Conflict(RRBotError):
    status, code = 409, "conflict"


class InvalidRequest(RRBotError):
    status, code = 422, "invalid_request"


class Unauthorized(RRBotError):
    status, code = 401, "unauthorized"


class Forbidden(RRBotError):
    status, code = 403, "forbidden"


class Unavailable(RRBotError):
    status, code = 503, "unavailable"
