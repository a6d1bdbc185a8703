"""Aggregates across programmes on the Territoires page (tests/fixture_programmes.py, figures
computed by hand in its docstring), and lecture accounts limited to one programme."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import polars as pl
import pytest

from pre_pilotage import agregats, comptes, formats, protection
from pre_pilotage.administration import Utilisateur, connexion
from pre_pilotage.requetes import executer
from tests import fixture_programmes
from tests.test_territoires import _page
from tests.test_territoires import chemin_reference as chemin_reference  # noqa: F401

NORD = ["59"]
PROGRAMMES_NORD = [
    "pre-dunkerque",
    "pre-lille",
    "pre-maubeuge",
    "pre-roubaix",
    "pre-tourcoing",
    "pre-valenciennes",
]
COLONNES = ["code", "territoire", "programmes", "mediane", "q1", "q3", "minimum", "maximum"]


@pytest.fixture(scope="module")
def chemin_programmes(tmp_path_factory):
    return fixture_programmes.construire(
        tmp_path_factory.mktemp("programmes") / "programmes.duckdb"
    )


@pytest.fixture(scope="module")
def con_programmes(chemin_programmes):
    import duckdb

    con = duckdb.connect(str(chemin_programmes), read_only=True)
    yield con
    con.close()


def _agregats(con, departements):
    pre_ids = agregats.programmes_du_territoire(
        executer(con, "programmes_communes", 11), departements
    )
    cellules = agregats.cellules(con, 11, 2025, pre_ids)
    return agregats.agreger(
        cellules,
        executer(con, "budget_par_programme_et_financeur", 11, annee=2025),
        executer(con, "references_nationales", 11),
        2025,
    )


def test_programmes_du_territoire(con_programmes):
    communes = executer(con_programmes, "programmes_communes", 11)
    assert agregats.programmes_du_territoire(communes, NORD) == PROGRAMMES_NORD
    assert agregats.programmes_du_territoire(communes, ["62"]) == ["pre-lens"]
    assert len(agregats.programmes_du_territoire(communes, None)) == 7
    assert agregats.annees(con_programmes, 11) == {2025: sorted([*PROGRAMMES_NORD, "pre-lens"])}


def test_cellules_lues_d_un_coup_comme_lire_vue(con_programmes):
    """The one-statement read gives each programme's cells exactly as protection.lire_vue."""
    cellules = agregats.cellules(con_programmes, 11, 2025, PROGRAMMES_NORD)
    assert cellules["pre_id"].to_list() == PROGRAMMES_NORD
    for ligne in cellules.iter_rows(named=True):
        vue = protection.lire_vue(
            con_programmes,
            "budget_chiffres_cles",
            {"pre_id": ligne["pre_id"], "commune": None, "qpv": None, "annee": 2025},
            11,
        ).filter(pl.col("annee") == 2025)
        assert ligne["actifs"] == vue["actifs"][0]
        assert ligne["actifs__secret"] == vue["actifs__secret"][0]
        assert ligne["cout_par_beneficiaire"] == vue["cout_par_beneficiaire"][0]
    assert cellules.select("pre_id", "actifs", "actifs__secret", "enfants_par_etp").rows() == [
        ("pre-dunkerque", 60, None, 20.0),
        ("pre-lille", 30, None, 15.0),
        ("pre-maubeuge", None, "< 11", None),
        ("pre-roubaix", 12, None, 12.0),
        ("pre-tourcoing", 20, None, 20.0),
        ("pre-valenciennes", 45, None, 22.5),
    ]


def test_nord_totaux_quartiles_et_programme_masque_ecarte(con_programmes):
    resultat = _agregats(con_programmes, NORD)
    assert resultat.programmes == 6
    assert resultat.ecartes == {"< 11": 1}
    assert resultat.indicateurs.select(COLONNES).rows() == [
        ("actifs", 167.0, "5 sur 6", 30.0, 20.0, 45.0, 12.0, 60.0),
        ("entrees", 167.0, "5 sur 6", 30.0, 20.0, 45.0, 12.0, 60.0),
        (
            "budget_programme",
            400_000.0,
            "6 sur 6",
            65_000.0,
            42_500.0,
            87_500.0,
            20_000.0,
            120_000.0,
        ),
        ("part_cofinancee", 27.5, "6 sur 6", 25.0, 21.3, 31.2, 0.0, 37.5),
        ("cout_par_beneficiaire", 2_275.0, "5 sur 6", 2_500.0, 2_000.0, 2_667.0, 2_000.0, 3_333.0),
        ("enfants_par_etp", 18.6, "5 sur 6", 20.0, 15.0, 20.0, 12.0, 22.5),
    ]
    assert resultat.financeurs.select(
        "financeur", "montant", "part", "programmes", "mediane"
    ).rows() == [
        ("État – politique de la ville", 290_000.0, 72.5, "6 sur 6", 45_000.0),
        ("EPCI", 30_000.0, 7.5, "1 sur 6", 0.0),
        ("Communes", 65_000.0, 16.3, "3 sur 6", 5_000.0),
        ("CAF", 15_000.0, 3.8, "2 sur 6", 0.0),
    ]
    assert agregats.phrase_ecartes(resultat) == (
        "1 programme sur 6 est écarté des chiffres d'enfants (enfants accompagnés, entrées, coût "
        "par enfant, enfants par ETP de référent) : son nombre d'enfants n'est pas diffusé ("
        "moins de 11 enfants, « < 11 »). Ses montants restent comptés dans le budget et la part "
        "cofinancée."
    )
    references = dict(
        zip(resultat.indicateurs["code"], resultat.indicateurs["reference"], strict=True)
    )
    assert references["enfants_par_etp"] == "68 enfants par référent (ANCT, données 2021)"
    assert agregats.references(resultat)[2:] == [
        "Part cofinancée (hors État) : 27,0\u00a0% hors État (CGET, données 2016)",
        "Coût par enfant : environ 850\u00a0€ par enfant (CGET, données 2016)",
        "Enfants par ETP référent : 68 enfants par référent (ANCT, données 2021)",
        "État – politique de la ville : 73,0\u00a0% du budget (CGET, données 2016)",
        "Communes : 21,0\u00a0% du budget (CGET, données 2016)",
    ]
    financeurs = dict(
        zip(resultat.financeurs["financeur"], resultat.financeurs["reference"], strict=True)
    )
    assert financeurs["Communes"] == "21,0\u00a0% du budget (CGET, données 2016)"
    assert references["actifs"] == (
        "85\u202f000 enfants en France, soit environ 160 par programme (ANCT, données 2021)"
    )


def test_france_et_moins_de_cinq_programmes(con_programmes):
    # 12, 20, 25, 30, 45, 60: quartiles at ranks 1,25 and 3,75 -> 20 + 0,25 × 5 and 30 + 0,75 × 15.
    france = _agregats(con_programmes, None)
    assert france.indicateurs.filter(pl.col("code") == "actifs").select(COLONNES).rows() == [
        ("actifs", 192.0, "6 sur 7", 27.5, 21.3, 41.3, 12.0, 60.0)
    ]
    assert france.indicateurs["unite_repartition"][0] == "decimal"
    pas_de_calais = _agregats(con_programmes, ["62"])
    assert pas_de_calais.indicateurs.select(COLONNES).rows()[0] == (
        "actifs",
        25.0,
        "1 sur 1",
        None,
        None,
        None,
        None,
        None,
    )
    note = agregats.note_methode(pas_de_calais, 11)
    assert "il en faut au moins 5" in note
    assert note.startswith(
        "Chiffres d'enfants : ceux que chaque programme publie, protégés par le secret "
        "statistique au seuil de 11 enfants, quel que soit le rôle du compte."
    )
    assert agregats.phrase_ecartes(pas_de_calais) is None


def test_arrondi_au_plus_proche():
    assert agregats.arrondi(16.25, 1) == 16.3
    assert agregats.arrondi(2274.5, 0) == 2275.0
    assert agregats.arrondi(None, 1) is None


# -- the page (AppTest) ---------------------------------------------------------------------------


def test_page_nord_avec_les_chiffres_des_programmes(
    chemin_programmes, monkeypatch, chemin_reference
):  # noqa: F811
    at = _page(
        chemin_programmes,
        monkeypatch,
        chemin_reference,
        Utilisateur("t", "T", "lecture"),
        territoire="D59",
    )
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Programmes avec des données en 2025"] == "6"
    assert metriques["Enfants accompagnés en 2025"] == "167"
    assert metriques["Budget programmé en 2025"] == "400\u202f000\u00a0€"
    assert metriques["Coût par enfant accompagné en 2025"] == "2\u202f275\u00a0€"
    tableaux = [d.value for d in at.dataframe if "Indicateur" in d.value.columns]
    assert tableaux[0].iloc[3].to_list() == [
        "Part cofinancée (hors État)",
        "27,5\u00a0%",
        "6 sur 6",
    ]
    assert tableaux[1].iloc[3].to_list() == [
        "Part cofinancée (hors État)",
        "25,0\u00a0%",
        "21,3\u00a0%",
        "31,2\u00a0%",
        "0,0\u00a0%",
        "37,5\u00a0%",
    ]
    assert tableaux[0].iloc[0].to_list()[:3] == ["Enfants accompagnés", "167", "5 sur 6"]
    assert tableaux[1].iloc[0].to_list()[:2] == ["Enfants accompagnés", "30"]
    assert any("1 programme sur 6 est écarté" in c.value for c in at.caption)
    puces = next(m.value for m in at.markdown if m.value.startswith("- Enfants accompagnés"))
    assert len(puces.splitlines()) == 7  # 5 indicators and 2 funders with a national reference


def test_page_compte_limite_a_un_programme(chemin_programmes, monkeypatch, chemin_reference):  # noqa: F811
    lille = Utilisateur("l", "L", "lecture", None, "pre-lille")
    at = _page(chemin_programmes, monkeypatch, chemin_reference, lille, territoire="D59")
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Programmes avec des données en 2025"] == "1"
    assert metriques["Enfants accompagnés en 2025"] == "30"
    assert any("il en faut au moins 5" in c.value for c in at.caption)
    # Only its programme in the sidebar; another one asked by URL is refused server-side.
    assert at.selectbox(key="pre").options == ["PRE de Lille"]
    at = _page(chemin_programmes, monkeypatch, chemin_reference, lille, pre="pre-roubaix")
    assert [e.value for e in at.error] == [
        "Accès refusé : votre compte est limité à un seul programme ; ce programme n'est pas le sien."
    ]
    assert not at.metric


# -- accounts limited to a programme --------------------------------------------------------------


def test_compte_limite_a_un_programme(tmp_path):
    chemin = tmp_path / "administration.sqlite"
    comptes.enregistrer_compte(
        "elu", "Élu de Lille", "lecture", "mot de passe long", chemin=chemin, pre_id="pre-lille"
    )
    utilisateur, _ = comptes.authentifier("elu", "mot de passe long", chemin=chemin, pause=0)
    assert utilisateur == Utilisateur("elu", "Élu de Lille", "lecture", None, "pre-lille")
    assert comptes.lister_comptes(chemin)[0]["pre_id"] == "pre-lille"
    with pytest.raises(
        ValueError, match="Seul un compte « lecture » peut être limité à un programme"
    ):
        comptes.enregistrer_compte(
            "c", "C", "coordination", "mot de passe long", chemin=chemin, pre_id="pre-lille"
        )
    # Made national again: the restriction is removed.
    comptes.enregistrer_compte("elu", "Élu de Lille", "lecture", None, chemin=chemin, source="oidc")
    assert comptes.lister_comptes(chemin)[0]["pre_id"] is None


def test_ancien_fichier_des_comptes_recoit_la_colonne_programme(tmp_path):
    chemin = tmp_path / "ancien.sqlite"
    with closing(sqlite3.connect(chemin)) as con:
        con.execute(
            "create table compte (identifiant text primary key, nom_affiche text not null,"
            " role text not null, empreinte_mot_de_passe text, source text not null default"
            " 'local', actif integer not null default 1, echecs_consecutifs integer not null"
            " default 0, bloque_jusqu_a text, cree_le text not null, departement text)"
        )
        con.commit()
    with closing(connexion(chemin)) as con:
        colonnes = [r[1] for r in con.execute("pragma table_info(compte)")]
    assert colonnes[-2:] == ["departement", "pre_id"]


def test_page_comptes_montre_et_propose_la_limite_a_un_programme(
    chemin_programmes, monkeypatch, tmp_path
):
    from streamlit.testing.v1 import AppTest

    from pre_pilotage import config
    from pre_pilotage.requetes import vider_caches

    administration = tmp_path / "administration.sqlite"
    comptes.enregistrer_compte(
        "elu.lille",
        "Élu",
        "lecture",
        "un mot de passe long",
        chemin=administration,
        pre_id="pre-lille",
    )
    monkeypatch.setenv("PRE_BASE", str(chemin_programmes))
    monkeypatch.setenv("PRE_ADMINISTRATION", str(administration))
    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=120)
    at.session_state["utilisateur"] = Utilisateur("admin", "A", "administration")
    at.run()
    at.switch_page("pages/administration.py").run()
    assert not at.exception
    choix = at.get("form")[0].selectbox[1]
    assert choix.label.startswith("Limité au programme (rôle lecture seulement")
    assert choix.options == [
        "Tous les programmes",
        "PRE de Dunkerque",
        "PRE de Lens",
        "PRE de Lille",
        "PRE de Maubeuge",
        "PRE de Roubaix",
        "PRE de Tourcoing",
        "PRE de Valenciennes",
    ]
    assert at.dataframe[0].value["Limité au programme"].to_list() == ["PRE de Lille"]


def test_commande_compte_limite_a_un_programme(monkeypatch, tmp_path, capsys):
    import io

    from pre_pilotage.__main__ import main

    chemin = tmp_path / "administration.sqlite"
    monkeypatch.setenv("PRE_ADMINISTRATION", str(chemin))
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe long\n"))
    assert (
        main(
            [
                "compte",
                "elu",
                "--role",
                "lecture",
                "--programme",
                "pre-lille",
                "--mot-de-passe-stdin",
            ]
        )
        == 0
    )
    assert comptes.lister_comptes(chemin)[0]["pre_id"] == "pre-lille"
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe long\n"))
    assert (
        main(
            [
                "compte",
                "coord",
                "--role",
                "coordination",
                "--programme",
                "pre-lille",
                "--mot-de-passe-stdin",
            ]
        )
        == 2
    )
    assert capsys.readouterr().err.strip() == (
        "Seul un compte « lecture » peut être limité à un programme."
    )


def test_phrase_des_programmes_ecartes_au_pluriel():
    resultat = agregats.Agregats(2025, 14, pl.DataFrame(), pl.DataFrame(), {"s": 1, "< 11": 2})
    assert agregats.phrase_ecartes(resultat) == (
        "3 programmes sur 14 sont écartés des chiffres d'enfants (enfants accompagnés, entrées, "
        "coût par enfant, enfants par ETP de référent) : leur nombre d'enfants n'est pas diffusé "
        "(2 de moins de 11 enfants, « < 11 » ; 1 masqué pour protéger un petit effectif d'un "
        "autre chiffre, « s »). Leurs montants restent comptés dans le budget et la part "
        "cofinancée."
    )


def test_seuil_de_lecture_meme_pour_la_coordination(monkeypatch, tmp_path, chemin_reference):  # noqa: F811
    """With a coordination threshold of 5, Maubeuge's 6 children are shown on its own pages to
    the coordination role, but the figures across programmes keep the lecture threshold."""
    monkeypatch.setenv("PRE_SEUIL_SECRET", "5")
    base = fixture_programmes.construire(tmp_path / "programmes-5.duckdb")
    import duckdb

    with duckdb.connect(str(base), read_only=True) as con:
        assert agregats.cellules(con, 5, 2025, ["pre-maubeuge"])["actifs"].to_list() == [6.0]
    coordination = Utilisateur("c", "C", "coordination")
    at = _page(base, monkeypatch, chemin_reference, coordination, territoire="D59")
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Enfants accompagnés en 2025"] == "167"
    assert any("1 programme sur 6 est écarté" in c.value for c in at.caption)


def test_base_nationale_du_banc_a_petite_echelle(tmp_path, monkeypatch, chemin_reference):  # noqa: F811
    """The national benchmark database (bench/national.py: `generer_base` with programmes and
    children a year), at five programmes instead of 530 and protected as an import would:
    the France figures across programmes equal what its raw tables give, computed here apart."""
    import duckdb
    import numpy as np

    from pre_pilotage.demo import generer_base
    from pre_pilotage.requetes import lire_protege

    chemin = generer_base(tmp_path / "national.duckdb", programmes=5, beneficiaires_par_an=800)
    with duckdb.connect(str(chemin), read_only=True) as con:
        pre_ids = [p for (p,) in con.execute("select pre_id from programme order by 1").fetchall()]
        assert len(pre_ids) == 5
        assert (
            sorted(
                agregats.programmes_du_territoire(
                    lire_protege(con, "programmes_communes", 11), None
                )
            )
            == pre_ids
        )
        enfants = dict(
            con.execute(
                "select pre_id, count(distinct beneficiaire_id) from parcours"
                " where actif_dans_annee(date_entree, date_sortie, 2025) group by 1"
            ).fetchall()
        )
        budget = dict(
            con.execute(
                "select f.pre_id, sum(m.montant_prevu) from fiche_action as f"
                " join financement as m using (fiche_id) where f.annee = 2025 group by 1"
            ).fetchall()
        )
        # The programmes whose 2025 count of children the stored protection shows.
        vus = {
            p
            for p in pre_ids
            if lire_protege(con, "beneficiaires_par_annee", 11, pre_id=p, commune=None, qpv=None)
            .filter(pl.col("annee") == 2025)["actifs__secret"]
            .is_null()
            .all()
        }
        resultat = agregats.agreger(
            agregats.cellules(con, 11, 2025, pre_ids),
            lire_protege(con, "budget_par_programme_et_financeur", 11, annee=2025),
            lire_protege(con, "references_nationales", 11),
            2025,
        )
    # The bench spreads about 160 children a programme over the demo's 11 communes and 15 QPV
    # (real programmes of that size mostly cover one commune): with every commune and QPV
    # breakdown published and « s » known to be at least 1, the protection masks the 2025
    # headline count of some programmes. Those are left out of the child figures, counted
    # by token and said; the figures of the others equal their raw data.
    montres = [p for p in pre_ids if p in vus]
    assert resultat.programmes == 5
    assert sum(resultat.ecartes.values()) == 5 - len(montres) and len(montres) >= 2
    if resultat.ecartes:
        assert agregats.phrase_ecartes(resultat).startswith(
            f"{5 - len(montres)} programme{'s' if 5 - len(montres) > 1 else ''} sur 5"
        )
    lignes = {r["code"]: r for r in resultat.indicateurs.to_dicts()}
    valeurs = np.array([enfants[p] for p in montres], dtype=float)
    assert (
        lignes["actifs"]["territoire"],
        lignes["actifs"]["programmes"],
        lignes["actifs"]["mediane"],
        lignes["actifs"]["q1"],
        lignes["actifs"]["q3"],
        lignes["actifs"]["minimum"],
        lignes["actifs"]["maximum"],
    ) == (
        (
            valeurs.sum(),
            f"{len(montres)} sur 5",
            agregats.arrondi(float(np.median(valeurs)), 1),
            agregats.arrondi(float(np.percentile(valeurs, 25)), 1),
            agregats.arrondi(float(np.percentile(valeurs, 75)), 1),
            valeurs.min(),
            valeurs.max(),
        )
        if len(montres) >= agregats.MINIMUM_QUANTILES
        # Fewer than 5 programmes kept: no distribution (it would nearly give each figure).
        else (valeurs.sum(), f"{len(montres)} sur 5", None, None, None, None, None)
    )
    assert lignes["budget_programme"]["territoire"] == pytest.approx(
        float(sum(budget[p] for p in pre_ids))
    )
    # The Territoires page, France entière, on that database: five programmes with data.
    at = _page(
        chemin, monkeypatch, chemin_reference, Utilisateur("t", "T", "lecture"), territoire="FR"
    )
    metriques = {m.label: m.value for m in at.metric}
    assert metriques["Programmes avec des données en 2025"] == "5"
    assert metriques["Enfants accompagnés en 2025"] == formats.nombre(valeurs.sum())
