"""The errors casecode raises: one base class, one subclass per user-facing failure.

Every message names the file (and line, key path or byte offset where there is one),
says what is wrong and how to fix it. Messages never quote transcript text beyond the
few characters needed to point at a problem.
"""

from __future__ import annotations

from dataclasses import dataclass


class CasecodeError(Exception):
    """Base class: the CLI prints ``str(error)`` on one line and exits with ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class TranscriptError(CasecodeError):
    """A transcript cannot be read, decoded or understood."""


class TranscriptEncodingError(TranscriptError):
    """A transcript's bytes are not valid in the chosen encoding."""


class CaseAssignmentError(CasecodeError):
    """A document has no case, or two sources give it different cases or attributes."""


class ManifestError(CasecodeError):
    """A cases manifest (cases.yaml / cases.csv) is malformed."""


class PipelineError(CasecodeError):
    """The spaCy pipeline cannot be loaded or cannot supply what the codebook needs."""


class ResultsError(CasecodeError):
    """A results folder is missing, incomplete or inconsistent."""


class OptionError(CasecodeError):
    """An option or argument value is not usable."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where it is, what is wrong, and how to fix it."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        loc = f" ({self.path})" if self.path else ""
        tail = f" — {self.hint}" if self.hint else ""
        return f"{where}{loc}: {self.message}{tail}"


class CodebookError(CasecodeError):
    """A codebook is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid codebook"
        more = len(self.problems) - 1
        message = first if not more else f"{first}\n" + "\n".join(str(p) for p in self.problems[1:])
        super().__init__(message)

    def __str__(self) -> str:
        return self.message
