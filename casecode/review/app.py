"""The terminal review loop: walk proposed codings, decide with single keys, saved at once.

Keys: ``a`` accept · ``r`` reject · ``c`` recode · ``s``/→ skip · ←/``p`` back ·
``u`` undo · ``m`` memo · ``n`` add a manual coding of this segment · ``q`` quit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Static

from casecode.intercoder.spans import code_lookup, resolve_code
from casecode.errors import OptionError
from casecode.results import Results, read_results
from casecode.review.annotate import annotate, remove_annotation
from casecode.review.decisions import Annotation, Decision, Key, read_decisions, review_status, save_decision

CONTEXT = 240


@dataclass(frozen=True)
class Item:
    """One automatic coding to review."""

    key: Key
    case: str
    speaker: str
    rule: str
    match_start: int
    match_end: int
    negated: bool


def review_items(results: Results, *, code: str | None = None, case: str | None = None, rule: str | None = None) -> list[Item]:
    """The automatic codings to review, in segments.csv order, filtered by code, case and rule."""
    seg = results.segments
    if code is not None:
        found = resolve_code(code, code_lookup(results.codebook.model))
        if found is None:
            raise OptionError(f"--code {code}: no such code in {results.folder / 'codebook.yaml'}", hint="use a code id or label")
        seg = seg[seg["code"] == found]
    if case is not None:
        if case not in set(results.documents["case"]):
            raise OptionError(f"--case {case}: no such case", hint=f"cases: {', '.join(sorted(set(results.documents['case'])))}")
        seg = seg[seg["case"] == case]
    if rule is not None:
        seg = seg[(seg["rule"] == rule) | seg["rules"].astype(str).str.split(",").apply(lambda rules: rule in [r.strip() for r in rules])]
    seg = seg[seg["origin"] != "manual"]
    return [
        Item((r.document, int(r.start), int(r.end), r.code), r.case, r.speaker, r.rule, int(r.match_start), int(r.match_end), bool(r.negated))
        for r in seg.itertuples(index=False)
    ]


@dataclass(frozen=True)
class Undo:
    index: int
    key: Key
    previous: Decision | None
    annotation: Annotation | None = None


class ReviewApp(App[None]):
    """Review proposed codings of a results folder; every decision is written to reviews.csv at once."""

    TITLE = "casecode review"
    CSS = """
    #head { height: auto; background: $boost; padding: 0 1; }
    #body { height: 1fr; padding: 1 2; overflow-y: auto; }
    #memo { height: auto; padding: 0 2; color: $text-muted; }
    #ask { dock: bottom; display: none; }
    #ask.open { display: block; }
    """
    BINDINGS = [
        Binding("a", "decide('accept')", "accept"),
        Binding("r", "decide('reject')", "reject"),
        Binding("c", "ask('recode')", "recode"),
        Binding("s", "skip", "skip"),
        Binding("right", "skip", "skip", show=False),
        Binding("left,p", "back", "back"),
        Binding("u", "undo", "undo"),
        Binding("m", "ask('memo')", "memo"),
        Binding("n", "ask('add')", "add code"),
        Binding("escape", "cancel", "cancel", show=False),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, folder: str | Path, *, code: str | None = None, case: str | None = None, rule: str | None = None) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.results = read_results(self.folder)
        self.items = review_items(self.results, code=code, case=case, rule=rule)
        self.decisions = read_decisions(self.folder)
        self.index = next((i for i, item in enumerate(self.items) if not self._decided(item.key)), len(self.items))
        self.undo_stack: list[Undo] = []
        self.asking: str | None = None
        self.message = ""

    def _decided(self, key: Key) -> bool:
        decision = self.decisions.get(key)
        return decision is not None and bool(decision.decision)

    def compose(self) -> ComposeResult:
        yield Static(id="head")
        yield Static(id="body")
        yield Static(id="memo")
        yield Input(id="ask", disabled=True)  # enabled only while asking, so keys reach the bindings
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(None)
        self.refresh_view()

    @property
    def current(self) -> Item | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def refresh_view(self) -> None:
        head, body, memo = self.query_one("#head", Static), self.query_one("#body", Static), self.query_one("#memo", Static)
        done = sum(1 for item in self.items if self._decided(item.key))
        item = self.current
        if item is None:
            head.update(Text(f"{done}/{len(self.items)} reviewed", style="bold"))
            body.update(Text("Nothing left to review here. ← goes back, q quits." if self.items else "No codings match these filters.", style="italic"))
            memo.update(self.message)
            return
        document, start, end, code = item.key
        book = self.results.codebook.model
        label = book.code(code).label if book.code(code) is not None else code
        decision = self.decisions.get(item.key)
        state = "pending" if decision is None or not decision.decision else decision.decision + (f" → {decision.new_code}" if decision.new_code else "")
        header = Text(f"{self.index + 1}/{len(self.items)} · {done} reviewed · ", style="bold")
        header.append(f"{code}", style="bold magenta")
        header.append(f" ({label}) · rule {item.rule} · {state}\n", style="bold")
        header.append(f"{document} · {item.case} · {item.speaker or 'no speaker'} · {start}–{end}" + ("  [negated]" if item.negated else ""), style="cyan")
        definition = book.code(code).definition if book.code(code) is not None else ""
        if definition:  # the codebook's guidance, so the reviewer judges against it
            header.append("\n" + " ".join(definition.split()), style="italic")
        head.update(header)
        text = self.results.text(document)
        before_start = max(0, start - CONTEXT)
        if before_start:  # start the context at a word boundary
            space = text.find(" ", before_start, start)
            before_start = space + 1 if space >= 0 else before_start
        after_end = end + CONTEXT
        if after_end < len(text):
            space = text.rfind(" ", end, after_end)
            after_end = space if space > end else after_end
        body_text = Text(("…" if before_start else "") + text[before_start:start], style="dim")
        match_start, match_end = max(start, item.match_start), min(end, item.match_end)
        body_text.append(text[start:match_start])
        body_text.append(text[match_start:match_end], style="bold black on yellow")
        body_text.append(text[match_end:end])
        body_text.append(text[end:after_end] + ("…" if after_end < len(text) else ""), style="dim")
        body.update(body_text)
        note = f"memo: {decision.memo}" if decision is not None and decision.memo else ""
        memo.update(Text("  ".join(x for x in (note, self.message) if x)))

    def _record(self, new: Decision | None, key: Key, *, annotation: Annotation | None = None) -> None:
        self.undo_stack.append(Undo(self.index, key, self.decisions.get(key), annotation))
        if new is None:
            self.decisions.pop(key, None)
        else:
            self.decisions[key] = new
        save_decision(self.folder, new, key=key)

    def action_decide(self, decision: str, new_code: str = "") -> None:
        item = self.current
        if item is None or self.asking:
            return
        old = self.decisions.get(item.key)
        self._record(Decision(*item.key, decision=decision, new_code=new_code, memo=old.memo if old else ""), item.key)
        self.message = f"{decision}ed" if decision != "recode" else f"recoded to {new_code}"
        self.index = min(self.index + 1, len(self.items))
        self.refresh_view()

    def action_skip(self) -> None:
        if self.asking:
            return
        self.message = ""
        self.index = min(self.index + 1, len(self.items))
        self.refresh_view()

    def action_back(self) -> None:
        if self.asking:
            return
        self.message = ""
        self.index = max(self.index - 1, 0)
        self.refresh_view()

    def action_undo(self) -> None:
        if self.asking or not self.undo_stack:
            return
        last = self.undo_stack.pop()
        if last.annotation is not None:
            remove_annotation(self.folder, last.annotation)
            self.results = read_results(self.folder)
            self.message = f"removed manual coding {last.annotation.code}"
        else:
            if last.previous is None:
                self.decisions.pop(last.key, None)
            else:
                self.decisions[last.key] = last.previous
            save_decision(self.folder, last.previous, key=last.key)
            self.message = "undone"
        self.index = last.index
        self.refresh_view()

    def action_ask(self, mode: str) -> None:
        if self.current is None or self.asking:
            return
        self.asking = mode
        ask = self.query_one("#ask", Input)
        prompts = {"recode": "recode to (code id or label), Enter to confirm, Esc to cancel", "memo": "memo for this coding, Enter to save", "add": "add a manual code to this segment (id or label)"}
        ask.placeholder = prompts[mode]
        ask.value = self.decisions[self.current.key].memo if mode == "memo" and self.current.key in self.decisions else ""
        ask.disabled = False
        ask.add_class("open")
        ask.focus()

    def action_cancel(self) -> None:
        self._close_ask()

    def _close_ask(self) -> None:
        self.asking = None
        ask = self.query_one("#ask", Input)
        ask.remove_class("open")
        ask.value = ""
        ask.disabled = True
        self.set_focus(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        mode, value, item = self.asking, event.value.strip(), self.current
        self._close_ask()
        if item is None or mode is None:
            return
        if mode == "memo":
            old = self.decisions.get(item.key)
            self._record(replace(old, memo=value) if old else Decision(*item.key, decision="", memo=value), item.key)
            self.message = "memo saved"
            self.refresh_view()
            return
        code = resolve_code(value, code_lookup(self.results.codebook.model))
        if code is None:
            self.message = f"no code {value!r} in the codebook"
            self.refresh_view()
            return
        if mode == "recode":
            self.action_decide("recode", code)
            return
        document, start, end, _ = item.key
        try:
            added = annotate(self.folder, document, start, end, code, coder="review")
        except OptionError as exc:
            self.message = exc.message
        else:
            self.undo_stack.append(Undo(self.index, item.key, self.decisions.get(item.key), added))
            self.results = read_results(self.folder)
            self.message = f"added manual coding {code}"
        self.refresh_view()


def review_app(folder: str | Path, **filters: Any) -> ReviewApp:
    """Build the review app (``app.run()`` to use it; ``app.run_test()`` in tests)."""
    return ReviewApp(folder, **filters)


def status_line(folder: str | Path) -> str:
    return review_status(read_results(folder)).summary()
