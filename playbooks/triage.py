"""Turn the model's scores and a playbook into a decision: risks, category, urgency, whether and where to escalate.

Escalation comes from risk, not from sentiment: a serious risk (``classifiers.risk``) escalates whatever the
sentiment and complaint heads say, at no less than its urgency floor, to the owner the playbook names for that
risk. Without a serious risk, a complaint (or a negative text) escalates when its urgency reaches the
category's or the playbook's ``escalate_at``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from classifiers import CategoryMatcher, Classification, ModelScores, UrgencyContext, UrgencyLevel, classify_scores
from classifiers.risk import RiskFinding, RiskModel
from classifiers.risk_types import RiskType
from classifiers.runtime import Engine
from classifiers.windows import split_windows
from playbooks.schema import Category, Owner, Playbook, Targets


@dataclass(frozen=True)
class TriageInput:
    text: str
    source: str
    context: UrgencyContext


@dataclass(frozen=True)
class Decision:
    playbook: str | None
    category: Category | None
    level: UrgencyLevel
    escalate: bool
    channel: str | None
    mention: str | None
    chain: tuple[str, ...]
    targets: Targets
    risk: RiskType | None = None  # the serious risk the case was routed by, if any


class RiskExamples:
    """A playbook's own examples of its risk types, matched on the embedding (no retraining)."""

    def __init__(self, engine: Engine, book: Playbook) -> None:
        self.routes = [(risk, route) for risk, route in book.risks.items() if route.examples]
        phrases = [p for _, route in self.routes for p in route.examples]
        self.owner = np.array([i for i, (_, route) in enumerate(self.routes) for _ in route.examples])
        self.phrases = phrases
        self.emb = engine.embed(phrases) if phrases else np.zeros((0, 1), dtype=np.float32)

    def match(self, embeddings: np.ndarray, found: list[RiskFinding]) -> list[RiskFinding]:
        """``found`` with the risks whose examples are close enough added (as serious) or strengthened."""
        if not self.phrases:
            return found
        sims = np.atleast_2d(embeddings) @ self.emb.T  # (windows, phrases)
        by_type = {f.type: f for f in found}
        for i, (risk, route) in enumerate(self.routes):
            cols = np.flatnonzero(self.owner == i)
            best = float(sims[:, cols].max())
            if best < route.example_threshold:
                continue
            phrase = self.phrases[int(cols[int(np.argmax(sims[:, cols].max(0)))])]
            old = by_type.get(risk)
            evidence = (old.evidence if old else ()) + (f"like the playbook example: {phrase}",)
            by_type[risk] = RiskFinding(risk, max(best, old.probability if old else 0.0), evidence, serious=True)
        return sorted(by_type.values(), key=lambda f: -f.probability)


class Triage:
    """Holds the playbooks, one category matcher per playbook (example phrases embedded once) and the risk head."""

    def __init__(
        self,
        engine: Engine,
        playbooks: Sequence[Playbook],
        *,
        default_channel: str | None = None,
        risk_model: RiskModel | None = None,
    ) -> None:
        self.engine = engine
        self.playbooks = list(playbooks)
        self.default_channel = default_channel
        self.risk_model = risk_model or RiskModel.load(engine.model_path.parent)
        self.matchers: dict[str, CategoryMatcher] = {}
        self.risk_examples: dict[str, RiskExamples] = {}
        for book in self.playbooks:
            examples = {c.id: c.examples for c in book.categories}
            threshold = book.category_threshold
            matcher = CategoryMatcher(engine, examples, threshold=threshold) if threshold else None
            self.matchers[book.business] = matcher or CategoryMatcher(engine, examples)
            self.risk_examples[book.business] = RiskExamples(engine, book)

    def playbook_for(self, source: str, text: str) -> Playbook | None:
        return next((b for b in self.playbooks if b.applies_to(source, text)), None)

    def risks(self, items: Sequence[TriageInput], scores: Sequence[ModelScores]) -> list[list[RiskFinding]]:
        """Each text's risks: the risk head on its windows, then its playbook's own risk examples.

        A text of one window reuses its own scores; the windows of long texts go through the model in one pass.
        """
        windows = [split_windows(i.text) for i in items]
        long = [w for ws in windows if len(ws) > 1 for w in ws]
        extra = iter(self.engine.predict(long) if long else [])
        per_text = [[s] if len(ws) == 1 else [next(extra) for _ in ws] for ws, s in zip(windows, scores, strict=True)]
        found = self.risk_model.assess_many(windows, per_text)
        for k, (item, window_scores) in enumerate(zip(items, per_text, strict=True)):
            book = self.playbook_for(item.source, item.text)
            if book is not None:
                embeddings = np.stack([w.embedding for w in window_scores])
                found[k] = self.risk_examples[book.business].match(embeddings, found[k])
        return found

    def decide_one(
        self, item: TriageInput, scores: ModelScores, risks: list[RiskFinding] | None = None
    ) -> tuple[Classification, Decision]:
        book = self.playbook_for(item.source, item.text)
        matcher = self.matchers.get(book.business) if book else None
        category: Category | None = None
        match = matcher.match(scores.embedding) if matcher else None
        ctx = item.context
        if book and match:
            category = book.category(match.name)
            ctx = replace(ctx, category_severity=category.severity if category else None)
            if ctx.target_minutes is None:
                ctx = replace(ctx, target_minutes=book.targets_for(category.id if category else None).ack_minutes)
        if risks is None:
            risks = self.risks([item], [scores])[0]
        floors = self._floors(book)
        result = classify_scores(scores, item.text, ctx, matcher, risks=risks, floors=floors, category=match)
        level = result.urgency.level
        routed = [r for r in result.serious_risks if not book or book.risk_route(r.type).escalate]
        threshold = (category.escalate_at if category and category.escalate_at else None) or (
            book.escalate_at if book else UrgencyLevel.HIGH
        )
        negative = result.is_complaint or result.sentiment_label == "negative"
        escalate = bool(routed) or (negative and level.at_least(threshold))
        owner = self._owner(book, category, routed)
        channel = (owner.channel if owner else None) or (book.escalation_channel if book else None)
        decision = Decision(
            playbook=book.business if book else None,
            category=category,
            level=level,
            escalate=escalate,
            channel=channel or self.default_channel,
            mention=owner.mention if owner else None,
            chain=tuple(owner.chain) if owner else (),
            targets=book.targets_for(category.id if category else None) if book else Targets(),
            risk=routed[0].type if routed else None,
        )
        return result, decision

    @staticmethod
    def _floors(book: Playbook | None) -> dict[RiskType, UrgencyLevel]:
        """The playbook's urgency floors; a silenced risk (``escalate: false``) lifts no level on its own."""
        if book is None:
            return {}
        return {
            r: (route.urgency_floor or UrgencyLevel.HIGH) if route.escalate else UrgencyLevel.LOW
            for r, route in book.risks.items()
            if route.urgency_floor or not route.escalate
        }

    @staticmethod
    def _owner(book: Playbook | None, category: Category | None, routed: list[RiskFinding]) -> Owner | None:
        """The owner of the most probable serious risk that has one, else the category's owner."""
        if book:
            for risk in routed:
                route = book.risk_route(risk.type)
                if route.owner.channel or route.owner.mention:
                    return route.owner
        return category.owner if category else None

    def decide(
        self, items: Sequence[TriageInput], scores: Sequence[ModelScores]
    ) -> list[tuple[Classification, Decision]]:
        risks = self.risks(items, scores) if items else []
        return [self.decide_one(item, s, r) for item, s, r in zip(items, scores, risks, strict=True)]
