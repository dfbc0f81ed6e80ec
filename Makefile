# customer_grading: single entry point. See README.md.
PYTHON ?= python3
DEVTOOL = $(PYTHON) scripts/devtool.py

.PHONY: help demo demo-reset test bench check lint pot screenshots

help:
	@echo "make demo        create or refresh the demo database and serve it on http://localhost:8069"
	@echo "make demo-reset  drop the demo database, recreate it and serve it"
	@echo "make test        run all tests on a fresh database"
	@echo "make bench       benchmark on a scratch database (BENCH_ARGS=\"--customers 100000\")"
	@echo "make check       check that Odoo 18 and PostgreSQL are reachable"
	@echo "make lint        run the pre-commit checks (ruff, pylint-odoo, XML), offline"
	@echo "make pot         regenerate customer_grading/i18n/customer_grading.pot"
	@echo "make screenshots shoot the README's screenshots from the demo database (docs/screenshots/)"

demo:
	$(DEVTOOL) demo

demo-reset:
	$(DEVTOOL) demo --reset

test:
	$(DEVTOOL) test -- $(PYTEST_ARGS)

bench:
	$(PYTHON) scripts/bench.py $(BENCH_ARGS)

check:
	$(DEVTOOL) check

lint:
	$(DEVTOOL) lint

pot:
	$(DEVTOOL) pot

screenshots:
	$(PYTHON) scripts/screenshots.py $(SCREENSHOTS_ARGS)
