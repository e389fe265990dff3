# Set-up is part of every target: the venv is created and the pinned dependencies installed on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
EXAMPLES := $(wildcard promises/*/examples/*.yaml)
RUN_DIR := build/run

.PHONY: all run test lint generate check-generated bench clean venv testenv run-migration-demo fuzz images wheelhouse

all: test

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing pinned, hash-checked dependencies into $(VENV)"
	@$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e '.[dev,migration,status]'
	@$(BIN)/pip check --disable-pip-version-check >/dev/null || { $(BIN)/pip check; exit 1; }
	@rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	@rm -rf $(RUN_DIR)
	@$(BIN)/vcluster-platform run-examples --output-dir $(RUN_DIR) $(EXAMPLES)

# SKIP_REAL_API=1 skips the real-server tiers for a quick local loop (never in .ci/run).
test: $(STAMP) lint check-generated
	@$(BIN)/python tools/run_tests.py

# The mutation-fuzz tier runs in `make test` with 2100 cases; this runs many more (FUZZ_SEED picks another run).
fuzz: $(STAMP)
	@FUZZ_CASES=$${FUZZ_CASES:-30000} $(BIN)/python -m pytest -q -s tests/fuzz

# The four images of ./Dockerfile, built with buildah from a Debian base made here (root; see README "Images").
images: $(STAMP)
	@bash tools/images/build.sh

# Only the wheelhouse the Dockerfile installs from, for a `docker build` elsewhere.
wheelhouse: $(STAMP)
	@WHEELHOUSE_ONLY=1 bash tools/images/build.sh

testenv:
	@bash tools/testenv/build.sh

run-migration-demo: $(STAMP)
	@bash tools/testenv/build.sh
	@$(BIN)/python tools/migration_demo.py

lint: $(STAMP)
	@$(BIN)/ruff check src tests tools
	@$(BIN)/mypy src

generate: $(STAMP)
	@$(BIN)/python -m vcluster_platform.generate
	@$(BIN)/python -m vsphere_migration.generate

check-generated: $(STAMP)
	@$(BIN)/python -m vcluster_platform.generate --check
	@$(BIN)/python -m vsphere_migration.generate --check

bench: $(STAMP)
	@$(BIN)/python tests/bench/bench_pipeline.py
	@bash tools/testenv/build.sh
	@$(BIN)/python tests/bench/bench_migration.py
	@$(BIN)/python tests/bench/bench_status.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
	@echo "the Go build cache of the test servers stays in .cache/testenv (rm -rf .cache to drop it)"
