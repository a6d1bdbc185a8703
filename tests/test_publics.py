"""« Publics et parcours »: exact rows of its queries on the fixture database, masking of small
groups, the chart builder and the page (AppTest); the browser test is in test_navigateur.py.

Expected figures are computed by hand in tests/fixture_base.py's docstring.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import config, graphiques, telechargements
from pre_pilotage.administration import Utilisateur, lire_journal
from pre_pilotage.requetes import executer
from tests.fixture_base import ALPHA, PRE, QPV_ALPHA, QPV_BETA

REPARTITION = ["annee", "libelle", "effectif", "effectif__secret", "part", "part__secret"]


def territoire(commune=None, qpv=None, annee=2025) -> dict:
    return {"pre_id": PRE, "commune": commune, "qpv": qpv, "annee": annee}


def lignes(cadre: pl.DataFrame, colonnes: list[str]) -> list[tuple]:
    return cadre.select(colonnes).rows()


def entiers(cadre: pl.DataFrame) -> list[int]:
    """Every integer value of the frame (counts), to check that no small count leaks."""
    return [v for c in cadre.select(pl.col(pl.Int64)).columns for v in cadre[c] if v is not None]


# ------------------------------------------------------------------------------ distributions


def test_par_sexe_avec_reference_nationale(con_fixture):
    cadre = executer(con_fixture, "publics_par_sexe", 11, **territoire())
    assert lignes(cadre, [*REPARTITION, "part_nationale", "annee_nationale"]) == [
        (2024, "Filles", 19, None, 35.2, None, 41.8, 2021),
        (2024, "Garçons", 35, None, 64.8, None, 58.2, 2021),
        (2025, "Filles", 29, None, 70.7, None, 41.8, 2021),
        (2025, "Garçons", 12, None, 29.3, None, 58.2, 2021),
    ]


def test_par_tranche_age_masquage_complementaire(con_fixture):
    # 2024: 3 children aged 17 (G6) are masked, and the smallest other band (12 aged 2-5) too;
    # so every 2024 share is masked (a group's shares are masked together when one cell is).
    cadre = executer(con_fixture, "publics_par_tranche_age", 11, **territoire())
    assert lignes(cadre, [*REPARTITION, "part_nationale"]) == [
        (2024, "2 à 5 ans", None, "s", None, "s", 14.6),
        (2024, "6 à 10 ans", 20, None, None, "s", 52.4),
        (2024, "11 à 16 ans", 19, None, None, "s", 31.5),
        (2024, "17 ans et plus", None, "< 11", None, "s", 1.5),
        (2025, "2 à 5 ans", 12, None, 29.3, None, 14.6),
        (2025, "6 à 10 ans", 14, None, 34.1, None, 52.4),
        (2025, "11 à 16 ans", 15, None, 36.6, None, 31.5),
        (2025, "17 ans et plus", 0, None, 0.0, None, 1.5),
    ]


def test_par_niveau_scolaire(con_fixture):
    # 2024: 3 children in lycée (G6) masked; the smallest other cell (0 non scolarisé) too.
    cadre = executer(con_fixture, "publics_par_niveau_scolaire", 11, **territoire())
    assert lignes(cadre, [*REPARTITION, "part_nationale"]) == [
        (2024, "Non scolarisé", None, "s", None, "s", None),
        (2024, "Maternelle", 12, None, None, "s", 38.0),
        (2024, "Élémentaire", 20, None, None, "s", 43.0),
        (2024, "Collège", 19, None, None, "s", 16.0),
        (2024, "Lycée", None, "< 11", None, "s", 3.0),
        (2025, "Non scolarisé", 0, None, 0.0, None, None),
        (2025, "Maternelle", 12, None, 29.3, None, 38.0),
        (2025, "Élémentaire", 14, None, 34.1, None, 43.0),
        (2025, "Collège", 15, None, 36.6, None, 16.0),
        (2025, "Lycée", 0, None, 0.0, None, 3.0),
    ]


def test_par_profil(con_fixture):
    # 2024: profile 1 = G4 + G6 = 7 parcours, masked with profile 2 (15) so that 54 - 32 is useless.
    cadre = executer(con_fixture, "publics_par_profil", 11, **territoire())
    assert lignes(cadre, [*REPARTITION, "part_nationale"]) == [
        (2024, "Profil 1", None, "< 11", None, "s", 23.0),
        (2024, "Profil 2", None, "s", None, "s", None),
        (2024, "Profil 3", 32, None, None, "s", None),
        (2025, "Profil 1", 0, None, 0.0, None, 23.0),
        (2025, "Profil 2", 29, None, 70.7, None, None),
        (2025, "Profil 3", 12, None, 29.3, None, None),
    ]


def test_par_residence_un_qpv_de_4_enfants_est_masque(con_fixture):
    cadre = executer(con_fixture, "publics_par_residence", 11, **territoire())
    assert lignes(cadre, ["modalite", *REPARTITION]) == [
        (QPV_ALPHA, 2024, "Alpha Nord", 35, None, None, "s"),
        (QPV_BETA, 2024, "Beta Sud", None, "< 11", None, "s"),
        ("qva", 2024, "Quartier de veille active", None, "s", None, "s"),
        ("hors", 2024, "Hors quartier prioritaire", 15, None, None, "s"),
        (QPV_ALPHA, 2025, "Alpha Nord", 15, None, 36.6, None),
        (QPV_BETA, 2025, "Beta Sud", 0, None, 0.0, None),
        ("qva", 2025, "Quartier de veille active", 14, None, 34.1, None),
        ("hors", 2025, "Hors quartier prioritaire", 12, None, 29.3, None),
    ]
    assert 4 not in entiers(cadre)


def test_par_residence_d_une_commune_et_d_un_qpv(con_fixture):
    alpha = executer(con_fixture, "publics_par_residence", 11, **territoire(commune=ALPHA))
    assert lignes(alpha, ["annee", "libelle", "effectif", "part"]) == [
        (2024, "Alpha Nord", 35, 70.0),
        (2024, "Quartier de veille active", 0, 0.0),
        (2024, "Hors quartier prioritaire", 15, 30.0),
        (2025, "Alpha Nord", 15, 55.6),
        (2025, "Quartier de veille active", 0, 0.0),
        (2025, "Hors quartier prioritaire", 12, 44.4),
    ]
    beta = executer(con_fixture, "publics_par_residence", 11, **territoire(qpv=QPV_BETA))
    assert lignes(beta, REPARTITION) == [
        (2024, "Beta Sud", None, "< 11", None, "s"),
        (2025, "Beta Sud", 0, None, None, None),
    ]


def test_motifs_d_orientation_chaque_motif_masque_seul(con_fixture):
    # Several motives per parcours: no complementary suppression, each small count masked alone.
    cadre = executer(con_fixture, "publics_motifs_orientation", 11, **territoire())
    assert lignes(cadre, [*REPARTITION, "parcours_actifs"]) == [
        (2024, "Résultats scolaires insuffisants", 35, None, 64.8, None, 54),
        (2024, "Isolement social", 18, None, 33.3, None, 54),
        (2024, "Comportement", 20, None, 37.0, None, 54),
        (2024, "Santé", 0, None, 0.0, None, 54),
        (2024, "Santé mentale", None, "< 11", None, "s", 54),
        (2024, "Langage", 12, None, 22.2, None, 54),
        (2024, "Parentalité", 0, None, 0.0, None, 54),
        (2024, "Absentéisme", None, "< 11", None, "s", 54),
        (2024, "Autre", 0, None, 0.0, None, 54),
        (2025, "Résultats scolaires insuffisants", 15, None, 36.6, None, 41),
        (2025, "Isolement social", 15, None, 36.6, None, 41),
        (2025, "Comportement", 0, None, 0.0, None, 41),
        (2025, "Santé", 0, None, 0.0, None, 41),
        (2025, "Santé mentale", 0, None, 0.0, None, 41),
        (2025, "Langage", 26, None, 63.4, None, 41),
        (2025, "Parentalité", 14, None, 34.1, None, 41),
        (2025, "Absentéisme", 0, None, 0.0, None, 41),
        (2025, "Autre", 0, None, 0.0, None, 41),
    ]


def test_motifs_d_un_petit_quartier(con_fixture):
    # Beta Sud 2024: 4 parcours (G4), each with absentéisme and santé mentale: all masked.
    cadre = executer(con_fixture, "publics_motifs_orientation", 11, **territoire(qpv=QPV_BETA))
    masques = cadre.filter(pl.col("annee") == 2024, pl.col("effectif__secret").is_not_null())
    assert lignes(masques, ["libelle", "effectif__secret", "parcours_actifs__secret"]) == [
        ("Santé mentale", "< 11", "< 11"),
        ("Absentéisme", "< 11", "< 11"),
    ]
    assert 4 not in entiers(cadre)


def test_par_orienteur(con_fixture):
    # 2024: 3 parcours oriented by the CCAS (G6); a zero cell (santé) is masked beside them.
    cadre = executer(con_fixture, "publics_par_orienteur", 11, **territoire())
    assert lignes(cadre.filter(pl.col("annee") == 2024), REPARTITION) == [
        (2024, "École (Éducation nationale)", 24, None, None, "s"),
        (2024, "Service social départemental", 15, None, None, "s"),
        (2024, "CCAS", None, "< 11", None, "s"),
        (2024, "PMI", 12, None, None, "s"),
        (2024, "Santé", None, "s", None, "s"),
        (2024, "Famille", 0, None, None, "s"),
        (2024, "Association", 0, None, None, "s"),
        (2024, "Autre", 0, None, None, "s"),
    ]
    assert lignes(cadre.filter(pl.col("annee") == 2025, pl.col("effectif") > 0), REPARTITION) == [
        (2025, "Service social départemental", 15, None, 36.6, None),
        (2025, "PMI", 12, None, 29.3, None),
        (2025, "Famille", 14, None, 34.1, None),
    ]


def test_duree_des_parcours_clos(con_fixture):
    cadre = executer(con_fixture, "publics_duree_parcours", 11, **territoire())
    assert lignes(cadre, REPARTITION) == [
        (2024, "Moins de 6 mois", 0, None, 0.0, None),
        (2024, "De 6 à moins de 12 mois", 27, None, 100.0, None),
        (2024, "De 12 à moins de 18 mois", 0, None, 0.0, None),
        (2024, "De 18 à moins de 24 mois", 0, None, 0.0, None),
        (2024, "24 mois et plus", 0, None, 0.0, None),
        (2025, "Moins de 6 mois", 12, None, 100.0, None),
        (2025, "De 6 à moins de 12 mois", 0, None, 0.0, None),
        (2025, "De 12 à moins de 18 mois", 0, None, 0.0, None),
        (2025, "De 18 à moins de 24 mois", 0, None, 0.0, None),
        (2025, "24 mois et plus", 0, None, 0.0, None),
    ]


def test_motifs_de_sortie(con_fixture):
    # 2024: déménagement 4 and limite d'âge 3 protect each other (20 + x + y = 27, x, y in 1..10).
    cadre = executer(con_fixture, "publics_motifs_sortie", 11, **territoire())
    assert lignes(cadre, REPARTITION) == [
        (2024, "Objectifs atteints", 20, None, None, "s"),
        (2024, "Relais vers le droit commun", 0, None, None, "s"),
        (2024, "Déménagement", None, "< 11", None, "s"),
        (2024, "Fin de l'adhésion de la famille", 0, None, None, "s"),
        (2024, "Limite d'âge", None, "< 11", None, "s"),
        (2024, "Autre", 0, None, None, "s"),
        (2025, "Objectifs atteints", 0, None, 0.0, None),
        (2025, "Relais vers le droit commun", 12, None, 100.0, None),
        (2025, "Déménagement", 0, None, 0.0, None),
        (2025, "Fin de l'adhésion de la famille", 0, None, 0.0, None),
        (2025, "Limite d'âge", 0, None, 0.0, None),
        (2025, "Autre", 0, None, 0.0, None),
    ]


def test_types_d_action(con_fixture):
    cadre = executer(con_fixture, "publics_types_action", 11, **territoire())
    utilises = cadre.filter((pl.col("effectif") > 0) | pl.col("effectif__secret").is_not_null())
    assert lignes(utilises, [*REPARTITION, "parcours_actifs"]) == [
        (2024, "Soutien scolaire", 20, None, 37.0, None, 54),
        (2024, "Psychologue", None, "< 11", None, "s", 54),
        (2024, "Sport", 12, None, 22.2, None, 54),
        (2024, "Parentalité", 15, None, 27.8, None, 54),
        (2025, "Orthophonie", None, "< 11", None, "s", 41),
        (2025, "Sport", 12, None, 29.3, None, 41),
        (2025, "Parentalité", 29, None, 70.7, None, 41),
    ]
    assert cadre.height == 2 * 10 and 6 not in entiers(cadre)
    # « Autre », used by nobody in 2024 nor 2025, is not drawn; the named types at 0 % are.
    categories = {y for trace in graphiques.repartition(cadre, 2025).data for y in trace.y}
    assert "Autre" not in categories and "Orthophonie" in categories
    assert len(categories) == 9
    avec_autre = cadre.with_columns(
        effectif=pl.when((pl.col("modalite") == "autre") & (pl.col("annee") == 2024))
        .then(pl.lit(12))
        .otherwise(pl.col("effectif"))
    )
    categories = {y for trace in graphiques.repartition(avec_autre, 2025).data for y in trace.y}
    assert "Autre" in categories


# -------------------------------------------------------------------------------- key figures

INDICATEURS = [
    "annee",
    "actifs",
    "parcours_actifs",
    "sorties",
    "duree_moyenne_mois",
    "actions_par_parcours",
    "parcours_premiere_eps",
    "delai_orientation_eps",
    "suivi_ase",
    "part_suivi_ase",
    "transition_cp_ce1",
    "transition_cm2_6e",
]


def test_indicateurs_de_parcours(con_fixture):
    cadre = executer(con_fixture, "publics_indicateurs", 11, **territoire())
    assert lignes(cadre, INDICATEURS) == [
        (2024, 54, 54, 27, 9.8, 0.9, 34, 35.0, None, None, 20, 15),
        (2025, 41, 41, 12, 5.9, 1.2, 14, 42.0, 0, 0.0, None, 15),
    ]
    # 7 children followed by child welfare in 2024 (G4 + G6), 6 in CP/CE1 in 2025 (G5-00..05).
    assert lignes(cadre, ["suivi_ase__secret", "part_suivi_ase__secret"]) == [
        ("< 11", "s"),
        (None, None),
    ]
    assert cadre["transition_cp_ce1__secret"].to_list() == [None, "< 11"]


def test_indicateurs_d_un_petit_quartier_tout_masque(con_fixture):
    cadre = executer(con_fixture, "publics_indicateurs", 11, **territoire(qpv=QPV_BETA, annee=2024))
    ligne = cadre.filter(pl.col("annee") == 2024)
    assert lignes(ligne, INDICATEURS) == [
        (2024, None, None, None, None, None, None, None, None, None, 0, 0)
    ]
    assert 4 not in entiers(cadre)


def test_reunions_eps(con_fixture):
    cadre = executer(con_fixture, "publics_eps", 11, **territoire())
    colonnes = ["annee", "eps_reunies", "reunions_eps", "professionnels_par_reunion"]
    assert lignes(cadre, [*colonnes, "situations_examinees"]) == [
        (2024, 2, 4, 7.5, 22),
        (2025, 2, 4, 6.5, 23),
    ]
    alpha = executer(con_fixture, "publics_eps", 11, **territoire(commune=ALPHA))
    assert lignes(alpha, [*colonnes, "situations_examinees"]) == [
        (2024, 1, 3, 8.3, 18),
        (2025, 1, 2, 8.0, 14),
    ]
    # Beta Sud examined 4 then 9 situations: masked; meetings of professionals are not.
    beta = executer(con_fixture, "publics_eps", 11, **territoire(qpv=QPV_BETA))
    assert lignes(beta, [*colonnes, "situations_examinees__secret"]) == [
        (2024, 1, 1, 5.0, "< 11"),
        (2025, 1, 2, 5.0, "< 11"),
    ]


def test_equipe_pour_l_enquete(con_fixture):
    cadre = executer(con_fixture, "enquete_equipe", 11, pre_id=PRE, annee=2024)
    assert cadre.rows() == [
        ("responsable", "Responsable du programme", 0, 0.0),
        ("coordination", "Coordination", 1, 1.0),
        ("referent", "Référents de parcours", 2, 1.8),
    ]


# ---------------------------------------------------------------------------- chart builder


def test_graphique_repartition_annee_precedente_et_national(con_fixture):
    cadre = executer(con_fixture, "publics_par_tranche_age", 11, **territoire())
    fig = graphiques.repartition(cadre, 2025)
    barres = [trace for trace in fig.data if trace.type == "bar"]
    assert [trace.name for trace in barres] == ["2024", "2025", "National (ANCT, données 2021)"]
    precedente, courante, nationale = barres
    # Masked shares have no bar (no length from which the count could be read): in 2024 all
    # of them, a group's shares being masked together when one of its cells is ...
    assert list(precedente.x) == [0, 0, 0, 0]
    assert list(precedente.text) == ["", "", "", ""]
    assert [c[1] for c in precedente.customdata] == [
        "s enfants",
        "20 enfants",
        "19 enfants",
        "< 11 enfants",
    ]
    # ... only their token (the count's, else the share's), written where the bar would start,
    # beside that year's bars.
    jetons = [trace for trace in fig.data if trace.type == "scatter"]
    assert [(t.offsetgroup, list(t.y), list(t.text)) for t in jetons] == [
        (
            "2024",
            ["2 à 5 ans", "6 à 10 ans", "11 à 16 ans", "17 ans et plus"],
            # « < 11 » with its unit: alone on a percentage axis it reads « less than 11 % ».
            ["s", "s", "s", "< 11 enfants"],
        ),
        ("2025", ["17 ans et plus"], ["0,0\u00a0%"]),
    ]
    assert list(courante.text) == ["29,3\u00a0%", "34,1\u00a0%", "36,6\u00a0%", ""]
    assert list(nationale.text) == ["14,6\u00a0%", "52,4\u00a0%", "31,5\u00a0%", "1,5\u00a0%"]
    # Twelve bars: horizontal, so that labels keep their size.
    assert fig.layout.separators == ",\u202f" and courante.orientation == "h"


def test_graphique_repartition_vertical_quand_peu_de_barres(con_fixture):
    cadre = executer(con_fixture, "publics_par_sexe", 11, **territoire())
    fig = graphiques.repartition(cadre, 2025)
    assert [trace.orientation for trace in fig.data] == [None, None, None]
    assert list(fig.data[1].x) == ["Filles", "Garçons"]
    assert list(fig.data[1].text) == ["70,7\u00a0%", "29,3\u00a0%"]
    assert fig.layout.yaxis.title.text == "Part des enfants (%)"


def test_graphique_repartition_horizontal_sans_reference(con_fixture):
    cadre = executer(con_fixture, "publics_types_action", 11, **territoire())
    fig = graphiques.repartition(cadre, 2025, "parcours")
    barres = [trace for trace in fig.data if trace.type == "bar"]
    assert [trace.name for trace in barres] == ["2024", "2025"]
    assert barres[1].orientation == "h" and barres[1].y[1] == "Orthophonie"
    jetons_2025 = fig.data[3]
    assert jetons_2025.type == "scatter" and jetons_2025.offsetgroup == "2025"
    assert dict(zip(jetons_2025.y, jetons_2025.text, strict=True))["Orthophonie"] == "< 11 parcours"
    assert fig.layout.xaxis.title.text == "Part des parcours (%)"


def test_graphique_sans_enfant_une_annee(con_fixture):
    # Beta Sud: 4 girls in 2024 (masked), nobody in 2025: no 2025 series, the tokens for 2024
    # (the boys' 0 % share is masked with the girls' in the same group).
    cadre = executer(con_fixture, "publics_par_sexe", 11, **territoire(qpv=QPV_BETA))
    fig = graphiques.repartition(cadre, 2025)
    assert [(trace.type, trace.name) for trace in fig.data] == [
        ("bar", "2024"),
        ("scatter", None),
        ("bar", "National (ANCT, données 2021)"),
    ]
    assert list(fig.data[1].text) == ["< 11 enfants", "s"]


# ------------------------------------------------------------------------------------ the page


@pytest.fixture
def page_publics(chemin_fixture, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    from pre_pilotage.requetes import vider_caches

    vider_caches()

    def ouvrir(role: str = "coordination", **parametres_url) -> AppTest:
        at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
        at.session_state["utilisateur"] = Utilisateur("test-publics", "Compte de test", role)
        for cle, valeur in parametres_url.items():
            at.query_params[cle] = valeur
        at.run()
        return at.switch_page("pages/publics.py").run()

    return ouvrir


def metriques(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_chiffres_du_programme(page_publics):
    at = page_publics()
    assert not at.exception
    assert at.title[0].value == "Publics et parcours"
    assert metriques(at) == {
        "Enfants accompagnés": "41",
        "Entrées dans le programme": "14",
        "Sorties du programme": "12",
        "Part résidant en QPV": "36,6\u00a0%",
        "Durée médiane des parcours": "5,9\u00a0mois",
        "Durée moyenne des parcours": "5,9\u00a0mois",
        "Actions par parcours": "1,2",
        "Délai avant 1re EPS (jours)": "42",
        "Enfants par référent (ETP)": "20,5",
        "Réunions d'EPS": "4",
        "Professionnels par réunion": "6,5",
        "Situations examinées en EPS": "23",
        "Enfants en CP ou CE1": "< 11",
        "Enfants en CM2 ou 6e": "15",
        "Enfants suivis par l'ASE": "0",
        "Part suivie par l'ASE": "0,0\u00a0%",
    }
    deltas = {m.label: m.delta for m in at.metric}
    assert deltas["Professionnels par réunion"] == "-13,3\u00a0%"
    # Masked this year or last year: no change shown. The 54 children (and parcours) of 2024,
    # their entries, exits and first EPS meetings are masked by the whole-database protection
    # (secondary, since a child and its parcours of a year are one record), hence 2024's
    # actions per parcours and delay before the first EPS; so are 2024's 15 children in CM2 or
    # 6e (the same children as the 2024 entries of quartier QN09690N, masked to protect a
    # small count of that year).
    assert not deltas["Délai avant 1re EPS (jours)"] and not deltas["Entrées dans le programme"]
    assert not deltas["Enfants en CM2 ou 6e"]
    assert not deltas["Enfants en CP ou CE1"] and not deltas["Enfants suivis par l'ASE"]
    assert not deltas["Actions par parcours"]
    titres = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert titres[:2] == [
        "#### Répartition par sexe – PRE de test, 2025 et 2024",
        "#### Répartition par tranche d'âge – PRE de test, 2025 et 2024",
    ]
    assert len(titres) == 10
    legendes = " ".join(c.value for c in at.caption)
    assert "Référence nationale : 68 enfants par référent" in legendes
    assert "CGET, enquêtes nationales PRE antérieures à 2017" in legendes


def test_premiere_annee_sans_annee_precedente(page_publics):
    """2023 is the fixture's first year: no « comparée à 2022 » nor « 2023 et 2022 » (an outside
    test read « 2025 et 2024 » on a programme without 2024 data)."""
    at = page_publics(annee="2023")
    assert not at.exception
    textes = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "année 2023, comparée aux références nationales" in textes
    assert "et 2022" not in textes and "à 2022" not in textes
    titres = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert titres[:2] == [
        "#### Répartition par sexe – PRE de test, 2023",
        "#### Répartition par tranche d'âge – PRE de test, 2023",
    ]


def test_page_petit_quartier_aucun_petit_effectif(page_publics):
    at = page_publics(qpv=QPV_BETA, annee="2024")
    assert not at.exception
    valeurs = metriques(at)
    assert valeurs["Enfants accompagnés"] == "< 11"
    assert valeurs["Situations examinées en EPS"] == "< 11"
    # A breakdown of the quartier (its children by profile): not published, it has fewer than
    # 50 children (`confidentialite.ENFANTS_MIN_REPARTITIONS`).
    assert valeurs["Enfants suivis par l'ASE"] == "s"
    # Meetings and professionals are not children: only counts of children are masked.
    assert valeurs["Réunions d'EPS"] == "1" and valeurs["Professionnels par réunion"] == "5,0"
    professionnels = ("Réunions d'EPS", "Professionnels par réunion")
    enfants = {k: v for k, v in valeurs.items() if k not in professionnels}
    for valeur in enfants.values():
        assert not re.fullmatch(r"[1-9]|10", valeur), enfants
    assert "Réunions d'EPS : celles des EPS rattachées" in " ".join(c.value for c in at.caption)


def test_export_reserve_a_la_coordination_et_journalise(page_publics, administration_isolee):
    lecture = page_publics(role="lecture")
    assert not lecture.exception and not lecture.get("download_button")
    assert "réservé aux rôles coordination" in lecture.info[0].value

    at = page_publics(annee="2024")
    # The page header's « Partager » menu has its own download button (the QR code).
    libelle = "Télécharger les chiffres de l'enquête nationale (XLSX)"
    assert libelle in [b.label for b in at.get("download_button")]
    exports = [
        ligne
        for ligne in lire_journal(chemin=administration_isolee, actions=["export"])
        if ligne["identifiant"] == "test-publics"
    ]
    assert exports == []
    # Drawing the button makes nothing; asking for its file (click or not) makes and audits it.
    classeur = at.session_state[telechargements.CLE_PRODUCTIONS][libelle]()
    assert classeur.startswith(b"PK")
    journal = [
        ligne
        for ligne in lire_journal(chemin=administration_isolee)
        if ligne["action"] == "export" and ligne["identifiant"] == "test-publics"
    ]
    assert journal[0]["identifiant"] == "test-publics"
    assert journal[0]["objet"] == "enquete-nationale-pre-2024.xlsx"
    assert journal[0]["filtres"] == (
        '{"pre_id": "pre-test", "commune": null, "qpv": null, "annee": 2024}'
    )
