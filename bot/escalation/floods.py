"""Floods: near-identical complaints arriving together (a viral post, an outage) share one theme card.

A case joins a recent card of the same playbook, category and channel when its words are close (cosine of
word counts) to the card's first case or one of its latest cases. Every case still reaches the queue; only
the Slack message is shared. A flood never hides a new risk: a case carrying a serious risk that the card's
first case does not carry (an injury amid a hundred "site is down" posts) gets a card of its own.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.models import Case, SlackCard, SlackCardCase

WINDOW = timedelta(minutes=30)
THRESHOLD = 0.6
NOISE = re.compile(r"https?://\S+|@\w+|#\w+")
WORD = re.compile(r"[a-z']+")


def words(text: str) -> Counter[str]:
    return Counter(w for w in WORD.findall(NOISE.sub(" ", text.lower())) if len(w) > 2)


def cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b.get(word, 0) for word, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def serious_risk_types(case: Case) -> set[str]:
    data = case.classification.data if case.classification else {}
    return {str(r.get("type")) for r in (data or {}).get("risks", []) if isinstance(r, dict) and r.get("serious")}


def _texts(session: Session, card: SlackCard) -> list[str]:
    stmt = (
        sa.select(Case.text)
        .join(SlackCardCase, SlackCardCase.case_id == Case.id)
        .where(SlackCardCase.card_id == card.id)
        .order_by(SlackCardCase.attached_at.desc())
        .limit(3)
    )
    root = session.execute(sa.select(Case.text).where(Case.id == card.root_case_id)).scalar_one()
    return [root, *session.execute(stmt).scalars()]


def find_theme(
    session: Session,
    *,
    case: Case,
    channel: str,
    now: datetime,
    window: timedelta = WINDOW,
    threshold: float = THRESHOLD,
) -> SlackCard | None:
    """The recent card this case belongs on, if any."""
    category = SlackCard.category.is_(None) if case.category is None else SlackCard.category == case.category
    playbook = SlackCard.playbook.is_(None) if case.playbook is None else SlackCard.playbook == case.playbook
    cards = session.execute(
        sa.select(SlackCard)
        .where(SlackCard.channel == channel, playbook, category, SlackCard.last_case_at >= now - window)
        .order_by(SlackCard.last_case_at.desc())
        .limit(5)
    ).scalars()
    mine = words(case.text)
    risks = serious_risk_types(case)
    for card in cards:
        root = session.get(Case, card.root_case_id)
        if risks and (root is None or not risks <= serious_risk_types(root)):
            continue
        if any(cosine(mine, words(text)) >= threshold for text in _texts(session, card)):
            return card
    return None
