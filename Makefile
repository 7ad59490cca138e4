# Two commands set everything up on a fresh machine with Python 3.11+:
#   make demo   offline demo: generate a Hub, serve it on 127.0.0.1, run the nightly flow against it
#   make test   the test suite (the same command CI runs)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench browser clean

$(BIN)/hubstudy: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	@touch $@

demo: $(BIN)/hubstudy
	$(BIN)/hubstudy demo

# Headless Chromium for the report tests (skipped cleanly when it cannot be installed).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null) || \
	    echo "chromium not installed: browser tests will be skipped"; }

test: $(BIN)/hubstudy browser
	$(BIN)/python -m pytest -q

bench: $(BIN)/hubstudy
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) data/demo reports/*.html reports/*.png
