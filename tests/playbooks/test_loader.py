from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from playbooks.loader import PlaybookError, load_dir, load_file
from tests.conftest import ROOT


def test_shipped_playbooks_are_valid():
    (book,) = load_dir(ROOT / "playbooks")
    ids = {c.id for c in book.categories}
    assert {"pushy_staff", "delivery_delay", "billing_error", "product_defect", "product_safety"} <= ids
    for cat in book.categories:
        assert cat.owner.channel and cat.responses and cat.reminder


def test_errors_name_file_line_field_and_reason(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "business: shop\nname: Shop\ncategories:\n  - id: late\n    name: Late\n    severity: 9\n"
        "    examples: [a, b, c]\n    responses: [sorry]\n    owner: {mention: bob}\n"
    )
    with pytest.raises(PlaybookError) as info:
        load_file(bad)
    problems = {p.field: p for p in info.value.problems}
    assert problems["categories.0.severity"].line == 6
    assert "less than or equal to 5" in problems["categories.0.severity"].reason
    assert problems["categories.0.owner.mention"].line == 9
    assert str(problems["categories.0.severity"]).startswith(f"{bad}:6: categories.0.severity:")


def test_yaml_syntax_errors_and_duplicates_are_reported(tmp_path: Path):
    (tmp_path / "broken.yaml").write_text("business: [unclosed\n")
    shutil.copy(ROOT / "playbooks" / "retail.yaml", tmp_path / "a.yaml")
    shutil.copy(ROOT / "playbooks" / "retail.yaml", tmp_path / "b.yaml")
    with pytest.raises(PlaybookError) as info:
        load_dir(tmp_path)
    text = str(info.value)
    assert "broken.yaml" in text and "(yaml)" in text
    assert "b.yaml:1: business: 'acme-retail' is also defined in" in text


def test_playbooks_check_command(tmp_path: Path, capsys):
    from bot.cli import main

    assert main(["playbooks", "check", "--dir", str(ROOT / "playbooks")]) == 0
    assert "acme-retail: 5 categories" in capsys.readouterr().out
    (tmp_path / "x.yaml").write_text("business: x\nname: X\ncategories: []\n")
    assert main(["playbooks", "check", "--dir", str(tmp_path)]) == 1
    assert "x.yaml:3: categories:" in capsys.readouterr().err
