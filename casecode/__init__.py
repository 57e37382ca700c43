"""casecode: terminal-first qualitative coding of multi-case interview studies.

The public API mirrors the CLI::

    import casecode
    run = casecode.code_corpus(["transcripts_example"], "codebooks/partnership.yaml", out="results")
    results = casecode.read_results("results")
    casecode.build_matrix(results, by="policy_field", measure="share")
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from casecode.intercoder import agreement, read_sources
    from casecode.analysis.cooccur import cooccurrence, top_pairs
    from casecode.analysis.excerpts import excerpts
    from casecode.analysis.framework import framework_matrix
    from casecode.analysis.matrix import build_matrix
    from casecode.codebook.check import check_codebook
    from casecode.codebook.diff import diff_codebooks
    from casecode.codebook.load import LoadedCodebook, load_codebook, parse_codebook
    from casecode.codebook.render import render_codebook
    from casecode.errors import CasecodeError, CodebookError
    from casecode.exchange.qdc import export_qdc, import_qdc
    from casecode.exchange.qdpx import import_qdpx, read_qdpx, write_qdpx
    from casecode.export.report import write_report
    from casecode.load import ReadOptions, load_corpus
    from casecode.model import Coding, Document, Segment, Turn
    from casecode.results import Results, read_results
    from casecode.review import annotate, review_status, reviewed_only
    from casecode.run import CodingRun, code_corpus, code_documents

# Names are imported on first use: ``import casecode.coding.backends`` (what every
# worker process does) or the CLI's start-up then load only the modules they need.
_LAZY = {
    "agreement": "casecode.intercoder",
    "read_sources": "casecode.intercoder",
    "cooccurrence": "casecode.analysis.cooccur",
    "top_pairs": "casecode.analysis.cooccur",
    "excerpts": "casecode.analysis.excerpts",
    "framework_matrix": "casecode.analysis.framework",
    "build_matrix": "casecode.analysis.matrix",
    "check_codebook": "casecode.codebook.check",
    "diff_codebooks": "casecode.codebook.diff",
    "LoadedCodebook": "casecode.codebook.load",
    "load_codebook": "casecode.codebook.load",
    "parse_codebook": "casecode.codebook.load",
    "render_codebook": "casecode.codebook.render",
    "CasecodeError": "casecode.errors",
    "CodebookError": "casecode.errors",
    "export_qdc": "casecode.exchange.qdc",
    "import_qdc": "casecode.exchange.qdc",
    "import_qdpx": "casecode.exchange.qdpx",
    "read_qdpx": "casecode.exchange.qdpx",
    "write_qdpx": "casecode.exchange.qdpx",
    "write_report": "casecode.export.report",
    "ReadOptions": "casecode.load",
    "load_corpus": "casecode.load",
    "Coding": "casecode.model",
    "Document": "casecode.model",
    "Segment": "casecode.model",
    "Turn": "casecode.model",
    "Results": "casecode.results",
    "read_results": "casecode.results",
    "annotate": "casecode.review",
    "review_status": "casecode.review",
    "reviewed_only": "casecode.review",
    "CodingRun": "casecode.run",
    "code_corpus": "casecode.run",
    "code_documents": "casecode.run",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'casecode' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__version__ = "0.1.0"

__all__ = [
    "CasecodeError",
    "Coding",
    "CodebookError",
    "CodingRun",
    "Document",
    "LoadedCodebook",
    "ReadOptions",
    "Results",
    "Segment",
    "Turn",
    "agreement",
    "annotate",
    "build_matrix",
    "check_codebook",
    "diff_codebooks",
    "export_qdc",
    "import_qdc",
    "render_codebook",
    "code_corpus",
    "code_documents",
    "cooccurrence",
    "excerpts",
    "framework_matrix",
    "import_qdpx",
    "load_codebook",
    "load_corpus",
    "parse_codebook",
    "read_qdpx",
    "read_results",
    "top_pairs",
    "write_qdpx",
    "write_report",
    "read_sources",
    "review_status",
    "reviewed_only",
]
