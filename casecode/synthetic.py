"""Deterministic synthetic interview transcripts and survey answers, for benchmarks and scale tests.

The people, organisations and words are invented. Sentences mix neutral talk with the
kind of statements the example codebook codes (cuts, trust, mergers, savings, ...), so
match densities resemble real interviews.

Example:
    >>> write_synthetic_corpus("synthetic", words=200_000)  # doctest: +SKIP
"""

from __future__ import annotations

import random
from pathlib import Path

SUBJECTS = ["We", "The board", "Our partners", "The council", "Everybody", "The other association", "Our trustees", "The commissioners", "I", "The staff"]
VERBS = ["talked about", "worried about", "argued over", "looked at", "planned", "wrote up", "agreed on", "went back to", "learnt from", "pushed for"]
OBJECTS = [
    "the budget", "the cuts", "the merger", "the back office", "the savings", "the new contract", "the funding", "the culture",
    "the service users", "the tenants", "the regulator", "the business case", "the governance", "the evidence", "the outcomes",
    "the consortium", "the housing list", "the tender", "the partnership", "the shared services", "the name", "the rebrand",
]
TAILS = [
    "last year", "in the spring", "for months", "at every meeting", "without much success", "quite openly", "in the end",
    "with some reluctance", "more than once", "before the review", "after the election", "as far as I remember",
]
STATEMENTS = [
    "The cuts meant we had to find a partner quickly.",
    "Everybody knew the budget was going down by a third.",
    "We never really trusted the other board.",
    "It took years to build trust between the two teams.",
    "The merger saved about a million a year in the back office.",
    "There was a real culture clash between the two organisations.",
    "Service users were not asked what they wanted.",
    "The commissioners paid by results, which made it very risky for small charities.",
    "We shared one finance team instead of two, so there was less duplication.",
    "Frankly the strategy was a bit of cut and paste from the last one.",
    "I would not say we achieved the efficiency savings we promised.",
    "The regulator made it clear it expected fewer, stronger associations.",
    "Nobody could show any evidence that outcomes had improved.",
    "We learnt a lot from the first failed merger.",
    "The big providers won the contract and we became a subcontractor.",
    "Honestly, it was austerity that brought us to the table.",
    "Tenants told us the repairs service got worse after the merger.",
    "The bureaucracy of the tender process nearly finished us off.",
]
QUESTIONS = [
    "Can you tell me how the partnership started?",
    "What were the main drivers?",
    "How did the boards get involved?",
    "Have those savings come through?",
    "What would you do differently?",
    "How did service users react?",
    "Was there any resistance from staff?",
    "How do you know it worked?",
]
NAMES = ["Ashdown", "Brookmere", "Carrow", "Dunmore", "Elmstead", "Fernleigh", "Glenholm", "Harrowby"]


def _sentence(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return rng.choice(STATEMENTS)
    tail = f" {rng.choice(TAILS)}" if rng.random() < 0.6 else ""
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{tail}."


def synthetic_transcript(words: int, *, seed: int = 0, case: str = "case_1") -> str:
    """One interview transcript of about ``words`` words (front matter + speaker turns)."""
    rng = random.Random(seed)
    lines = ["---", f"case: {case}", f"organisation: {rng.choice(NAMES)} Trust", "---", ""]
    count = 0
    while count < words:
        question = rng.choice(QUESTIONS)
        lines += [f"Interviewer: {question}", ""]
        count += len(question.split())
        paragraphs = []
        for _ in range(rng.randint(1, 3)):
            sentences = [_sentence(rng) for _ in range(rng.randint(2, 7))]
            count += sum(len(s.split()) for s in sentences)
            paragraphs.append(" ".join(sentences))
        lines += [f"Respondent: {paragraphs[0]}", ""]
        for paragraph in paragraphs[1:]:
            lines += [paragraph, ""]
    return "\n".join(lines)


def write_synthetic_corpus(folder: str | Path, *, words: int, documents: int | None = None, cases: int = 5, seed: int = 0) -> list[Path]:
    """Write a corpus of about ``words`` words as Markdown transcripts into ``folder``.

    Args:
        words: total words (about 3,000 per document unless ``documents`` is given).
        documents: number of transcripts.
        cases: documents are spread round-robin over this many cases.
        seed: the same seed writes the same bytes.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    count = documents or max(1, words // 3000)
    per = max(1, words // count)
    paths = []
    for index in range(count):
        path = folder / f"interview_{index:05d}.md"
        path.write_text(synthetic_transcript(per, seed=seed * 1_000_003 + index, case=f"case_{index % cases + 1}"), encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def write_synthetic_survey(path: str | Path, *, answers: int, cases: int = 5, seed: int = 0) -> Path:
    """Write ``answers`` open survey answers (one to three sentences each) as one CSV.

    Columns ``respondent``, ``case``, ``region`` and ``answer``: read it with
    ``--text-column answer --document-column respondent``, one document per answer.
    The same seed writes the same bytes.
    """
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["respondent", "case", "region", "answer"])
        for index in range(answers):
            answer = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
            writer.writerow([f"r{index:07d}", f"case_{index % cases + 1}", rng.choice(NAMES), answer])
    return path


__all__ = ["synthetic_transcript", "write_synthetic_corpus", "write_synthetic_survey"]
