"""Every command, at every level, has help text (its docstring) and an example."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from casecode.cli.app import app

runner = CliRunner()


def _walk(command, path: tuple[str, ...]):  # typer vendors its own click: duck-type groups
    yield path, command
    if hasattr(command, "commands"):
        for name, sub in sorted(command.commands.items()):
            yield from _walk(sub, path + (name,))


def test_every_command_has_help() -> None:
    root = typer.main.get_command(app)
    commands = list(_walk(root, ()))
    assert ("codebook", "check") in [p for p, _ in commands]
    missing = [" ".join(p) or "casecode" for p, c in commands if not (c.help or "").strip()]
    assert missing == [], f"commands without help text: {missing}"
    no_example = [" ".join(p) for p, c in commands if not hasattr(c, "commands") and "Example:" not in (c.help or "")]
    assert no_example == [], f"commands without an 'Example:' block: {no_example}"
    undocumented = [
        f"{' '.join(p)} {param.name}"
        for p, c in commands
        for param in c.params
        if param.param_type_name in ("option", "argument") and param.name != "help" and not (getattr(param, "help", None) or "").strip()
    ]
    assert undocumented == [], f"options or arguments without help: {undocumented}"
    for path, _ in commands:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
