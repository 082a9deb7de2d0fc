"""The classification worker: a thread that claims waiting cases, classifies them in batches, applies the
playbook decision and stores the outcome (`bot.triage.results`). `wake()` after an ingest starts it at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, as_utc
from bot.db import transaction
from bot.triage.claims import claim, context_for, model_text, repeat_counts
from bot.triage.results import Outcome, write_results
from bot.workers.polling import PollingWorker
from classifiers import ModelScores
from playbooks.triage import Triage, TriageInput


class ClassificationWorker(PollingWorker):
    """A thread that drains waiting cases; `wake()` after an ingest makes it start at once."""

    thread_name = "rrbot-classifier"

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        predict: Callable[[list[str]], list[ModelScores]],
        triage: Triage,
        clock: Clock,
        owner: str,
        model_version: str,
        batch_size: int = 64,
        poll_seconds: float = 0.5,
        lease_seconds: int = 120,
        repeat_window_hours: int = 24,
        observe_latency: Callable[[float], None] | None = None,
    ) -> None:
        self.session_factory, self.predict, self.triage, self.clock = session_factory, predict, triage, clock
        self.owner, self.model_version, self.batch_size = owner, model_version, batch_size
        super().__init__(poll_seconds=poll_seconds)
        self.lease = timedelta(seconds=lease_seconds)
        self.window = timedelta(hours=repeat_window_hours)
        self.observe_latency = observe_latency

    def run_once(self) -> int:
        """Claim, classify and store one batch; returns how many cases were finished."""
        with transaction(self.session_factory) as session:
            cases = claim(session, owner=self.owner, limit=self.batch_size, now=self.clock.now(), lease=self.lease)
            repeats = repeat_counts(session, cases, self.window) if cases else {}
        if not cases:
            return 0
        now = self.clock.now()
        items = [TriageInput(model_text(c), c.source, context_for(c, repeats.get(c.id, 0), now)) for c in cases]
        scores = self.predict([i.text for i in items])
        outcomes = self.triage.decide(items, scores)
        with transaction(self.session_factory) as session:
            stored_at = self.clock.now()
            stored = write_results(
                session,
                outcomes=[
                    Outcome(case, result, decision) for case, (result, decision) in zip(cases, outcomes, strict=True)
                ],
                owner=self.owner,
                model_version=self.model_version,
                now=stored_at,
            )
        if self.observe_latency and stored:
            for case in cases:
                self.observe_latency(max(0.0, (stored_at - as_utc(case.received_at)).total_seconds()))
        return stored
