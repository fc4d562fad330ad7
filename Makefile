# The README's two set-up commands are `make check` and `make test`.
# Both install into a private virtualenv (.venv) with constraints.txt, which
# pins torch's version (not its build: these machines' pip configuration
# serves the CPU wheel; README says how to get it elsewhere); users outside
# the repository install trnfft without that pin.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --constraint constraints.txt

.PHONY: check test bench-smoke clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# torch too, so the README's first example runs after `make check`
$(VENV)/.run-installed: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) -e ".[plot,torch]"
	touch $@

# the example plugin too: its tests (tests/examples) check it end to end
$(VENV)/.test-installed: $(VENV)/bin/python pyproject.toml constraints.txt examples/trnfft-example-backend/pyproject.toml
	$(PIP) -e ".[test,bench]" -e examples/trnfft-example-backend
	touch $@

## Install, then run trnfft's main job: every backend cross-checked against a
## high-precision reference (table on stdout, report and plot in ./reports).
check: $(VENV)/.run-installed
	mkdir -p reports
	$(VENV)/bin/trnfft info
	$(VENV)/bin/trnfft check --json reports/check.json --plot reports/check.png

## Install, then run the test suite.
test: $(VENV)/.test-installed
	$(PY) -m pytest -q

## Every asv benchmark once, against the current environment (CI smoke): fails
## if any benchmark errors. FFTW_ESTIMATE keeps planning out of the way, the
## large sizes (bench_fft.Large*) are skipped; the figures are not kept (--dry-run);
## auto's planner estimates instead of timing its candidates.
bench-smoke: $(VENV)/.test-installed
	$(VENV)/bin/asv machine --yes --machine ci-smoke >/dev/null
	TRNFFT_FFTW_PLANNER=estimate TRNFFT_PLANNER=estimate TRNFFT_BENCH_SKIP_LARGE=1 $(VENV)/bin/asv run --python=same --quick --show-stderr --machine ci-smoke --dry-run --launch-method forkserver

clean:
	rm -rf $(VENV) reports .asv build *.egg-info
