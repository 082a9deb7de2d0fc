"""Slack users as agents: one name per person, so the API, the timeline and Slack show the same actor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.models import SlackAgent


def actor_for(user_id: str, name: str | None) -> str:
    """The timeline's actor string for a Slack user, e.g. ``slack:U123 (Jane)``."""
    return f"slack:{user_id} ({name})" if name else f"slack:{user_id}"


def known_name(session: Session, *, user_id: str) -> str | None:
    agent = session.get(SlackAgent, user_id)
    return agent.name if agent else None


def remember(session: Session, *, user_id: str, name: str, now: datetime) -> str:
    """Store or refresh the user's display name; returns their actor string."""
    agent = session.get(SlackAgent, user_id)
    if agent is None:
        try:
            with session.begin_nested():  # two clicks of a new person at once: the second finds the first's row
                session.add(SlackAgent(user_id=user_id, name=name[:128], updated_at=now))
            return actor_for(user_id, name)
        except IntegrityError:
            agent = session.get(SlackAgent, user_id)
    if agent is not None and agent.name != name:
        agent.name, agent.updated_at = name[:128], now
    return actor_for(user_id, name)
