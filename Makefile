# Quick start: `make run` (app on the demo data) and `make test` (lint and every test).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
BASE ?= data/pre_demo.duckdb
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint format demo base assets install install-test chromium clean

run: install assets base
	PRE_BASE=$(BASE) $(BIN)/streamlit run app.py

test: install-test assets chromium
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
assets: static/leaflet/leaflet.js

static/leaflet/leaflet.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/leaflet
	cp -r node_modules/leaflet/dist/. static/leaflet/
	touch $@

# The demo database is built once, then kept (and its schema migrated) at every start.
base: install
	$(BIN)/python -m pre_pilotage demo --sortie $(BASE) --si-absente

demo: install
	$(BIN)/python -m pre_pilotage demo --sortie $(BASE)

# Real-browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installation de Chromium (paquet Debian) pour les tests navigateur..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

clean:
	rm -rf $(VENV) node_modules static/leaflet .pytest_cache .ruff_cache tests/captures
