"""The kinds of risk a leader must see, one definition used by the model, the playbooks and the service."""

from __future__ import annotations

from enum import StrEnum


class RiskType(StrEnum):
    INJURY = "injury"  # someone hurt, ill, in hospital, dead
    SAFETY_HAZARD = "safety_hazard"  # fire, smoke, shock, glass/foreign object, collapse, brakes, allergen
    LEGAL = "legal"  # lawyer, lawsuit, regulator, ombudsman, police, trading standards
    DISCRIMINATION_ABUSE = "discrimination_abuse"  # racism, disability, harassment, threats or assault by staff
    PRIVACY_SECURITY = "privacy_security"  # data leak, account taken over, someone else's data shown
    FRAUD_MONEY = "fraud_money"  # unauthorised charges, scam, money kept, financial hardship
    PRESS_VIRAL = "press_viral"  # journalist, reporter, public figure, going viral
    VULNERABLE_CUSTOMER = "vulnerable_customer"  # bereavement, medical dependence, elderly/child at risk
    PROPERTY_DAMAGE = "property_damage"  # the product or the staff damaged a home, car or belongings


RISK_TYPES: tuple[RiskType, ...] = tuple(RiskType)

# What a leader reads on the card and in the queue.
RISK_LABELS: dict[RiskType, str] = {
    RiskType.INJURY: "someone was hurt or fell ill",
    RiskType.SAFETY_HAZARD: "a safety hazard",
    RiskType.LEGAL: "legal action or a regulator",
    RiskType.DISCRIMINATION_ABUSE: "discrimination or abuse",
    RiskType.PRIVACY_SECURITY: "privacy or account security",
    RiskType.FRAUD_MONEY: "fraud or money taken",
    RiskType.PRESS_VIRAL: "the press or a viral post",
    RiskType.VULNERABLE_CUSTOMER: "a vulnerable customer",
    RiskType.PROPERTY_DAMAGE: "damage to property",
}
