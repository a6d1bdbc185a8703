# Quick start: `make run` (app on the demo data) and `make test` (lint and every test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BASE ?= data/pre_demo.duckdb
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint format demo base assets install install-test chromium libreoffice clean \
	geodata bench territoires

# Chart and map images are drawn by Chromium, report PDFs by LibreOffice: both are installed.
# pre_pilotage.serveur is `streamlit run lanceur.py` (app.py and the session cookie's routes) with
# the libraries loaded before it listens.
run: install assets base chromium libreoffice
	PRE_BASE=$(BASE) $(BIN)/python -m pre_pilotage.serveur

test: install-test assets chromium libreoffice
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(VENV)/.installe
install-test: $(VENV)/.installe-test

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.installe: requirements.txt $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt
	touch $@

$(VENV)/.installe-test: requirements-dev.txt $(VENV)/.installe
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt -r requirements-dev.txt
	touch $@

# Leaflet is served by Streamlit from ./static: maps must work without internet access.
# axe-core, the accessibility audit injected by the browser tests, is copied to tests/vendor/;
# oidc-provider (tests/oidc/fournisseur.mjs, the ProConnect test) is used from node_modules.
assets: static/leaflet/leaflet.js tests/vendor/axe.min.js

static/leaflet/leaflet.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/leaflet
	cp -r node_modules/leaflet/dist/. static/leaflet/
	touch $@

tests/vendor/axe.min.js: static/leaflet/leaflet.js
	mkdir -p tests/vendor
	cp node_modules/axe-core/axe.min.js $@

# The demo database is built once, then kept (and its schema migrated) at every start.
base: install
	$(BIN)/python -m pre_pilotage demo --sortie $(BASE) --si-absente

demo: install
	$(BIN)/python -m pre_pilotage demo --sortie $(BASE)

# Reference geography of a real territory from the official files (geodata/sources.toml):
# `make geodata EPCI=245901160` or `make geodata COMMUNES=59606,59014`. Offline by default: the
# files of geodata/sources/ (official names recognised) and FICHIERS="qpv_contours=/chemin/QP.zip
# etablissements=/chemin/annuaire.csv" are used; TELECHARGER=oui downloads the missing ones.
geodata: install
	$(BIN)/python -m pre_pilotage geographie --base $(BASE) \
	  $(if $(filter oui,$(TELECHARGER)),--telecharger) \
	  $(if $(EPCI),--epci $(EPCI)) $(if $(COMMUNES),--communes $(COMMUNES)) \
	  $(foreach f,$(FICHIERS),--fichier $(f))

# Benchmarks (not part of `make test`): map HTML size and build time, written to docs/performance.md.
# bench/national.py: national-size database (530 programmes), every page, query, import, map
# size, browser sessions; about 30 minutes on 2 cores (BENCH_OPTIONS=--reutiliser keeps the
# national database of a previous run). bench/documents.py: the demo report (DOCX, PDF) and the
# « PDF de la vue » of the Carte page against issue 15's targets (5 s and 10 s).
bench: install-test assets chromium libreoffice
	$(BIN)/python bench/carte.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/secret.py
	$(BIN)/python bench/territoires.py
	$(BIN)/python bench/national.py $(BENCH_OPTIONS)
	$(BIN)/python bench/protection_nationale.py

# Real-browser tests and image exports (kaleido) drive Debian's Chromium (Playwright cannot
# download browsers here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installation de Chromium (paquet Debian) pour les exports et les tests navigateur..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

# The « Rapport » page converts its DOCX to PDF with LibreOffice; the tests turn that PDF into
# PNG pages with poppler's pdftoppm (Debian packages, installed once).
libreoffice:
	@if ! command -v soffice >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  echo "Installation de LibreOffice Writer et poppler-utils (paquets Debian)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libreoffice-writer-nogui poppler-utils; \
	fi

clean:
	rm -rf $(VENV) node_modules static/leaflet tests/vendor .pytest_cache .ruff_cache tests/captures

# National reference of the « Territoires » page (every PRE commune, QPV 2024, REP/REP+ schools,
# Cités éducatives) from the official files: `make territoires DOSSIER=../shared/data`
# (geodata/sources/ by default); written to data/territoires.duckdb, apart from the programme data.
territoires: install
	$(BIN)/python -m pre_pilotage territoires $(if $(DOSSIER),--dossier $(DOSSIER)) \
	  $(foreach f,$(FICHIERS),--fichier $(f))
