"""Scenario files: world documents in YAML, checked whole before anything starts.

A scenario is the world document of docs/architecture.md plus ``name``,
``description`` and an optional ``generate:`` part (see :mod:`mocks.generate`).
Built-in scenarios live in the ``scenarios`` package. A broken file is refused with
a :class:`ScenarioError` naming the file, the path inside it, the line, and what
was expected; the rules themselves are the loaders' (the document is loaded into a
throw-away world), so a scenario is valid exactly when the world takes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from mocks import worldfile
from mocks.generate import Options, expand

TOP_KEYS = ("name", "description", "seed", "clock", "generate", "entra", "emply")
SUFFIXES = (".yaml", ".yml")
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEGMENT = r"[A-Za-z_][\w-]*(?:\[\d+\])*(?:\.[A-Za-z_][\w-]*(?:\[\d+\])*)*"
_LEADING_PATH = re.compile(rf"({_SEGMENT}): ")
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_QUOTED = re.compile(r"'([^']+)'")

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe YAML, but timestamps stay strings: the world document is JSON-shaped."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


class ScenarioError(ValueError):
    """A scenario that cannot be loaded: ``file:line: path: what was expected``."""

    def __init__(self, source: str, message: str, path: str | None = None,
                 line: int | None = None) -> None:
        self.source, self.message, self.path, self.line = source, message, path, line
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {path}: {message}" if path else f"{where}: {message}")


# -- finding scenarios ------------------------------------------------------------------------
def list_builtin() -> list[str]:
    """The names of the built-in scenarios, sorted (``faq``, ``large`` …)."""
    folder = resources.files("scenarios")
    return sorted(entry.name.rsplit(".", 1)[0] for entry in folder.iterdir()
                  if entry.name.endswith(SUFFIXES))


def builtin_text(name: str) -> str:
    """The YAML text of a built-in scenario."""
    for suffix in SUFFIXES:
        entry = resources.files("scenarios").joinpath(name + suffix)
        if entry.is_file():
            return entry.read_text(encoding="utf-8")
    raise KeyError(name)


def read_source(path_or_name: str | Path) -> tuple[str, str]:
    """``(label, text)`` of a scenario file or a built-in scenario name."""
    target = Path(path_or_name)
    if target.is_file():
        try:
            return str(path_or_name), target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(str(path_or_name), f"cannot read the file ({exc})") from exc
    name = str(path_or_name)
    if name in list_builtin():
        return f"scenarios/{name}.yaml", builtin_text(name)
    if target.suffix in SUFFIXES or "/" in name or "\\" in name:
        raise ScenarioError(name, "no such file")
    raise ScenarioError(name, "no such file, and no built-in scenario of that name "
                              f"(built-in: {', '.join(list_builtin())})")


def parse(text: str, source: str = "<scenario>") -> tuple[Any, yaml.Node | None]:
    """The document and its YAML node tree (for line numbers); syntax errors name the line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ScenarioError(source, f"YAML syntax error: {problem}",
                            line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    if node is not None:
        _check_duplicate_keys(node, source)
    return doc, node


# -- loading ----------------------------------------------------------------------------------
def load_scenario(path_or_name: str | Path) -> dict[str, Any]:
    """The checked world document of a built-in scenario (by name) or a YAML file.

    The ``generate:`` part is expanded. Raises :class:`ScenarioError` on any problem.
    """
    doc, _ = load_world(path_or_name)
    return doc


def load_world(path_or_name: str | Path, world=None,
               progress: Callable[[int, int], None] | None = None):
    """``(document, world)``: the scenario loaded into ``world`` (a new World if None).

    All or nothing: on a :class:`ScenarioError` ``world`` is left as it was.
    """
    source, text = read_source(path_or_name)
    raw, nodes = parse(text, source)
    return _load(raw, source, nodes, world, progress,
                 default_name=Path(source).name.rsplit(".", 1)[0])


def validate(doc: Any, source: str = "<document>", nodes: yaml.Node | None = None
             ) -> dict[str, Any]:
    """Check a scenario document (already parsed); return it with ``generate:`` expanded.

    ``nodes`` (from :func:`parse`) lets errors name the line. Raises :class:`ScenarioError`.
    """
    return _load(doc, source, nodes, None, None)[0]


def _load(raw: Any, source: str, nodes: yaml.Node | None, world,
          progress: Callable[[int, int], None] | None, default_name: str | None = None):
    from mocks.world import World

    def fail(exc: Exception) -> ScenarioError:
        return _translate(str(exc), source, nodes,
                          generated=isinstance(raw, dict) and raw.get("generate") is not None)

    if not isinstance(raw, dict):
        raise ScenarioError(source, "expected a mapping with entra: and emply: (and name, "
                                    f"description, seed, clock, generate), got {_kind(raw)}",
                            line=1)
    unknown = [k for k in raw if k not in TOP_KEYS]
    if unknown:
        raise fail(ValueError(f"{unknown[0]}: unknown top-level key (expected one of "
                              f"{', '.join(TOP_KEYS)})"))
    for key in ("name", "description"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise fail(ValueError(f"{key}: expected a string, got {_kind(raw[key])}"))
    try:
        doc = expand(raw, progress)
    except (ValueError, TypeError, AttributeError) as exc:
        if not isinstance(exc, ValueError):
            exc = ValueError(f"generate: cannot generate into this document ({exc})")
        raise fail(exc) from None
    if default_name and not doc.get("name"):
        doc["name"] = default_name
    _check_addresses(doc, fail)
    seed = doc.get("seed", 0)
    target = world if world is not None else World(seed=seed if isinstance(seed, int) else 0)
    try:
        worldfile.load(target, doc)
    except (ValueError, KeyError, TypeError) as exc:
        raise fail(exc) from None
    return doc, target


def _check_addresses(doc: dict[str, Any], fail: Callable[[Exception], ScenarioError]) -> None:
    """Two Entra users with one e-mail address would match the same Emply user (SYNC-1)."""
    entra = doc.get("entra")
    users = entra.get("users") if isinstance(entra, dict) else None
    if not isinstance(users, list):
        return
    seen: dict[str, int] = {}
    for i, user in enumerate(users):
        if not isinstance(user, dict):
            continue
        key = "mail" if user.get("mail") else "userPrincipalName"
        address = user.get(key)
        if not isinstance(address, str):
            continue
        folded = address.strip().casefold()
        if folded in seen:
            raise fail(ValueError(f"entra.users[{i}].{key}: '{address}' is already the e-mail of "
                                  f"entra.users[{seen[folded]}]; e-mails must be unique, since "
                                  "users are matched by e-mail (SYNC-1)"))
        seen[folded] = i


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    """Counts of a scenario for listings: users, groups, Emply users (generated counted)."""
    entra = doc.get("entra") or {}
    emply = doc.get("emply") or {}
    generate = doc.get("generate")
    generated = Options.from_doc(generate) if isinstance(generate, dict) else None
    return {"users": len(entra.get("users") or []) + (generated.users if generated else 0),
            "groups": len(entra.get("groups") or []) + (generated.groups if generated else 0),
            "emplyUsers": len(emply.get("users") or []),
            "generated": generated is not None}


# -- errors: from a document path to a line -----------------------------------------------------
def _translate(message: str, source: str, nodes: yaml.Node | None,
               generated: bool) -> ScenarioError:
    """A loader's ``path: message`` as a :class:`ScenarioError` with the line of that path."""
    segments = []
    rest = message
    while (match := _LEADING_PATH.match(rest)) is not None:
        segments.append(match.group(1))
        rest = rest[match.end():]
    if not segments:
        return ScenarioError(source, message)
    path = ".".join(segments)
    tokens = _tokens(path)
    if nodes is None:
        return ScenarioError(source, rest, path)
    node, line, found, walked = _resolve(nodes, tokens)
    if found < len(tokens) and generated and _beyond_file(nodes, tokens):
        # the path is in the generated part of the document: point at generate:
        return ScenarioError(source, f"{rest} (in what generate: made)", path,
                             _resolve(nodes, ["generate"])[1])
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        narrowed = _narrow(node, walked, rest)
        if narrowed is not None:
            walked, line = narrowed
            if found == len(tokens):
                path = walked
    return ScenarioError(source, rest, path, line)


def _tokens(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _TOKEN.findall(path)]


def _resolve(root: yaml.Node, tokens: list[str | int]) -> tuple[yaml.Node, int, int, str]:
    """The deepest node along ``tokens``: (node, its line, tokens resolved, its path)."""
    node, line, walked = root, root.start_mark.line + 1, ""
    for count, token in enumerate(tokens):
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(token, str):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == token:
                    child, line = value, key.start_mark.line + 1
                    walked = f"{walked}.{token}" if walked else token
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) \
                and token < len(node.value):
            child = node.value[token]
            line = child.start_mark.line + 1
            walked = f"{walked}[{token}]"
        if child is None:
            return node, line, count, walked
        node = child
    return node, line, len(tokens), walked


def _beyond_file(root: yaml.Node, tokens: list[str | int]) -> bool:
    """True when ``tokens`` index past a list's end in the file (generated entries follow)."""
    node = root
    for token in tokens:
        if isinstance(node, yaml.SequenceNode) and isinstance(token, int):
            if token >= len(node.value):
                return True
            node = node.value[token]
        elif isinstance(node, yaml.MappingNode) and isinstance(token, str):
            node = next((v for k, v in node.value if getattr(k, "value", None) == token), None)
            if node is None:
                return True  # a list the file does not have at all, e.g. entra.groups
        else:
            return False
    return False


def _narrow(node: yaml.Node, path: str, message: str) -> tuple[str, int] | None:
    """Within a mapping or list, the scalar the message quotes (e.g. the unknown role)."""
    wanted = {q.casefold() for q in _QUOTED.findall(message)}
    if not wanted:
        return None
    for sub_path, sub in _walk(node, path):
        if isinstance(sub, yaml.ScalarNode) and sub.value.casefold() in wanted:
            return sub_path, sub.start_mark.line + 1
    return None


def _walk(node: yaml.Node, path: str) -> Iterator[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(value, f"{path}.{getattr(key, 'value', '?')}")
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, f"{path}[{index}]")
    else:
        yield path, node


def _check_duplicate_keys(root: yaml.Node, source: str) -> None:
    """YAML keeps the last of two equal keys silently; a scenario must not."""
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                name = getattr(key, "value", None)
                if not isinstance(name, str) or name == "<<":
                    continue
                here = f"{path}.{name}" if path else name
                if name in seen:
                    raise ScenarioError(source, "this key appears twice in the same mapping "
                                                "(YAML would silently keep only the last)",
                                        here, key.start_mark.line + 1)
                seen.add(name)
                stack.append((value, here))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false",
            int: "a number", float: "a number", type(None): "nothing"}.get(type(value),
                                                                          type(value).__name__)
