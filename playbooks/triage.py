"""Turn the model's scores and a playbook into a decision: category, urgency, whether and where to escalate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from classifiers import CategoryMatcher, Classification, ModelScores, UrgencyContext, classify_scores
from playbooks.schema import Category, Playbook, Targets

LEVELS = ("low", "normal", "high", "critical")


@dataclass(frozen=True)
class TriageInput:
    text: str
    source: str
    context: UrgencyContext


@dataclass(frozen=True)
class Decision:
    playbook: str | None
    category: Category | None
    level: str
    escalate: bool
    channel: str | None
    mention: str | None
    chain: tuple[str, ...]
    targets: Targets


class Triage:
    """Holds the playbooks and one category matcher per playbook (example phrases embedded once)."""

    def __init__(self, engine, playbooks: Sequence[Playbook], *, default_channel: str | None = None) -> None:
        self.engine = engine
        self.playbooks = list(playbooks)
        self.default_channel = default_channel
        self.matchers: dict[str, CategoryMatcher] = {}
        for book in self.playbooks:
            examples = {c.id: c.examples for c in book.categories}
            threshold = book.category_threshold
            matcher = CategoryMatcher(engine, examples, threshold=threshold) if threshold else None
            self.matchers[book.business] = matcher or CategoryMatcher(engine, examples)

    def playbook_for(self, source: str, text: str) -> Playbook | None:
        return next((b for b in self.playbooks if b.applies_to(source, text)), None)

    def decide_one(self, item: TriageInput, scores: ModelScores) -> tuple[Classification, Decision]:
        book = self.playbook_for(item.source, item.text)
        matcher = self.matchers.get(book.business) if book else None
        category = None
        ctx = item.context
        if book and matcher:
            match = matcher.match(scores.embedding)
            category = book.category(match.name)
            if category:
                ctx = replace(ctx, category_severity=category.severity)
        result = classify_scores(scores, item.text, ctx, matcher)
        level = result.urgency.level
        threshold = (category.escalate_at if category and category.escalate_at else None) or (
            book.escalate_at if book else "high"
        )
        negative = result.is_complaint or result.sentiment_label == "negative"
        escalate = negative and LEVELS.index(level) >= LEVELS.index(threshold)
        owner = category.owner if category else None
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
        )
        return result, decision

    def decide(
        self, items: Sequence[TriageInput], scores: Sequence[ModelScores]
    ) -> list[tuple[Classification, Decision]]:
        return [self.decide_one(item, s) for item, s in zip(items, scores, strict=True)]
