"""What each Slack interaction does, as plain synchronous functions (listeners run them in a thread): one
transaction each, calling the services, then showing the change on the card at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bot.actions import agents, lifecycle, reminders, snooze
from bot.actions.suggestions import case_ref, suggest_for_case
from bot.cases.queries import get_case
from bot.clock import Clock
from bot.db import transaction
from bot.enums import CaseStatus
from bot.escalation import card_sync, cards
from bot.intake import seen
from bot.measure import queue_summary
from bot.models import Case, SlackCardCase
from bot.slack import modals
from bot.slack.messages import summary_blocks
from playbooks.schema import Playbook

SNOOZE_MINUTES = 60


@dataclass
class Flows:
    session_factory: sessionmaker[Session]
    clock: Clock
    playbooks: Mapping[str, Playbook]

    # -- people ---------------------------------------------------------------------------------------------------
    def known_name(self, user_id: str) -> str | None:
        with transaction(self.session_factory) as session:
            return agents.known_name(session, user_id=user_id)

    def remember(self, user_id: str, name: str) -> str:
        with transaction(self.session_factory) as session:
            return agents.remember(session, user_id=user_id, name=name, now=self.clock.now())

    def first_time(self, key: str) -> bool:
        with transaction(self.session_factory) as session:
            return seen.first_time(session, key=key, now=self.clock.now())

    # -- buttons --------------------------------------------------------------------------------------------------
    def ack(self, *, case_id: str, actor: str) -> int:
        """Acknowledge the case, and on a theme card every open case the card shows."""
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            card = cards.card_for_case(session, case_id)
            ids = [case_id]
            if card is not None and card.root_case_id == case_id and card.case_count > 1:
                ids = list(
                    session.execute(
                        sa.select(Case.id)
                        .join(SlackCardCase, SlackCardCase.case_id == Case.id)
                        .where(
                            SlackCardCase.card_id == card.id,
                            Case.acked_at.is_(None),
                            Case.status != CaseStatus.RESOLVED,
                        )
                    ).scalars()
                ) or [case_id]
            changed = sum(lifecycle.ack(session, case_id=i, actor=actor, now=now)[1] for i in ids)
            card_sync.sync_case(session, case_id=case_id, now=now)
            return changed

    def resolve(self, *, case_id: str, actor: str) -> bool:
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            _, changed = lifecycle.resolve(session, case_id=case_id, actor=actor, now=now)
            card_sync.sync_case(session, case_id=case_id, now=now)
            return changed

    def snooze(self, *, case_id: str, actor: str) -> bool:
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            _, changed = snooze.snooze(session, case_id=case_id, minutes=SNOOZE_MINUTES, actor=actor, now=now)
            card_sync.sync_case(session, case_id=case_id, now=now)
            return changed

    def got_it(self, *, reminder_id: int, user_id: str, name: str, actor: str) -> bool:
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            reminder, changed = reminders.confirm(
                session, reminder_id=reminder_id, user_id=user_id, name=name, actor=actor, now=now
            )
            card_sync.sync_case(session, case_id=reminder.case_id, now=now)
            return changed

    # -- modals ---------------------------------------------------------------------------------------------------
    def _book_category(self, case: Case) -> tuple[Playbook | None, Any]:
        book = self.playbooks.get(case.playbook or "")
        return book, book.category(case.category) if book else None

    def reply_modal(self, *, case_id: str, index: int) -> dict[str, Any]:
        with transaction(self.session_factory) as session:
            case = get_case(session, case_id)
            book, category = self._book_category(case)
            options = suggest_for_case(case, book=book, category=category)
            text = options[min(index, len(options) - 1)].text if options else ""
            return modals.reply_modal(case_id=case.id, ref=case_ref(case.id), text=text)

    def remind_modal(self, *, case_id: str) -> dict[str, Any]:
        with transaction(self.session_factory) as session:
            case = get_case(session, case_id)
            _, category = self._book_category(case)
            reminder = category.reminder if category else None
            text = reminder.text if reminder else f"Reminder after complaint {case_ref(case.id)}: "
            return modals.remind_modal(case_id=case.id, text=text, channels=list(reminder.channels) if reminder else [])

    def wrong_modal(self, *, case_id: str) -> dict[str, Any]:
        with transaction(self.session_factory) as session:
            case = get_case(session, case_id)
            book, _ = self._book_category(case)
            categories = [(c.id, c.name) for c in book.categories] if book else []
            return modals.wrong_modal(case_id=case.id, categories=categories)

    def _submitted(self, view_id: str, case_id: str, action: Callable[[Session, datetime], object]) -> bool:
        """A modal submission, handled once per view (Slack may deliver it twice), then shown on the card."""
        with transaction(self.session_factory) as session:
            now = self.clock.now()
            if not seen.first_time(session, key=f"view:{view_id}", now=now):
                return False
            action(session, now)
            card_sync.sync_case(session, case_id=case_id, now=now)
            return True

    def reply(self, *, view_id: str, case_id: str, text: str, send: bool, actor: str) -> bool:
        return self._submitted(
            view_id,
            case_id,
            lambda s, now: lifecycle.reply(s, case_id=case_id, text=text, send=send, actor=actor, now=now),
        )

    def remind(self, *, view_id: str, case_id: str, text: str, channels: list[str], actor: str) -> bool:
        return self._submitted(
            view_id,
            case_id,
            lambda s, now: reminders.send(s, case_id=case_id, text=text, channels=channels, actor=actor, now=now),
        )

    def feedback(self, *, view_id: str, case_id: str, corrections: dict[str, Any], actor: str) -> bool:
        return self._submitted(
            view_id,
            case_id,
            lambda s, now: lifecycle.feedback(s, case_id=case_id, corrections=corrections, actor=actor, now=now),
        )

    # -- views of the queue ---------------------------------------------------------------------------------------
    def summary(self, *, user_id: str) -> list[dict[str, Any]]:
        with transaction(self.session_factory) as session:
            result = queue_summary.summary(session, actor_prefix=agents.actor_for(user_id, None))
        return summary_blocks(result, now=self.clock.now())
