"""The playbook decision: risk escalates whatever sentiment says, to the risk's owner, at its floor."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.runtime import shared_engine
from classifiers import Engine, UrgencyContext
from classifiers.risk_types import RiskType
from playbooks.loader import load_dir, load_file
from playbooks.triage import Triage, TriageInput
from tests.conftest import ROOT

CALM_INJURY = (
    "Good morning. Yesterday my mother tripped over a pallet left in the aisle of your Leeds store and broke her "
    "hip. She is in hospital now. Please let me know who is handling this."
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return shared_engine(None, 2)


@pytest.fixture(scope="module")
def triage(engine: Engine) -> Triage:
    return Triage(engine, load_dir(ROOT / "playbooks"), default_channel="C0DEFAULT")


def decide(triage: Triage, text: str, **ctx: object) -> tuple:
    item = TriageInput(text, "x", UrgencyContext(followers=1_500, **ctx))  # type: ignore[arg-type]
    (out,) = triage.decide([item], triage.engine.predict([text]))
    return out


def test_a_serious_risk_escalates_even_when_the_heads_read_neutral(triage: Triage) -> None:
    item = TriageInput(CALM_INJURY, "x", UrgencyContext(followers=1_500))
    scores = triage.engine.predict([CALM_INJURY])[0]
    # whatever the heads say: force them to "neutral, not a complaint"
    neutral = replace(scores, sentiment={"negative": 0.02, "neutral": 0.96, "positive": 0.02}, complaint=0.03)
    (result, decision) = triage.decide([item], [neutral])[0]
    assert result.sentiment_label == "neutral" and not result.is_complaint
    assert decision.escalate and decision.risk == RiskType.INJURY
    assert decision.level == "critical"  # the retail playbook's floor for injury
    assert decision.channel == "C0SAFETY" and decision.mention == "S0SAFETY"
    assert result.urgency.reasons[0].startswith("risk: someone was hurt or fell ill")


def test_an_ordinary_complaint_is_not_escalated_and_keeps_its_category(triage: Triage) -> None:
    result, decision = decide(triage, "my order was meant to come on Tuesday and it still hasn't arrived, annoying")
    assert not decision.escalate and decision.risk is None and result.serious_risks == ()
    assert decision.category is not None and decision.category.id == "delivery_delay"


def test_risks_route_to_their_owners(triage: Triage) -> None:
    _, decision = decide(triage, "someone logged into my account and changed my email, now they have my card details")
    assert decision.escalate and decision.channel == "C0SECURITY"


def test_a_playbook_can_add_its_own_risk_examples_and_silence_a_risk(engine: Engine, tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "playbooks" / "retail.yaml").read_text())
    text = "the trolley return in car park B has a sharp broken edge sticking out at child height"
    data["risks"] = {
        "safety_hazard": {"examples": [text], "owner": {"channel": "C0CARPARK"}},
        "press_viral": {"escalate": False},
    }
    (tmp_path / "shop.yaml").write_text(yaml.safe_dump(data))
    triage = Triage(engine, [load_file(tmp_path / "shop.yaml")])
    result, decision = decide(triage, text)
    hazard = next(r for r in result.risks if r.type == RiskType.SAFETY_HAZARD)
    assert hazard.serious and any("playbook example" in e for e in hazard.evidence)
    assert decision.escalate and decision.channel == "C0CARPARK"
    reporter = "I'm a journalist at the Evening Post and my story on your store's broken freezers runs tomorrow"
    quiet_result, quiet = decide(triage, reporter)
    assert RiskType.PRESS_VIRAL in {r.type for r in quiet_result.serious_risks}  # still shown
    assert quiet.risk is None and quiet.level != "high"  # but it pages nobody and lifts no level


def test_unknown_risk_types_in_a_playbook_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "playbooks" / "retail.yaml").read_text())
    data["risks"] = {"meteor_strike": {"escalate": True}}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    from playbooks.loader import PlaybookError

    with pytest.raises(PlaybookError) as info:
        load_file(tmp_path / "bad.yaml")
    assert any("risks" in p.field for p in info.value.problems)
