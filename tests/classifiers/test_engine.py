from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from classifiers import Batcher, Engine, InvalidInput, ModelNotFound
from classifiers.runtime import MODELS_DIR
from classifiers.types import SENTIMENT_LABELS

TEXTS = [
    "@united lost my bag again, worst airline ever",
    "thanks @Delta, the crew were lovely today!",
    "Is the store open on Sunday?",
    "my package is 3 weeks late and nobody answers https://t.co/xyz",
    "I will sue you if my refund is not processed",
    "great service, quick reply",
    "app keeps crashing after the update",
    "what time does the game start",
]


def _same(a, b) -> bool:  # noqa: ANN001
    """Equal up to float noise: same texts in the same batch give the same numbers."""
    return a.sentiment_label == b.sentiment_label and abs(a.complaint - b.complaint) < 1e-4


def _close(a, b) -> bool:  # noqa: ANN001
    """Equal up to int8 noise: dynamic int8 quantisation scales activations per batch, so a text's scores
    move slightly (a few hundredths) with the texts it is batched with."""
    return (
        abs(a.complaint - b.complaint) < 0.1
        and all(abs(a.sentiment[k] - b.sentiment[k]) < 0.1 for k in a.sentiment)
        and float(a.embedding @ b.embedding) > 0.97
    )


def _each_nearest_its_own(expected, got) -> bool:  # noqa: ANN001
    sims = np.stack([e.embedding for e in expected]) @ np.stack([g.embedding for g in got]).T
    return bool(np.all(sims.argmax(0) == np.arange(len(got))))


def test_predict_shapes_and_ranges(engine: Engine) -> None:
    scores = engine.predict(TEXTS[:3])
    assert len(scores) == 3
    for s in scores:
        assert set(s.sentiment) == set(SENTIMENT_LABELS)
        assert abs(sum(s.sentiment.values()) - 1) < 1e-3
        assert 0 <= s.complaint <= 1 and 0 <= s.urgency <= 1
        assert len(s.severity) == 5 and abs(sum(s.severity) - 1) < 1e-3
        assert s.embedding.dtype == np.float32 and abs(np.linalg.norm(s.embedding) - 1) < 1e-3


def test_embed_is_l2_normalised(engine: Engine) -> None:
    emb = engine.embed(TEXTS)
    assert emb.shape[0] == len(TEXTS)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-4)


def test_info_names_model_and_labels(engine: Engine) -> None:
    info = engine.info
    assert info["labels"]["sentiment"] == list(SENTIMENT_LABELS)
    assert info["max_len"] > 0 and info["file_bytes"] < 30_000_000
    assert info["version"]


def test_batched_predict_preserves_order(engine: Engine) -> None:
    one_by_one = [engine.predict([t])[0] for t in TEXTS]
    batched = engine.predict(TEXTS)
    assert _each_nearest_its_own(one_by_one, batched)
    assert all(_close(a, b) for a, b in zip(one_by_one, batched, strict=True))


@pytest.mark.parametrize("bad", [[""], ["   \n"], [None], [42], "a plain string", [b"bytes"]])
def test_invalid_input_rejected(engine: Engine, bad) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput):
        engine.predict(bad)


def test_empty_list_gives_empty_result(engine: Engine) -> None:
    assert engine.predict([]) == []


def test_long_text_is_truncated_safely(engine: Engine) -> None:
    long = "my order never arrived and support keeps ignoring me " * 400
    scores = engine.predict([long, "short one"])
    assert len(scores) == 2 and 0 <= scores[0].complaint <= 1


def test_missing_model_dir_raises_model_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound):
        Engine.load(tmp_path)


def test_corrupt_model_raises_model_not_found(tmp_path: Path) -> None:
    for name in ("tokenizer.json", "config.json"):
        (tmp_path / name).write_bytes((MODELS_DIR / name).read_bytes())
    (tmp_path / "model.onnx").write_bytes(b"not an onnx graph")
    with pytest.raises(ModelNotFound):
        Engine.load(tmp_path)


def test_threads_calling_predict_agree_with_sequential(engine: Engine) -> None:
    expected = engine.predict(TEXTS)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: engine.predict(TEXTS[i % 3 :] + TEXTS[: i % 3]), range(24)))
    for i, got in enumerate(results):
        rotated = expected[i % 3 :] + expected[: i % 3]
        assert all(_same(a, b) for a, b in zip(rotated, got, strict=True))


def test_batcher_preserves_order_and_matches_engine(engine: Engine) -> None:
    expected = engine.predict(TEXTS)
    with Batcher(engine, max_batch=3, max_wait_ms=2) as batcher:
        got = batcher.predict(TEXTS)
    assert _each_nearest_its_own(expected, got)
    assert all(_close(a, b) for a, b in zip(expected, got, strict=True))


def test_batcher_many_threads_submitting(engine: Engine) -> None:
    expected = dict(zip(TEXTS, engine.predict(TEXTS), strict=True))
    with Batcher(engine, max_batch=16, max_wait_ms=5) as batcher, ThreadPoolExecutor(max_workers=16) as pool:
        jobs = [(TEXTS[i % len(TEXTS)], pool.submit(batcher.submit, TEXTS[i % len(TEXTS)])) for i in range(64)]
        for text, job in jobs:
            assert _close(job.result().result(timeout=30), expected[text])


def test_batcher_rejects_bad_input_and_closed_use(engine: Engine) -> None:
    batcher = Batcher(engine)
    with pytest.raises(InvalidInput):
        batcher.submit("")
    batcher.close()
    with pytest.raises(RuntimeError):
        batcher.submit("hello")


def test_serving_path_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from classifiers import Engine, Batcher\n"
        "e = Engine.load()\n"
        "b = Batcher(e); b.predict(['my order is late']); b.close()\n"
        "bad = [m for m in ('torch', 'transformers', 'classifiers.train') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)


def test_batcher_of_one_gives_exactly_the_sequential_answers(engine: Engine) -> None:
    expected = [engine.predict([t])[0] for t in TEXTS]
    with Batcher(engine, max_batch=1) as batcher, ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda i: batcher.submit(TEXTS[i % len(TEXTS)]).result(timeout=30), range(32)))
    assert all(_same(g, expected[i % len(TEXTS)]) for i, g in enumerate(got))
