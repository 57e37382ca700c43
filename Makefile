# `make demo` codes the bundled example study; `make test` runs the test suite.
# Both create .venv on first use and install casecode into it with its test extras.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.casecode-installed

.PHONY: demo test install clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/casecode code transcripts_example --codebook codebooks/partnership.yaml --out results
	$(BIN)/casecode matrix results --heatmap
	$(BIN)/casecode report results -o results/report.html

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/throughput.py --words 200000

clean:
	rm -rf results .pytest_cache
