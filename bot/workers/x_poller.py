"""The X mentions poller: every RRBOT_X_POLL_SECONDS, the account's new mentions become cases.

`since_id` lives in the database (`source_cursors`), so a restart neither misses nor repeats a post; the first
poll takes the backlog X returns (late posts follow the late-arrival rule, not the live SLA). A 429 pauses
only this poller until X's reset time; a usage cap or a refusal (402, 401, 403) marks the source degraded
and tells Slack once. When more mentions arrived than X keeps reachable, the gap is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import requests
import sqlalchemy as sa
import tweepy
from sqlalchemy.orm import Session, sessionmaker

from bot.actions import lifecycle
from bot.clock import Clock
from bot.db import transaction
from bot.errors import InvalidRequest
from bot.intake.ingest import check_times
from bot.models import Case
from bot.schemas import MentionIn
from bot.sources import cursors
from bot.sources.x.client import XAccount, describe, rate_limit_reset
from bot.sources.x.mentions import REACHABLE, Batch, fetch_mentions
from bot.sources.x.own_replies import fetch_own_replies
from bot.workers import leases
from bot.workers.polling import PollingWorker

log = logging.getLogger(__name__)
SOURCE = "x"
DEGRADING = (401, 402, 403)  # bad credentials, usage cap / payment, forbidden: polling again will not help


T = TypeVar("T")
SILENT_POLLS = 5  # failed polls in a row before Slack is told the source is silent


class XPoller(PollingWorker):
    thread_name = "rrbot-x-poller"

    def __init__(
        self,
        *,
        client: tweepy.Client,
        account: XAccount,
        session_factory: sessionmaker[Session],
        clock: Clock,
        submit: Callable[[Sequence[MentionIn]], object],
        alert: Callable[[str], None],
        poll_seconds: float,
        search_query: str | None = None,
        owner: str = "x-poller",
    ) -> None:
        super().__init__(poll_seconds=poll_seconds)
        self.client, self.account, self.session_factory, self.clock = client, account, session_factory, clock
        self.submit, self.alert, self.search_query, self.owner = submit, alert, search_query, owner

    def run_once(self) -> int:
        """One poll; returns 0 so the loop waits a full interval before the next. With several replicas, the one
        holding the `x-poller` lease polls (it passes to another when its holder stops renewing it)."""
        now = self.clock.now()
        with transaction(self.session_factory) as session:
            ttl = timedelta(seconds=self.poll_seconds * 3)
            if not leases.acquire(session, name="x-poller", owner=self.owner, now=now, ttl=ttl):
                return 0
        try:
            user_id, _ = self.account.resolve()
        except tweepy.HTTPException as exc:
            self._failed("mentions", describe(exc), now, degraded=exc.response.status_code in DEGRADING)
            return 0
        except requests.RequestException as exc:
            self._failed("mentions", describe(exc), now, degraded=False)
            return 0
        self._poll_stream(f"mentions:{user_id}", now, user_id=user_id, query=None)  # since_id belongs to one account
        if self.search_query:
            self._poll_stream(f"search:{self.search_query[:100]}", now, user_id=None, query=self.search_query)
        self._poll_own_replies(user_id, now)
        return 0

    def _poll_own_replies(self, user_id: str, now: datetime) -> None:
        """The brand's replies made outside the bot count as the cases' replies, at the time they were posted."""
        stream = f"replies:{user_id}"
        read = self._read(
            stream, now, lambda since_id: fetch_own_replies(self.client, user_id=user_id, since_id=since_id)
        )
        if read is None:
            return
        posts, _ = read
        counted = 0
        with transaction(self.session_factory) as session:
            targets = {r.in_reply_to for r in posts.replies}
            cases = (
                dict(
                    session.execute(
                        sa.select(Case.external_id, Case.id).where(Case.source == SOURCE, Case.external_id.in_(targets))
                    ).all()
                )
                if targets
                else {}
            )
            for post in sorted(posts.replies, key=lambda p: p.created_at):
                case_id = cases.get(post.in_reply_to)
                if case_id is not None:
                    counted += lifecycle.reply_seen_at_source(
                        session,
                        case_id=case_id,
                        post_id=post.id,
                        text=post.text,
                        actor="x:brand",
                        at=min(post.created_at, now),
                    )
            cursor = cursors.load(session, source=SOURCE, stream=stream, for_update=True)
            cursors.count_usage(cursor, now=now, reads=posts.reads)
            cursors.record_ok(cursor, now=now, since_id=posts.newest_id or cursor.since_id)
        if counted:
            log.info("x: %d replies the brand posted outside the bot counted as first replies", counted)

    def stop(self) -> None:
        super().stop()
        try:
            with transaction(self.session_factory) as session:
                leases.release(session, name="x-poller", owner=self.owner)
        except Exception:  # stopping must not fail; the lease then simply expires
            log.warning("could not release the x-poller lease", exc_info=True)

    def _poll_stream(self, stream: str, now: datetime, *, user_id: str | None, query: str | None) -> None:
        read = self._read(
            stream, now, lambda since_id: fetch_mentions(self.client, user_id=user_id, since_id=since_id, query=query)
        )
        if read is not None:
            batch, since_id = read
            self._store(stream, batch, since_id, now)

    def _read(self, stream: str, now: datetime, fetch: Callable[[str | None], T]) -> tuple[T, str | None] | None:
        """One read of `stream` from its cursor (with the since_id it used), or None while it is paused or when X
        fails (the failure is recorded, and told to Slack when it lasts)."""
        with transaction(self.session_factory) as session:
            cursor = cursors.load(session, source=SOURCE, stream=stream)
            since_id, paused_until = cursor.since_id, cursor.paused_until
        if paused_until is not None and paused_until > now:
            return None
        try:
            return fetch(since_id), since_id
        except tweepy.TooManyRequests as exc:
            self._paused(stream, exc, now)
        except tweepy.HTTPException as exc:
            self._failed(stream, describe(exc), now, degraded=exc.response.status_code in DEGRADING)
        except requests.RequestException as exc:
            self._failed(stream, describe(exc), now, degraded=False)
        return None

    def _store(self, stream: str, batch: Batch, since_id: str | None, now: datetime) -> None:
        accepted = []
        for mention in batch.mentions:
            try:
                check_times(mention, now=now)
                accepted.append(mention)
            except InvalidRequest as exc:
                log.warning("x mention %s skipped: %s", mention.external_id, exc.details)
        if accepted:
            self.submit(accepted)  # committed before since_id moves: a crash in between repeats, never misses
        with transaction(self.session_factory) as session:
            cursor = cursors.load(session, source=SOURCE, stream=stream, for_update=True)
            cursors.count_usage(cursor, now=now, reads=batch.reads)
            if batch.complete:
                cursors.record_ok(cursor, now=now, since_id=batch.newest_id or cursor.since_id)
            else:
                cursors.record_error(cursor, now=now, reason="a page failed part way; the next poll reads it again")
            if batch.exhausted and batch.reset_at:
                cursor.paused_until = datetime.fromtimestamp(batch.reset_at, UTC)
            if since_id is not None and batch.reads >= REACHABLE:
                cursor.last_error = f"gap: {batch.reads}+ mentions since the last poll; older ones are not reachable"
                log.warning("x mentions: possible gap, %d read since %s", batch.reads, since_id)
        log.info("x mentions: %d new, %d read, %d skipped", len(accepted), batch.reads, batch.rejected)

    def _paused(self, stream: str, exc: tweepy.TooManyRequests, now: datetime) -> None:
        reset = rate_limit_reset(exc.response)
        until = datetime.fromtimestamp(reset, UTC) if reset else now + timedelta(seconds=self.poll_seconds)
        with transaction(self.session_factory) as session:
            cursor = cursors.load(session, source=SOURCE, stream=stream, for_update=True)
            failing = cursor.error_count  # a rate limit is a pause, not a failure: it does not count toward silence
            cursors.record_error(cursor, now=now, reason="rate limited (429)", paused_until=until)
            cursor.error_count = failing
        log.warning("x mentions: rate limited until %s; other work goes on", until.isoformat())

    def _failed(self, stream: str, reason: str, now: datetime, *, degraded: bool) -> None:
        """Record a failed poll. Slack is told once per outage: at once for a usage cap or a refusal, after
        `SILENT_POLLS` failures in a row for anything else (a source silent longer than its interval)."""
        with transaction(self.session_factory) as session:
            cursor = cursors.load(session, source=SOURCE, stream=stream, for_update=True)
            cursors.record_error(cursor, now=now, reason=reason)
            silent = cursor.error_count >= SILENT_POLLS
            first = (degraded or silent) and not cursor.degraded
            cursor.degraded = cursor.degraded or degraded or silent
            failing = cursor.error_count
        what = "the brand's own replies are" if stream.startswith("replies:") else "mentions are"
        log.error("x %s: %s", stream, reason)
        if first and degraded:
            self.alert(f"The X source is degraded ({stream}): {reason}. X {what} not being read until this is fixed.")
        elif first:
            minutes = failing * self.poll_seconds / 60
            self.alert(
                f"The X source has failed {failing} polls in a row ({stream}, about {minutes:.0f} min; last: "
                f"{reason}). X {what} not being read until it recovers."
            )
