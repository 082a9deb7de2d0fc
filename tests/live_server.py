"""A real uvicorn server over the real app, in a thread of the test process (for the browser and for
Schemathesis over HTTP); tokens are made through the app's own context."""

from __future__ import annotations

import socket
import threading
from typing import Any

from tests.conftest import make_token, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, settings: Any) -> None:
        import uvicorn

        from bot.main import create_app

        self.app = create_app(settings)
        self.port = free_port()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=30)
        assert self.app.state.ctx.model.ready.wait(60)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def token(self, *scopes: str) -> dict[str, str]:
        class _Client:  # make_token reads the app's context from a client
            app = self.app

        return make_token(_Client(), *scopes)
