"""The playbook YAML schema: what counts as which category, who owns it, what to say and how fast."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from classifiers.risk_types import RiskType
from classifiers.types import UrgencyLevel


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Targets(_Strict):
    """Response-time targets, in minutes from the post's own created_at."""

    ack_minutes: int = Field(default=30, ge=1)
    first_reply_minutes: int = Field(default=60, ge=1)
    resolve_minutes: int = Field(default=24 * 60, ge=1)


class Owner(_Strict):
    channel: str | None = None  # Slack channel ID the card goes to
    mention: str | None = None  # Slack user (U...) or user group (S...) to mention on the card
    chain: list[str] = Field(default_factory=list)  # who is pinged next when nobody acknowledges

    @field_validator("mention", "chain", mode="after")
    @classmethod
    def _slack_ids(cls, value: str | list[str] | None) -> str | list[str] | None:
        for item in [value] if isinstance(value, str) else value or []:
            if item[:1] not in ("U", "W", "S"):
                raise ValueError(f"{item!r} is not a Slack user (U..., W...) or user group (S...) ID")
        return value


class Reminder(_Strict):
    text: str = Field(min_length=1, max_length=3000)
    channels: list[str] = Field(default_factory=list)


class Category(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    name: str = Field(min_length=1, max_length=150)
    severity: int = Field(ge=1, le=5, description="1 minor .. 5 critical")
    examples: list[str] = Field(min_length=3)
    owner: Owner = Field(default_factory=Owner)
    responses: list[str] = Field(min_length=1)
    reminder: Reminder | None = None
    targets: Targets | None = None
    escalate_at: UrgencyLevel | None = None

    @field_validator("examples", "responses")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("entries must not be blank")
        return value


class RiskRoute(_Strict):
    """What a business does with one risk type: who owns it, how urgent it is at least, its own examples."""

    owner: Owner = Field(default_factory=Owner)  # empty: the category's owner, else the escalation channel
    urgency_floor: UrgencyLevel | None = None  # default: critical for injury, high for the others
    escalate: bool = True  # false: the risk is shown and ranked but pages nobody
    examples: list[str] = Field(default_factory=list)  # the business's own cases of this risk, no retraining
    example_threshold: float = Field(default=0.8, gt=0, lt=1)  # cosine to an example that counts as this risk

    @field_validator("examples")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError("entries must not be blank")
        return value


class Match(_Strict):
    """Which cases a playbook applies to; an empty match applies to every case."""

    sources: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)  # our own accounts the mention addresses, e.g. @acme


class Playbook(_Strict):
    business: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    match: Match = Field(default_factory=Match)
    escalation_channel: str | None = None
    escalate_at: UrgencyLevel = UrgencyLevel.HIGH
    targets: Targets = Field(default_factory=Targets)
    category_threshold: float | None = Field(default=None, gt=0, lt=1)
    categories: list[Category] = Field(min_length=1)
    risks: dict[RiskType, RiskRoute] = Field(default_factory=dict)  # risk type -> route (see RiskRoute)

    @model_validator(mode="after")
    def _unique_ids(self) -> Playbook:
        seen: set[str] = set()
        for cat in self.categories:
            if cat.id in seen:
                raise ValueError(f"category id {cat.id!r} appears twice")
            seen.add(cat.id)
        return self

    def category(self, category_id: str | None) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def risk_route(self, risk: RiskType) -> RiskRoute:
        return self.risks.get(risk) or RiskRoute()

    def targets_for(self, category_id: str | None) -> Targets:
        cat = self.category(category_id)
        return cat.targets if cat and cat.targets else self.targets

    def applies_to(self, source: str, text: str) -> bool:
        if self.match.sources and source not in self.match.sources:
            return False
        if self.match.handles:
            lowered = text.lower()
            return any(h.lower() in lowered for h in self.match.handles)
        return True
