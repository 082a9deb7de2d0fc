"""The shape a signed Slack delivery must have before Bolt sees it. Bolt indexes into payloads without checking
them (an empty `actions` list raises inside its kwargs injection), so a validly signed but malformed delivery
would become a 500; here it becomes a 400 that says which field is wrong."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


M = TypeVar("M", bound=_Open)


class User(_Open):
    id: StrictStr


class Action(_Open):
    action_id: StrictStr
    value: StrictStr | None = None


class ViewState(_Open):
    values: dict[str, Any]


class View(_Open):
    id: StrictStr
    callback_id: StrictStr = ""
    private_metadata: StrictStr = ""
    state: ViewState | None = None


class Interaction(_Open):
    type: StrictStr
    user: User | None = None
    actions: Annotated[list[Action], Field(min_length=1)] | None = None
    view: View | None = None
    callback_id: StrictStr | None = None
    trigger_id: StrictStr | None = None
    channel: dict[str, Any] | None = None
    container: dict[str, Any] | None = None
    team: dict[str, Any] | None = None


class Event(_Open):
    type: StrictStr


class EventEnvelope(_Open):
    type: StrictStr
    event: Event | None = None
    challenge: StrictStr | None = None


REQUIRED = {"block_actions": ("user", "actions"), "view_submission": ("user", "view"), "view_closed": ("user", "view")}
BUTTONS_WITH_VALUES = ("case_", "reminder_got_it")


class MalformedPayload(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _first_error(exc: ValidationError, prefix: str) -> MalformedPayload:
    error = exc.errors()[0]
    field = ".".join([prefix, *(str(p) for p in error["loc"])]) if prefix else ".".join(str(p) for p in error["loc"])
    return MalformedPayload(field or prefix or "body", error["msg"])


def _validated(model: type[M], text: str, where: str) -> M:
    """The JSON object `text` as `model`: broken JSON, a non-object or a wrong field is a MalformedPayload."""
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise _first_error(exc, where) from exc


def check(body: bytes, content_type: str) -> None:
    """Raise MalformedPayload when a delivery cannot be one Slack sends (commands are plain forms: any will do)."""
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        envelope = _validated(EventEnvelope, text, "")
        if envelope.type == "url_verification" and envelope.challenge is None:
            raise MalformedPayload("challenge", "url_verification needs a challenge")
        if envelope.type == "event_callback" and envelope.event is None:
            raise MalformedPayload("event", "event_callback needs an event object")
        return
    form = parse_qs(text)
    if "payload" not in form:
        if "command" in form:
            return
        raise MalformedPayload("payload", "neither an interaction payload nor a slash command")
    payload = _validated(Interaction, form["payload"][0], "payload")
    for field in REQUIRED.get(payload.type, ()):
        if getattr(payload, field) is None:
            raise MalformedPayload(f"payload.{field}", f"required for {payload.type}")
    for action in payload.actions or []:
        if action.action_id.startswith(BUTTONS_WITH_VALUES) and action.value is None:
            raise MalformedPayload("payload.actions.value", f"{action.action_id} needs a value")
