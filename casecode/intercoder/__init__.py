"""Agreement between coders: read human coding, align it on units, measure agreement."""

from casecode.intercoder.core import AGREE_UNITS, AgreementReport, agreement, load_sources, report_sheets
from casecode.intercoder.spans import CodedSpan, CodingSourceError, Source, match_codes, read_sources

__all__ = [
    "AGREE_UNITS",
    "AgreementReport",
    "CodedSpan",
    "CodingSourceError",
    "Source",
    "agreement",
    "load_sources",
    "match_codes",
    "read_sources",
    "report_sheets",
]
