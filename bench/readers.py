"""Reader costs, in one run: the safety checks' share of reading a .docx, and PDF pages/s.

Run: python bench/readers.py [--paragraphs 2000] [--pages 50]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _common import best_of

from casecode.load import ReadOptions
from casecode.load.docx import read_docx
from casecode.load.pdf import read_pdf
from casecode.load.safexml import check_xml_members
from casecode.load.safezip import open_zip
from tests.makefiles import make_docx, make_pdf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        docx_path = make_docx(Path(tmp) / "big.docx", [[("Interviewer", True), (f" question {i} about trust and the merger savings", False)] for i in range(args.paragraphs)])
        pdf_path = make_pdf(Path(tmp) / "big.pdf", [[f"R{p}: line {i} about trust and the merger, savings and culture" for i in range(30)] for p in range(args.pages)])
        docx_data, pdf_data = docx_path.read_bytes(), pdf_path.read_bytes()

    def checks() -> None:
        with open_zip(docx_data, "big.docx") as archive:
            check_xml_members(archive, "big.docx")

    whole = best_of(3, lambda: read_docx(Path("big.docx"), docx_data, ReadOptions()))
    safety = best_of(3, checks)
    print(f"docx, {args.paragraphs} paragraphs: read {whole:.3f}s, of which zip+XML safety checks {safety:.3f}s ({100 * safety / whole:.0f}%)")
    pdf = best_of(1, lambda: read_pdf(Path("big.pdf"), pdf_data, ReadOptions()))
    print(f"pdf, {args.pages} pages: {pdf:.2f}s, {args.pages / pdf:.0f} pages/s")


if __name__ == "__main__":
    main()
