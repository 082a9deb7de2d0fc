"""Record a release's escalation decisions on ``evalsets/`` so ``rrbot eval`` can show them beside the new ones.

    git worktree add /tmp/old <release commit>
    python bench/escalation_baseline.py --code /tmp/old --name "1.0.0 (c3669c4)"

Runs that release's own ``playbooks.triage.Triage`` (its model, its rules, its shipped playbooks) over every set
in ``evalsets/`` with the same driver ``rrbot eval`` uses, and writes ``evalsets/baseline.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, required=True, help="a checkout of the release to measure")
    parser.add_argument("--name", required=True, help="how the report names that release")
    parser.add_argument("--out", type=Path, default=ROOT / "evalsets" / "baseline.json")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from classifiers import Engine
    from playbooks.loader import load_dir
    from playbooks.triage import Triage

    spec = importlib.util.spec_from_file_location("driver", ROOT / "classifiers" / "evaluate_escalation.py")
    assert spec and spec.loader
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    engine = Engine.load(args.code / "classifiers" / "models")
    triage = Triage(engine, load_dir(args.code / "playbooks"))
    rows = [r for part in driver.eval_rows(ROOT / "evalsets").values() for r in part]
    decisions = driver.decide_all(triage, rows)
    args.out.write_text(json.dumps({"model": args.name, "decisions": decisions}, indent=1) + "\n", encoding="utf-8")
    print(f"{len(decisions)} decisions of {args.name} written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
