"""casecode: terminal-first qualitative coding of multi-case interview studies.

The public API mirrors the CLI::

    import casecode
    run = casecode.code_corpus(["transcripts_example"], "codebooks/partnership.yaml", out="results")
    results = casecode.read_results("results")
    casecode.build_matrix(results, by="policy_field", measure="share")
"""

from casecode.agreement import agreement, read_sources
from casecode.analysis.excerpts import excerpts
from casecode.analysis.matrix import build_matrix
from casecode.codebook.check import check_codebook
from casecode.codebook.diff import diff_codebooks
from casecode.codebook.load import LoadedCodebook, load_codebook, parse_codebook
from casecode.codebook.render import render_codebook
from casecode.errors import CasecodeError, CodebookError
from casecode.exchange.qdc import export_qdc, import_qdc
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
    "excerpts",
    "load_codebook",
    "load_corpus",
    "parse_codebook",
    "read_results",
    "read_sources",
    "review_status",
    "reviewed_only",
]
