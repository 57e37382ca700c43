"""Safe YAML loading that remembers the line of every key and list item.

Only plain YAML types are built (no object tags); duplicate keys are reported; alias
expansion is capped so a "billion laughs" document is refused, not expanded.
"""

from __future__ import annotations

from typing import Any

import yaml

from casecode.errors import Problem

Path = tuple[str | int, ...]
MAX_NODES = 200_000
MAX_CHARACTERS = 20_000_000
PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"})


# libyaml's parser when it is there (ten times faster; same nodes and line marks).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


def load_with_lines(text: str, file: str) -> tuple[Any, dict[Path, int], list[Problem]]:
    """Parse YAML text. Returns (data, {key path: 1-based line}, problems).

    A syntax error returns ``(None, {}, [problem])``: nothing else can be checked then.
    """
    if len(text) > MAX_CHARACTERS:
        return None, {}, [Problem(file, None, "", f"the YAML file has {len(text):,} characters (limit {MAX_CHARACTERS:,})", "split it, or check it is the right file")]
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:  # a control character (ReaderError)
        return None, {}, [Problem(file, None, "", f"not readable YAML ({str(exc).splitlines()[0][:80]})", "save it as plain UTF-8 text without control characters")]
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        return None, {}, [Problem(file, line, "", f"YAML syntax error: {exc.problem}", "check indentation, and quote strings containing ': ' or '#'")]
    except yaml.YAMLError as exc:  # e.g. a control character (ReaderError)
        return None, {}, [Problem(file, None, "", f"not readable YAML ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})", "save it as plain UTF-8 text")]
    except RecursionError:
        return None, {}, [Problem(file, None, "", "YAML nested too deeply", "a codebook needs only a few levels of nesting")]
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    problems: list[Problem] = []
    if node is None:
        return None, lines, problems
    budget = _Budget()
    try:
        data = _build(node, (), lines, problems, file, budget, loader)
    except _TooBig:
        return None, {}, [Problem(file, None, "", f"the document expands to more than {MAX_NODES:,} values (nested aliases?)", "remove the YAML aliases (*name) and write the values out")]
    except RecursionError:
        return None, {}, [Problem(file, None, "", "YAML nested too deeply (or aliases that refer to themselves)", "a codebook needs only a few levels of nesting")]
    return data, lines, problems


class _TooBig(Exception):
    pass


def _build(node: yaml.Node, path: Path, lines: dict[Path, int], problems: list[Problem], file: str, budget: _Budget, loader: yaml.SafeLoader) -> Any:
    budget.left -= 1
    if budget.left < 0:
        raise _TooBig
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in PLAIN_TAGS:
        problems.append(Problem(file, node.start_mark.line + 1, _render(path), f"unsupported YAML tag {node.tag!r}", "only plain YAML values are allowed"))
        return None
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = _build(value_node, path, lines, problems, file, budget, loader)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        for k, v in item.items():
                            out.setdefault(k, v)
                continue
            key = _build(key_node, path, {}, problems, file, budget, loader)
            if isinstance(key, (dict, list)):
                problems.append(Problem(file, key_node.start_mark.line + 1, _render(path), "a key must be a plain value", None))
                continue
            if key in out:
                problems.append(Problem(file, key_node.start_mark.line + 1, _render(path + (str(key),)), f"duplicate key {key!r}", "YAML keeps only the last one; remove or merge the duplicates"))
            child = path + (str(key),)
            lines[child] = key_node.start_mark.line + 1
            out[key] = _build(value_node, child, lines, problems, file, budget, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), lines, problems, file, budget, loader) for index, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problems.append(Problem(file, node.start_mark.line + 1, _render(path), f"unsupported YAML tag {node.tag!r}", str(exc.problem or "only plain YAML values are allowed")))
        return None


def _render(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f" > {part}" if out else str(part))
    return out


def line_for(lines: dict[Path, int], loc: Path) -> int | None:
    """The line of the deepest known prefix of ``loc``."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None
