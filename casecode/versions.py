"""The installed casecode version (a module of its own: worker processes import it cheaply)."""

from __future__ import annotations

from importlib import metadata


def casecode_version() -> str:
    try:
        return metadata.version("casecode")
    except metadata.PackageNotFoundError:
        return "0+unknown"
