"""The 0002 migration creates exactly the Slack tables the models describe, and downgrades cleanly."""

from __future__ import annotations

from alembic import command

from bot.migrate import alembic_config


def test_slack_migration_matches_the_models(tmp_path):
    cfg = alembic_config(f"sqlite:///{tmp_path / 'm.db'}")
    command.upgrade(cfg, "head")
    command.check(cfg)  # raises if the models and the migrated schema differ
    command.downgrade(cfg, "0001")
    command.upgrade(cfg, "0002")
