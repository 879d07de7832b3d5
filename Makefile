# kpimon — `make run` (demo daemon) and `make test` are the two commands to know.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= var/demo

.PHONY: run demo-data test test-slow lint bench wheelhouse clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

demo-data: $(VENV)/.installed
	$(PY) bench/generate.py demo --out $(DEMO_DIR)

run: demo-data
	KPIMON_DEMO_DIR=$(abspath $(DEMO_DIR)) $(VENV)/bin/kpimon --config config/demo/kpimon.toml run

test: $(VENV)/.installed
	$(PY) -m pytest -q -m "not slow" -p no:cacheprovider

test-slow: $(VENV)/.installed
	$(PY) -m pytest -q -m slow -p no:cacheprovider

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check kpimon tests bench
	$(VENV)/bin/mypy kpimon

bench: $(VENV)/.installed
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var build *.egg-info
