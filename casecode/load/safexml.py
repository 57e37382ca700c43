"""XML from strangers, parsed with defusedxml: no DTDs, no entity expansion, no fetches.

Every XML that casecode reads (ODT content, the XML inside .docx/.xlsx, REFI-QDA .qdc and
.qdpx projects) goes through :func:`parse_xml`, or :func:`check_xml_members` when another
library (python-docx, openpyxl) parses the archive itself.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from casecode.errors import CasecodeError
from casecode.load.safezip import read_member


class UnsafeXMLError(CasecodeError):
    """An XML file is malformed or uses DTDs/entities (billion laughs, external entities)."""


def parse_xml(data: bytes, source: str | Path, member: str | None = None) -> Any:
    """Parse XML bytes into an ElementTree element, refusing DTDs and entities.

    Raises:
        UnsafeXMLError: naming the file (and archive member) and what was refused.
    """
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    where = f"{source}" + (f" ({member})" if member else "")
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXMLError(f"{where}: XML declares a DTD or entities ({type(exc).__name__}), which casecode never expands", hint="the file may be crafted to exhaust memory or read local files; do not open it") from None
    except SafeET.ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        raise UnsafeXMLError(f"{where}:{line}: malformed XML ({str(exc).split(':')[0]})", hint="the file is damaged; re-save or re-export it") from None


def check_xml_members(archive: zipfile.ZipFile, source: str | Path) -> None:
    """Parse every XML member of an archive with :func:`parse_xml` (refuse DTDs/entities)."""
    for info in archive.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".qde")):
            parse_xml(read_member(archive, info.filename, source), source, info.filename)
