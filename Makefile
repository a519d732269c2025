# make venv | dist | test | demo | bench | clean
# `make dist` sets itself up (a .venv with the pinned shiv) and works offline
# once vendor/ holds the pinned PyYAML sdist.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp
ARTIFACT := dist/measure.pyz

.PHONY: venv dist test demo bench clean

venv: $(STAMP)

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements-dev.txt
	touch $@

# Always rebuilt: build.py is quick, and make cannot see every input
# (app/, vendor/requirements.txt, pyz/__main__.py, the commit time).
dist: $(STAMP)
	$(VPY) build.py

test: $(STAMP) dist
	$(VPY) -m pytest -q -rs tests

demo: dist
	$(VPY) examples/demo.py

# The dev interpreter, then the system's when there is one: on these
# machines pyenv's Python loads a sandbox .pth (certifi) that adds ~18 ms to
# every Python start, which the shell loop never pays.
SYSTEM_PYTHON := $(wildcard /usr/bin/python3)

bench: dist
	$(VPY) bench/bench.py
	$(if $(SYSTEM_PYTHON),$(VPY) bench/bench.py --python $(SYSTEM_PYTHON) --out bench/results-system.json)

clean:
	rm -rf dist build $(VENV) .pytest_cache
	find vendor -mindepth 1 ! -name requirements.txt ! -name README.md -exec rm -rf {} +
