"""What pyproject.toml promises exists: package-data globs match files, and every runtime dependency is used."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
IMPORT_NAMES = {
    "uvicorn[standard]": "uvicorn",
    "psycopg[binary]": "psycopg",
    "pyyaml": "yaml",
    "slack-bolt": "slack_bolt",
    "pydantic-settings": "pydantic_settings",
    "prometheus-client": "prometheus_client",
    "python-multipart": "multipart",
}
USED_INDIRECTLY = {"uvicorn", "psycopg", "aiohttp", "multipart"}  # a server, a driver, Bolt's async HTTP, forms


def test_every_package_data_glob_matches_a_file():
    for package, globs in PYPROJECT["tool"]["setuptools"]["package-data"].items():
        for pattern in globs:
            assert list((ROOT / package).glob(pattern)), f"{package}: {pattern} matches nothing"


def test_every_runtime_dependency_is_imported_by_the_service():
    sources = "\n".join(p.read_text() for d in ("bot", "classifiers", "playbooks") for p in (ROOT / d).rglob("*.py"))
    for spec in PYPROJECT["project"]["dependencies"]:
        name = re.split(r"[<>=!~ ]", spec, maxsplit=1)[0].lower()
        module = IMPORT_NAMES.get(name, name.replace("-", "_"))
        if module in USED_INDIRECTLY:
            continue
        assert re.search(rf"^\s*(from|import) {re.escape(module)}\b", sources, re.M), f"{spec} is never imported"
