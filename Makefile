# The two commands a newcomer runs on a fresh machine:
#   make book   create .venv, install, execute every notebook, render _build/html, print the ledger
#   make test   create .venv, install, run pytest: unit tests + every notebook (nbmake, once) + a
#               no-execution book build; then the book in headless Chromium (tests/test_browser.py),
#               which reuses executions instead of running every notebook a second time
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.theorylab-installed
PROFILE ?= quick
JOBS   ?= 2

.PHONY: book test install clean ledger help check-book record

help:
	@echo "make book    execute all notebooks ($(PROFILE) profile) and render _build/html"
	@echo "make test    run the unit tests, every notebook (nbmake), a book build, then the book"
	@echo "             in headless Chromium (tests/test_browser.py)"
	@echo "make check-book  open _build/html (from make book) in headless Chromium: math, figures,"
	@echo "             console, network; screenshots in _build/screenshots/"
	@echo "make record  run the full profile of notebooks whose recorded result is missing or stale,"
	@echo "             writing results/full/<slug>.json (commit them); SLUGS=\"a b\" for some"
	@echo "make clean   remove build outputs (keeps .venv)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test,dist]"
	@touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	THEORYLAB_PROFILE=$(PROFILE) $(BIN)/theorylab book --jobs $(JOBS)

# Two steps, so the browser test comes after the notebooks ran and can reuse what they left
# (it executes only two sample notebooks when nothing can be reused; see tests/test_browser.py).
test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --ignore=tests/test_browser.py
	THEORYLAB_BROWSER_JOBS=$(JOBS) $(BIN)/python -m pytest tests/test_browser.py -p no:xdist

# record the full profile of every notebook whose recorded result is missing or stale
# (results/full/<slug>.json, committed); `make record SLUGS="a b"` for some of them
record: $(STAMP)
	$(BIN)/theorylab record --jobs $(JOBS) $(SLUGS)

check-book: $(STAMP)
	THEORYLAB_BROWSER_HTML=_build/html $(BIN)/python -m pytest tests/test_browser.py -p no:xdist -q

ledger: $(STAMP)
	$(BIN)/theorylab ledger

clean:
	rm -rf _build figures notebooks/_generated .pytest_cache
