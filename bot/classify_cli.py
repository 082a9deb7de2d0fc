"""`rrbot classify`: JSON lines in, JSON lines out in the same order, streaming in fixed-size batches."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.runtime import load_playbooks, shared_engine
from bot.settings import Settings
from classifiers import UrgencyContext
from playbooks.triage import Triage, TriageInput


def _parse(line: str, number: int) -> tuple[Any, TriageInput | None, str | None]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, None, f"line {number}: not JSON ({exc.msg})"
    if not isinstance(obj, dict):
        return None, None, f"line {number}: expected an object"
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return obj.get("id"), None, f"line {number}: 'text' must be a non-empty string"
    raw_author = obj.get("author")
    author: dict[str, Any] = raw_author if isinstance(raw_author, dict) else {}
    followers = author.get("followers")
    ctx = UrgencyContext(
        followers=followers if isinstance(followers, int) else None,
        verified=bool(author.get("verified")),
    )
    return obj.get("id"), TriageInput(text, str(obj.get("source") or "cli"), ctx), None


def _batches(stream: IO[str], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        batch.append((number, line))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(settings: Settings, *, input_path: Path | None, output_path: Path | None, batch_size: int = 128) -> int:
    engine = shared_engine(settings.model_dir, settings.model_threads)
    triage = Triage(engine, load_playbooks(settings), default_channel=settings.escalation_channel)
    source = open(input_path, encoding="utf-8") if input_path else sys.stdin  # noqa: SIM115
    sink = open(output_path, "w", encoding="utf-8") if output_path else sys.stdout  # noqa: SIM115
    done = errors = 0
    started = time.perf_counter()
    try:
        for batch in _batches(source, batch_size):
            parsed = [_parse(line, number) for number, line in batch]
            good = [p[1] for p in parsed if p[1] is not None]
            outcomes = iter(triage.decide(good, engine.predict([g.text for g in good])) if good else [])
            for case_id, item, error in parsed:
                if item is None:
                    errors += 1
                    sink.write(json.dumps({"id": case_id, "error": error}) + "\n")
                    continue
                result, _decision = next(outcomes)
                sink.write(json.dumps({"id": case_id, **result.to_dict()}) + "\n")
            done += len(batch)
            elapsed = time.perf_counter() - started
            print(f"\rclassified {done} lines ({done / elapsed:.0f}/s), {errors} errors", end="", file=sys.stderr)
        print(file=sys.stderr)
    finally:
        if input_path:
            source.close()
        if output_path:
            sink.close()
    return 2 if errors else 0
