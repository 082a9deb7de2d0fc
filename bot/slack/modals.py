"""The modals behind the card's buttons (Reply, Send team reminder, Wrong?) and reading their answers."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ConversationMultiSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.enums import UrgencyLevel
from bot.slack.text import clip
from classifiers.risk_types import RISK_LABELS, RISK_TYPES

REPLY, REMIND, WRONG = "case_reply_modal", "case_remind_modal", "case_wrong_modal"
INTERNAL = Option(value="internal", label="Internal note (not sent)")
CUSTOMER = Option(value="customer", label="Post to the customer")
NO_RISK = "none"


def _options(values: list[tuple[str, str]]) -> list[Option]:
    return [Option(value=v, label=clip(label, 75)) for v, label in values]


def reply_modal(*, case_id: str, ref: str, text: str) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=REPLY,
        private_metadata=case_id,
        title="Reply",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="reply_text",
                label=f"Reply to {ref}",
                element=PlainTextInputElement(
                    action_id="text", multiline=True, initial_value=clip(text, 3000), max_length=3000
                ),
            ),
            InputBlock(
                block_id="reply_mode",
                label="What to do with it",
                element=RadioButtonsElement(action_id="mode", options=[INTERNAL, CUSTOMER], initial_option=INTERNAL),
            ),
        ],
    ).to_dict()


def remind_modal(*, case_id: str, text: str, channels: list[str]) -> dict[str, Any]:
    select = ConversationMultiSelectElement(action_id="channels", initial_conversations=channels[:100] or None)
    return View(
        type="modal",
        callback_id=REMIND,
        private_metadata=case_id,
        title="Team reminder",
        submit="Send",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id="remind_text",
                label="Reminder",
                element=PlainTextInputElement(
                    action_id="text", multiline=True, initial_value=clip(text, 3000), max_length=3000
                ),
            ),
            InputBlock(block_id="remind_channels", label="Channels", element=select),
        ],
    ).to_dict()


def wrong_modal(*, case_id: str, categories: list[tuple[str, str]]) -> dict[str, Any]:
    def select(block_id: str, label: str, values: list[tuple[str, str]]) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=label,
            optional=True,
            element=StaticSelectElement(action_id="value", options=_options(values)),
        )

    levels = [(v.value, v.value) for v in UrgencyLevel]
    blocks = [
        select("sentiment", "Sentiment should be", [(v, v) for v in ("negative", "neutral", "positive")]),
        select("urgency", "Urgency should be", levels),
        select("is_complaint", "Is it a complaint?", [("true", "yes"), ("false", "no")]),
        InputBlock(
            block_id="risks",
            label="The risks it really carries",
            optional=True,
            element=StaticMultiSelectElement(
                action_id="value",
                options=_options([(r.value, RISK_LABELS[r]) for r in RISK_TYPES] + [(NO_RISK, "no risk at all")]),
            ),
        ),
    ]
    if categories:
        blocks.append(select("category", "Category should be", [*categories[:99], ("none", "none of these")]))
    return View(
        type="modal",
        callback_id=WRONG,
        private_metadata=case_id,
        title="Correct the model",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    ).to_dict()


def _state(view: dict[str, Any]) -> dict[str, Any]:
    """The submitted values; a malformed submission reads as an empty form (the listener asks again)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _value(state: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    found = state.get(block)
    found = found.get(action) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def _text(element: dict[str, Any]) -> str:
    value = element.get("value")
    return value.strip() if isinstance(value, str) else ""


def _chosen(element: dict[str, Any]) -> str | None:
    option = element.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def reply_answer(view: dict[str, Any]) -> tuple[str, bool]:
    state = _state(view)
    text = _text(_value(state, "reply_text", "text"))
    return text, _chosen(_value(state, "reply_mode", "mode")) == "customer"


def remind_answer(view: dict[str, Any]) -> tuple[str, list[str]]:
    state = _state(view)
    text = _text(_value(state, "remind_text", "text"))
    channels = _value(state, "remind_channels", "channels").get("selected_conversations")
    return text, [c for c in channels if isinstance(c, str)] if isinstance(channels, list) else []


def wrong_answer(view: dict[str, Any]) -> dict[str, Any]:
    state = _state(view)
    out: dict[str, Any] = {}
    for block in ("sentiment", "urgency", "is_complaint", "category"):
        chosen = _chosen(_value(state, block, "value"))
        if chosen is None:
            continue
        if block == "is_complaint":
            out[block] = chosen == "true"
        elif block == "category":
            out[block] = None if chosen == "none" else chosen
        else:
            out[block] = chosen
    options = _value(state, "risks", "value").get("selected_options")
    risks = [o.get("value") for o in options if isinstance(o, dict)] if isinstance(options, list) else []
    if risks:
        out["risks"] = [] if NO_RISK in risks else [r for r in risks if r in {t.value for t in RISK_TYPES}]
    return out
