"""The `rrbot` command."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.settings import Settings


def _setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # client libraries log every request at INFO (with URLs); keep that for DEBUG runs
    for noisy in ("httpx", "httpcore", "slack_sdk", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.main import create_app

    if args.no_workers:
        settings = settings.model_copy(update={"run_workers": False})
    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        access_log=settings.log_level.upper() == "DEBUG",
        timeout_graceful_shutdown=10,
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """The workers without the API: run as many as the load needs beside `rrbot serve --no-workers`."""
    import signal
    import threading

    from bot.main import build_context, running
    from bot.workers.start import ROLES

    if settings.is_sqlite:
        print(
            "error: rrbot worker needs PostgreSQL (RRBOT_DATABASE_URL); on SQLite `rrbot serve` runs everything",
            file=sys.stderr,
        )
        return 2
    roles = [r.strip() for r in (args.only or ",".join(ROLES)).split(",") if r.strip()]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        print(f"error: --only takes {', '.join(ROLES)} (got {', '.join(unknown) or 'nothing'})", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    ctx = build_context(settings)
    with running(ctx, roles):
        logging.getLogger("bot.worker").info("worker %s running: %s", ctx.owner, ", ".join(roles))
        stop.wait()
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot import migrate
    from bot.db import create_db_engine

    engine = create_db_engine(settings.database_url)
    migrate.upgrade(engine)
    engine.dispose()
    print("migrations applied", file=sys.stderr)
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from bot import migrate
    from bot.access import tokens
    from bot.clock import SystemClock
    from bot.db import create_db_engine, make_session_factory, transaction
    from bot.errors import InvalidRequest

    engine = create_db_engine(settings.database_url)
    migrate.upgrade(engine)
    try:
        with transaction(make_session_factory(engine)) as session:
            now = SystemClock().now()
            expires = now + timedelta(days=args.expires_days) if args.expires_days else None
            token = tokens.create(session, name=args.name, scopes=args.scope, now=now, expires_at=expires)
    except InvalidRequest as exc:
        print(f"error: {exc.message} (choose from {', '.join(tokens.SCOPES)})", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(
        f"created token '{args.name}' with scopes {', '.join(sorted(set(args.scope)))}; it is shown only once:",
        file=sys.stderr,
    )
    print(token)
    return 0


def _token_session(settings: Settings) -> tuple[Any, Any]:
    from bot import migrate
    from bot.db import create_db_engine, make_session_factory

    engine = create_db_engine(settings.database_url)
    migrate.upgrade(engine)
    return engine, make_session_factory(engine)


def cmd_token_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.access import tokens
    from bot.db import transaction

    engine, factory = _token_session(settings)
    try:
        with transaction(factory) as session:
            rows = tokens.list_tokens(session)
            print(f"{'id':32}  {'prefix':10}  {'name':20}  {'scopes':24}  {'created':20}  {'last used':20}  state")
            for t in rows:
                state = "revoked" if t.revoked_at else (f"expires {_day(t.expires_at)}" if t.expires_at else "active")
                scopes = ",".join(t.scopes)
                print(
                    f"{t.id:32}  {t.prefix:10}  {t.name[:20]:20}  {scopes[:24]:24}  {_day(t.created_at):20}  "
                    f"{_day(t.last_used_at):20}  {state}"
                )
    finally:
        engine.dispose()
    return 0


def _day(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from bot.access import tokens
    from bot.clock import SystemClock
    from bot.db import transaction
    from bot.errors import InvalidRequest

    engine, factory = _token_session(settings)
    try:
        with transaction(factory) as session:
            row = tokens.revoke(session, token=args.token, now=SystemClock().now())
            print(f"revoked token '{row.name}' ({row.id}); it stops working within {settings.token_cache_seconds:g} s")
    except InvalidRequest as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    return 0


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    from bot.classify_cli import run

    return run(settings, input_path=args.input, output_path=args.output, batch_size=args.batch_size)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from bot.runtime import load_playbooks, shared_engine
    from classifiers.evaluate import PARTS, format_report, run_eval
    from classifiers.evaluate_escalation import format_escalation_report, run_escalation_eval
    from playbooks.triage import Triage

    engine = shared_engine(settings.model_dir, settings.model_threads)
    parts = [p for p in (args.part or [*PARTS, "escalation"]) if p != "escalation"]
    report = run_eval(Path(args.data), engine, parts) if parts else {"model": engine.info}
    if not args.part or "escalation" in args.part:
        triage = Triage(engine, load_playbooks(settings), default_channel=settings.escalation_channel)
        report["escalation"] = run_escalation_eval(triage)
        report["risk_model"] = {k: triage.risk_model.card.get(k) for k in ("version", "data", "out_of_fold")}
    print(format_report(report) if parts else "")
    if "escalation" in report:
        print("\n".join(["", *format_escalation_report(report["escalation"])]))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"JSON written to {args.json}", file=sys.stderr)
    return 0


def cmd_playbooks_check(args: argparse.Namespace, settings: Settings) -> int:
    from playbooks.loader import PlaybookError, load_dir

    folder = Path(args.dir) if args.dir else settings.playbooks_dir
    try:
        books = load_dir(folder)
    except PlaybookError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 1
    for book in books:
        print(f"{book.business}: {len(book.categories)} categories ({', '.join(c.id for c in book.categories)})")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run

    return run(base_url=args.url, token=args.token, token_file=Path(args.token_file))


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from classifiers.train import main as train_main

    train_main(args.rest)
    return 0


def cmd_train_risk(args: argparse.Namespace, settings: Settings) -> int:
    """Retrain the risk head with the corrections people made in Slack and the web (from the database)."""
    import json
    import tempfile

    from bot.db import create_db_engine, make_session_factory, transaction
    from bot.triage.corrections import risk_corrections
    from classifiers.train_risk import main as train_risk_main

    rows: list[tuple[str, list[str]]] = []
    if not args.no_corrections:
        engine = create_db_engine(settings.database_url)
        try:
            with transaction(make_session_factory(engine)) as session:
                rows = risk_corrections(session)
        finally:
            engine.dispose()
    print(f"{len(rows)} risk corrections from the database", file=sys.stderr)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as fh:
        fh.writelines(json.dumps({"text": text, "risks": risks}) + "\n" for text, risks in rows)
    try:
        return train_risk_main(["--corrections", fh.name, *args.rest])
    finally:
        Path(fh.name).unlink(missing_ok=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rrbot", description="Rapid Response Bot")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="migrations, model, API, workers and scheduler in one process")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-workers", action="store_true", help="the API only; run `rrbot worker` processes beside it")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="classification, outbox and scheduler workers without the API")
    p.add_argument("--only", help="comma-separated: classify, outbox, scheduler, x (default: all)")
    p.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="apply database migrations and exit").set_defaults(func=cmd_migrate)

    tok = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    p = tok.add_parser("create", help="create a token; the last line printed is the token")
    p.add_argument("--name", required=True)
    p.add_argument("--scope", action="append", required=True, help="ingest, agent, manager or admin (repeatable)")
    p.add_argument("--expires-days", type=int, help="the token stops working after this many days")
    p.set_defaults(func=cmd_token_create)
    tok.add_parser("list", help="every token: id, prefix, name, scopes, created, last used, state").set_defaults(
        func=cmd_token_list
    )
    p = tok.add_parser("revoke", help="revoke a token by its id or prefix")
    p.add_argument("token", help="the id or the prefix `token list` shows")
    p.set_defaults(func=cmd_token_revoke)

    p = sub.add_parser("classify", help="classify JSON lines (stdin to stdout by default)")
    p.add_argument("--input", type=Path)
    p.add_argument("--output", type=Path)
    p.add_argument("--batch-size", type=int, default=512, help="lines per model batch (memory stays bounded)")
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("eval", help="evaluate the shipped model on ../shared/data")
    p.add_argument("--data", default="../shared/data")
    p.add_argument("--json", help="also write the report as JSON here")
    p.add_argument(
        "--part",
        action="append",
        choices=["sentiment", "complaint", "urgency", "banking77", "escalation"],
        help="only these parts (repeatable; default all)",
    )
    p.set_defaults(func=cmd_eval)

    pb = sub.add_parser("playbooks", help="playbooks").add_subparsers(dest="playbooks_command", required=True)
    p = pb.add_parser("check", help="validate the playbooks folder")
    p.add_argument("--dir")
    p.set_defaults(func=cmd_playbooks_check)

    p = sub.add_parser("demo", help="send example mentions and tickets to a running service")
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--token", help="an ingest token (default: read --token-file)")
    p.add_argument("--token-file", default="var/dev-token")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("train", help="fine-tune the model (needs the 'train' extra)")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "train-risk",
        help="retrain the risk head with people's corrections (needs scipy); "
        "options after it go to python -m classifiers.train_risk",
    )
    p.add_argument("--no-corrections", action="store_true", help="do not read corrections from the database")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_train_risk)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    _setup_logging(settings)
    return int(args.func(args, settings))


if __name__ == "__main__":
    sys.exit(main())
