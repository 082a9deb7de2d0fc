"""Browser-page helpers: log in through the real login form (CSRF double submit), as a person with a role."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import make_token

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: Any, *scopes: str) -> str:
    """Log `client` in with a new token of `scopes`; returns the session's CSRF token for forms."""
    token = make_token(client, *scopes)["Authorization"].split()[1]
    form = client.get("/login")
    answer = client.post("/login", data={"token": token, "csrf": csrf_of(form.text), "next": "/"})
    assert answer.status_code == 200, answer.text  # followed the redirect to the queue
    return csrf_of(answer.text)
