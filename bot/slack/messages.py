"""The other messages: thread lines (the case's timeline), re-pings, team reminders, the daily digest and the
queue summary shown by /complaints and the App Home tab."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.actions.suggestions import case_ref
from bot.enums import UrgencyLevel
from bot.measure.queue_summary import Line, Summary
from bot.slack.text import channel, clip, date, escape, mention, minutes, quote

ICONS = {
    "acked": ":white_check_mark:",
    "replied": ":speech_balloon:",
    "resolved": ":checkered_flag:",
    "feedback": ":hammer_and_wrench:",
    "reminder_sent": ":mega:",
    "snoozed": ":zzz:",
    "delivery_failed": ":warning:",
    "delivery_waiting": ":hourglass:",
    "reply_posted": ":outbox_tray:",
}


WHAT = {"reply": "reply to the customer", "escalation": "escalation card", "slack_reminder": "team reminder"}


def _what(data: dict[str, Any]) -> str:
    return WHAT.get(str(data.get("kind")), "message")


def _event_line(event: dict[str, Any], with_ref: bool) -> str:
    type_, actor, data = event["type"], escape(event.get("actor") or "someone"), event.get("data") or {}
    at = date(datetime.fromisoformat(event["at"]), "{time}")
    if type_ == "acked":
        text = f"Acknowledged by {actor}" + (" (with a reply)" if data.get("implicit") else "")
    elif type_ == "replied":
        how = "posted to the customer" if data.get("send") else "internal note"
        text = f"Reply ({how}) by {actor}:\n{quote(str(data.get('text', '')), 600)}"
    elif type_ == "resolved":
        text = f"Resolved by {actor}"
    elif type_ == "feedback":
        fixes = ", ".join(f"{k} → {escape(str(v))}" for k, v in data.items())
        text = f"Correction by {actor}: {fixes}"
    elif type_ == "reminder_sent":
        text = f"Team reminder sent to {' '.join(channel(c) for c in data.get('channels', []))} by {actor}"
    elif type_ == "snoozed":
        text = f"Snoozed by {actor}"
    elif type_ == "delivery_failed":
        text = f"Could not deliver the {_what(data)}: {escape(str(data.get('reason', 'unknown error')))}"
    elif type_ == "delivery_waiting":
        text = f"The {_what(data)} is waiting: {escape(str(data.get('reason', 'no connector configured')))}"
    elif type_ == "reply_posted":
        link = data.get("url")
        text = f"Reply posted to the customer on {escape(str(data.get('source', 'the source')))}" + (
            f": <{escape(str(link))}|view it>" if link else ""
        )
    else:
        text = f"{escape(type_)} by {actor}"
    if event.get("count", 1) > 1:
        text += f" ({event['count']} cases)"
    prefix = f"{case_ref(event['case_id'])} · " if with_ref and event.get("count", 1) == 1 else ""
    return f"{ICONS.get(type_, ':small_blue_diamond:')} {at} {prefix}{text}"


def thread_text(events: list[dict[str, Any]], root_case_id: str) -> str:
    with_ref = any(e["case_id"] != root_case_id for e in events)
    return clip("\n".join(_event_line(e, with_ref) for e in events), 3000)


def reping_text(reping: dict[str, Any]) -> str:
    who = mention(reping.get("to")) or "team"
    text = (
        f":alarm_clock: {who} this complaint has waited {minutes(reping.get('minutes', 0))} without an "
        f"acknowledgement (target missed). Please acknowledge or hand it on."
    )
    if reping.get("last"):
        text += " This was the last step of the escalation chain."
    return text


def reminder_blocks(*, reminder_id: int, text: str, actor: str, ref: str) -> tuple[str, list[dict[str, Any]]]:
    blocks: list[Block] = [
        SectionBlock(block_id="reminder", text=MarkdownTextObject(text=clip(f":mega: {escape(text)}", 3000))),
        ContextBlock(elements=[MarkdownTextObject(text=clip(f"From {escape(actor)}, after complaint {ref}", 300))]),
        ActionsBlock(
            block_id="reminder_actions",
            elements=[
                ButtonElement(text="Got it", action_id="reminder_got_it", value=str(reminder_id), style="primary")
            ],
        ),
    ]
    return clip(escape(text), 300), [b.to_dict() for b in blocks]


def digest_blocks(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    rt = data.get("response_times") or {}

    def p50(name: str) -> str:
        value = (rt.get(name) or {}).get("p50")
        return minutes(value / 60) if value is not None else "—"

    ratio = rt.get("sla_met_ratio")
    lines = [
        f"Received *{data['received']}* · escalated *{data['escalated']}* · acknowledged *{data['acked']}* · "
        f"replied *{data['replied']}* · resolved *{data['resolved']}*",
        f"Targets missed: *{data['sla_breached']}* · met: *{f'{ratio:.0%}' if ratio is not None else '—'}* · "
        f"team reminders: *{data['reminders']}*",
        f"Median time to notify {p50('time_to_notify')} · to acknowledge {p50('time_to_ack')} · "
        f"to first reply {p50('time_to_first_reply')} · to resolve {p50('time_to_resolve')}",
    ]
    title = f"Complaints digest for {data['day']}"
    blocks: list[Block] = [HeaderBlock(text=title), SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]
    return title, [b.to_dict() for b in blocks]


def _line(line: Line, now: datetime) -> str:
    waited = minutes((now - line.created_at).total_seconds() / 60)
    return f"• *{line.urgency}* {case_ref(line.id)} ({line.status}, waiting {waited}) {quote(line.text, 120)[2:]}"


def summary_blocks(summary: Summary, *, now: datetime) -> list[dict[str, Any]]:
    order = [*reversed(UrgencyLevel), "unclassified"]
    counts = " · ".join(f"{level}: *{summary.open_by_urgency.get(level, 0)}*" for level in order)
    oldest = "\n".join(_line(x, now) for x in summary.oldest_waiting) or "Nothing waiting. :tada:"
    mine = "\n".join(_line(x, now) for x in summary.mine) or "No open cases of yours."
    blocks: list[Block] = [
        HeaderBlock(text="Complaints queue"),
        SectionBlock(text=MarkdownTextObject(text=f"*Open by urgency*\n{counts}")),
        SectionBlock(text=MarkdownTextObject(text=clip(f"*Oldest waiting*\n{oldest}", 3000))),
        SectionBlock(text=MarkdownTextObject(text=clip(f"*My cases*\n{mine}", 3000))),
    ]
    return [b.to_dict() for b in blocks]
