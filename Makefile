# orderflow: `make run` serves the API on SQLite with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What is installed is pinned, with hashes, in requirements/*.lock (`make lock` refreshes them from
# pyproject.toml): `make run` installs the runtime's, `make test` the development tools' too.
RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK := requirements/dev.lock
STAMP = $(shell cat pyproject.toml $(1) | cksum | cut -d' ' -f1)
RUNTIME := $(VENV)/.runtime-$(call STAMP,$(RUNTIME_LOCK))
INSTALLED := $(VENV)/.installed-$(call STAMP,$(DEV_LOCK))
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-runtime lock run test test-lowest lint format clean bench bench-quick \
	bench-instructions bench-orders bench-purge screenshots stress test-webhook-volume browser \
	test-failover

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): pyproject.toml $(RUNTIME_LOCK) | $(VENV)/bin/python
	$(PIP) install --require-hashes --no-deps -r $(RUNTIME_LOCK)
	$(PIP) install --no-deps -e .
	@rm -f $(VENV)/.runtime-*
	@touch $@

$(INSTALLED): pyproject.toml $(DEV_LOCK) | $(VENV)/bin/python
	$(PIP) install --require-hashes --no-deps -r $(DEV_LOCK)
	$(PIP) install --no-deps -e .
	@rm -f $(VENV)/.installed-* $(VENV)/.runtime-*
	@touch $@ $(RUNTIME)

install-runtime: $(RUNTIME)

install: $(INSTALLED)

# Resolve pyproject.toml's dependencies again (newest allowed versions, every platform, with
# hashes) into the lock files; commit them. Uses uv in a virtualenv of its own.
LOCKER := .venv-lock
lock:
	@test -x $(LOCKER)/bin/python || $(PYTHON) -m venv $(LOCKER)
	$(LOCKER)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade uv
	$(LOCKER)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--quiet --output-file $(RUNTIME_LOCK)
	$(LOCKER)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet --output-file $(DEV_LOCK)

# The demo runs in development mode: its built-in secret key would be refused in production.
run: install-runtime
	ORDERFLOW_ENV=development $(BIN)/orderflow demo --host $(HOST) --port $(PORT)
	ORDERFLOW_ENV=development \
	ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS=$${ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS:-true} \
		$(BIN)/orderflow serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The console's browser tests need a Chromium: found, or installed when this machine allows it.
browser: install
	$(BIN)/python -m tests.browser.locate --install

test: lint browser
	$(BIN)/pytest

# The unit and integration tests again on the lowest versions pyproject.toml allows (uv's
# lowest-direct resolution), so every lower bound there is one the code really works with.
LOWEST := .venv-lowest
test-lowest:
	@test -x $(LOWEST)/bin/python || $(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(LOWEST)/bin/uv pip install --python $(LOWEST)/bin/python --quiet --resolution lowest-direct -e ".[dev]"
	@# The oldest test tools (pytest 8.2, pytest-asyncio 1.2) now and then leave an event loop of an
	@# earlier test to the garbage collector, which pytest reports as an unraisable exception in
	@# whichever test runs then; `make test`, on current versions, keeps that warning an error.
	$(LOWEST)/bin/pytest -q -W "ignore::pytest.PytestUnraisableExceptionWarning" tests/unit tests/integration

# The long versions of the concurrency, idempotency-race, crash, several-process and fuzz tests
# (docs/guarantees.md): the same tests as in `make test`, run for longer and more often.
stress: install
	ORDERFLOW_STRESS=1 $(BIN)/pytest tests/system tests/e2e/test_openapi_fuzz.py -s -q

# The loss of the database server on real parts (etcd, two PostgreSQL nodes under Patroni, two
# servers, a worker, eight clients): ~2 minutes. `make test` runs it too when Patroni and etcd are
# installed (Debian: apt-get install patroni etcd-server); without them it skips, and fails under CI.
test-failover: install
	$(BIN)/pytest tests/failover -s -q

# The webhook volume test at full size: 10,000 events through the relay to a real receiver.
test-webhook-volume: install
	ORDERFLOW_TEST_WEBHOOK_VOLUME=10000 $(BIN)/pytest tests/integration/test_webhook_relay.py -k volume

# Retake the README's console screenshots (docs/screenshots/) with the browser tests.
screenshots: install
	ORDERFLOW_SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/browser -q
	@if command -v pngquant >/dev/null; then pngquant --force --ext .png --quality 60-85 docs/screenshots/*.png; fi

format: install
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Change-status over real HTTP against the raw-SQL floor (docs/benchmarks.md); prints, asserts nothing.
bench: install
	$(BIN)/python -m benchmarks

bench-quick: install
	$(BIN)/python -m benchmarks --quick

# CPU instructions per change-status request, counted by callgrind: steady on a busy machine.
bench-instructions: install
	$(BIN)/python -m benchmarks.instructions

# List plans and export memory with 1,000,000 orders on PostgreSQL (docs/finding-orders.md), ~5 min.
bench-orders: install
	$(BIN)/python -m benchmarks.order_list

# Purging 1,000,000 old webhook events while 10-id changes run, on PostgreSQL (docs/deploy.md).
bench-purge: install
	$(BIN)/python -m benchmarks.purge

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
