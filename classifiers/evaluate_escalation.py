"""Escalation and routing on the project's own held-out sets (``evalsets/``), the old decision beside the new.

* ``evalsets/escalation.jsonl`` and ``evalsets/escalation_blind.jsonl``: texts labelled with the risks they carry
  (``escalate`` true) or none. Each text goes through the same triage the service runs (the shipped playbooks,
  an author with 1,500 followers) and counts as escalated when the decision escalates it. The first set's
  development half (odd ids) informed design choices; the blind set was never looked at text by text.
  Figures: escalation recall overall and per risk type, the false-alarm rate overall and per kind of harmless
  text, and how often the routed risk is one the text carries.
* ``evalsets/categories.jsonl``: retail complaints labelled with the playbook category that owns them; figure:
  category accuracy of the shipped matcher.
* ``evalsets/baseline.json``: the same decisions made by the previous release (written by
  ``bench/escalation_baseline.py`` from that release's code), shown beside the new figures.

Nothing here is trained on: ``classifiers.risk_data`` drops any training text that appears in ``evalsets/``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifiers.data import read_jsonl
from classifiers.types import UrgencyContext

EVALSETS_DIR = Path(__file__).resolve().parents[1] / "evalsets"
FOLLOWERS = 1_500


def decide_all(triage: Any, rows: Sequence[dict[str, Any]], followers: int = FOLLOWERS) -> list[dict[str, Any]]:
    """For each row: escalated (bool), the routed risk, the found risk types, the category and the level."""
    from playbooks.triage import TriageInput

    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), 64):
        chunk = rows[start : start + 64]
        items = [
            TriageInput(r["text"], "zendesk" if r.get("kind") == "ticket" else "x", UrgencyContext(followers=followers))
            for r in chunk
        ]
        scores = triage.engine.predict([i.text for i in items])
        for row, (result, decision) in zip(chunk, triage.decide(items, scores), strict=True):
            out.append(
                {
                    "id": row["id"],
                    "escalated": bool(decision.escalate),
                    "risk": getattr(getattr(decision, "risk", None), "value", None),
                    "found": [r.type.value for r in getattr(result, "serious_risks", ())],
                    "category": decision.category.id if decision.category else None,
                    "level": decision.level,
                }
            )
    return out


def escalation_figures(rows: Sequence[dict[str, Any]], decisions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from classifiers.risk_types import RISK_TYPES  # here, so decide_all also runs against a release without it

    rows = [r for r in rows if r["id"] in decisions]
    serious = [r for r in rows if r["risks"]]
    harmless = [r for r in rows if not r["risks"]]

    def rate(subset: Sequence[dict[str, Any]]) -> float | None:
        return round(sum(decisions[r["id"]]["escalated"] for r in subset) / len(subset), 4) if subset else None

    by_note: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in harmless:
        by_note[str(r.get("note", "other"))].append(r)
    routed = [r for r in serious if decisions[r["id"]]["escalated"] and decisions[r["id"]].get("risk")]
    return {
        "n": len(rows),
        "n_serious": len(serious),
        "n_harmless": len(harmless),
        "recall": rate(serious),
        "false_alarm_rate": rate(harmless),
        "recall_by_type": {t.value: rate([r for r in serious if t.value in r["risks"]]) for t in RISK_TYPES},
        "recall_by_kind": {k: rate([r for r in serious if r.get("kind") == k]) for k in ("social", "ticket")},
        "false_alarms_by_note": {k: rate(v) for k, v in sorted(by_note.items())},
        "routed_risk_correct": (
            round(sum(decisions[r["id"]]["risk"] in r["risks"] for r in routed) / len(routed), 4) if routed else None
        ),
    }


def category_figures(rows: Sequence[dict[str, Any]], decisions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    rows = [r for r in rows if r["id"] in decisions]
    correct = [decisions[r["id"]]["category"] == r["category"] for r in rows]
    by_cat: dict[str, list[bool]] = defaultdict(list)
    for r, ok in zip(rows, correct, strict=True):
        by_cat[r["category"]].append(ok)
    return {
        "n": len(rows),
        "accuracy": round(sum(correct) / len(rows), 4) if rows else None,
        "by_category": {k: round(sum(v) / len(v), 4) for k, v in sorted(by_cat.items())},
    }


ESCALATION_SETS = ("escalation", "escalation_blind")


def eval_rows(folder: Path = EVALSETS_DIR) -> dict[str, list[dict[str, Any]]]:
    names = (*ESCALATION_SETS, "categories")
    return {name: read_jsonl(folder / f"{name}.jsonl") for name in names if (folder / f"{name}.jsonl").is_file()}


def _figures(sets: dict[str, list[dict[str, Any]]], decisions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out = {name: escalation_figures(rows, decisions) for name, rows in sets.items() if name in ESCALATION_SETS}
    if "categories" in sets:
        out["categories"] = category_figures(sets["categories"], decisions)
    return out


def run_escalation_eval(triage: Any, folder: Path = EVALSETS_DIR) -> dict[str, Any]:
    sets = eval_rows(folder)
    new = {d["id"]: d for d in decide_all(triage, [r for rows in sets.values() for r in rows])}
    report: dict[str, Any] = {"new": _figures(sets, new)}
    baseline_path = folder / "baseline.json"
    if baseline_path.is_file():
        baseline = json.loads(baseline_path.read_text(encoding="utf-8"))
        old = {d["id"]: d for d in baseline["decisions"]}
        report["baseline"] = {"model": baseline.get("model"), **_figures(sets, old)}
    return report


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{100 * x:5.1f}"


def format_escalation_report(report: dict[str, Any]) -> list[str]:
    new, base = report["new"], report.get("baseline", {})
    name = str(base.get("model", "previous"))
    lines: list[str] = []
    for set_name in ESCALATION_SETS:
        if set_name not in new:
            continue
        fig, old = new[set_name], base.get(set_name, {})
        lines += [
            f"Escalation on evalsets/{set_name}.jsonl ({fig['n_serious']} serious, {fig['n_harmless']} harmless; "
            f"author with {FOLLOWERS} followers; shipped playbooks)",
            f"  {'':34} {'new':>6} {name:>14}",
            f"  {'escalation recall':34} {_pct(fig['recall'])}% {_pct(old.get('recall'))}%",
            f"  {'false alarms':34} {_pct(fig['false_alarm_rate'])}% {_pct(old.get('false_alarm_rate'))}%",
        ]
        for key in ("recall_by_type", "recall_by_kind"):
            for t, v in fig[key].items():
                lines.append(f"  {'recall: ' + t:34} {_pct(v)}% {_pct(old.get(key, {}).get(t))}%")
        old_notes = old.get("false_alarms_by_note", {})
        for note, v in fig["false_alarms_by_note"].items():
            lines.append(f"  {'false alarms: ' + note:34} {_pct(v)}% {_pct(old_notes.get(note))}%")
        lines.append(f"  {'routed to a risk the text carries':34} {_pct(fig['routed_risk_correct'])}%")
    if "categories" in new:
        cats, old_cats = new["categories"], base.get("categories", {})
        lines.append(f"Category routing on evalsets/categories.jsonl ({cats['n']} retail complaints)")
        lines.append(f"  {'accuracy':34} {_pct(cats['accuracy'])}% {_pct(old_cats.get('accuracy'))}%")
        for c, v in cats["by_category"].items():
            lines.append(f"  {'accuracy: ' + c:34} {_pct(v)}% {_pct(old_cats.get('by_category', {}).get(c))}%")
    return lines
