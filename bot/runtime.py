"""Loading the model and the playbooks into what the workers and the API call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from bot.context import LoadedModel, ModelState
from bot.settings import Settings
from classifiers import Batcher, Engine
from playbooks.loader import load_dir
from playbooks.schema import Playbook
from playbooks.triage import Triage

log = logging.getLogger(__name__)
_engines: dict[tuple[str, int], Engine] = {}
_lock = threading.Lock()


def shared_engine(model_dir: Path | None, threads: int) -> Engine:
    """One loaded model per (folder, threads) in a process: apps built in tests share it."""
    key = (str(model_dir), threads)
    with _lock:
        if key not in _engines:
            _engines[key] = Engine.load(model_dir, threads=threads)
        return _engines[key]


def load_playbooks(settings: Settings) -> list[Playbook]:
    return load_dir(settings.playbooks_dir)


def load_model(state: ModelState, settings: Settings, playbooks: Sequence[Playbook]) -> None:
    """Fill `state` (runs in a background thread at start-up); errors are kept for /readyz."""
    try:
        engine = shared_engine(settings.model_dir, settings.model_threads)
        triage = Triage(engine, list(playbooks), default_channel=settings.escalation_channel)
        version = f"{engine.info.get('version', 'unknown')}+risk-{triage.risk_model.version}"
        batcher = Batcher(engine, max_batch=settings.model_max_batch, max_wait_ms=5.0)
        state.loaded = LoadedModel(engine=engine, batcher=batcher, triage=triage, version=version)
        log.info("model %s loaded", version)
    except Exception as exc:
        log.exception("model failed to load")
        state.error = f"{type(exc).__name__}: {exc}"
    finally:
        state.ready.set()
