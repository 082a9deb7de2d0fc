"""Suggested replies: the category's templates filled in for one case and ranked for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playbooks.schema import Category, Playbook

X_LIMIT = 280
WORD = re.compile(r"[a-z0-9']+")
GENERIC = "Hi {name}, we're sorry about this and we're looking into it now. Please DM us the details. Ref {case_ref}"


@dataclass(frozen=True)
class Suggestion:
    text: str
    score: float


def case_ref(case_id: str) -> str:
    return f"RR-{case_id[:8].upper()}"


def brand(book: Playbook | None) -> str:
    if book is None:
        return "us"
    return re.sub(r"\s*\(.*\)\s*$", "", book.name).strip() or book.business


def fill(template: str, *, person: dict[str, Any], case_id: str, book: Playbook | None) -> str:
    handle = person.get("handle") or ""
    name = person.get("name") or (f"@{handle}" if handle else "") or "there"
    values = {
        "name": name,
        "handle": f"@{handle}" if handle else name,
        "brand": brand(book),
        "case_ref": case_ref(case_id),
    }
    return re.sub(r"\{(name|handle|brand|case_ref)\}", lambda m: values[m.group(1)], template)


def _score(text: str, template: str, case_text: str, source: str) -> float:
    """Prefer replies that fit the channel, echo the customer's words and carry a reference."""
    words, case_words = set(WORD.findall(text.lower())), set(WORD.findall(case_text.lower()))
    overlap = len(words & case_words) / max(len(words), 1)
    fits = 1.0 if source != "x" or len(text) <= X_LIMIT else 0.0
    personal = 0.2 if "{name}" in template else 0.0
    ref = 0.1 if "{case_ref}" in template else 0.0
    return round(fits + overlap + personal + ref, 4)


def suggest(
    *,
    book: Playbook | None,
    category: Category | None,
    person: dict[str, Any],
    case_id: str,
    text: str,
    source: str,
    limit: int = 3,
) -> list[Suggestion]:
    templates = list(category.responses) if category else [GENERIC]
    scored = []
    for position, template in enumerate(templates):
        filled = fill(template, person=person, case_id=case_id, book=book)
        # the playbook's own order breaks ties: earlier templates are the author's preference
        scored.append((Suggestion(filled, _score(filled, template, text, source)), position))
    scored.sort(key=lambda item: (-item[0].score, item[1]))
    return [s for s, _ in scored[:limit]]


def suggest_for_case(case: Any, *, book: Playbook | None, category: Category | None) -> list[Suggestion]:
    """`suggest` for a stored case (the card and the Reply modal show the same ranking)."""
    return suggest(
        book=book, category=category, person=case.person or {}, case_id=case.id, text=case.text, source=case.source
    )
