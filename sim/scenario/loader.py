"""Reading scenario files: TOML, ``extends``, overrides, and readable errors.

A scenario file may name another in ``extends``; tables merge key by key (the
child wins), lists and values are replaced, and ``replace = ["a.b", ...]``
drops inherited subtrees before merging. ``overrides`` map dotted key paths to
values and are applied last, before validation, so they are checked too.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.schema import ReferenceProblems, Scenario
from sim.scenario.types import BOOLEAN_MESSAGE, BooleanForNumber

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"
MAX_FILE_BYTES = 1_000_000
MAX_NESTING = 32  # tables and arrays inside one another; real scenarios use fewer than 8


class ScenarioError(ValueError):
    """A scenario could not be loaded. ``messages`` holds one line per problem."""

    def __init__(self, source: str, messages: list[str]):
        self.source = source
        self.messages = messages
        super().__init__("\n".join(f"{source}: {m}" for m in messages))


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped in ``scenarios/``."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def resolve(name_or_path: str | Path) -> Path:
    """A scenario name (``baseline_2025``) or a path to a TOML file."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix == ".toml" or path.exists() or "/" in text:
        return path
    return SCENARIO_DIR / f"{text}.toml"


def load_scenario(
    name_or_path: str | Path, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Load, merge and validate a scenario; raise ``ScenarioError`` if it is wrong."""
    path = resolve(name_or_path)
    raw = _read_merged(path, chain=())
    raw.pop("extends", None)
    raw.pop("replace", None)
    raw.setdefault("name", path.stem)
    for key, value in (overrides or {}).items():
        _set_path(raw, key, value, source=str(path))
    return validate(raw, source=str(path))


def override_scenario(scenario: Scenario, overrides: Mapping[str, Any],
                      source: str = "<overrides>") -> Scenario:
    """A copy of an in-memory ``scenario`` with dotted key paths set, validated like a file."""
    raw = scenario.model_dump(exclude_unset=True)
    for key, value in overrides.items():
        _set_path(raw, key, value, source=source)
    return validate(raw, source=source)


def validate(raw: dict, source: str = "<scenario>") -> Scenario:
    """Validate a merged raw dict; raise ``ScenarioError`` naming every bad key."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(source, validation_messages(exc)) from None


def _read_merged(path: Path, chain: tuple[Path, ...]) -> dict:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(p.name for p in (*chain, resolved))
        raise ScenarioError(str(path), [f"extends: cycle of extends ({cycle})"])
    raw = read_toml(path)
    parent_name = raw.get("extends")
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str) or not parent_name:
        raise ScenarioError(str(path), ["extends: must be a scenario name or a path to a .toml"])
    parent_path = resolve(parent_name)
    if not parent_path.is_absolute() and not parent_path.exists():
        sibling = path.parent / parent_path
        parent_path = sibling if sibling.exists() else parent_path
    if not parent_path.exists():
        raise ScenarioError(str(path), [
            f"extends: no scenario {parent_name!r}; shipped scenarios: "
            f"{', '.join(available_scenarios())} (or give a path to a .toml file)"])
    parent = _read_merged(parent_path, (*chain, resolved))
    for dotted in _replace_list(raw, path):
        _drop_path(parent, dotted)
    parent.pop("name", None)
    parent.pop("title", None)
    return _merge(parent, raw)


def read_toml(path: Path, kind: str = "scenario") -> dict:
    """A TOML file as a dict, refusing what no ``kind`` file can be; ``ScenarioError`` if so."""
    what = f"a {kind} is a TOML file"

    def fail(message: str):
        raise ScenarioError(str(path), [message])

    if not path.exists():
        if kind == "scenario":
            fail(f"no such scenario file; shipped scenarios: {', '.join(available_scenarios())}")
        fail(f"no such {kind} file")
    if path.is_dir():
        fail(f"is a folder, not a .toml {kind} file")
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        fail(f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"not UTF-8 text; {what}")
    if not text.strip():
        fail(f"file is empty; {what}")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        fail(f"not valid TOML: {exc}")
    except RecursionError:
        fail(f"nested too deeply: at most {MAX_NESTING} levels of tables and arrays")
    if not raw:
        fail(f"file is empty (no keys); {what}")
    deep = _too_deep(raw)
    if deep:
        fail(f"{'.'.join(deep[:3])}...: nested too deeply: at most {MAX_NESTING} levels of "
             "tables and arrays")
    bad = _non_finite(raw, ())
    if bad:
        fail(f"{'.'.join(bad)}: NaN and infinity are not allowed")
    return raw


def _too_deep(raw: dict) -> tuple[str, ...] | None:
    """Key path of a value nested more than ``MAX_NESTING`` levels deep (no recursion)."""
    pending: list[tuple[Any, tuple[str, ...]]] = [(raw, ())]
    while pending:
        value, path = pending.pop()
        if len(path) > MAX_NESTING:
            return path
        if isinstance(value, dict):
            pending.extend((item, (*path, str(key))) for key, item in value.items())
        elif isinstance(value, list):
            pending.extend((item, (*path, str(i))) for i, item in enumerate(value))
    return None


def _non_finite(value: Any, path: tuple) -> tuple | None:
    if isinstance(value, float) and not math.isfinite(value):
        return path or ("<value>",)
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite(item, (*path, str(key)))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _non_finite(item, (*path, str(index)))
            if found:
                return found
    return None


def _replace_list(raw: dict, path: Path) -> list[str]:
    value = raw.pop("replace", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(str(path), ['replace: must be a list of key paths, e.g. ["timeline"]'])
    return value


def _merge(base: dict, top: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _drop_path(raw: dict, dotted: str) -> None:
    *parents, last = dotted.split(".")
    node = raw
    for key in parents:
        node = node.get(key)
        if not isinstance(node, dict):
            return
    node.pop(last, None)


def _set_path(raw: dict, dotted: str, value: Any, source: str) -> None:
    keys = dotted.split(".")
    if not all(keys):
        raise ScenarioError(source, [f"override {dotted!r}: empty key in the path"])
    node = raw
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ScenarioError(source, [f"override {dotted!r}: {key!r} is not a table"])
        node = child
    node[keys[-1]] = value


def validation_messages(exc: ValidationError) -> list[str]:
    """One line per key path; alternatives of a union are joined with "or"."""
    by_key: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, ReferenceProblems):
            for path, message in cause.problems:
                by_key.setdefault(".".join(map(str, path)), []).append(message)
            continue
        if isinstance(cause, BooleanForNumber):
            parent = _readable_loc(err["loc"])
            for path in cause.paths:
                key = ".".join(p for p in (parent, *path) if p)
                by_key.setdefault(key, []).append(BOOLEAN_MESSAGE)
            continue
        loc = _readable_loc(err["loc"])
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = f"{loc}.type"
        message = _readable_msg(err)
        if message not in by_key.setdefault(loc or "<top level>", []):
            by_key[loc or "<top level>"].append(message)
    return [f"{key}: {' or '.join(messages)}" for key, messages in by_key.items()]


def _readable_loc(loc: tuple) -> str:
    """Key path without the labels pydantic adds for union members and tags."""
    from sim.scenario.levers import CHANGE_TYPES

    tags = {t.model_fields["type"].annotation.__args__[0] for t in CHANGE_TYPES}
    parts = []
    for i, part in enumerate(loc):
        text = str(part)
        if (i == 2 and part in tags) or "[" in text or text.startswith("constrained-"):
            continue
        parts.append(text)
    return ".".join(parts)


def _readable_msg(err: dict) -> str:
    kind, msg, got = err["type"], err["msg"], err.get("input")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; docs/scenario_reference.md lists every key)"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown change type {ctx.get('tag')!r}; allowed: {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "needs a type = \"...\" key (export_quota, tariff, licensing, ...)"
    msg = msg.removeprefix("Value error, ")
    if kind in ("literal_error", "enum"):
        return f"{msg} (got {got!r})"
    if isinstance(got, dict | list):
        return msg
    return f"{msg} (got {got!r})"
