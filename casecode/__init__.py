"""casecode: terminal-first qualitative coding of multi-case interview studies.

The public API mirrors the CLI::

    import casecode
    run = casecode.code_corpus(["transcripts_example"], "codebooks/partnership.yaml", out="results")
    results = casecode.read_results("results")
    casecode.build_matrix(results, by="policy_field", measure="share")
"""

from casecode.agreement import agreement, read_sources
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
