"""The escalation evaluation: figures on hand-built rows and decisions, the report, and one run on a tiny evalset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from classifiers import Engine
from classifiers.evaluate_escalation import (
    FOLLOWERS,
    category_figures,
    escalation_figures,
    format_escalation_report,
    run_escalation_eval,
)
from classifiers.risk_types import RISK_TYPES
from playbooks.loader import load_dir
from playbooks.triage import Triage
from tests.conftest import ROOT

ROWS: list[dict[str, Any]] = [
    {"id": "e1", "text": "-", "risks": ["injury"], "kind": "social", "note": "literal"},
    {"id": "e2", "text": "-", "risks": ["legal", "fraud_money"], "kind": "ticket", "note": "buried"},
    {"id": "e3", "text": "-", "risks": ["legal"], "kind": "ticket", "note": "calm"},
    {"id": "e4", "text": "-", "risks": ["privacy_security"], "kind": "social", "note": "calm"},
    {"id": "e5", "text": "-", "risks": [], "kind": "social", "note": "joke"},
    {"id": "e6", "text": "-", "risks": [], "kind": "social", "note": "joke"},
    {"id": "e7", "text": "-", "risks": [], "kind": "social", "note": "praise"},
    {"id": "e8", "text": "-", "risks": [], "kind": "social"},  # no note: counted as "other"
    {"id": "e9", "text": "-", "risks": ["injury"], "kind": "social", "note": "literal"},  # no decision: left out
]


def _decision(escalated: bool, risk: str | None = None, category: str | None = None) -> dict[str, Any]:
    return {"escalated": escalated, "risk": risk, "found": [], "category": category, "level": "normal"}


DECISIONS = {
    "e1": _decision(True, "injury"),
    "e2": _decision(True, "injury"),  # escalated, routed to a risk the text does not carry
    "e3": _decision(False),
    "e4": _decision(True, None),  # escalated without a routed risk: not counted for routing
    "e5": _decision(True, "press_viral"),  # a false alarm
    "e6": _decision(False),
    "e7": _decision(False),
    "e8": _decision(False),
}


def test_escalation_figures() -> None:
    fig = escalation_figures(ROWS, DECISIONS)
    assert (fig["n"], fig["n_serious"], fig["n_harmless"]) == (8, 4, 4)
    assert fig["recall"] == 0.75  # e1, e2, e4 of e1-e4
    assert fig["false_alarm_rate"] == 0.25  # e5 of e5-e8
    assert set(fig["recall_by_type"]) == {t.value for t in RISK_TYPES}
    assert fig["recall_by_type"]["injury"] == 1.0  # e9 has no decision
    assert fig["recall_by_type"]["legal"] == 0.5
    assert fig["recall_by_type"]["fraud_money"] == 1.0
    assert fig["recall_by_type"]["privacy_security"] == 1.0
    assert fig["recall_by_type"]["safety_hazard"] is None  # no such text
    assert fig["recall_by_kind"] == {"social": 1.0, "ticket": 0.5}
    assert fig["false_alarms_by_note"] == {"joke": 0.5, "other": 0.0, "praise": 0.0}
    assert list(fig["false_alarms_by_note"]) == ["joke", "other", "praise"]
    assert fig["routed_risk_correct"] == 0.5  # e1 right, e2 wrong, e4 not routed


def test_escalation_figures_without_serious_or_harmless_rows() -> None:
    harmless_only = escalation_figures([r for r in ROWS if not r["risks"]], DECISIONS)
    assert harmless_only["recall"] is None and harmless_only["routed_risk_correct"] is None
    assert harmless_only["recall_by_kind"] == {"social": None, "ticket": None}
    empty = escalation_figures(ROWS, {})
    assert empty["n"] == 0 and empty["recall"] is None and empty["false_alarm_rate"] is None
    assert empty["false_alarms_by_note"] == {}


def test_category_figures() -> None:
    rows = [
        {"id": "c1", "category": "delivery_delay"},
        {"id": "c2", "category": "delivery_delay"},
        {"id": "c3", "category": "billing_error"},
        {"id": "c4", "category": "billing_error"},  # no decision: left out
    ]
    decisions = {
        "c1": _decision(False, category="delivery_delay"),
        "c2": _decision(False, category=None),
        "c3": _decision(False, category="billing_error"),
    }
    assert category_figures(rows, decisions) == {
        "n": 3,
        "accuracy": round(2 / 3, 4),
        "by_category": {"billing_error": 1.0, "delivery_delay": 0.5},
    }
    assert category_figures(rows, {}) == {"n": 0, "accuracy": None, "by_category": {}}


def _report(with_baseline: bool) -> dict[str, Any]:
    cats = [{"id": "c1", "category": "delivery_delay"}]
    report: dict[str, Any] = {
        "new": {
            "escalation": escalation_figures(ROWS, DECISIONS),
            "categories": category_figures(cats, {"c1": _decision(False, category="delivery_delay")}),
        }
    }
    if with_baseline:
        old = {k: _decision(False) for k in DECISIONS}
        report["baseline"] = {"model": "0.9.0 (abc123)", "escalation": escalation_figures(ROWS, old)}
    return report


def test_format_escalation_report_puts_new_beside_the_baseline() -> None:
    lines = format_escalation_report(_report(with_baseline=True))
    assert lines[0] == (
        f"Escalation on evalsets/escalation.jsonl (4 serious, 4 harmless; author with {FOLLOWERS} followers; "
        "shipped playbooks)"
    )
    assert lines[1].split() == ["new", "0.9.0", "(abc123)"]
    assert lines[2].split() == ["escalation", "recall", "75.0%", "0.0%"]
    assert lines[3].split() == ["false", "alarms", "25.0%", "0.0%"]
    by_label = {line[:36].strip(): line[36:].split() for line in lines[4:]}
    assert by_label["recall: legal"] == ["50.0%", "0.0%"]
    assert by_label["recall: safety_hazard"] == ["n/a%", "n/a%"]
    assert by_label["recall: ticket"] == ["50.0%", "0.0%"]
    assert by_label["false alarms: joke"] == ["50.0%", "0.0%"]
    assert by_label["routed to a risk the text carries"] == ["50.0%"]
    # the baseline has no category figures
    assert by_label["accuracy"] == ["100.0%", "n/a%"]
    assert by_label["accuracy: delivery_delay"] == ["100.0%", "n/a%"]
    assert "Category routing on evalsets/categories.jsonl (1 retail complaints)" in lines
    assert not any("escalation_blind" in line for line in lines)  # a set that is not there is skipped


def test_format_escalation_report_without_a_baseline() -> None:
    lines = format_escalation_report(_report(with_baseline=False))
    assert lines[1].split() == ["new", "previous"]
    assert lines[2].split() == ["escalation", "recall", "75.0%", "n/a%"]
    assert format_escalation_report({"new": {}}) == []


# --- one run through the real triage ---------------------------------------------------------------------------

EVAL_ROWS = [
    {
        "id": "e0001",
        "text": "Good morning. Yesterday my mother tripped over a pallet left in the aisle of your Leeds store and "
        "broke her hip. She is in hospital now. Please let me know who is handling this.",
        "risks": ["injury"],
        "kind": "ticket",
        "note": "calm",
    },
    {
        "id": "e0002",
        "text": "someone logged into my account and changed my email, now they have my card details",
        "risks": ["privacy_security"],
        "kind": "social",
        "note": "literal",
    },
    {
        "id": "e0003",
        "text": "the heater I bought from you caught fire in my living room last night",
        "risks": ["safety_hazard"],
        "kind": "social",
        "note": "literal",
    },
    {"id": "e0004", "text": "I love this store, thank you so much!", "risks": [], "kind": "social", "note": "praise"},
    {
        "id": "e0005",
        "text": "this new burger is to die for, honestly killer deal",
        "risks": [],
        "kind": "social",
        "note": "figurative",
    },
    {
        "id": "e0006",
        "text": "my order was meant to come on Tuesday and it still hasn't arrived, annoying",
        "risks": [],
        "kind": "social",
        "note": "ordinary_complaint",
    },
]
CATEGORY_ROWS = [
    {
        "id": "c001",
        "text": "my order was meant to come on Tuesday and it still hasn't arrived",
        "category": "delivery_delay",
    },
    {"id": "c002", "text": "the salesperson at your store was so pushy I walked out", "category": "pushy_staff"},
    {
        "id": "c003",
        "text": "I was charged twice for the same jumper at the till, please refund the second payment",
        "category": "billing_error",
    },
]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def triage(engine: Engine) -> Triage:
    return Triage(engine, load_dir(ROOT / "playbooks"), default_channel="C0DEFAULT")


def test_run_escalation_eval_on_a_tiny_evalset(triage: Triage, tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "escalation.jsonl", EVAL_ROWS)
    _write_jsonl(tmp_path / "categories.jsonl", CATEGORY_ROWS)
    baseline = {
        "model": "0.9.0 (abc123)",
        "decisions": [
            {"id": r["id"], **_decision(False, category="delivery_delay" if r["id"] == "c001" else None)}
            for r in EVAL_ROWS + CATEGORY_ROWS
        ],
    }
    (tmp_path / "baseline.json").write_text(json.dumps(baseline), encoding="utf-8")

    report = run_escalation_eval(triage, folder=tmp_path)

    assert set(report["new"]) == {"escalation", "categories"}  # no escalation_blind.jsonl here
    new = report["new"]["escalation"]
    assert (new["n"], new["n_serious"], new["n_harmless"]) == (6, 3, 3)
    assert new["recall"] == 1.0 and new["false_alarm_rate"] == 0.0
    assert new["recall_by_kind"] == {"social": 1.0, "ticket": 1.0}
    assert new["routed_risk_correct"] == 1.0
    assert new["false_alarms_by_note"] == {"figurative": 0.0, "ordinary_complaint": 0.0, "praise": 0.0}
    assert report["new"]["categories"] == {
        "n": 3,
        "accuracy": 1.0,
        "by_category": {"billing_error": 1.0, "delivery_delay": 1.0, "pushy_staff": 1.0},
    }
    old = report["baseline"]
    assert old["model"] == "0.9.0 (abc123)"
    assert old["escalation"]["recall"] == 0.0 and old["escalation"]["false_alarm_rate"] == 0.0
    assert old["categories"]["accuracy"] == round(1 / 3, 4)

    lines = format_escalation_report(report)
    assert lines[0].startswith("Escalation on evalsets/escalation.jsonl (3 serious, 3 harmless;")
    assert lines[2].split() == ["escalation", "recall", "100.0%", "0.0%"]


def test_run_escalation_eval_without_escalation_sets_or_baseline(triage: Triage, tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "categories.jsonl", CATEGORY_ROWS[:1])
    report = run_escalation_eval(triage, folder=tmp_path)
    assert report == {"new": {"categories": {"n": 1, "accuracy": 1.0, "by_category": {"delivery_delay": 1.0}}}}
