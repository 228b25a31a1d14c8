# dossier: `make` sets up .venv and builds every trial folder under datasets/ into out/<name>/;
# `make test` runs the tests. See README.md.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
TRIALS := $(patsubst datasets/%/dossier.yaml,%,$(wildcard datasets/*/dossier.yaml))
SOURCES := pyproject.toml $(shell find dossier templates -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: all setup build test test-fast check preview bench datasets reference-docx clean distclean lint
.SECONDEXPANSION:

ifdef TRIAL
OUT ?= out/$(notdir $(abspath $(TRIAL)))
all: $(OUT)/manifest.json
$(OUT)/manifest.json: $(STAMP) $(SOURCES) $$(shell find $(TRIAL) -type f -not -name '.*')
	$(PY) -m dossier build $(TRIAL) -o $(OUT)
else
all: $(foreach t,$(TRIALS),out/$(t)/manifest.json)
endif

# An output folder is rebuilt only when its trial folder, the package, the templates or the
# installed environment changed (manifest.json is written last, so it stands for the build).
out/%/manifest.json: $(STAMP) $(SOURCES) $$(shell find datasets/$$* -type f -not -name '.*')
	$(PY) -m dossier build datasets/$* -o out/$*

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -n auto --dist loadfile

# the inner loop: every test but the end-to-end ones and those needing a whole example build, LibreOffice
# or a browser (markers e2e and slow, tests/conftest.py); `make test` runs everything
test-fast: $(STAMP)
	$(PY) -m pytest -q -n auto --dist loadfile -m "not e2e and not slow"

check: $(STAMP)
	$(PY) -m dossier check $(TRIAL)

# the documents in a browser, rendered again whenever a file of TRIAL is saved (PORT, default 8000)
preview: $(STAMP)
	$(PY) -m dossier preview $(TRIAL) $(if $(PORT),--port $(PORT))

bench: $(STAMP)
	$(PY) bench/run.py
	$(PY) bench/mmrm_bench.py

datasets: $(STAMP)
	$(PY) datasets/generate.py

# templates/reference.docx, the Word styles every DOCX is written on (byte-reproducible; a test checks it)
reference-docx: $(STAMP)
	$(PY) scripts/reference_docx.py templates/reference.docx

lint: $(STAMP)
	$(PY) -m ruff check dossier tests datasets bench scripts

clean:
	rm -rf out .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
