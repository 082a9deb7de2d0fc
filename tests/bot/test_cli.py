from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def _run(args, env_extra, **kwargs):
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, **kwargs
    )


def test_token_create_prints_the_token_last_and_rejects_unknown_scopes(database_url):
    env = {"RRBOT_DATABASE_URL": database_url}
    done = _run(["token", "create", "--name", "ci", "--scope", "ingest", "--scope", "agent"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("rrb_")
    assert len(done.stdout.strip().splitlines()) == 1
    bad = _run(["token", "create", "--name", "ci", "--scope", "root"], env)
    assert bad.returncode == 2 and "unknown scope" in bad.stderr


def test_classify_streams_json_lines_in_order(tmp_path):
    lines = [
        {"id": "a", "text": "I love this store, thank you so much!"},
        {"id": "b", "text": "my parcel never arrived, two weeks late", "author": {"followers": 10}},
        {"id": "c", "text": ""},
        {"id": "d", "text": "the heater caught fire"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    out = tmp_path / "out.jsonl"
    done = _run(["classify", "--input", str(src), "--output", str(out), "--batch-size", "2"], {})
    assert done.returncode == 2  # bad lines are reported, the good ones still classified
    results = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r.get("id") for r in results] == ["a", "b", "c", "d", None]
    assert results[0]["sentiment"]["label"] == "positive"
    assert results[1]["category"]["name"] == "delivery_delay"
    assert "error" in results[2] and "error" in results[4]
    assert "classified 5 lines" in done.stderr


def test_worker_refuses_sqlite(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("RRBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["worker"]) == 2 and "needs PostgreSQL" in capsys.readouterr().err
