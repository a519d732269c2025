# make venv | dist | test | demo | bench | mutate | mutate-all | clean
# `make dist` sets itself up (a .venv with the pinned shiv) and works offline
# once vendor/ holds the pinned PyYAML sdist.

PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.stamp
ARTIFACT := dist/measure.pyz

.PHONY: venv dist test demo bench mutate mutate-all mutate-run clean

venv: $(STAMP)

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements-dev.txt
	touch $@

# Always rebuilt: build.py is quick, and make cannot see every input
# (app/, vendor/requirements.txt, pyz/__main__.py, the commit time).
dist: $(STAMP)
	$(VPY) build.py

# The suite in parallel (pytest-xdist): most tests wait on driver processes,
# not the CPU, so one worker more than the CPUs; worksteal keeps the long
# ones (the suites rerun on old Pythons) from holding a worker's queue up.
TEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) + 1 )))

test: $(STAMP) dist
	$(VPY) -m pytest -q -rs -n $(TEST_JOBS) --dist worksteal tests

demo: dist
	$(VPY) examples/demo.py

# The dev interpreter, then the system's when there is one: on these
# machines pyenv's Python loads a sandbox .pth (certifi) that adds ~18 ms to
# every Python start, which the shell loop never pays.
SYSTEM_PYTHON := $(wildcard /usr/bin/python3)

bench: dist
	$(VPY) bench/bench.py
	$(if $(SYSTEM_PYTHON),$(VPY) bench/bench.py --python $(SYSTEM_PYTHON) --out bench/results-system.json)

# Mutation testing (mutmut, configured in setup.cfg): slow, never part of
# `make test`. A venv of its own (requirements-mutate.txt says why); every
# run starts from a fresh mutants/ so the table is of this tree, then
# tools/mutate_report.py prints it and writes mutants/survivors.txt.
MUTATE_VENV := .venv-mutate
MUTATE_STAMP := $(MUTATE_VENV)/.stamp
MUTATE_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

$(MUTATE_STAMP): requirements-mutate.txt
	$(PYTHON) -m venv $(MUTATE_VENV)
	$(MUTATE_VENV)/bin/pip install -r requirements-mutate.txt
	touch $@

# mutate tries the pure modules' mutants (the OS edge is reached by the tour
# in setup.cfg, and counted); mutate-all tries every mutant, hours longer.
mutate: $(MUTATE_STAMP)
	$(MAKE) --no-print-directory mutate-run \
		MUTANTS="$$($(MUTATE_VENV)/bin/python tools/mutate_report.py --patterns pure)"

mutate-all: $(MUTATE_STAMP)
	$(MAKE) --no-print-directory mutate-run MUTANTS=

mutate-run:
	rm -rf mutants
	$(MUTATE_VENV)/bin/mutmut run --max-children $(MUTATE_JOBS) $(MUTANTS) > mutants.log 2>&1 \
		|| { tail -c 3000 mutants.log; exit 1; }
	mv mutants.log mutants/run.log
	$(MUTATE_VENV)/bin/python tools/mutate_report.py

clean:
	rm -rf dist build $(VENV) $(MUTATE_VENV) mutants .pytest_cache
	find vendor -mindepth 1 ! -name requirements.txt ! -name README.md -exec rm -rf {} +
