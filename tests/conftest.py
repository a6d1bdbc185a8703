"""Shared fixtures: the hand-computed fixture database and the generated demo database."""

from __future__ import annotations

import os

import duckdb
import pytest

from pre_pilotage.demo import generer_base
from tests import fixture_base


@pytest.fixture(scope="session", autouse=True)
def administration_isolee(tmp_path_factory):
    """Accounts and audit log of the tests live in a temporary SQLite file, never in data/."""
    chemin = tmp_path_factory.mktemp("administration") / "administration.sqlite"
    ancien = os.environ.get("PRE_ADMINISTRATION")
    os.environ["PRE_ADMINISTRATION"] = str(chemin)
    yield chemin
    if ancien is None:
        os.environ.pop("PRE_ADMINISTRATION", None)
    else:
        os.environ["PRE_ADMINISTRATION"] = ancien


@pytest.fixture(scope="session")
def chemin_fixture(tmp_path_factory):
    return fixture_base.construire(tmp_path_factory.mktemp("fixture") / "fixture.duckdb")


@pytest.fixture(scope="session")
def con_fixture(chemin_fixture):
    con = duckdb.connect(str(chemin_fixture), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def chemin_demo(tmp_path_factory):
    return generer_base(tmp_path_factory.mktemp("demo") / "demo.duckdb")


@pytest.fixture(scope="session")
def con_demo(chemin_demo):
    con = duckdb.connect(str(chemin_demo), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def navigateur():
    """Debian's Chromium driven by Playwright, one per test module (the real-browser tests)."""
    from playwright.sync_api import sync_playwright

    from tests.test_navigateur import ARGUMENTS_CHROMIUM, CHROMIUM

    if not CHROMIUM.exists():
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : lancez `make test`, qui l'installe.")
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS_CHROMIUM)
        yield navigateur
        navigateur.close()
