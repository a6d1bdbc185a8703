"""The « PRE et Cité éducative » page: its six queries (exact rows), the scorecard and sentences,
and the page (AppTest); its real-browser test on the demo territory (two Cités) is in
tests/test_navigateur.py.

Figures of the fixture Cité éducative (cite-99001, Alpha): see tests/fixture_base.py docstring.
"""

from __future__ import annotations

import pickle
import re
import shutil

import duckdb
import polars as pl
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from pre_pilotage import cartes, cite, config, exports, formats, protection
from pre_pilotage.administration import Utilisateur
from pre_pilotage.indicateurs import definitions
from pre_pilotage.requetes import executer
from tests.fixture_base import ALPHA, C1, CITE, E1, PRE, QPV_ALPHA
from tests.lecture import texte_lu

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
        (CITE, 2024, 54, None, None, 35, 64.8),
        (CITE, 2025, 41, 27, 65.9, 15, 36.6),
    ]
    # In 2024, 7 of the 54 children are not schooled in the Cité: masked, and so are the 47
    # schooled there (54 - 47 would give the 7 away) and their share.
    assert lignes(
        cadre,
        ["non_scolarises_cite__secret", "scolarises_cite__secret", "part_scolarises_cite__secret"],
    ) == [("< 11", "s", "s"), (None, None, None)]
    brut = executer(con_fixture, "cite_scolarisation_residence", 2, pre_id=PRE, annee=2025)
    assert lignes(brut, ["annee", "scolarises_cite", "non_scolarises_cite"]) == [
        (2024, 47, 7),
        (2025, 27, 14),
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
    # The 12 other orientations are masked too: 15 - 12 would give the 3 away.
    assert lignes(cadre, ["orientations_autres", "orientations_autres__secret"]) == [
        (None, "s"),
        (0, None),
    ]
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


def test_perimetre(con_fixture):
    cadre = executer(con_fixture, "cite_perimetre", 11, pre_id=PRE)
    assert cadre.rows() == [
        (CITE, "commune", ALPHA),
        (CITE, "etablissement", C1),
        (CITE, "etablissement", E1),
        (CITE, "qpv", QPV_ALPHA),
    ]


AVIS_DEDUITS = (
    "Périmètre déduit des communes de la Cité : ses quartiers prioritaires ont été choisis "
    "d'après ses communes et son nom. À confirmer en ajoutant la liste de ses quartiers à la "
    "géographie (fichier cites_qpv, format décrit dans docs/geographie.md) ; d'ici là, les "
    "indicateurs qui dépendent du périmètre sont provisoires."
)
AVIS_COMMUNES = (
    "Périmètre limité aux communes de la Cité : aucun de ses quartiers prioritaires n'est "
    "connu. À préciser en ajoutant la liste de ses quartiers à la géographie (fichier cites_qpv, "
    "format décrit dans docs/geographie.md) ; d'ici là, les indicateurs qui dépendent du "
    "périmètre sont provisoires."
)


def fixture_avec_perimetre(chemin_fixture, dossier, perimetre):
    """A copy of the fixture database whose Cité has the given perimeter origin."""
    chemin = dossier / f"fixture-{perimetre}.duckdb"
    shutil.copy(chemin_fixture, chemin)
    with duckdb.connect(str(chemin)) as con:
        con.execute("update cite_educative set perimetre = ?", [perimetre])
    protection.proteger_fichier(chemin)  # the perimeter origin is data: protect this copy
    return chemin


def test_origine_du_perimetre(con_fixture, chemin_fixture, tmp_path):
    cadre = executer(con_fixture, "cite_origine_perimetre", 11, pre_id=PRE)
    assert cadre.rows() == [(CITE, NOM, "qpv_declares")]
    assert cite.origines_perimetre(cadre) == {CITE: "qpv_declares"}
    assert cite.avis_perimetre("qpv_declares") is None
    assert cite.avis_perimetre(None) is None
    assert cite.avis_perimetre("qpv_deduits") == AVIS_DEDUITS
    assert cite.avis_perimetre("communes") == AVIS_COMMUNES
    chemin = fixture_avec_perimetre(chemin_fixture, tmp_path, "communes")
    with duckdb.connect(str(chemin), read_only=True) as con:
        cadre = executer(con, "cite_origine_perimetre", 11, pre_id=PRE)
    assert cadre.rows() == [(CITE, NOM, "communes")]


GROUPES = ("cite", "hors_cite", "programme")


def par_groupe(cadre, prefixe):
    return tuple(cadre[f"{prefixe}_{g}"][0] for g in GROUPES)


def jetons(cadre, prefixe):
    return tuple(cadre[f"{prefixe}_{g}__secret"][0] for g in GROUPES)


def test_dedans_dehors_2025(con_fixture):
    cadre = requete(con_fixture, "cite_dedans_dehors")
    assert cadre.select("cite_id", "nom", "annee").rows() == [(CITE, NOM, 2025)]
    assert par_groupe(cadre, "enfants") == (27, 14, 41)
    assert par_groupe(cadre, "orientes_ecole") == (0, 0, 0)
    assert par_groupe(cadre, "orientes_autres") == (27, 14, 41)
    assert par_groupe(cadre, "sorties") == (12, 0, 12)
    assert par_groupe(cadre, "part_ecole") == (0.0, 0.0, 0.0)
    assert par_groupe(cadre, "duree_moyenne_mois") == (5.9, None, 5.9)
    assert par_groupe(cadre, "actions_par_enfant") == (1.0, 1.4, 1.2)
    secrets = [c for c in cadre.columns if c.endswith("__secret")]
    assert len(secrets) == 21 and all(cadre[c][0] is None for c in secrets)


def test_dedans_dehors_2024_masque(con_fixture):
    cadre = requete(con_fixture, "cite_dedans_dehors", annee=2024)
    # The 7 children outside the Cité (and their 4 + 3, their 7 exits) are under the threshold:
    # inside = programme - outside would give them away, so the inside counts are masked too.
    for prefixe in ("enfants", "orientes_ecole", "orientes_autres", "sorties"):
        assert jetons(cadre, prefixe) == ("s", "< 11", None), prefixe
        assert par_groupe(cadre, prefixe)[:2] == (None, None)
    for prefixe in ("part_ecole", "duree_moyenne_mois", "actions_par_enfant"):
        assert jetons(cadre, prefixe) == ("s", "s", None), prefixe
        assert par_groupe(cadre, prefixe)[:2] == (None, None)
    assert par_groupe(cadre, "enfants")[2] == 54
    assert par_groupe(cadre, "orientes_ecole")[2] == 24
    assert par_groupe(cadre, "sorties")[2] == 27
    assert par_groupe(cadre, "part_ecole")[2] == 44.4
    assert par_groupe(cadre, "duree_moyenne_mois")[2] == 9.8
    assert par_groupe(cadre, "actions_par_enfant")[2] == 0.9
    # With a threshold of 2, the hidden figures (see tests/fixture_base.py).
    brut = executer(con_fixture, "cite_dedans_dehors", 2, pre_id=PRE, annee=2024)
    assert par_groupe(brut, "enfants") == (47, 7, 54)
    assert par_groupe(brut, "orientes_ecole") == (20, 4, 24)
    assert par_groupe(brut, "sorties") == (20, 7, 27)
    assert par_groupe(brut, "part_ecole") == (42.6, 57.1, 44.4)
    assert par_groupe(brut, "duree_moyenne_mois") == (10.0, 9.3, 9.8)
    assert par_groupe(brut, "actions_par_enfant") == (1.0, 0.4, 0.9)


def test_tableau_graphique_et_phrases_dedans_dehors(con_fixture):
    cadre = requete(con_fixture, "cite_dedans_dehors")
    tableau = cite.dedans_dehors(cadre, CITE)
    assert tableau.select("indicateur", "unite", *GROUPES).rows() == [
        ("Enfants accompagnés", "nombre", 27.0, 14.0, 41.0),
        ("Part orientée par l'Éducation nationale", "pourcentage", 0.0, 0.0, 0.0),
        ("Durée moyenne des parcours clos", "mois", 5.9, None, 5.9),
        ("Actions par enfant accompagné", "decimal", 1.0, 1.4, 1.2),
    ]
    assert exports.resume(cite.graphique_dedans_dehors(tableau)).startswith(
        "Dans le périmètre de la Cité – Enfants accompagnés : 27. Hors de la Cité – Enfants "
        "accompagnés : 14. Ensemble du programme – Enfants accompagnés : 41."
    )
    assert cite.phrases_dedans_dehors(cadre, CITE, NOM, 2025) == [
        "En 2025, 27 des 41 enfants accompagnés par le PRE (65,9\u00a0%) habitent un quartier "
        "prioritaire de la Cité éducative d'Alpha ou fréquentent une école ou un collège de son "
        "périmètre. Parmi eux, 0,0\u00a0% ont été orientés par l'Éducation nationale, contre "
        "0,0\u00a0% des enfants accompagnés hors de la Cité. Ils ont bénéficié de 1,0 action en "
        "moyenne, contre 1,4 hors de la Cité."
    ]


def test_dedans_dehors_masque_nulle_part_en_clair(con_fixture):
    cadre = requete(con_fixture, "cite_dedans_dehors", annee=2024)
    tableau = cite.dedans_dehors(cadre, CITE)
    assert tableau.select("cite__secret", "hors_cite__secret").rows() == [
        ("s", "< 11"),
        ("s", "s"),
        ("s", "s"),
        ("s", "s"),
    ]
    fig = cite.graphique_dedans_dehors(tableau)
    resume = exports.resume(fig)
    assert "Hors de la Cité – Enfants accompagnés : < 11" in resume
    assert "Dans le périmètre de la Cité – Enfants accompagnés : s" in resume
    # Neither the hidden counts (47, 7, 20, 4, 3) nor the hidden shares reach the chart.
    etiquettes = [t for trace in fig.data for t in (trace.text or ()) if t]
    assert not [t for t in etiquettes if re.fullmatch(r"(47|7|20|4|3)|42,6.*|57,1.*", t)]
    phrases = cite.phrases_dedans_dehors(cadre, CITE, NOM, 2024)
    assert phrases == [
        "En 2024, les chiffres du PRE dans le périmètre de la Cité éducative d'Alpha et hors de "
        "celui-ci ne sont pas diffusés : l'un des deux groupes compte trop peu d'enfants (secret "
        "statistique)."
    ]


def test_phrase_avec_une_moyenne_masquee():
    # Inside and outside shown, but too few exits outside: the mean is not written.
    ligne = {
        "cite_id": CITE,
        "enfants_cite": 30,
        "enfants_hors_cite": 40,
        "enfants_programme": 70,
    }
    for prefixe, valeurs in (
        ("part_ecole", (50.0, 40.0)),
        ("duree_moyenne_mois", (12.0, None)),
        ("actions_par_enfant", (2.5, 1.5)),
    ):
        ligne[f"{prefixe}_cite"], ligne[f"{prefixe}_hors_cite"] = valeurs
    ligne["duree_moyenne_mois_hors_cite__secret"] = "s"
    phrases = cite.phrases_dedans_dehors(pl.DataFrame([ligne]), CITE, NOM, 2025)
    assert phrases == [
        "En 2025, 30 des 70 enfants accompagnés par le PRE (42,9\u00a0%) habitent un quartier "
        "prioritaire de la Cité éducative d'Alpha ou fréquentent une école ou un collège de son "
        "périmètre. Parmi eux, 50,0\u00a0% ont été orientés par l'Éducation nationale, contre "
        "40,0\u00a0% des enfants accompagnés hors de la Cité. Ils ont bénéficié de 2,5 actions en "
        "moyenne, contre 1,5 hors de la Cité.",
        "Ne sont pas diffusés, car ils portent sur trop peu d'enfants (secret statistique) : "
        "durée moyenne des parcours clos.",
    ]


# ----------------------------------------------------------------- the map, on the demo

DEMO = "pre-90001"
AUBRICOURT, VALRENNE = "cite-90002", "cite-90001"


def lire_demo(con_demo, annee=2025):
    return cite.lire_carte(lambda nom, **p: executer(con_demo, nom, 11, **p), DEMO, annee)


def couche(carte, nom):
    for enfant in carte._children.values():
        if getattr(enfant, "layer_name", None) == nom:
            return enfant
    raise AssertionError(f"couche absente : {nom}")


def points(couche_):
    """Features of a layer drawn by GeoJson children (markers grouped by symbol)."""
    enfants = [couche_, *couche_._children.values()]
    return [f for e in enfants if hasattr(e, "data") for f in e.data["features"]]


def test_carte_de_la_cite_coupee_a_son_perimetre(con_demo):
    cadres = lire_demo(con_demo)
    perimetre = cadres["perimetre"].filter(pl.col("cite_id") == AUBRICOURT)
    carte = cite.perimetre_carte(AUBRICOURT, cadres)
    codes = {
        n: set(perimetre.filter(pl.col("nature") == n)["code"])
        for n in ("qpv", "etablissement", "commune")
    }
    assert codes["qpv"] == {"QN09607N", "QN09608N", "QN09609N"}
    assert set(carte.qpv["code_qp"]) == codes["qpv"]
    assert (
        set(carte.etablissements["uai"]) == codes["etablissement"]
        and len(codes["etablissement"]) == 7
    )
    assert set(carte.contours["code"]) == codes["commune"] == {"96003", "96004"}
    assert carte.cites["cite_id"].to_list() == [AUBRICOURT]
    # Rows are selected from the Carte page's frames, never recomputed: same values, same tokens.
    assert carte.qpv.equals(cadres["qpv"].filter(pl.col("code_qp").is_in(list(codes["qpv"]))))
    # All its schools are in the éducation prioritaire (REP+ and REP drawn apart).
    assert set(carte.etablissements["education_prioritaire"]) <= {"REP", "REP+"}


def test_carte_de_la_cite_eps_zoom_et_hors_ligne(con_demo):
    cadres = lire_demo(con_demo)
    carte = cite.perimetre_carte(AUBRICOURT, cadres)
    dessin = cite.construire_carte(carte, 2025)
    badges = {f["properties"]["code_qp"]: f for f in points(couche(dessin, cartes.COUCHE_EPS))}
    assert set(badges) == {"QN09607N", "QN09608N", "QN09609N"}
    # In the demo, the EPS of Les Aulnes (QN09608N) did not meet in 2025.
    assert badges["QN09608N"]["properties"]["infobulle"] == (
        "<strong>Quartier prioritaire Les Aulnes</strong>"
        "<br>Aucune équipe pluridisciplinaire de soutien réunie en 2025"
    )
    assert badges["QN09607N"]["properties"]["infobulle"].endswith(
        "<br>Équipes pluridisciplinaires de soutien réunies en 2025 : 3"
    )
    texte_legende = next(e.legende for e in dessin._children.values() if hasattr(e, "legende"))
    assert cartes.e("une EPS s'est réunie dans le quartier en 2025") in texte_legende
    assert "aucune EPS réunie dans le quartier en 2025" in texte_legende
    assert "périmètre de Cité éducative" in texte_legende
    # Opened on the Cité: its QPV and schools inside the view, the view much smaller than the
    # territory's.
    # The map frames its first view itself (cartes._Habillage), with this extent.
    ((sud, ouest), (nord, est)) = next(
        e.emprise for e in dessin._children.values() if hasattr(e, "emprise")
    )
    for lon, lat in zip(
        carte.etablissements["longitude"], carte.etablissements["latitude"], strict=True
    ):
        assert ouest <= lon <= est and sud <= lat <= nord
    territoire = cadres["contours"].filter(pl.col("nature") == "epci")["geom"][0]
    x0, y0, x1, y1 = shapely.from_wkb(territoire).bounds
    assert (est - ouest) * (nord - sud) < 0.5 * (x1 - x0) * (y1 - y0)
    html = cartes.html_carte(dessin)
    adresses = set(re.findall(r"https?://[^\s\"'<>\\)]+", html)) - {"http://www.w3.org/2000/svg"}
    assert adresses == set()
    # The map is cached by Streamlit: it must pickle.
    assert pickle.loads(pickle.dumps(dessin)) is not None


def test_carte_de_la_cite_masque_comme_la_page_carte(con_demo):
    cadres = lire_demo(con_demo)
    carte = cite.perimetre_carte(VALRENNE, cadres)
    dessin = cite.construire_carte(carte, 2025)
    quartiers = {f["id"]: f for f in couche(dessin, "Quartiers prioritaires").data["features"]}
    # Les Hauts de Sambre has fewer than 11 children in 2025 (as on the Carte page): hatched.
    assert quartiers["QN09604N"]["properties"]["genre"] == "masque"
    assert (
        "Enfants accompagnés en 2025 : &lt; 11" in quartiers["QN09604N"]["properties"]["infobulle"]
    )
    assert carte.secrets()["beneficiaires__secret"].to_list().count("< 11") >= 1
    assert not re.search(
        r"Enfants accompagnés en 2025 : [1-9]<|Enfants accompagnés en 2025 : 10<",
        cartes.html_carte(dessin),
    )


def test_la_demo_distingue_ses_deux_cites(con_demo):
    """Each of the six indicators differs between the demo's two Cités, none is masked."""
    cadres_demo = {
        nom: executer(con_demo, nom, 11, pre_id=DEMO, annee=2025) for nom in cite.REQUETES
    }
    valeurs = {
        cite_id: dict(
            zip(
                *cite.tableau_de_bord(cadres_demo, cite_id, nom, 2025)
                .select("code", "valeur")
                .to_dict(as_series=False)
                .values(),
                strict=True,
            )
        )
        for cite_id, nom in cite.cites(cadres_demo)
    }
    assert set(valeurs) == {AUBRICOURT, VALRENNE}
    a, v = valeurs[AUBRICOURT], valeurs[VALRENNE]
    assert not [x for x in [*a.values(), *v.values()] if x in ("s", "< 11", formats.VIDE)]
    indicateurs = (
        ("cite_part_scolarises", "cite_part_residant_qpv"),
        ("cite_part_qpv_eps",),
        ("cite_fiches_cofinancees", "cite_montant_cofinance", "cite_part_programmation"),
        ("cite_reunions_conjointes", "cite_presence_copil"),
        ("cite_part_orientations",),
        ("cite_part_etablissements_eps",),
    )
    for codes in indicateurs:
        assert any(a[c] != v[c] for c in codes), codes
    assert (a["cite_part_qpv_eps"], v["cite_part_qpv_eps"]) == ("66,7\u00a0%", "100,0\u00a0%")
    assert (a["cite_fiches_cofinancees"], v["cite_fiches_cofinancees"]) == ("2", "3")


@pytest.fixture(scope="module")
def cadres(con_fixture):
    return {nom: requete(con_fixture, nom) for nom in cite.REQUETES}


def test_chaque_mesure_est_definie():
    assert {m.code for m in cite.MESURES} <= set(definitions())


def test_tableau_de_bord(cadres):
    assert cite.cites(cadres) == [(CITE, NOM)]
    tableau = cite.tableau_de_bord(cadres, CITE, NOM, 2025)
    assert lignes(tableau, ["code", "valeur", "evolution", "lecture"]) == [
        ("cite_part_scolarises", "65,9\u00a0%", "–", "Solide"),
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
    # The 2024 share is masked (see test_scolarisation_et_residence): no comparison.
    assert phrases["cite_part_scolarises"] == (
        "En 2025, 65,9\u00a0% des enfants accompagnés par le PRE sont scolarisés dans une école "
        "ou un collège de la Cité éducative d'Alpha."
    )
    assert phrases["cite_part_residant_qpv"] == (
        "En 2025, 36,6\u00a0% des enfants accompagnés par le PRE habitent un quartier prioritaire "
        "de la Cité éducative d'Alpha, contre 64,8\u00a0% en 2024."
    )
    assert phrases["cite_fiches_cofinancees"] == (
        "En 2025, 0 fiche-action du PRE est cofinancée par la Cité éducative d'Alpha, "
        "contre 1 en 2024."
    )
    assert phrases["cite_presence_copil"] == (
        "En 2025, le PRE n'a participé à aucun comité de pilotage de la Cité éducative "
        "d'Alpha, contrairement à 2024."
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
    # The thresholds as sentences under the table (a column would be cut on screen).
    assert "Seuils de lecture" not in tableaux[0].columns
    assert (
        "Enfants scolarisés dans la Cité éducative – à renforcer : moins de 25\u00a0% ; en "
        "progrès : de 25\u00a0% à moins de 50\u00a0% ; solide : 50\u00a0% ou plus."
    ) in texte.replace("\\", "")
    # The Cité's map and the PRE inside and outside the Cité (figures: tests/fixture_base.py).
    assert [s.value for s in at.subheader] == [
        f"{NOM} – tableau de bord 2025",
        "Le périmètre de la Cité et le PRE",
        "Le PRE dans la Cité et hors de la Cité en 2025",
    ]
    assert "#### Périmètre de la Cité éducative et présence du PRE – PRE de test, 2025" in [
        m.value for m in at.markdown
    ]
    dedans = tableaux[1]
    assert dedans.columns.tolist() == [
        "Indicateur",
        "Dans le périmètre de la Cité",
        "Hors de la Cité",
        "Ensemble du programme",
    ]
    assert dedans["Dans le périmètre de la Cité"].to_list() == [
        "27",
        "0,0\u00a0%",
        "5,9\u00a0mois",
        "1,0",
    ]
    assert dedans["Hors de la Cité"].to_list() == ["14", "0,0\u00a0%", "–", "1,4"]
    assert dedans["Ensemble du programme"].to_list() == ["41", "0,0\u00a0%", "5,9\u00a0mois", "1,2"]
    assert "En 2025, 27 des 41 enfants accompagnés par le PRE (65,9\u00a0%) habitent" in texte_lu(
        texte
    )


def test_page_cite_masque_et_comparaison(application):
    application.query_params["annee"] = "2024"
    at = application.run()
    at.switch_page("pages/cite.py").run()
    assert not at.exception
    dedans = [d.value for d in at.dataframe][1]
    # The 20 parcours that ended inside the Cité are shown, so is their mean length.
    assert dedans["Dans le périmètre de la Cité"].to_list() == ["s", "s", "10,0\u00a0mois", "s"]
    assert dedans["Hors de la Cité"].to_list() == ["< 11", "s", "s", "s"]
    # Since a child and its parcours of a year are one record of the whole-database protection,
    # it masks the programme's 54 children of 2024 too (secondary, secret_cellule), hence its
    # actions per child; its exits are masked, hence the mean length of its parcours.
    assert dedans["Ensemble du programme"].to_list() == ["s", "s", "s", "s"]
    texte = " ".join(m.value for m in at.markdown)
    assert "hors de celui-ci ne sont pas diffusés" in texte
    # Neither the 7 children outside the Cité nor the 47 inside are written anywhere.
    assert not re.search(r"\b(47|7) (des|enfants)\b", texte)
    # The comparison tab opens from the URL.
    at.query_params["cite"] = "comparaison"
    at.session_state["onglet_cite"] = "Comparaison des Cités"
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == [
        "Comparaison des Cités éducatives du territoire, 2024"
    ]
    comparaison = at.dataframe[0].value
    assert comparaison.columns.tolist() == ["Indicateur", NOM]
    assert comparaison[NOM].to_list()[0] == "s"


@pytest.mark.parametrize(
    ("perimetre", "avis"),
    [("qpv_declares", []), ("qpv_deduits", [AVIS_DEDUITS]), ("communes", [AVIS_COMMUNES])],
)
def test_page_cite_dit_quand_le_perimetre_est_deduit(
    chemin_fixture, tmp_path, monkeypatch, perimetre, avis
):
    chemin = fixture_avec_perimetre(chemin_fixture, tmp_path, perimetre)
    monkeypatch.setenv("PRE_BASE", str(chemin))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", "lecture")
    at.run()
    at.switch_page("pages/cite.py").run()
    assert not at.exception
    assert [w.value for w in at.warning] == avis
    vider_caches()
