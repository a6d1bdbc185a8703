"""The « PRE et Cité éducative » page: its six queries (exact rows), the scorecard and sentences,
and the page (AppTest); its real-browser test on the demo territory (two Cités) is in
tests/test_navigateur.py.

Figures of the fixture Cité éducative (cite-99001, Alpha): see tests/fixture_base.py docstring.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import cite, config
from pre_pilotage.administration import Utilisateur
from pre_pilotage.indicateurs import definitions
from pre_pilotage.requetes import executer
from tests.fixture_base import CITE, PRE

NOM = "Cité éducative d'Alpha"


def requete(con, nom, annee=2025):
    return executer(con, nom, 11, pre_id=PRE, annee=annee)


def lignes(cadre, colonnes):
    return cadre.select(colonnes).rows()


def test_scolarisation_et_residence(con_fixture):
    cadre = requete(con_fixture, "cite_scolarisation_residence")
    assert lignes(
        cadre,
        [
            "cite_id",
            "annee",
            "beneficiaires",
            "scolarises_cite",
            "part_scolarises_cite",
            "residant_qpv_cite",
            "part_residant_qpv_cite",
        ],
    ) == [
        (CITE, 2024, 54, 47, 87.0, 35, 64.8),
        (CITE, 2025, 41, 27, 65.9, 15, 36.6),
    ]


def test_couverture_eps(con_fixture):
    cadre = requete(con_fixture, "cite_couverture_eps", annee=2024)
    assert lignes(cadre, ["cite_id", "annee", "qpv_cite", "qpv_couverts", "part_qpv_couverts"]) == [
        (CITE, 2023, 1, 0, 0.0),
        (CITE, 2024, 1, 1, 100.0),
    ]


def test_cofinancement(con_fixture):
    cadre = requete(con_fixture, "cite_cofinancement")
    assert lignes(
        cadre,
        [
            "annee",
            "fiches_cofinancees",
            "montant_cite",
            "montant_fiches_cofinancees",
            "budget_programme",
            "part_programmation_cite",
        ],
    ) == [(2024, 1, 500.0, 5_000.0, 25_000.0, 20.0), (2025, 0, 0.0, 0.0, 29_000.0, 0.0)]


def test_gouvernance(con_fixture):
    cadre = requete(con_fixture, "cite_gouvernance")
    assert lignes(
        cadre,
        ["annee", "reunions_conjointes", "copil_cite", "copil_avec_pre", "pre_present_copil_cite"],
    ) == [(2024, 1, 1, 2, True), (2025, 0, 1, 0, False)]


def test_orientations_masquees(con_fixture):
    cadre = requete(con_fixture, "cite_orientations")
    assert lignes(
        cadre,
        [
            "annee",
            "orientations",
            "orientations_cite",
            "orientations_cite__secret",
            "part_orientations_cite",
            "part_orientations_cite__secret",
        ],
    ) == [(2024, 15, None, "< 11", None, "s"), (2025, 0, 0, None, None, None)]
    # With a threshold of 2, the hidden figures are 3 of 15 orientations.
    brut = executer(con_fixture, "cite_orientations", 2, pre_id=PRE, annee=2024)
    assert lignes(brut, ["annee", "orientations", "orientations_cite"]) == [
        (2023, 35, 0),
        (2024, 15, 3),
    ]


def test_etablissements_en_eps(con_fixture):
    cadre = requete(con_fixture, "cite_etablissements_eps")
    assert lignes(
        cadre,
        [
            "annee",
            "etablissements_cite",
            "etablissements_representes",
            "part_etablissements_eps",
            "reunions_avec_acteur_cite",
        ],
    ) == [(2024, 2, 2, 100.0, 2), (2025, 2, 1, 50.0, 1)]


@pytest.fixture(scope="module")
def cadres(con_fixture):
    return {nom: requete(con_fixture, nom) for nom in cite.REQUETES}


def test_chaque_mesure_est_definie():
    assert {m.code for m in cite.MESURES} <= set(definitions())


def test_tableau_de_bord(cadres):
    assert cite.cites(cadres) == [(CITE, NOM)]
    tableau = cite.tableau_de_bord(cadres, CITE, NOM, 2025)
    assert lignes(tableau, ["code", "valeur", "evolution", "lecture"]) == [
        ("cite_part_scolarises", "65,9\u00a0%", "−21,1\u00a0pts", "Solide"),
        ("cite_part_residant_qpv", "36,6\u00a0%", "−28,2\u00a0pts", "En progrès"),
        ("cite_part_qpv_eps", "100,0\u00a0%", "0,0\u00a0pt", "Solide"),
        ("cite_fiches_cofinancees", "0", "−1", "À renforcer"),
        ("cite_montant_cofinance", "0\u00a0€", "−500\u00a0€", "–"),
        ("cite_part_programmation", "0,0\u00a0%", "−20,0\u00a0pts", "À renforcer"),
        ("cite_reunions_conjointes", "0", "−1", "À renforcer"),
        ("cite_presence_copil", "non", "oui → non", "À renforcer"),
        ("cite_part_orientations", "–", "–", "–"),
        ("cite_part_etablissements_eps", "50,0\u00a0%", "−50,0\u00a0pts", "En progrès"),
    ]
    phrases = dict(zip(tableau["code"], tableau["phrase"], strict=True))
    assert phrases["cite_part_scolarises"] == (
        "En 2025, 65,9\u00a0% des enfants accompagnés par le PRE sont scolarisés dans une école "
        "ou un collège de la Cité éducative d'Alpha, contre 87,0\u00a0% en 2024."
    )
    assert phrases["cite_fiches_cofinancees"] == (
        "En 2025, 0 fiche-action du PRE est cofinancée par la Cité éducative d'Alpha, "
        "contre 1 en 2024."
    )
    assert phrases["cite_presence_copil"] == (
        "En 2025, le PRE n'a participé à aucun comité de pilotage de la Cité éducative "
        "d'Alpha (oui en 2024)."
    )
    assert "n'est pas calculable" in phrases["cite_part_orientations"]
    seuils = dict(zip(tableau["code"], tableau["seuils"], strict=True))
    assert seuils["cite_part_scolarises"] == (
        "À renforcer : moins de 25\u00a0% ; en progrès : de 25\u00a0% à moins de 50\u00a0% ; "
        "solide : 50\u00a0% ou plus."
    )


def test_valeur_masquee_ni_lecture_ni_chiffre(cadres, con_fixture):
    masques = dict(cadres) | {"cite_orientations": requete(con_fixture, "cite_orientations", 2024)}
    tableau = cite.tableau_de_bord(masques, CITE, NOM, 2024)
    ligne = tableau.filter(tableau["code"] == "cite_part_orientations").row(0, named=True)
    assert ligne["valeur"] == "s" and ligne["lecture"] == ligne["evolution"] == "–"
    assert "secret statistique" in ligne["phrase"] and not re.search(r"\d+\s*%", ligne["phrase"])


def test_lecture_aux_seuils():
    mesure = next(m for m in cite.MESURES if m.code == "cite_part_scolarises")
    assert [cite.lecture(v, mesure) for v in (None, 0, 24.9, 25, 49.9, 50, 100)] == [
        None,
        "À renforcer",
        "À renforcer",
        "En progrès",
        "En progrès",
        "Solide",
        "Solide",
    ]


def test_comparaison(cadres):
    comparaison = cite.comparaison(cadres, 2025)
    assert comparaison.columns == ["indicateur", NOM]
    assert comparaison.row(0) == (
        "Enfants scolarisés dans la Cité éducative",
        "65,9\u00a0% (solide)",
    )


@pytest.fixture
def application(chemin_fixture, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", "lecture")
    return at


def test_page_cite(application):
    at = application.run()
    at.switch_page("pages/cite.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["PRE et Cité éducative"]
    assert [t.label for t in at.tabs] == [NOM, "Comparaison des Cités"]
    texte = " ".join(m.value for m in at.markdown)
    assert "65,9\u00a0% des enfants accompagnés par le PRE sont scolarisés" in texte
    assert "secret statistique" not in texte or "< 11" not in texte
    tableaux = [d.value for d in at.dataframe]
    assert tableaux[0]["Valeur"].to_list()[:2] == ["65,9\u00a0%", "36,6\u00a0%"]
    assert "Seuils de lecture" in tableaux[0].columns
