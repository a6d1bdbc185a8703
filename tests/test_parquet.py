"""Parquet partitions (by programme and year): every query reads them as it reads the DuckDB file."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import config, db, parquet, requetes
from pre_pilotage.administration import Utilisateur
from pre_pilotage.demo import generer_base
from tests.fixture_base import ALPHA, PRE, QPV_BETA

VUES = [
    (None, None, 2024),
    (None, None, 2025),
    (ALPHA, None, 2025),
    (None, QPV_BETA, 2024),
]


@pytest.fixture(scope="module")
def dossier_fixture(chemin_fixture, tmp_path_factory):
    dossier = tmp_path_factory.mktemp("parquet") / "pre"
    parquet.exporter(chemin_fixture, dossier)
    return dossier


def resultats(chemin, pre_id: str, vues=VUES) -> dict:
    con = db.ouvrir_lecture(chemin)
    try:
        sortie = {}
        for fichier in sorted(config.DOSSIER_REQUETES.glob("*.sql")):
            requete = requetes.charger(fichier.stem)
            for commune, qpv, annee in vues:
                valeurs = {
                    "pre_id": pre_id,
                    "commune": commune,
                    "qpv": qpv,
                    "annee": annee,
                    "geographie": 2024,
                    "niveau": "territoire",
                }
                parametres = {k: valeurs[k] for k in requete.parametres}
                cle = (fichier.stem, tuple(sorted(parametres.items())))
                sortie[cle] = requetes.executer(con, fichier.stem, 11, **parametres)
        return sortie
    finally:
        con.close()


def identiques(a: dict, b: dict) -> list:
    assert a.keys() == b.keys()
    return [k for k in a if a[k].schema != b[k].schema or not a[k].equals(b[k], null_equal=True)]


def test_partitions_par_programme_et_par_annee(dossier_fixture):
    assert (dossier_fixture / "parcours" / f"pre_id={PRE}" / "data_0.parquet").is_file()
    assert (dossier_fixture / "fiche_action" / f"pre_id={PRE}" / "annee=2025").is_dir()
    # Child tables are partitioned by their parent's programme and year.
    assert (dossier_fixture / "financement" / f"pre_id={PRE}" / "annee=2024").is_dir()
    assert (dossier_fixture / "eps_reunion" / f"pre_id={PRE}" / "annee=2025").is_dir()
    # Reference tables are one file; the migration log is not exported.
    assert (dossier_fixture / "commune" / "data_0.parquet").is_file()
    assert not (dossier_fixture / "schema_version").exists()
    # A Parquet folder is read-only: no migration is attempted on it.
    assert db.migrer_fichier(dossier_fixture) == []


def test_chaque_requete_lit_les_partitions_comme_le_fichier(chemin_fixture, dossier_fixture):
    fichier = resultats(chemin_fixture, PRE)
    partitions = resultats(dossier_fixture, PRE)
    assert len(fichier) >= 4 * 30
    assert identiques(fichier, partitions) == []
    # Not vacuous: the fixture's figures are there (41 children followed in 2025).
    cle = (("annee", 2025), ("commune", None), ("pre_id", PRE), ("qpv", None))
    assert partitions[("synthese_publics", cle)]["actifs"].to_list() == [54, 41]


def test_un_programme_remplace_ses_seules_partitions(tmp_path):
    source = generer_base(
        tmp_path / "deux.duckdb", programmes=2, beneficiaires_par_an=120, proteger=False
    )
    dossier = tmp_path / "parquet"
    parquet.exporter(source, dossier)
    autre = dossier / "parcours" / "pre_id=pre-90001" / "data_0.parquet"
    contenu_autre = autre.read_bytes()
    # The second programme's batch job re-imports 2025 without its fiches-action.
    with duckdb.connect(str(source)) as con:
        con.execute(
            "delete from financement where fiche_id in (select fiche_id from fiche_action"
            " where pre_id = 'pre-90002' and annee = 2025)"
        )
        con.execute("delete from fiche_action where pre_id = 'pre-90002' and annee = 2025")
    lignes = parquet.exporter(source, dossier, ["pre-90002"])
    assert lignes["fiche_action"] == 4 * 30  # the programme's other years
    assert autre.read_bytes() == contenu_autre
    assert not (dossier / "fiche_action" / "pre_id=pre-90002" / "annee=2025").exists()
    assert (dossier / "fiche_action" / "pre_id=pre-90001" / "annee=2025").is_dir()
    vues = [(None, None, 2025)]
    for programme in ("pre-90001", "pre-90002"):
        assert (
            identiques(resultats(source, programme, vues), resultats(dossier, programme, vues))
            == []
        )
    # Consolidated into one DuckDB file for national serving: the same results again.
    consolidee = parquet.consolider(dossier, tmp_path / "consolidee.duckdb")
    assert consolidee["programme"] == 2
    for programme in ("pre-90001", "pre-90002"):
        assert (
            identiques(
                resultats(source, programme, vues),
                resultats(tmp_path / "consolidee.duckdb", programme, vues),
            )
            == []
        )


def test_l_application_lit_les_partitions(dossier_fixture, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(dossier_fixture))
    requetes.vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", "administration")
    at.run()
    assert not at.exception
    valeurs = {m.label: m.value for m in at.metric}
    assert valeurs["Enfants accompagnés"] == "41"
    assert valeurs["Budget programmé"] == "29\u202f000\u00a0€"
    requetes.vider_caches()


def test_les_vues_gardent_les_types_du_schema(dossier_fixture, chemin_fixture):
    partitions = db.ouvrir_lecture(dossier_fixture)
    with duckdb.connect(str(chemin_fixture), read_only=True) as fichier:
        for table in ("parcours", "fiche_action", "financement", "action_parcours", "qpv"):
            attendu = fichier.table(table).types
            assert partitions.table(table).types == attendu, table
            assert (
                partitions.table(table).count("*").fetchall()
                == fichier.table(table).count("*").fetchall()
            )
    assert pl.DataFrame(partitions.table("meta").fetchall()).height >= 1
    partitions.close()


def test_des_partitions_d_avant_une_migration_se_lisent(chemin_fixture, tmp_path):
    """A programme's files written before migration 061 (no fiche number) beside newer ones:
    read by column name, the number taken from the key as the migration did, and consolidated
    (the column is NOT NULL in a DuckDB file)."""
    dossier = tmp_path / "parquet"
    parquet.exporter(chemin_fixture, dossier)
    fichiers = sorted((dossier / "fiche_action").glob("**/*.parquet"))
    assert len(fichiers) >= 2
    ancien = fichiers[0]
    pl.read_parquet(ancien).drop("numero").write_parquet(ancien.with_suffix(".old"))
    ancien.with_suffix(".old").replace(ancien)
    con = parquet.ouvrir(dossier)
    try:
        fiches = con.execute(
            "select count(*), count(*) filter (where numero = fiche_id) from fiche_action"
        ).fetchone()
    finally:
        con.close()
    with duckdb.connect(str(chemin_fixture), read_only=True) as con:
        attendu = con.execute("select count(*) from fiche_action").fetchone()[0]
    assert fiches == (attendu, attendu)
    lignes = parquet.consolider(dossier, tmp_path / "consolidee.duckdb")
    assert lignes["fiche_action"] == attendu
