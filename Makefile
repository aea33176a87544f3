# orderflow: `make run` serves the API on SQLite with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-lowest lint format clean bench bench-quick bench-instructions bench-orders \
	screenshots stress test-webhook-volume

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(INSTALLED)

# The demo runs in development mode: its built-in secret key would be refused in production.
run: install
	ORDERFLOW_ENV=development $(BIN)/orderflow demo --host $(HOST) --port $(PORT)
	ORDERFLOW_ENV=development \
	ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS=$${ORDERFLOW_WEBHOOK_ALLOW_PRIVATE_URLS:-true} \
		$(BIN)/orderflow serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
