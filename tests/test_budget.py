"""Programmation et budgets: exact rows of every budget query, chart builders and the page.

Every expected figure is computed by hand in tests/fixture_base.py's docstring.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from pre_pilotage import graphiques
from pre_pilotage.requetes import executer
from tests.fixture_base import ALPHA, BETA, QPV_ALPHA, QPV_BETA
from tests.lecture import texte_lu
from tests.test_navigateur import capturer, chiffres_cles, ouvrir, serveur  # noqa: F401
from tests.test_pages import application, metriques  # noqa: F401 (pytest fixture)
from tests.test_requetes import lignes, territoire

ETAT = "État – politique de la ville"
LANGAGE = "Langage et expression orale"


def requete(con, nom, seuil=11, **params):
    return executer(con, nom, seuil, **params)


# ------------------------------------------------------------------------------- key figures


def test_chiffres_cles_programme(con_fixture):
    cadre = requete(con_fixture, "budget_chiffres_cles", **territoire())
    colonnes = [
        "annee",
        "fiches_action",
        "budget_programme",
        "part_cofinancee",
        "montant_accorde",
        "montant_verse",
        "taux_execution",
        "fiches_financeur_unique",
        "actifs",
        "cout_par_beneficiaire",
    ]
    assert lignes(cadre, colonnes) == [
        (2024, 2, 25_000.0, 48.0, 25_000.0, 24_500.0, 98.0, 0, 54, 463.0),
        (2025, 3, 29_000.0, 51.7, 28_500.0, 18_500.0, 64.9, 1, 41, 707.0),
    ]
    assert cadre["cout_par_beneficiaire__secret"].null_count() == 2


def test_chiffres_cles_annee_precedente_avec_fiche_a_80_pourcent(con_fixture):
    # FA0 (2023): État 8 000 of 10 000, exactly 80 %: flagged.
    cadre = requete(con_fixture, "budget_chiffres_cles", **territoire(annee=2024))
    assert lignes(
        cadre, ["annee", "budget_programme", "part_cofinancee", "fiches_financeur_unique"]
    ) == [(2023, 10_000.0, 20.0, 1), (2024, 25_000.0, 48.0, 0)]
    assert lignes(cadre, ["actifs", "cout_par_beneficiaire"]) == [(20, 500.0), (54, 463.0)]


def test_chiffres_cles_commune_sans_cout_par_enfant(con_fixture):
    # Alpha: FA2 in 2024 (5 000 planned, 4 500 paid), FA5 in 2025 (commune alone, 4 000).
    cadre = requete(con_fixture, "budget_chiffres_cles", **territoire(commune=ALPHA))
    colonnes = [
        "annee",
        "fiches_action",
        "budget_programme",
        "part_cofinancee",
        "montant_verse",
        "taux_execution",
        "fiches_financeur_unique",
        "actifs",
        "cout_par_beneficiaire",
    ]
    assert lignes(cadre, colonnes) == [
        (2024, 1, 5_000.0, 40.0, 4_500.0, 90.0, 0, 50, None),
        (2025, 1, 4_000.0, 100.0, 2_000.0, 50.0, 1, 27, None),
    ]


def test_cout_par_enfant_masque_avec_le_nombre_d_enfants(con_fixture):
    # With a threshold of 50, the 41 children of 2025 are masked: so is 29 000 / 41.
    cadre = requete(con_fixture, "budget_chiffres_cles", seuil=50, **territoire())
    assert lignes(cadre, ["annee", "actifs", "cout_par_beneficiaire"])[1] == (2025, None, None)
    assert cadre["actifs__secret"][1] == "< 50"
    assert cadre["cout_par_beneficiaire__secret"][1] == "s"
    assert cadre["budget_programme"][1] == 29_000.0


def test_chiffres_cles_petit_quartier(con_fixture):
    # Beta Sud has 4 children in 2024: masked as on the Synthèse page.
    cadre = requete(con_fixture, "budget_chiffres_cles", **territoire(qpv=QPV_BETA, annee=2024))
    assert lignes(cadre, ["annee", "actifs", "actifs__secret", "budget_programme"]) == [
        (2023, 0, None, 0.0),
        (2024, None, "< 11", 0.0),
    ]


# ------------------------------------------------------------------------------ by funder


def test_execution_par_financeur(con_fixture):
    cadre = requete(con_fixture, "budget_execution_par_financeur", **territoire())
    assert lignes(cadre, cadre.columns) == [
        ("etat", ETAT, 14_000.0, 48.3, 14_000.0, 7_000.0, 50.0, 13_000.0, 7.7),
        ("epci", "EPCI", 8_000.0, 27.6, 8_000.0, 8_000.0, 100.0, 10_000.0, -20.0),
        ("commune", "Communes", 6_000.0, 20.7, 5_500.0, 3_500.0, 63.6, 1_500.0, 300.0),
        ("caf", "CAF", 1_000.0, 3.4, 1_000.0, 0.0, 0.0, 0.0, None),
        # The Cité éducative funded FA2 in 2024 only: shown, so that its withdrawal is visible.
        ("cite_educative", "Cité éducative", 0.0, 0.0, None, None, None, 500.0, -100.0),
    ]


def test_execution_par_financeur_commune(con_fixture):
    cadre = requete(con_fixture, "budget_execution_par_financeur", **territoire(commune=BETA))
    assert lignes(cadre, ["financeur", "montant_prevu", "part", "montant_verse"]) == [
        ("etat", 2_000.0, 40.0, 1_000.0),
        ("commune", 2_000.0, 40.0, 1_500.0),
        ("caf", 1_000.0, 20.0, 0.0),
    ]


def test_budget_par_financeur_inchange(con_fixture):
    # The Synthèse's query keeps its columns and planned amounts despite granted/paid changes.
    cadre = requete(con_fixture, "budget_par_financeur", **territoire())
    assert lignes(cadre, ["financeur", "montant_prevu", "part"]) == [
        ("etat", 14_000.0, 48.3),
        ("epci", 8_000.0, 27.6),
        ("commune", 6_000.0, 20.7),
        ("caf", 1_000.0, 3.4),
    ]


def test_flux_financeurs_thematiques(con_fixture):
    cadre = requete(con_fixture, "budget_flux_financeurs_thematiques", **territoire())
    assert lignes(cadre, ["financeur", "thematique", "montant_prevu"]) == [
        ("etat", "parentalite", 12_000.0),
        ("etat", "langage", 2_000.0),
        ("epci", "parentalite", 8_000.0),
        ("commune", "langage", 2_000.0),
        ("commune", "culture_sport", 4_000.0),
        ("caf", "langage", 1_000.0),
    ]


# --------------------------------------------------------------------- thematic, level, place


def test_budget_par_thematique_et_cout_par_enfant(con_fixture):
    cadre = requete(con_fixture, "budget_par_thematique", **territoire())
    colonnes = [
        "thematique",
        "montant_prevu",
        "part",
        "montant_prevu_precedent",
        "evolution",
        "beneficiaires",
        "beneficiaires__secret",
        "cout_par_beneficiaire",
        "cout_par_beneficiaire__secret",
    ]
    assert lignes(cadre, colonnes) == [
        # G2 (15, one of them with two actions) + G5 (14) on FA3: 29 children, 20 000 / 29.
        ("parentalite", 20_000.0, 69.0, 0.0, None, 29, None, 690.0, None),
        # 6 children of G5 on FA4: masked, and the cost that would give them back.
        ("langage", 5_000.0, 17.2, 0.0, None, None, "< 11", None, "s"),
        ("culture_sport", 4_000.0, 13.8, 0.0, None, 12, None, 333.0, None),
        ("scolarite", 0.0, 0.0, 5_000.0, -100.0, 0, None, None, None),
        ("ingenierie", 0.0, 0.0, 20_000.0, -100.0, 0, None, None, None),
    ]


def test_budget_par_thematique_2024(con_fixture):
    cadre = requete(con_fixture, "budget_par_thematique", **territoire(annee=2024))
    assert lignes(
        cadre,
        ["thematique", "montant_prevu", "montant_prevu_precedent", "evolution", "beneficiaires"],
    ) == [
        ("scolarite", 5_000.0, 10_000.0, -50.0, 20),
        ("ingenierie", 20_000.0, 0.0, None, 0),
    ]
    assert cadre["cout_par_beneficiaire"].to_list() == [250.0, None]


def test_budget_par_thematique_quartier(con_fixture):
    # A QPV keeps the communal fiches of its commune: Beta, FA4 only.
    cadre = requete(con_fixture, "budget_par_thematique", **territoire(qpv=QPV_BETA))
    assert lignes(cadre, ["libelle", "montant_prevu", "beneficiaires__secret"]) == [
        (LANGAGE, 5_000.0, "< 11")
    ]


def test_budget_par_niveau(con_fixture):
    cadre = requete(con_fixture, "budget_par_niveau", **territoire())
    assert lignes(cadre) == [
        ("intercommunal", "Intercommunal", 1, 20_000.0, 69.0, 20_000.0, 0.0),
        ("communal", "Communal", 2, 9_000.0, 31.0, 5_000.0, 80.0),
    ]
    cadre = requete(con_fixture, "budget_par_niveau", **territoire(commune=ALPHA))
    assert lignes(cadre, ["niveau", "fiches_action", "montant_prevu", "part"]) == [
        ("intercommunal", 0, 0.0, 0.0),
        ("communal", 1, 4_000.0, 100.0),
    ]


def test_budget_par_commune(con_fixture):
    cadre = requete(con_fixture, "budget_par_commune", **territoire())
    assert lignes(cadre) == [
        (BETA, "Beta", 1, 5_000.0, 17.2, 0.0, None),
        (ALPHA, "Alpha", 1, 4_000.0, 13.8, 5_000.0, -20.0),
    ]
    cadre = requete(con_fixture, "budget_par_commune", **territoire(qpv=QPV_ALPHA))
    assert lignes(cadre, ["nom", "montant_prevu", "part"]) == [("Alpha", 4_000.0, 100.0)]


def test_perimetre(con_fixture):
    assert lignes(requete(con_fixture, "budget_perimetre", **territoire())) == [
        (None, None, 3, 0, 0.0)
    ]
    # Beta Sud -> Beta: FA4 kept; FA3 (intercommunal) and FA5 (Alpha) left out, 24 000 €.
    assert lignes(requete(con_fixture, "budget_perimetre", **territoire(qpv=QPV_BETA))) == [
        (BETA, "Beta", 1, 2, 24_000.0)
    ]


# ----------------------------------------------------------------------- years and fiches


def test_budget_par_annee(con_fixture):
    cadre = requete(con_fixture, "budget_par_annee", pre_id="pre-test", commune=None, qpv=None)
    colonnes = [
        "annee",
        "fiches_action",
        "budget_programme",
        "montant_etat",
        "montant_cofinancement",
        "part_cofinancee",
        "montant_verse",
        "taux_execution",
        "actifs",
        "cout_par_beneficiaire",
    ]
    assert lignes(cadre, colonnes) == [
        (2023, 1, 10_000.0, 8_000.0, 2_000.0, 20.0, 10_000.0, 100.0, 20, 500.0),
        (2024, 2, 25_000.0, 13_000.0, 12_000.0, 48.0, 24_500.0, 98.0, 54, 463.0),
        (2025, 3, 29_000.0, 14_000.0, 15_000.0, 51.7, 18_500.0, 64.9, 41, 707.0),
    ]


def test_execution_par_fiche(con_fixture):
    cadre = requete(con_fixture, "budget_execution_par_fiche", **territoire())
    colonnes = [
        "fiche",
        "montant_prevu",
        "montant_accorde",
        "montant_verse",
        "taux_execution",
        "financeur_principal",
        "part_financeur_principal",
        "financeur_unique",
        "dependance",
        "beneficiaires_prevus",
        "beneficiaires_realises",
        "beneficiaires_realises__secret",
    ]
    assert lignes(cadre, colonnes) == [
        ("FA3", 20_000.0, 20_000.0, 14_000.0, 70.0, ETAT, 60.0, False, "Non", 40, 35, None),
        ("FA4", 5_000.0, 4_500.0, 2_500.0, 55.6, ETAT, 40.0, False, "Non", 15, None, "< 11"),
        ("FA5", 4_000.0, 4_000.0, 2_000.0, 50.0, "Communes", 100.0, True, "Oui", 20, 12, None),
    ]


def test_execution_par_fiche_seuil_80_pourcent_et_sans_beneficiaires(con_fixture):
    cadre = requete(con_fixture, "budget_execution_par_fiche", **territoire(annee=2024))
    assert lignes(
        cadre, ["fiche", "financeur_unique", "beneficiaires_prevus", "beneficiaires_realises"]
    ) == [("FA1", False, None, None), ("FA2", False, 30, 25)]
    cadre = requete(con_fixture, "budget_execution_par_fiche", **territoire(annee=2023))
    assert lignes(cadre, ["fiche", "part_financeur_principal", "financeur_unique"]) == [
        ("FA0", 80.0, True)
    ]


def test_fiches_action(con_fixture):
    cadre = requete(con_fixture, "budget_fiches_action", **territoire())
    assert lignes(cadre) == [
        ("FA3", "Fiche FA3", "Parentalité", "Intercommunal", "Toutes les communes",
         "École des parents", 20_000.0, f"{ETAT}, EPCI", "En cours"),
        ("FA4", "Fiche FA4", LANGAGE, "Communal", "Beta", "Médiathèque de Beta", 5_000.0,
         f"{ETAT}, Communes, CAF", "Validée"),
        ("FA5", "Fiche FA5", "Culture et sport", "Communal", "Alpha", "Non renseigné", 4_000.0,
         "Communes", "En cours"),
    ]  # fmt: skip
    cadre = requete(con_fixture, "budget_fiches_action", **territoire(commune=ALPHA, annee=2024))
    assert lignes(cadre, ["fiche", "financeurs", "statut"]) == [
        ("FA2", f"{ETAT}, Communes, Cité éducative", "Réalisée")
    ]


# ------------------------------------------------------------------------- chart builders


def test_graphiques_francais_et_masques(con_fixture):
    execution = requete(con_fixture, "budget_execution_par_financeur", **territoire())
    fig = graphiques.execution_par_financeur(execution)
    # Funders without money in the year are left out; the paid bar carries the rate.
    verse = fig.data[2]
    assert list(verse.y) == ["CAF", "Communes", "EPCI", ETAT]
    assert verse.text[-1] == "7\u202f000\u00a0€ (50,0\u00a0% de l'accordé)"

    thematiques = requete(con_fixture, "budget_par_thematique", **territoire())
    fig = graphiques.cout_par_beneficiaire_thematique(thematiques)
    assert list(fig.data[0].y) == ["Culture et sport", LANGAGE, "Parentalité"]
    assert list(fig.data[0].text) == ["333\u00a0€", "s", "690\u00a0€"]
    fig = graphiques.budget_par_thematique(thematiques, 2025)
    assert [trace.name for trace in fig.data] == ["2024", "2025"]
    assert "20\u202f000\u00a0€" in fig.data[1].text

    flux = requete(con_fixture, "budget_flux_financeurs_thematiques", **territoire())
    sankey = graphiques.flux_financeurs_thematiques(flux).data[0]
    assert sankey.node.customdata[0] == f"{ETAT} (14\u202f000\u00a0€)"
    assert sum(sankey.link.value) == 29_000.0
    assert len(sankey.node.customdata) == 4 + 3

    annees = requete(con_fixture, "budget_par_annee", pre_id="pre-test", commune=None, qpv=None)
    fig = graphiques.evolution_budget(annees)
    assert fig.data[2].text[-1] == "29\u202f000\u00a0€<br>51,7\u00a0% cofinancé"
    niveaux = requete(con_fixture, "budget_par_niveau", **territoire())
    assert list(graphiques.budget_par_niveau(niveaux, 2025).data[1].y) == [
        "Communal",
        "Intercommunal",
    ]
    communes = requete(con_fixture, "budget_par_commune", **territoire())
    fig = graphiques.budget_par_commune(communes, 2025)
    assert fig.layout.separators == ",\u202f"
    assert list(fig.data[0].text) == ["5\u202f000\u00a0€", "0\u00a0€"]


# ---------------------------------------------------------------------------------- page


def tableau(at, entete: str) -> list:
    for element in at.dataframe:
        if entete in element.value.columns:
            return element.value[entete].tolist()
    raise AssertionError(f"Aucun tableau avec la colonne « {entete} »")


def test_page_budget(application):  # noqa: F811
    at = application.run()
    at.switch_page("pages/budget.py").run()
    assert not at.exception
    assert at.title[0].value == "Programmation et budgets"
    assert metriques(at) == {
        "Budget programmé": "29\u202f000\u00a0€",
        "Part cofinancée": "51,7\u00a0%",
        "Fiches-action programmées": "3",
        "Fiches à financeur unique": "1",
        "Montants accordés": "28\u202f500\u00a0€",
        # The data's own year (31/12/2025): payments are still to come, said on the cards.
        "Montants versés (au 31/12/2025)": "18\u202f500\u00a0€",
        "Taux d'exécution (au 31/12/2025)": "64,9\u00a0%",
        "Coût par enfant accompagné": "707\u00a0€",
    }
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Budget programmé"] == "+16,0\u00a0%"
    assert deltas["Taux d'exécution (au 31/12/2025)"] == "-33,1\u00a0pts"
    assert (
        "Versements connus au 31/12/2025 : les soldes des subventions de 2025 sont souvent "
        "versés l'année suivante. Le montant versé et le taux d'exécution de 2025 ne sont pas "
        "définitifs, et leur écart avec 2024 compare une année inachevée à une année close."
    ) in [c.value for c in at.caption]
    # The programme's 54 children of 2024 are masked (secondary, tests/test_cite.py): no change
    # of the cost per child against 2024 is shown.
    assert deltas["Coût par enfant accompagné"] == ""
    assert any("850\u00a0€ par enfant" in c.value for c in at.caption)
    assert tableau(at, "Intitulé") == ["Fiche FA3", "Fiche FA4", "Fiche FA5"]
    assert tableau(at, "Budget") == ["20\u202f000\u00a0€", "5\u202f000\u00a0€", "4\u202f000\u00a0€"]
    assert tableau(at, "Enfants réalisés") == ["35", "< 11", "12"]
    assert tableau(at, "Financeur unique") == ["Non", "Non", "Oui"]
    titres = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert "#### Des financeurs aux thématiques – PRE de test, 2025" in titres
    assert "#### Évolution de la programmation – PRE de test, 2023–2025" in titres


def test_page_budget_recherche_et_tri(application):  # noqa: F811
    at = application.run()
    at.switch_page("pages/budget.py").run()
    # Sorted on the amounts, not on their text ("4 000 €" > "20 000 €" as text).
    at.selectbox(key="fiches_tri").set_value("Budget").run()
    assert tableau(at, "Intitulé") == ["Fiche FA5", "Fiche FA4", "Fiche FA3"]
    at.toggle(key="fiches_decroissant").set_value(True).run()
    assert tableau(at, "Intitulé") == ["Fiche FA3", "Fiche FA4", "Fiche FA5"]
    # Search ignores accents and case, on every displayed column.
    at.text_input(key="fiches_recherche").set_value("mediatheque").run()
    assert tableau(at, "Intitulé") == ["Fiche FA4"]
    at.text_input(key="fiches_recherche").set_value("communes en cours").run()
    assert tableau(at, "Intitulé") == ["Fiche FA3", "Fiche FA5"]
    assert not at.exception


def test_page_budget_commune(application):  # noqa: F811
    application.query_params["commune"] = ALPHA
    at = application.run()
    at.switch_page("pages/budget.py").run()
    assert not at.exception
    assert metriques(at)["Budget programmé"] == "4\u202f000\u00a0€"
    assert metriques(at)["Coût par enfant accompagné"] == "–"
    perimetre = at.info[0].value
    assert "fiches-action communales de la commune Alpha (1 sur 3)" in perimetre
    assert "(25\u202f000\u00a0€)" in perimetre


def test_page_budget_commune_sans_fiche_dit_qu_il_n_y_a_rien(application):  # noqa: F811
    # In 2024, Beta has no communal fiche (FA2 is Alpha's, FA1 intercommunal): every chart of
    # the year says so in one sentence instead of empty axes numbered −1 to 1.
    application.query_params["commune"] = BETA
    application.query_params["annee"] = "2024"
    at = application.run()
    at.switch_page("pages/budget.py").run()
    assert not at.exception
    phrase = "Aucune donnée à représenter pour Beta (96902) en 2024."
    infos = [texte_lu(i.value) for i in at.info]
    assert infos.count(phrase) == 7, infos
    # Shares of a budget of 0 € are « – », said under their cards (an outside reader saw
    # « Part cofinancée – » beside « 0 € » without a word).
    valeurs = metriques(at)
    assert (valeurs["Budget programmé"], valeurs["Part cofinancée"]) == ("0\u00a0€", "–")
    assert valeurs["Taux d'exécution"] == "–"
    legendes = [c.value for c in at.caption]
    assert "– : aucun budget programmé cette année." in legendes
    assert "– : aucun montant accordé cette année." in legendes
    titres = [texte_lu(m.value) for m in at.markdown if m.value.startswith("#### ")]
    assert "#### Budget par financeur – Beta (96902), 2024" in titres
    assert len(at.get("plotly_chart")) == 1  # only the multi-year chart (FA4 in 2025) is drawn
    # The Sankey of a year without money has no flow: nothing to show either.
    sans_flux = pl.DataFrame(
        schema={
            "libelle_financeur": pl.String,
            "libelle_thematique": pl.String,
            "montant_prevu": pl.Float64,
        }
    )
    assert graphiques.a_des_donnees(graphiques.flux_financeurs_thematiques(sans_flux)) is False


def test_un_graphique_sans_donnees_se_reconnait():
    import plotly.graph_objects as go

    assert graphiques.a_des_donnees(go.Figure(go.Bar(x=["a", "b"], y=[0, 0]))) is False
    assert graphiques.a_des_donnees(go.Figure(go.Bar(x=[], y=[]))) is False
    assert graphiques.a_des_donnees(go.Figure()) is False
    assert graphiques.a_des_donnees(go.Figure(go.Bar(x=["a"], y=[3]))) is True
    assert (
        graphiques.a_des_donnees(go.Figure(go.Bar(y=["a"], x=[0.0, 2.5], orientation="h"))) is True
    )
    # A masked cell drawn as its token is something to show, even on a zero bar.
    assert graphiques.a_des_donnees(go.Figure(go.Bar(x=["a"], y=[0], text=["< 11"]))) is True
    assert (
        graphiques.a_des_donnees(go.Figure(go.Scatter(x=["a"], y=[0], mode="text", text=["s"])))
        is True
    )
    assert graphiques.a_des_donnees(go.Figure(go.Bar(x=["a"], y=[0], text=["0 €"]))) is False


def test_un_graphique_entierement_masque_se_reconnait():
    """Axes carrying only « < 11 » and « s » looked like an empty chart (outside test): the
    page says in one sentence that every figure is masked, and why."""
    import plotly.graph_objects as go

    from pre_pilotage import ui

    masque = go.Figure(go.Bar(x=["a", "b"], y=[0, 0], text=["< 11", "s"]))
    assert graphiques.tout_masque(masque) is True
    partiel = go.Figure(go.Bar(x=["a", "b"], y=[0, 12], text=["s", "12"]))
    assert graphiques.tout_masque(partiel) is False
    assert graphiques.tout_masque(go.Figure(go.Bar(x=["a", "b"], y=[3, 12]))) is False
    assert graphiques.tout_masque(go.Figure(go.Bar(x=["a"], y=[0]))) is False
    cadre = pl.DataFrame({"actifs": [None], "actifs__secret": ["< 11"]})
    assert ui.phrase_tout_masque("PRE de test", "2024", cadre) == (
        "Aucun chiffre de ce graphique n'est diffusé pour PRE de test en 2024 : ils portent sur "
        "trop peu d'enfants ou permettraient d'en recalculer (secret statistique). "
        "Secret statistique – « < 11 » : moins de 11 enfants, effectif non diffusé."
    )


# ------------------------------------------------------------------------------- browser


@pytest.mark.navigateur
def test_page_budget_dans_le_navigateur(serveur, navigateur):  # noqa: F811
    contexte, page, erreurs = ouvrir(navigateur, f"{serveur}/budget")
    try:
        capturer(page, "budget")
        assert page.locator('[data-testid="stException"]').count() == 0
        assert erreurs == []
        chiffres = {k: v.replace("\u00a0", " ") for k, v in chiffres_cles(page).items()}
        for libelle in ("Budget programmé", "Montants accordés", "Montants versés (au 31/12/2025)"):
            assert re.fullmatch(r"\d{1,3}(\u202f\d{3})* €", chiffres[libelle]), chiffres[libelle]
        for libelle in ("Part cofinancée", "Taux d'exécution (au 31/12/2025)"):
            assert re.fullmatch(r"\d{1,3},\d %", chiffres[libelle]), chiffres[libelle]
        assert chiffres["Fiches-action programmées"] == "30"
        assert re.fullmatch(r"\d{1,3}(\u202f\d{3})* €", chiffres["Coût par enfant accompagné"])
        texte = page.locator("body").inner_text()
        assert "Périmètre : toutes les fiches-action du programme" in texte
        # Every chart is titled with the territory and the year (or the years).
        titres = page.locator("h4").all_inner_texts()
        graphiques_page = [t for t in titres if " – PRE de l'Agglomération de démonstration" in t]
        assert len(graphiques_page) == 8, titres
        assert all(t.endswith((", 2025", ", 2021–2025")) for t in graphiques_page), titres
        assert page.locator(".js-plotly-plot .sankey").count() == 1
        # French numbers only: no raw decimals, no English words.
        assert not re.search(r"\d\.\d", texte)
        for anglais in ("Traceback", "Error", "None", "nan", "True", "False"):
            assert not re.search(rf"\b{anglais}\b", texte), anglais
        etiquettes = page.locator(".js-plotly-plot .bartext").all_text_contents()
        assert etiquettes and not [e for e in etiquettes if re.fullmatch(r"[1-9]|10", e.strip())]
    finally:
        contexte.close()


@pytest.mark.navigateur
def test_page_budget_d_une_commune_dans_le_navigateur(serveur, navigateur):  # noqa: F811
    # Aubricourt (96003) has two communal fiches-action in the demo.
    contexte, page, erreurs = ouvrir(navigateur, f"{serveur}/budget?commune=96003")
    try:
        capturer(page, "budget-commune")
        texte = page.locator("body").inner_text()
        assert "Périmètre : fiches-action communales de la commune Aubricourt (2 sur 30)" in texte
        chiffres = chiffres_cles(page)
        assert chiffres["Fiches-action programmées"] == "2"
        assert chiffres["Coût par enfant accompagné"] == "–"
        assert "Aubricourt (96003), 2025" in " ".join(page.locator("h4").all_inner_texts())
        assert erreurs == []
    finally:
        contexte.close()


def test_budget_par_commune_sans_les_communes_sans_fiche():
    """An EPCI of 35 communes drew 35 rows, most of them empty (outside test): only the
    communes with a communal fiche one of the two years are drawn, the others are counted."""
    cadre = pl.DataFrame(
        {
            "nom": ["Anzin", "Bruay", "Onnaing", "Marly"],
            "montant_prevu": [12_000.0, 0.0, None, 0.0],
            "montant_prevu_precedent": [10_000.0, 0.0, 0.0, 4_000.0],
        }
    )
    fig = graphiques.budget_par_commune(cadre, 2025)
    assert list(fig.data[1].y) == ["Marly", "Anzin"]
    assert fig.layout.xaxis.title.text == (
        "Montant des fiches communales (€)<br>2 autres communes du territoire sans fiche "
        "communale en 2024 ni en 2025"
    )
    # Nothing anywhere: the chart stays empty (the page says so in a sentence).
    assert graphiques.a_des_donnees(graphiques.budget_par_commune(cadre[1:3], 2025)) is False
