# Two commands for people: `make run` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000
export BPMNPUB_DATA_DIR ?= $(CURDIR)/instance

.PHONY: run test lint bench install system-deps clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# Compiled message catalogues are build output (git-ignored); the .po files are the source.
MO := src/bpmnpub/translations/en/LC_MESSAGES/messages.mo
$(MO): src/bpmnpub/translations/en/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -d src/bpmnpub/translations

# Browser assets and browser-test tools come from the committed npm lockfile (never a CDN at run time).
# assets/build.mjs bundles our assets/*.js with esbuild and copies bpmn-js's CSS and font into the
# git-ignored static/vendor/ (esbuild's binary is the optional package @esbuild/linux-x64: no install script).
NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json assets/* | sha1sum | cut -c1-12)
$(NODE_STAMP): package.json package-lock.json $(wildcard assets/*)
	@command -v npm >/dev/null || { echo "npm is needed (Node.js 20)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	node assets/build.mjs
	rm -f node_modules/.installed-*
	touch $@

install: $(STAMP) $(MO) $(NODE_STAMP)

run: $(STAMP) $(MO) $(NODE_STAMP)
	$(BIN)/bpmnpub init --demo
	$(BIN)/bpmnpub serve --host $(HOST) --port $(PORT)

# Debian's Chromium and Thai fonts for the browser tests (Playwright's own download does not work here),
# poppler-utils (pdftotext, pdftoppm) to read back the memo PDFs the tests render, zbar-tools (zbarimg) to
# read the memo's QR code as a phone would; WordPress, PHP and MariaDB for the real site the website
# connector is tested against (tests/wordpress_site.py).
system-deps:
	@missing=""; command -v chromium >/dev/null || missing=" chromium"; command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; command -v pg_dump >/dev/null || missing="$$missing postgresql-client"; dpkg-query -W -f='$${Status}' fonts-thai-tlwg 2>/dev/null | grep -q "ok installed" || missing="$$missing fonts-thai-tlwg"; command -v php >/dev/null || missing="$$missing php-cli php-mysql php-curl php-xml php-mbstring php-gd"; [ -f /usr/share/wordpress/wp-settings.php ] || missing="$$missing wordpress"; command -v mariadbd >/dev/null || missing="$$missing mariadb-server"; [ -z "$$missing" ] || { echo "Installing$$missing with apt-get"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; }

test: $(STAMP) $(MO) $(NODE_STAMP) system-deps
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
