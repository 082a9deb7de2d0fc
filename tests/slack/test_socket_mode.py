"""Slack Socket Mode (SLACK_APP_TOKEN): the service opens a WebSocket to Slack instead of being reached by HTTP.
slack_bolt's Socket Mode client asks the fake Slack Web API for the URL (apps.connections.open) and connects to a
local WebSocket server that speaks Slack's envelope protocol: hello, then envelopes each acknowledged by id."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.conftest import wait_for
from tests.slack.conftest import TOKEN, case_json, seed, user


class FakeSocket:
    """Slack's side of a Socket Mode connection."""

    def __init__(self) -> None:
        self.to_send: queue.Queue[dict[str, Any]] = queue.Queue()
        self.received: list[dict[str, Any]] = []
        self.connections = 0
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/link"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}}))
        while True:
            with contextlib.suppress(queue.Empty):
                ws.send(json.dumps(self.to_send.get(timeout=0.05)))
            try:
                self.received.append(json.loads(ws.recv(timeout=0.05)))
            except TimeoutError:
                continue
            except ConnectionClosed:
                return


@pytest.fixture
def fake_socket() -> Iterator[FakeSocket]:
    socket = FakeSocket()
    socket.thread.start()
    yield socket
    socket.server.shutdown()


def test_a_click_arrives_over_socket_mode_is_acknowledged_and_acts(make_settings, fake_slack, fake_socket):
    from fastapi.testclient import TestClient

    from bot.main import create_app

    fake_slack.socket_url = fake_socket.url
    settings = make_settings(
        slack_bot_token=TOKEN, slack_signing_secret=None, slack_app_token="xapp-1-test", slack_api_url=fake_slack.url
    )
    with TestClient(create_app(settings)) as client:
        assert client.post("/slack/events", content="{}").status_code == 404  # no HTTP route without a secret
        case_id = seed(client)
        wait_for(lambda: fake_socket.connections == 1)
        opened = fake_slack.ok_calls("apps.connections.open")
        assert opened and opened[0]["auth"] == "Bearer xapp-1-test"  # the app-level token, not the bot's
        click = {
            "type": "block_actions",
            "user": user("U777"),
            "trigger_id": "t",
            "team": {"id": "T1"},
            "channel": {"id": "C0STORES"},
            "container": {"type": "message", "channel_id": "C0STORES", "message_ts": "1.1"},
            "actions": [
                {"type": "button", "action_id": "case_ack", "block_id": "a", "value": case_id, "action_ts": "1"}
            ],
        }
        fake_socket.to_send.put({"envelope_id": "env-1", "type": "interactive", "payload": click})
        wait_for(lambda: any(m.get("envelope_id") == "env-1" for m in fake_socket.received))  # acknowledged
        acked = wait_for(lambda: [e for e in case_json(client, case_id)["timeline"] if e["type"] == "acked"])
        assert acked[0]["actor"].startswith("slack:U777")
