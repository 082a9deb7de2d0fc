# Two commands for a newcomer: `make run` and `make test`. Everything lands in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-extended lint bench train eval demo migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.serve-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.serve-installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

var/dev-token: | $(VENV)/.serve-installed
	mkdir -p var
	umask 077; $(BIN)/rrbot token create --name dev --scope admin | tail -n 1 > var/dev-token.tmp && mv var/dev-token.tmp var/dev-token

run: $(VENV)/.serve-installed var/dev-token
	@echo "Open http://$(HOST):$(PORT)/ and log in with the token in var/dev-token; 'make demo' sends examples."
	$(BIN)/rrbot serve --host $(HOST) --port $(PORT)

demo: $(VENV)/.serve-installed
	$(BIN)/rrbot demo --url http://$(HOST):$(PORT)

migrate: $(VENV)/.serve-installed
	$(BIN)/rrbot migrate

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n 2 --cov --cov-report=term

# Longer than the suite's 3 minutes: Schemathesis over every API operation on both databases, and serve + worker
# processes on one PostgreSQL with kill -9 and dropped connections (about 3 minutes; CI runs it after make test)
test-extended: $(VENV)/.test-installed
	SCHEMATHESIS_EXAMPLES=$${SCHEMATHESIS_EXAMPLES:-40} $(BIN)/python -m pytest -n 2 -m extended --no-cov

lint: $(VENV)/.test-installed
	$(BIN)/ruff check bot classifiers playbooks tests
	$(BIN)/mypy bot classifiers playbooks

$(VENV)/.train-installed: pyproject.toml $(VENV)/.serve-installed
	$(BIN)/pip install -q -e '.[train,eval]'
	touch $@

train: $(VENV)/.train-installed
	$(BIN)/python -m classifiers.train

eval: $(VENV)/.train-installed
	$(BIN)/rrbot eval --json var/eval.json

bench: $(VENV)/.train-installed
	$(BIN)/python bench/bench_classifier.py
	$(BIN)/python bench/bench_ingest.py --db sqlite
	$(BIN)/python bench/bench_escalation.py

clean:
	rm -rf $(VENV) var build *.egg-info
