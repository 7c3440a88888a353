# The two commands a newcomer needs: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test chromium screenshot-tools screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/masthead serve --demo --host 127.0.0.1 --port 8000

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest -q

screenshot-tools:
	@{ fc-list 2>/dev/null | grep -qi "Noto Sans CJK" && command -v pngquant >/dev/null 2>&1; } || { \
		echo "Installing Debian's fonts-noto-cjk (Chinese in the screenshots) and pngquant (smaller PNGs)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-noto-cjk pngquant; }

# PNGs of the main pages in English and Chinese, desktop and phone, into docs/screenshots/.
screenshots: $(STAMP) chromium screenshot-tools
	$(BIN)/python scripts/screenshots.py --output docs/screenshots

clean:
	rm -rf $(VENV) masthead.db masthead.db-wal masthead.db-shm
