# firegrid: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
B ?=

.PHONY: run test bench migrate demo worker lint clean help screenshots

help:
	@echo "make run     install, migrate, load demo data and serve on http://$(HOST):$(PORT) (SpatiaLite)"
	@echo "make test    install and run the whole suite on SpatiaLite and on PostGIS"
	@echo "make bench   run every benchmark (B=name for one)"
	@echo "make worker  run the periodic jobs"
	@echo "make screenshots  refresh docs/console/*.png from the console's browser tests"
	@echo "make lint    ruff, and the import contracts (docs/architecture.md)"

run:
	@scripts/bootstrap.sh
	@$(BIN)/firegrid db upgrade
	@$(BIN)/firegrid demo load
	@echo "Serving on http://$(HOST):$(PORT)  (console: /console/, citizens' page: /report/, units' page: /unit/ (opened from a texted link), API docs: /docs)"
	@FIREGRID_CITIZEN_AREA=$${FIREGRID_CITIZEN_AREA:-450202} $(BIN)/firegrid serve --host $(HOST) --port $(PORT)

test:
	@scripts/bootstrap.sh test
	@scripts/run-tests.sh $(PYTEST_ARGS)

screenshots:
	@scripts/bootstrap.sh test
	@FIREGRID_SCREENSHOTS=docs/console $(BIN)/python -m pytest tests/console -q

bench:
	@scripts/bootstrap.sh dev
	@scripts/run-benchmarks.sh $(B)

migrate:
	@scripts/bootstrap.sh
	@$(BIN)/firegrid db upgrade

worker:
	@scripts/bootstrap.sh
	@$(BIN)/firegrid worker

lint:
	@scripts/bootstrap.sh dev
	@$(BIN)/ruff check backend grids patrols complaints hazards offline_sync bulletins notices measures referrals fires alarms risk tests
	@$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache
