# Two commands on a fresh machine (README, "Quickstart"):
#   make demo   install into .venv, then run the pipeline on the bundled sample pages in data/raw
#   make test   install into .venv (with test extras), then run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-slow bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	# constraints.txt pins every package to a set known to install and run together (see README)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/econ-news run --raw-dir data/raw --curated-dir data/curated

test: install
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m slow

bench: install
	$(BIN)/python benchmarks/run_benchmark.py --articles 2000 --task-runner process

clean:
	rm -rf $(VENV) data/curated/articles data/curated/projects data/curated/metrics \
	       data/curated/quarantine data/curated/rejects data/curated/_staging data/curated/_runs \
	       data/curated/_reports data/curated/_ledger data/curated/_publish.lock
