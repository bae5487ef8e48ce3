.PHONY: install test test-fast lint bench

install:
	python3 -m venv .venv && .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install -e '.[dev]'

test:
	python -m pytest

test-fast:
	python -m pytest -m "not slow"

lint:
	ruff check .
	mypy

bench:
	python scripts/bench_search.py
	python scripts/bench_graph.py
