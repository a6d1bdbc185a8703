"""Numbered migrations: applied once, in order, idempotently, each in its own transaction."""

from __future__ import annotations

import duckdb
import pytest

from pre_pilotage import db


def test_migrations_appliquees_une_seule_fois(tmp_path):
    chemin = tmp_path / "base.duckdb"
    toutes = [numero for numero, _, _ in db.migrations_disponibles()]
    assert db.migrer_fichier(chemin) == toutes
    assert db.migrer_fichier(chemin) == []
    with duckdb.connect(str(chemin), read_only=True) as con:
        assert con.execute("select version from schema_version order by version").fetchall() == [
            (n,) for n in toutes
        ]
        tables = {
            t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert {
        "epci",
        "commune",
        "qpv",
        "qpv_commune",
        "etablissement",
        "cite_educative",
        "cite_educative_commune",
        "cite_educative_qpv",
        "cite_educative_etablissement",
        "programme",
        "programme_commune",
        "equipe",
        "beneficiaire",
        "parcours",
        "parcours_motif",
        "action_parcours",
        "eps",
        "eps_reunion",
        "eps_reunion_partenaire",
        "fiche_action",
        "financement",
        "gouvernance_reunion",
        "gouvernance_participation",
        "reference_nationale",
        "nomenclature",
        "meta",
        "schema_version",
    } <= tables


def test_mise_a_niveau_depuis_une_version_anterieure(tmp_path, monkeypatch):
    chemin = tmp_path / "ancienne.duckdb"
    premieres = db.migrations_disponibles()[:2]
    monkeypatch.setattr(db, "migrations_disponibles", lambda: premieres)
    assert db.migrer_fichier(chemin) == [1, 2]
    monkeypatch.undo()
    restantes = [n for n, _, _ in db.migrations_disponibles()][2:]
    assert db.migrer_fichier(chemin) == restantes


def test_migration_en_echec_ne_laisse_rien(tmp_path, monkeypatch):
    fausse = tmp_path / "099_casse.sql"
    fausse.write_text("create table intermediaire (a integer); select * from table_absente;")
    vraies = db.migrations_disponibles()
    derniere = max(numero for numero, _, _ in vraies)
    monkeypatch.setattr(
        db, "migrations_disponibles", lambda: [*vraies, (derniere + 1, "casse", fausse)]
    )
    con = duckdb.connect()
    with pytest.raises(duckdb.Error):
        db.migrer(con)
    assert db.version_schema(con) == derniere
    assert not con.execute(
        "select count(*) from information_schema.tables where table_name = 'intermediaire'"
    ).fetchone()[0]


def test_references_nationales_versionnees_avec_source():
    con = duckdb.connect()
    db.migrer(con)
    lignes = con.execute(
        "select indicateur, modalite, valeur, annee_donnees, version from reference_nationale"
        " where source is null or source = '' or version < 1"
    ).fetchall()
    assert lignes == []
    assert con.execute(
        "select sum(valeur) from reference_nationale where indicateur = 'tranche_age'"
    ).fetchone()[0] == pytest.approx(100.0)
    assert (
        con.execute(
            "select valeur from reference_nationale where indicateur = 'enfants_par_referent'"
        ).fetchone()[0]
        == 68
    )


def test_numero_inferieur_arrive_plus_tard_est_applique(tmp_path, monkeypatch):
    vraies = db.migrations_disponibles()
    haute = tmp_path / "050_haute.sql"
    haute.write_text("create table haute (a integer);")
    basse = tmp_path / "040_basse.sql"
    basse.write_text("create table basse (a integer);")
    con = duckdb.connect()
    monkeypatch.setattr(db, "migrations_disponibles", lambda: [*vraies, (50, "haute", haute)])
    db.migrer(con)
    monkeypatch.setattr(
        db, "migrations_disponibles", lambda: [*vraies, (40, "basse", basse), (50, "haute", haute)]
    )
    assert db.migrer(con) == [40]
    assert db.migrer(con) == []
