"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that records every call (as Bolt's own tests do).

Point `slack_sdk.WebClient(base_url=...)` (RRBOT_SLACK_API_URL) at `FakeSlack.url`. Failures are scripted per
method (`fail`), and `down` answers every call 503 until it is switched off.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qs

from tests.fake_http import JsonServer


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.failures: dict[str, list[tuple[int, dict[str, str], dict[str, Any]]]] = defaultdict(list)
        self.down = False
        self.users: dict[str, dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Condition()
        self._http = JsonServer(self._serve)
        self.url = f"{self._http.base}/api/"

    def _serve(self, method: str, path: str, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
        path, _, query = path.partition("?")
        args = {k: v[0] for k, v in parse_qs(query).items()}
        args.update(self._parse(raw.decode(), headers.get("Content-Type", "")))
        return self._answer(path.rsplit("/", 1)[-1], args, auth=headers.get("Authorization", ""))

    def start(self) -> FakeSlack:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()
            self.down = False
            self.users.clear()

    @staticmethod
    def _parse(raw: str, content_type: str) -> dict[str, Any]:
        if "json" in content_type:
            return json.loads(raw or "{}")
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        headers: dict[str, str] | None = None,
        error: str = "ratelimited",
        times: int = 1,
    ) -> None:
        with self._lock:
            self.failures[method] += [(status, headers or {}, {"ok": False, "error": error})] * times

    def _answer(self, method: str, args: dict[str, Any], auth: str = "") -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            call = {"method": method, "args": args, "at": time.monotonic(), "auth": auth}
            self.calls.append(call)
            self._lock.notify_all()
            if self.down:
                call["failed"] = True
                return 503, {}, {"ok": False, "error": "service_unavailable"}
            if self.failures.get(method):
                call["failed"] = True
                return self.failures[method].pop(0)
        if method == "chat.postMessage":
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message = {"text": args.get("text")}
            return 200, {}, {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return 200, {}, {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method == "chat.update":
            return 200, {}, {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "apps.connections.open":  # Socket Mode: where the WebSocket is (tests set socket_url)
            url = getattr(self, "socket_url", None)
            return 200, {}, ({"ok": True, "url": url} if url else {"ok": False, "error": "no_socket_server"})
        if method == "auth.test":
            return 200, {}, {"ok": True, "team_id": "T1", "user_id": "UBOT", "bot_id": "B1", "user": "rrbot"}
        if method == "users.info":
            uid = args.get("user")
            user = self.users.get(uid) or {
                "id": uid,
                "name": uid.lower(),
                "real_name": f"Real {uid}",
                "profile": {"display_name": f"Name {uid}"},
            }
            return 200, {}, {"ok": True, "user": user}
        if method.startswith("views."):
            return 200, {}, {"ok": True, "view": {"id": "V1"}}
        return 200, {}, {"ok": True}

    def ok_calls(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["method"] == method and not c.get("failed")]

    def wait(self, method: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c["method"] == method and not c.get("failed")]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{method} called {len(found)} times, expected {count}")
                self._lock.wait(left)
