"""Every error leaves as {"error": {"code", "message", "details"}}; request limits are checked here too."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.errors import RRBotError

log = logging.getLogger(__name__)


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """What every error response carries (OpenAPI lists it for each status a route may answer)."""

    error: ErrorInfo


def _documented(status: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": status}


RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Broken JSON or a malformed body"),
    401: _documented("Missing, invalid, expired or revoked credentials"),
    403: _documented("The token lacks the scope this route needs"),
    404: _documented("No such resource"),
    413: _documented("Body too large"),
    415: _documented("Content-Type is not application/json"),
    422: _documented("A field is invalid: details lists each field and why"),
}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    return [{"field": _field(tuple(e.get("loc", ()))), "reason": e.get("msg", "invalid")} for e in errors]


def install(app: FastAPI) -> None:
    @app.exception_handler(RRBotError)
    async def _domain(_: Request, exc: RRBotError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                error_body("invalid_json", "request body is not valid JSON", validation_details(errors)), 400
            )
        return JSONResponse(
            error_body("invalid_request", "request does not match the schema", validation_details(errors)), 422
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)  # e.g. Allow

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_body("internal_error", "internal error"), 500)


class RequestLimits:
    """413 for bodies over the limit (declared or streamed), 415 for non-JSON bodies on /v1."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body_bytes:
            await self._reject(send, 413, "payload_too_large", f"body is larger than {self.max_body_bytes} bytes")
            return
        # Read the body here (it is at most max_body_bytes) so an oversized stream never reaches a handler.
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                await self._reject(send, 413, "payload_too_large", f"body is larger than {self.max_body_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and scope["path"].startswith("/v1/"):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                await self._reject(
                    send,
                    415,
                    "unsupported_media_type",
                    f"Content-Type must be application/json, not {ctype or 'missing'}",
                )
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _reject(send: Send, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(code, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
