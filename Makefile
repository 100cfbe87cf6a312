PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sopdsl check playbooks
	$(BIN)/sopdsl simulate playbooks/onboarding.sop --replications 8 --workers 2 --out out/

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_fmt.py
	$(BIN)/python benchmarks/bench_lint.py
	$(BIN)/python benchmarks/bench_exact.py

clean:
	rm -rf $(VENV) build *.egg-info out
