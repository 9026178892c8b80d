# The two commands a newcomer runs on a fresh machine:
#   make book   create .venv, install, execute every notebook, render _build/html, print the ledger
#   make test   create .venv, install, run pytest (unit tests + every notebook + a no-execution book
#               build + the executed book checked in headless Chromium, tests/test_browser.py)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.theorylab-installed
PROFILE ?= quick
JOBS   ?= 2

.PHONY: book test install clean ledger help check-book

help:
	@echo "make book    execute all notebooks ($(PROFILE) profile) and render _build/html"
	@echo "make test    run the unit tests, every notebook (nbmake) and a book build"
	@echo "make check-book  open _build/html (from make book) in headless Chromium: math, figures,"
	@echo "             console, network; screenshots in _build/screenshots/"
	@echo "make clean   remove build outputs (keeps .venv)"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test,dist]"
	@touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	THEORYLAB_PROFILE=$(PROFILE) $(BIN)/theorylab book --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS)

check-book: $(STAMP)
	THEORYLAB_BROWSER_HTML=_build/html $(BIN)/python -m pytest tests/test_browser.py -p no:xdist -q

ledger: $(STAMP)
	$(BIN)/theorylab ledger

clean:
	rm -rf _build figures notebooks/_generated .pytest_cache
