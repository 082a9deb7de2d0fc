"""Load playbook YAML files with errors that name the file, the line, the field and the reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from playbooks.schema import Playbook


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}"


class PlaybookError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _line_index(
    node: yaml.Node, path: tuple[Any, ...] = (), out: dict[tuple[Any, ...], int] | None = None
) -> dict[tuple[Any, ...], int]:
    """Map every path in the document (keys and list indexes) to its 1-based line."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _line_index(value_node, path + (key,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, path + (i,), out)
    return out


def _nearest_line(index: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in index:
            return index[loc[:end]]
    return None


def load_file(path: Path) -> Playbook:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise PlaybookError([Problem(str(path), line, "(yaml)", str(getattr(exc, "problem", exc)))]) from exc
    if not isinstance(data, dict) or node is None:
        raise PlaybookError([Problem(str(path), 1, "(document)", "a playbook must be a YAML mapping")])
    index = _line_index(node)
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "(document)"
            problems.append(Problem(str(path), _nearest_line(index, loc), field, err["msg"]))
        raise PlaybookError(problems) from exc


def load_dir(directory: Path) -> list[Playbook]:
    """All `*.yaml` / `*.yml` playbooks in a folder; every problem in every file is reported at once."""
    if not directory.is_dir():
        raise PlaybookError([Problem(str(directory), None, "(folder)", "playbooks folder does not exist")])
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise PlaybookError([Problem(str(directory), None, "(folder)", "no playbook files (*.yaml) found")])
    books: list[Playbook] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for file in files:
        try:
            book = load_file(file)
        except PlaybookError as exc:
            problems.extend(exc.problems)
            continue
        if book.business in seen:
            problems.append(
                Problem(str(file), 1, "business", f"{book.business!r} is also defined in {seen[book.business]}")
            )
        seen[book.business] = str(file)
        books.append(book)
    if problems:
        raise PlaybookError(problems)
    return books
