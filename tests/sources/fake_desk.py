"""A fake Zendesk and Freshdesk REST API on 127.0.0.1, shaped like their documented answers: ticket comments
(Zendesk `PUT /api/v2/tickets/{id}`, `GET .../comments`) and replies (Freshdesk `POST /api/v2/tickets/{id}/reply`,
`GET .../conversations`). `ambiguous` records the next comment and still answers 503."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from typing import Any

from tests.fake_http import JsonServer


class FakeDesk:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        self._http = JsonServer(self._serve)
        self.url = self._http.base
        self._http.start()

    def _serve(self, method: str, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        status, payload = self.handle(method, path, json.loads(raw) if raw else None, headers)
        return status, {}, payload

    def reset(self) -> None:
        with self._lock:
            self.calls: list[dict[str, Any]] = []
            self.comments: dict[str, list[dict[str, Any]]] = {}
            self.ambiguous = 0
            self._ids = itertools.count(5000)

    def stop(self) -> None:
        self._http.stop()

    def posted(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method]

    def handle(self, method: str, path: str, body: Any, headers: Any) -> tuple[int, Any]:
        auth = headers.get("Authorization", "")
        user = base64.b64decode(auth.split(" ", 1)[1]).decode() if auth.startswith("Basic ") else ""
        parts = path.strip("/").split("/")
        with self._lock:
            self.calls.append({"method": method, "path": path, "body": body, "user": user})
            if parts[:3] != ["api", "v2", "tickets"] or len(parts) < 4:
                return 404, {"error": "not found"}
            ticket = parts[3]
            if method == "GET":
                listed = self.comments.get(ticket, [])
                if parts[4:] == ["comments"]:
                    return 200, {"comments": listed}
                return 200, listed  # Freshdesk conversations: a JSON array
            if method == "PUT" and len(parts) == 4:
                text = ((body or {}).get("ticket") or {}).get("comment", {}).get("body", "")
            elif method == "POST" and parts[4:] == ["reply"]:
                text = (body or {}).get("body", "")
            else:
                return 404, {"error": "not found"}
            comment = {"id": next(self._ids), "body": text, "body_text": text, "public": True}
            self.comments.setdefault(ticket, []).append(comment)
            if self.ambiguous:
                self.ambiguous -= 1
                return 503, {"error": "Service Unavailable"}
            if method == "PUT":
                return 200, {"ticket": {"id": int(ticket)}, "audit": {"id": comment["id"]}}
            return 201, comment
