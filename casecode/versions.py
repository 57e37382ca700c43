"""The installed casecode version (a module of its own: worker processes import it cheaply)."""

from __future__ import annotations

from importlib import metadata


def casecode_version() -> str:
    try:
        return metadata.version("casecode")
    except metadata.PackageNotFoundError:
        return "0+unknown"


#: raised whenever what a rule matches changes for the same text and rule (a new
#: negation cue, a new spelling of a phrase): match records cached by earlier code are
#: then not reused, even under the same release number
MATCHING_REVISION = 2


def cache_version() -> str:
    """The version cache entries are filed under (parsed documents and their match
    records alike: a document's two entries share one key)."""
    return f"{casecode_version()}/matching-{MATCHING_REVISION}"
