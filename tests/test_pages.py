"""AppTest smoke and content tests of every page, on the fixture database."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import config
from pre_pilotage.administration import Utilisateur
from tests.fixture_base import QPV_BETA
from tests.lecture import texte_lu

PAGES = sorted(set(re.findall(r'"(pages/[a-z_]+\.py)"', (config.RACINE / "app.py").read_text())))


def test_pages_declarees():
    fichiers = sorted(f"pages/{p.name}" for p in (config.RACINE / "pages").glob("*.py"))
    assert PAGES == fichiers
    assert {
        "pages/synthese.py",
        "pages/carte.py",
        "pages/budget.py",
        "pages/cite.py",
        "pages/sources.py",
        "pages/import.py",
        "pages/administration.py",
    } <= set(PAGES)


@pytest.fixture
def application(chemin_fixture, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", "administration")
    return at


def metriques(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_chaque_page_s_affiche_sans_erreur(application, page):
    at = application.run()
    at.switch_page(page).run()
    assert not at.exception
    titres = [t.value for t in at.title]
    assert titres and titres[0] not in ("Connexion", "")


def test_synthese_chiffres_du_programme(application):
    at = application.run()
    assert not at.exception
    assert metriques(at) == {
        "Enfants accompagnés": "41",
        "Entrées dans le programme": "14",
        "Sorties du programme": "12",
        "Part résidant en QPV": "36,6\u00a0%",
        "Durée médiane des parcours": "5,9\u00a0mois",
        "Enfants par référent (ETP)": "20,5",
        "Budget programmé": "29\u202f000\u00a0€",
        "Part cofinancée": "51,7\u00a0%",
    }
    deltas = {m.label: m.delta for m in at.metric}
    # The programme's 54 children of 2024 are masked (secondary, tests/test_cite.py): no
    # change against 2024 is shown for them.
    assert deltas["Enfants accompagnés"] == ""
    assert deltas["Part cofinancée"] == "+3,7\u00a0pts"
    # The fixture database is not demo data: no demo banner.
    assert not any("Données fictives" in m.value for m in at.markdown)


def test_synthese_petit_qpv_ne_montre_aucun_petit_effectif(application):
    at = application.run()
    at.selectbox(key="qpv").set_value(QPV_BETA).run()
    at.selectbox(key="annee").set_value(2024).run()
    assert not at.exception
    valeurs = metriques(at)
    assert valeurs["Enfants accompagnés"] == "< 11"
    assert valeurs["Entrées dans le programme"] == "< 11"
    # Its children all live in it: no « Part résidant en QPV » (100 % or « s ») on its page.
    assert "Part résidant en QPV" not in valeurs
    assert valeurs["Durée médiane des parcours"] == "s"
    assert at.query_params["qpv"] == [QPV_BETA] or at.query_params["qpv"] == QPV_BETA
    # Hovering a masked key figure says why it is hidden.
    aides = {m.label: m.help for m in at.metric}
    assert aides["Enfants accompagnés"].endswith(
        "\n\n« < 11 » : moins de 11 enfants, effectif non diffusé."
    )
    assert aides["Durée médiane des parcours"].endswith(
        "\n\n« s » : chiffre masqué pour qu'un petit effectif ne puisse pas être recalculé à "
        "partir des autres."
    )
    # A quartier's page shows its commune's budget, and says so on the card and in the chart's
    # title (an outside reader took « Budget par financeur – QPV … » for the quartier's own).
    assert "effectif non diffusé" not in aides["Budget programmé (toute la commune)"]
    titres = [
        texte_lu(m.value) for m in at.markdown if m.value.startswith("#### Budget par financeur")
    ]
    assert titres == [
        "#### Budget par financeur – QPV Beta Sud (QN09691N), budget de toute la commune, 2024"
    ]


def test_note_du_secret_sous_chaque_tableau_selon_ses_jetons(application):
    application.query_params["annee"] = "2024"
    at = application.run()
    at.switch_page("pages/cite.py").run()
    assert not at.exception
    # The Cité's key figures show « s » only; inside / outside the Cité, « s » and « < 11 ».
    assert "s" in at.dataframe[0].value["Valeur"].to_list()
    assert at.dataframe[1].value.iloc[0].to_list() == ["Enfants accompagnés", "s", "< 11", "s"]
    secondaire = (
        "« s » : chiffre masqué pour qu'un petit effectif ne puisse pas être recalculé à partir "
        "des autres"
    )
    notes = [c.value for c in at.caption if c.value.startswith("Secret statistique")]
    assert notes == [
        f"Secret statistique – {secondaire}.",
        f"Secret statistique – « < 11 » : moins de 11 enfants, effectif non diffusé ; {secondaire}.",
    ]
    # Budget: only « s » notes (no small count shown there in 2024): the programme's figures
    # of 2024 masked by the whole-database protection (secondary), under a chart with its
    # source and under a table.
    at.switch_page("pages/budget.py").run()
    source = "Source : données du programme (tableau de bord PRE). Données au 31/12/2025."
    assert [c.value for c in at.caption if "Secret statistique" in c.value] == [
        f"{source} Secret statistique – {secondaire}.",
        f"Secret statistique – {secondaire}.",
    ]


def test_la_page_lit_ses_filtres_dans_l_url(application):
    application.query_params["annee"] = "2024"
    at = application.run()
    # 2024's figures, not 2025's (41 children, 29 000 € programmed): the 54 children of 2024
    # are masked (secondary), its budget is shown.
    assert metriques(at)["Enfants accompagnés"] == "s"
    assert metriques(at)["Budget programmé"] == "25\u202f000\u00a0€"


def test_chaque_graphique_a_ses_donnees_en_tableau(application):
    """RGAA: the chart's figures one click away, as a real table, masked cells by their token."""
    at = application.run()
    assert not at.exception
    tableaux = [e for e in at.expander if e.label == "Données du graphique"]
    assert tableaux, "aucun tableau de données sous les graphiques de la Synthèse"
    premier = tableaux[0].table[0].value
    # « Enfants accompagnés par année », fixture: 2023 to 2025; the stock bars' labels.
    assert list(premier.columns)[0] == "Catégorie"
    assert [str(c) for c in premier["Catégorie"]] == ["2023", "2024", "2025"]
    enfants = [str(v).replace("\u202f", " ") for v in premier.iloc[:, 1]]
    assert enfants[-1] == "41"
    assert all(v == "–" or v.startswith("<") or v == "s" or int(v) >= 11 for v in enfants)
    # The lines (entries, exits) too, from their hover values.
    assert list(premier.columns)[1:] == ["Enfants accompagnés", "Entrées", "Sorties"]
