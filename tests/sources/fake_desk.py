"""A fake Zendesk and Freshdesk REST API on 127.0.0.1, shaped like their documented answers: ticket comments
(Zendesk `PUT /api/v2/tickets/{id}`, `GET .../comments`) and replies (Freshdesk `POST /api/v2/tickets/{id}/reply`,
`GET .../conversations`). `ambiguous` records the next comment and still answers 503."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeDesk:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = fake.handle(self.command, self.path, json.loads(raw) if raw else None, self.headers)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        with self._lock:
            self.calls: list[dict[str, Any]] = []
            self.comments: dict[str, list[dict[str, Any]]] = {}
            self.ambiguous = 0
            self._ids = itertools.count(5000)

    def stop(self) -> None:
        self.server.shutdown()

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
