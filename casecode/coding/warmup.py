"""Imported by the fork server: the blank pipelines, built once for every worker forked from it.

Building the blank pipeline with its lookup lemmatizer takes about 0.4 s, most of it
loading the lookup table. ``casecode.nlp.build_pipeline`` keeps what it built, so a
worker process forked from the server finds the pipeline ready instead of building its
own. Both variants are built, with and without the lemmatizer: which one a run needs
depends on its codebook. A pipeline that cannot be built here is built (and its error
reported) by the workers, as before.
"""

from __future__ import annotations

from casecode.nlp import build_pipeline

for _lemmas in (True, False):
    try:
        build_pipeline(None, lemmas=_lemmas)
    except Exception:  # noqa: BLE001  (the workers report it)
        pass
