"""The escalation card: Block Kit built with slack_sdk.models.blocks, kept within Slack's limits."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.enums import CaseStatus
from bot.escalation.card_view import CardView
from bot.slack.text import channel as channel_link
from bot.slack.text import clip, date, escape, mention, minutes, quote
from classifiers.risk_types import RISK_LABELS, RiskType
from classifiers.urgency import ordinal

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_MESSAGE_CHARS = 12000
QUOTE_CHARS = 1500
LEVEL_ICON = {
    "critical": ":red_circle:",
    "high": ":large_orange_circle:",
    "normal": ":large_yellow_circle:",
    "low": ":white_circle:",
}
ACTIONS = ("case_ack", "case_reply", "case_remind", "case_resolve", "case_snooze", "case_wrong")


def _md(text: str, limit: int = MAX_SECTION) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit))


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=clip(text, MAX_BUTTON_TEXT), action_id=action_id, value=value[:2000], style=style)


def level_of(view: CardView) -> str:
    cls = view.classification or {}
    return str(cls.get("urgency", {}).get("level", "unclassified"))


def serious_risks(view: CardView) -> list[dict[str, Any]]:
    cls = view.classification or {}
    return [r for r in cls.get("risks", []) if isinstance(r, dict) and r.get("serious")]


def _risk_label(value: object) -> str:
    try:
        return RISK_LABELS[RiskType(str(value))]
    except ValueError:
        return str(value)


def headline(view: CardView) -> str:
    risks = serious_risks(view)
    title = view.category_name or "Complaint"
    if risks:
        title = f"{_risk_label(risks[0].get('type')).capitalize()} · {title}"
    if view.theme_count > 1:
        title = f"{view.theme_count} similar: {title}"
    return clip(f"{level_of(view).upper()} · {title}", MAX_HEADER)


def fallback_text(view: CardView) -> str:
    who = mention(view.mention)
    text = escape(" ".join(view.case.text.split()))  # notifications show this: no <!channel>, no disguised links
    return clip(f"{who} {escape(headline(view))}: {text}".strip(), 300)


def _who(view: CardView) -> str:
    case, person = view.case, view.case.person or {}
    parts = []
    if case.kind == "mention":
        name, handle = person.get("name"), person.get("handle")
        label = f"*{escape(str(name))}* (@{escape(str(handle))})" if name and handle else f"*@{escape(str(handle))}*"
        parts.append(label)
        if person.get("followers") is not None:
            parts.append(f"{int(person['followers']):,} followers")
        if person.get("verified"):
            parts.append("verified")
    else:
        parts.append(f"*{escape(str(person.get('name') or person.get('email') or 'customer'))}*")
        if person.get("tier"):
            parts.append(f"tier {escape(str(person['tier']))}")
    parts.append(f"on {escape(case.source)}")
    url = (case.extra or {}).get("url")
    if url and str(url).startswith(("http://", "https://")) and "|" not in url and ">" not in url:
        parts.append(f"<{url}|original>")
    parts.append(f"posted {date(case.created_at)}")
    return " · ".join(parts)


def _fields(view: CardView, now: datetime) -> list[MarkdownTextObject]:
    cls = view.classification or {}
    urgency, sentiment = cls.get("urgency", {}), cls.get("sentiment", {})
    complaint, category = cls.get("complaint", {}), cls.get("category", {})
    level = urgency.get("level", "?")
    reasons = "\n".join(f"• {escape(str(r))}" for r in urgency.get("reasons", [])[:8])
    label = sentiment.get("label", "?")
    score = sentiment.get("scores", {}).get(label)
    fields = [
        f"*Urgency*\n{LEVEL_ICON.get(level, '')} {level} ({urgency.get('score', 0):.2f})\n{reasons}",
        f"*Sentiment*\n{label}" + (f" ({score:.2f})" if isinstance(score, int | float) else ""),
        f"*Complaint*\n{'yes' if complaint.get('is_complaint') else 'no'} ({complaint.get('score', 0):.2f})",
        f"*Category*\n{escape(view.category_name or 'none')} ({category.get('score', 0):.2f})",
        f"*Similar in the last 24 h*\n{view.similar_24h}",
    ]
    if view.from_person_7d > 1:
        fields.append(f"*This customer*\n{ordinal(view.from_person_7d)} complaint in 7 days")
    case = view.case
    if view.ack_minutes and case.ack_due_at:
        state = "overdue" if case.acked_at is None and now > case.ack_due_at else "due"
        fields.append(f"*Target*\nacknowledge within {minutes(view.ack_minutes)}\n{state} {date(case.ack_due_at)}")
    if case.late_minutes is not None:
        fields.append(
            f"*Arrived late*\nposted {minutes(case.late_minutes)} before it reached us; targets run from arrival"
        )
    return [_md(f, MAX_FIELD) for f in fields]


def _status(view: CardView) -> str:
    case = view.case
    parts = [f"*{case.status}*"]
    if view.acked_by:
        parts.append(f"acknowledged by {escape(view.acked_by)}")
    if view.resolved_by:
        parts.append(f"resolved by {escape(view.resolved_by)}")
    if case.snoozed_until and case.status != CaseStatus.RESOLVED:
        parts.append(f"snoozed until {date(case.snoozed_until, '{time}')}")
    if view.reping_level:
        parts.append(f"re-pinged {view.reping_level}×")
    return f"{view.ref} · " + " · ".join(parts)


def _reminders(view: CardView) -> list[str]:
    lines = []
    for r in view.reminders[-3:]:
        names = ", ".join(escape(n) for n in r.confirmed[:15]) + (" …" if len(r.confirmed) > 15 else "")
        where = " ".join(channel_link(c) for c in r.channels[:5])
        lines.append(f":mega: Reminder to {where}: *{len(r.confirmed)}* confirmed" + (f" ({names})" if names else ""))
    return lines


def _why(view: CardView) -> list[Block]:
    """ "Why this reached you": each serious risk with its probability and the words that carry it."""
    risks = serious_risks(view)
    if not risks:
        return []
    lines = [":rotating_light: *Why this reached you*"]
    for r in risks[:4]:
        words = ", ".join(f"“{escape(str(w))}”" for w in list(r.get("evidence", []))[:3])
        prob = r.get("score", 0)
        lines.append(f"• {escape(_risk_label(r.get('type')))} ({prob:.0%})" + (f": {words}" if words else ""))
    return [SectionBlock(block_id="why", text=_md("\n".join(lines)))]


def _theme(view: CardView) -> list[Block]:
    if view.theme_count <= 1:
        return []
    lines = [f":chart_with_upwards_trend: *{view.theme_count} similar complaints* on this card. Latest:"]
    lines += [f"{quote(text, 200)} — {escape(author)} ({ref})" for ref, author, text in view.theme_examples]
    return [SectionBlock(block_id="theme", text=_md("\n".join(lines)))]


def _suggestions(view: CardView) -> list[Block]:
    if not view.suggestions:
        return []
    blocks: list[Block] = [SectionBlock(block_id="suggestions", text=_md("*Suggested replies* (best first)"))]
    for i, s in enumerate(view.suggestions[:3]):
        blocks.append(
            SectionBlock(
                block_id=f"suggestion_{i}",
                text=_md(f"*{i + 1}.* {escape(s.text)}", 1000),
                accessory=_button("Use this", f"case_reply_{i}", f"{view.case.id}:{i}"),
            )
        )
    return blocks


def _actions(view: CardView) -> ActionsBlock:
    case_id, case = view.case.id, view.case
    buttons = []
    if case.acked_at is None:
        buttons.append(_button("Acknowledge", "case_ack", case_id, "primary"))
    buttons += [_button("Reply", "case_reply", f"{case_id}:0"), _button("Send team reminder", "case_remind", case_id)]
    if case.status != CaseStatus.RESOLVED:
        buttons += [_button("Resolve", "case_resolve", case_id), _button("Snooze 1 h", "case_snooze", case_id)]
    buttons.append(_button("Wrong?", "case_wrong", case_id, "danger"))
    return ActionsBlock(block_id="actions", elements=buttons)


def card_blocks(view: CardView, *, now: datetime) -> list[dict[str, Any]]:
    intro = f"{mention(view.mention)} new complaint from {_who(view)}".strip()
    blocks: list[Block] = [
        HeaderBlock(block_id="header", text=headline(view)),
        SectionBlock(block_id="intro", text=_md(intro)),
        SectionBlock(block_id="text", text=_md(quote(view.case.text, QUOTE_CHARS))),
        *_why(view),
        SectionBlock(block_id="fields", fields=_fields(view, now)),
        *_theme(view),
        DividerBlock(),
        *_suggestions(view),
        ContextBlock(block_id="status", elements=[_md(_status(view))]),
    ]
    reminders = _reminders(view)
    if reminders:
        blocks.append(ContextBlock(block_id="reminders", elements=[_md(line) for line in reminders]))
    blocks.append(_actions(view))
    return fit([b.to_dict() for b in blocks])


def fit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Never more than Slack takes: 50 blocks and about 12,000 characters (suggestions go first, then theme)."""
    blocks = blocks[:MAX_BLOCKS]
    for optional in ("suggestion_2", "suggestion_1", "theme", "suggestion_0", "suggestions", "reminders"):
        if len(json.dumps(blocks)) <= MAX_MESSAGE_CHARS:
            break
        blocks = [b for b in blocks if b.get("block_id") != optional]
    return blocks
