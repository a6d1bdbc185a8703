"""The Carte page: its queries (exact rows), the pure map builder, and the page (AppTest).

The fixture database (tests/fixture_base.py) gets a hand-drawn geography here, written by the
same code as real geography (`geographie.ecrire`): communes Alpha and Beta side by side, QPV
Alpha Nord inside Alpha and Beta Sud inside Beta, and four schools:

    C1 collège REP+ inside Alpha Nord      children: G2 (15 girls born 2013)
    E1 école REP    150 m from Alpha Nord  children: G1 (20 boys, 2023-2024), G3 (12 boys)
    E2 école        1 581 m from Beta Sud  children: G5 (14 girls, 2025)
    E3 école REP    inside Beta Sud        no child: a coverage gap

Active children by QPV of residence (fixture_base docstring): 2025 Alpha Nord 15 (G2), Beta Sud 0;
2024 Alpha Nord 20 + 15 = 35, Beta Sud 4 (G4). Programme: 41 children in 2025, 54 in 2024.
Children under 15 living there (filled here): Alpha Nord 600, Beta Sud 300.
"""

from __future__ import annotations

import re
import shutil

import duckdb
import plotly.graph_objects as go
import polars as pl
import pytest
from pyproj import Transformer
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from pre_pilotage import cartes, config, geographie, protection
from pre_pilotage.administration import Utilisateur
from pre_pilotage.geographie import geometrie
from pre_pilotage.indicateurs import definitions
from pre_pilotage.requetes import executer, lire_protege
from tests.fixture_base import ALPHA, BETA, PRE, QPV_ALPHA, QPV_BETA
from tests.lecture import texte_lu

VERS_WGS84 = Transformer.from_crs(
    "+proj=aeqd +lat_0=47.0 +lon_0=2.0 +datum=WGS84 +units=m", 4326, always_xy=True
)
C1, E1, E2, E3 = "0969001A", "0969002B", "0969003C", "0969004D"


def _wgs84(forme):
    return geometrie.transformer(forme, VERS_WGS84)


def _ecole(uai, nom, genre, commune, x, y, ep):
    lon, lat = VERS_WGS84.transform(x, y)
    return {
        "uai": uai,
        "nom": nom,
        "type_etablissement": genre,
        "code_insee": commune,
        "longitude": lon,
        "latitude": lat,
        "education_prioritaire": ep,
    }


@pytest.fixture(scope="module")
def base_carte(chemin_fixture, tmp_path_factory):
    chemin = tmp_path_factory.mktemp("carte") / "carte.duckdb"
    shutil.copy(chemin_fixture, chemin)
    geo = geographie.Geographie("EPCI 999999901")
    t = geo.tables
    t["epci"].append(
        {"siren": "999999901", "nom": "EPCI de test", "geom": _wgs84(box(0, 0, 8000, 4000))}
    )
    for code, nom, forme in (
        (ALPHA, "Alpha", box(0, 0, 4000, 4000)),
        (BETA, "Beta", box(4000, 0, 8000, 4000)),
    ):
        t["commune"].append(
            {"code_insee": code, "nom": nom, "siren_epci": "999999901", "geom": _wgs84(forme)}
        )
    for code, nom, commune, forme, enfants in (
        (QPV_ALPHA, "Alpha Nord", ALPHA, box(1000, 2000, 2000, 3000), 600),
        (QPV_BETA, "Beta Sud", BETA, box(5000, 1000, 6000, 2000), 300),
    ):
        t["qpv"].append(
            {
                "code_qp": code,
                "nom": nom,
                "annee_geographie": 2024,
                "population_enfants": enfants,
                "geom": _wgs84(forme),
            }
        )
        t["qpv_commune"].append({"code_qp": code, "code_insee": commune})
    t["etablissement"] += [
        _ecole(C1, "Collège Jean-Zay", "college", ALPHA, 1500, 2500, "REP+"),
        _ecole(E1, "École Condorcet", "ecole", ALPHA, 1500, 1850, "REP"),
        _ecole(E2, "École des Champs", "ecole", ALPHA, 3500, 500, None),
        _ecole(E3, "École du Canal", "ecole", BETA, 5500, 1500, "REP"),
    ]
    t["cite_educative"].append({"cite_id": "cite-99001", "nom": "Cité éducative d'Alpha"})
    t["cite_educative_commune"].append({"cite_id": "cite-99001", "code_insee": ALPHA})
    geographie.completer(geo)
    with duckdb.connect(str(chemin)) as con:
        geographie.ecrire(con, geo)
        for groupe, uai in (("G1", E1), ("G2", C1), ("G3", E1), ("G5", E2)):
            con.execute(
                "update beneficiaire set uai = ? where beneficiaire_id like ?",
                [uai, f"B-{groupe}-%"],
            )
        con.execute("insert into meta values ('donnees_demo', 'oui')")
    protection.proteger_fichier(chemin)  # the schools and the flag above changed the data
    return chemin


@pytest.fixture(scope="module")
def con_carte(base_carte):
    con = duckdb.connect(str(base_carte), read_only=True)
    yield con
    con.close()


def requete(con, nom, **params):
    return executer(con, nom, 11, **params)


def cadres(con, annee=2025, commune=None):
    territoire = {"pre_id": PRE, "commune": commune, "annee": annee}
    return (
        requete(con, "carte_qpv", **territoire, geographie=2024, niveau="territoire"),
        requete(con, "carte_etablissements", **territoire),
        requete(con, "carte_contours", pre_id=PRE, niveau="territoire"),
        requete(con, "carte_cites", pre_id=PRE, geographie=2024, niveau="territoire"),
    )


# ------------------------------------------------------------------------------- queries


def test_carte_qpv_2025(con_carte):
    qpv = requete(
        con_carte,
        "carte_qpv",
        pre_id=PRE,
        commune=None,
        annee=2025,
        geographie=2024,
        niveau="territoire",
    )
    assert qpv.select(
        "code_qp", "nom", "communes", "beneficiaires", "beneficiaires_pour_100", "part_programme"
    ).rows() == [
        (QPV_ALPHA, "Alpha Nord", "Alpha", 15, 2.5, 36.6),
        (QPV_BETA, "Beta Sud", "Beta", 0, 0.0, 0.0),
    ]
    assert qpv["beneficiaires__secret"].to_list() == [None, None]
    assert qpv["geom"].null_count() == 0


def test_carte_qpv_2024_masquee(con_carte):
    # Beta Sud has 4 children: "< 11"; the total (39) is known, so Alpha Nord is hidden too.
    qpv = requete(
        con_carte,
        "carte_qpv",
        pre_id=PRE,
        commune=None,
        annee=2024,
        geographie=2024,
        niveau="territoire",
    )
    assert qpv.select(
        "code_qp",
        "beneficiaires",
        "beneficiaires__secret",
        "beneficiaires_pour_100__secret",
        "part_programme__secret",
    ).rows() == [
        (QPV_ALPHA, None, "s", "s", "s"),
        (QPV_BETA, None, "< 11", "s", "s"),
    ]
    assert qpv["part_programme"].to_list() == [None, None]


def test_carte_qpv_d_une_commune(con_carte):
    qpv = requete(
        con_carte,
        "carte_qpv",
        pre_id=PRE,
        commune=BETA,
        annee=2025,
        geographie=2024,
        niveau="national",
    )
    assert qpv.select("code_qp", "beneficiaires").rows() == [(QPV_BETA, 0)]


def test_carte_etablissements(con_carte):
    etabs = requete(con_carte, "carte_etablissements", pre_id=PRE, commune=None, annee=2025)
    assert etabs.select(
        "uai", "education_prioritaire", "position_qpv", "code_qp_proche", "beneficiaires"
    ).rows() == [
        (C1, "REP+", "dans_qpv", QPV_ALPHA, 15),
        (E1, "REP", "moins_300m", QPV_ALPHA, 12),
        (E2, None, "hors_qpv", QPV_BETA, 14),
        (E3, "REP", "dans_qpv", QPV_BETA, 0),
    ]
    distances = etabs["distance_qpv_m"].to_list()
    assert distances[0] == distances[3] == 0
    assert distances[1] == pytest.approx(150, abs=0.5)
    assert distances[2] == pytest.approx(1_581, abs=1)  # (3500, 500) to Beta Sud's side x = 5000
    assert etabs.filter(pl.col("uai") == C1)["tete_reseau"].to_list() == ["Collège Jean-Zay"]


def test_carte_contours_cites_et_liens(con_carte):
    contours = requete(con_carte, "carte_contours", pre_id=PRE, niveau="territoire")
    assert contours.select("nature", "code", "nom").rows() == [
        ("commune", ALPHA, "Alpha"),
        ("commune", BETA, "Beta"),
        ("epci", "999999901", "EPCI de test"),
    ]
    cites = requete(con_carte, "carte_cites", pre_id=PRE, geographie=2024, niveau="territoire")
    assert cites.select(
        "cite_id", "communes", "codes_qp", "qpv_deduits", "etablissements"
    ).rows() == [("cite-99001", "Alpha", [QPV_ALPHA], True, 2)]
    liens = requete(con_carte, "carte_qpv_etablissements", pre_id=PRE, geographie=2024)
    assert [(c, u, p, round(d)) for c, u, p, d in liens.rows()] == [
        (QPV_ALPHA, C1, "dans_qpv", 0),
        (QPV_ALPHA, E1, "moins_300m", 150),
        (QPV_BETA, E3, "dans_qpv", 0),
    ]
    assert requete(con_carte, "carte_geographies", pre_id=PRE).rows() == [(2024, 2, 2)]


def test_fiches_action_du_quartier(con_carte):
    colonnes = ["fiche", "intitule", "thematique", "niveau", "enfants", "enfants__secret"]
    # 2025: G2 (15 girls of Alpha Nord) took part in FA3, twice for one of them.
    fiches = requete(con_carte, "carte_qpv_fiches_action", pre_id=PRE, annee=2025, qpv=QPV_ALPHA)
    assert fiches.select(colonnes).rows() == [
        ("FA3", "Fiche FA3", "Parentalité", "Intercommunal", 15, None)
    ]
    # 2024: G1 (20 boys) in FA2; FA3 is a 2025 fiche.
    fiches = requete(con_carte, "carte_qpv_fiches_action", pre_id=PRE, annee=2024, qpv=QPV_ALPHA)
    assert fiches.select(colonnes).rows() == [
        ("FA2", "Fiche FA2", "Scolarité", "Communal", 20, None)
    ]
    fiches = requete(con_carte, "carte_qpv_fiches_action", pre_id=PRE, annee=2024, qpv=QPV_BETA)
    assert fiches.height == 0


# ---------------------------------------------------------------------------- the map


def test_classes_de_la_choroplethe():
    assert cartes.bornes([11, 12, 15, 30, 45, 80, None, 0], "nombre") == [11, 15, 45]
    assert cartes.bornes([2.54, 2.54, 3.1, 7.1, 7.25], "decimal", classes=3) == [2.5, 7.1]
    assert cartes.classe(31, [11, 12, 15, 30, 45]) == 3
    assert cartes.libelles_classes([11, 15, 30], 47, "nombre") == ["11 à 14", "15 à 29", "30 à 47"]
    assert cartes.bornes([], "nombre") == []


def _libelles(valeurs: list, unite: str = "nombre") -> list[str]:
    limites = cartes.bornes(valeurs, unite)
    return cartes.libelles_classes(limites, max(valeurs), unite)


def test_classes_de_la_legende_jamais_d_une_seule_valeur():
    # Each class holds two distinct shown values at least: few values, fewer classes
    # (was « 34 à 35 », « 36 » for the first one).
    assert _libelles([34, 34, 34, 36]) == ["34 à 36"]
    assert _libelles([34, 35, 36]) == ["34 à 36"]
    assert _libelles([34, 35, 36, 37]) == ["34 à 35", "36 à 37"]
    assert _libelles([36, 36]) == ["36"]  # the data really has a single value
    assert _libelles([11, 12, 13, 14, 15, 16, 17] + [100] * 7) == [
        "11 à 13",
        "14 à 16",
        "17 à 100",
    ]
    # Ordered, contiguous, up to five classes covering every value; French formats.
    assert _libelles(list(range(11, 60))) == [
        "11 à 19",
        "20 à 29",
        "30 à 39",
        "40 à 49",
        "50 à 59",
    ]
    assert _libelles([11] * 20 + [12, 13, 14, 40, 41, 1200, 1500]) == [
        "11 à 12",
        "13 à 39",
        "40 à 1\u202f199",
        "1\u202f200 à 1\u202f500",
    ]
    assert _libelles([2.54, 2.54, 3.1, 7.25], "decimal") == ["2,5 à 7,2"]
    assert _libelles([2.54, 3.1, 7.1, 7.25], "decimal") == ["2,5 à 7,0", "7,1 à 7,2"]
    assert _libelles([12.5, 13.0, 20.0, 40.0], "pourcentage") == [
        "12,5\u00a0% à 19,9\u00a0%",
        "20,0\u00a0% à 40,0\u00a0%",
    ]


def legende(carte) -> str:
    return next(e.legende for e in carte._children.values() if hasattr(e, "legende"))


def _entites(carte, nom_couche):
    for enfant in carte._children.values():
        if getattr(enfant, "layer_name", None) == nom_couche:
            return {f["id"]: f for f in enfant.data["features"]}
    raise AssertionError(f"couche absente : {nom_couche}")


def test_carte_styles_infobulles_et_lacunes(con_carte):
    qpv, etabs, contours, cites = cadres(con_carte)
    carte = cartes.construire_carte(qpv, etabs, contours, cites, "beneficiaires", annee=2025)
    quartiers = _entites(carte, "Quartiers prioritaires")
    assert {k: f["properties"]["genre"] for k, f in quartiers.items()} == {
        QPV_ALPHA: "c0",
        QPV_BETA: "lacune",
    }
    infobulle = quartiers[QPV_ALPHA]["properties"]["infobulle"]
    assert infobulle == (
        "<strong>Quartier prioritaire Alpha Nord</strong><br>Code : QN09690N<br>Commune : Alpha"
        "<br>Enfants accompagnés en 2025 : 15<br>Pour 100 enfants de moins de 15 ans : 2,5"
        "<br>Part des enfants du programme : 36,6\u00a0%<br>Cliquer pour ouvrir la fiche du quartier"
    )
    assert "aucun enfant accompagné (lacune de couverture)" in legende(carte)
    assert "école ou collège REP sans enfant accompagné en 2025" in legende(carte)
    assert cartes.lacunes_qpv(qpv).rows() == [(QPV_BETA, "Beta Sud", "Beta")]
    assert cartes.lacunes_etablissements(etabs).rows() == [
        (E3, "École du Canal", "École", "REP", "Beta")
    ]


def test_quartier_masque_hachure_sans_son_effectif(con_carte):
    qpv, etabs, contours, cites = cadres(con_carte, annee=2024)
    carte = cartes.construire_carte(qpv, etabs, contours, cites, "part", annee=2024)
    quartiers = _entites(carte, "Quartiers prioritaires")
    # Beta Sud has too few children (hatched); Alpha Nord is hidden to protect it (dotted).
    assert {k: f["properties"]["genre"] for k, f in quartiers.items()} == {
        QPV_ALPHA: "protege",
        QPV_BETA: "masque",
    }
    beta = quartiers[QPV_BETA]["properties"]["infobulle"]
    assert beta == (
        "<strong>Quartier prioritaire Beta Sud</strong><br>Code : QN09691N<br>Commune : Beta"
        "<br>Enfants accompagnés en 2024 : &lt; 11<br>Pour 100 enfants de moins de 15 ans : s"
        "<br>Part des enfants du programme : s"
        "<br><em>« &lt; 11 » : moins de 11 enfants, effectif non diffusé</em>"
        "<br><em>« s » : chiffre masqué pour qu&#x27;un petit effectif ne puisse pas être "
        "recalculé à partir des autres</em><br>Cliquer pour ouvrir la fiche du quartier"
    )
    lignes_legende = re.findall(r"</svg><span>([^<]*)</span>", legende(carte))
    assert "« &lt; 11 » : moins de 11 enfants, effectif non diffusé" in lignes_legende
    assert "« s » : masqué pour protéger un autre chiffre" in lignes_legende
    assert "moins de 11 enfants (secret statistique)" not in legende(carte)
    assert "url(#pre-pointilles)" in cartes.html_carte(carte)
    # The true counts (4 and 35) appear nowhere in the map.
    html = cartes.html_carte(carte)
    assert not re.search(r"en 2024 : (4|35)\b", html)
    assert "url(#pre-hachures)" in html and 'id=\\"pre-hachures\\"' in html


def test_noms_echappes_et_aucune_adresse_externe(con_carte):
    qpv, etabs, contours, cites = cadres(con_carte)
    piege = '<img src=x onerror="alert(1)">'
    qpv = qpv.with_columns(pl.lit(f"Quartier {piege}").alias("nom"))
    etabs = etabs.with_columns(pl.lit(f"École {piege}").alias("nom"))
    carte = cartes.construire_carte(qpv, etabs, contours, cites, couches=cartes.COUCHES)
    echappe = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    assert _entites(carte, "Quartiers prioritaires")[QPV_ALPHA]["properties"]["infobulle"] == (
        f"<strong>Quartier prioritaire Quartier {echappe}</strong>"
        + _entites(carte, "Quartiers prioritaires")[QPV_ALPHA]["properties"]["infobulle"].split(
            "</strong>", 1
        )[1]
    )
    html = cartes.html_carte(carte)
    # Escaped once more by the JSON embedding; never a raw tag, in clear or as \u003c.
    assert "<img" not in html and "\\u003cimg" not in html
    assert "\\u0026lt;img src=x onerror=\\u0026quot;alert(1)\\u0026quot;\\u0026gt;" in html
    adresses = set(re.findall(r"https?://[^\s\"'<>\\)]+", html)) - {"http://www.w3.org/2000/svg"}
    assert adresses == set()
    assert '<script src="/app/static/leaflet/leaflet.js"></script>' in html
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    avec_fond = cartes.html_carte(
        cartes.construire_carte(qpv, etabs, contours, cites, fond_ign=True)
    )
    assert "https://data.geopf.fr/wmts" in avec_fond


def test_qpv_sans_contour_signales_sur_leur_commune(con_carte):
    qpv, etabs, contours, cites = cadres(con_carte)
    qpv = qpv.with_columns(
        pl.when(pl.col("code_qp") == QPV_BETA).then(None).otherwise(pl.col("geom")).alias("geom")
    )
    carte = cartes.construire_carte(qpv, etabs, contours, cites)
    html = cartes.html_carte(carte)
    assert "Beta : 1 quartier sans contour connu" in html
    assert "1 quartier prioritaire de cette géographie n" in legende(carte)
    assert cartes.qpv_sans_contour(qpv).rows() == [(QPV_BETA, "Beta Sud", "Beta")]


def test_fiche_du_quartier(con_carte):
    qpv, etabs, _, cites = cadres(con_carte)
    liens = requete(con_carte, "carte_qpv_etablissements", pre_id=PRE, geographie=2024)
    fiche = cartes.fiche_qpv(QPV_ALPHA, qpv, etabs, liens, cites)
    assert fiche.ligne["beneficiaires"].to_list() == [15]
    assert fiche.etablissements.select("nom", "reseau", "situation", "beneficiaires").rows() == [
        ("Collège Jean-Zay", "REP+", "dedans", 15),
        ("École Condorcet", "REP", "< 300 m", 12),
    ]
    assert fiche.cites == ["Cité éducative d'Alpha"]
    assert cartes.fiche_qpv("QN00000X", qpv, etabs, liens, cites) is None


def test_chaque_mesure_est_definie():
    codes = {m.code for m in cartes.MESURES.values()} | {
        "etablissement_beneficiaires",
        "qpv_sans_beneficiaire",
        "etablissement_ep_sans_beneficiaire",
        "position_etablissement_qpv",
        "qpv_fiches_action",
    }
    assert codes <= set(definitions())
    for code in codes:
        assert definitions()[code].unite in ("nombre", "decimal", "pourcentage")


def classement_protege(con, annee, mesure="beneficiaires"):
    """The ranked quartiers as the page builds them: from the protected cells of `carte_qpv`."""
    qpv = lire_protege(
        con,
        "carte_qpv",
        11,
        pre_id=PRE,
        commune=None,
        annee=annee,
        geographie=2024,
        niveau="territoire",
    )
    colonne = cartes.MESURES[mesure].colonne
    return cartes.classement(qpv, mesure).select(
        "rang", "code_qp", "nom", colonne, f"{colonne}__secret"
    )


def test_classement_des_quartiers_masque_comme_la_carte(con_carte):
    assert classement_protege(con_carte, 2025).rows() == [
        (1, QPV_ALPHA, "Alpha Nord", 15, None),
        (None, QPV_BETA, "Beta Sud", 0, None),  # no child followed: listed, not ranked
    ]
    assert classement_protege(con_carte, 2025, "pour_100").rows() == [
        (1, QPV_ALPHA, "Alpha Nord", 2.5, None),
        (None, QPV_BETA, "Beta Sud", 0.0, None),
    ]
    # 2024: Beta Sud has 4 children (« < 11 »), Alpha Nord hides to protect it (« s »): no rank,
    # no value, by name; nothing in the order tells which one is larger.
    assert classement_protege(con_carte, 2024).rows() == [
        (None, QPV_ALPHA, "Alpha Nord", None, "s"),
        (None, QPV_BETA, "Beta Sud", None, "< 11"),
    ]
    assert classement_protege(con_carte, 2024, "part").rows() == [
        (None, QPV_ALPHA, "Alpha Nord", None, "s"),
        (None, QPV_BETA, "Beta Sud", None, "s"),
    ]


def test_classement_rangs_egaux_et_inconnus_apres():
    qpv = pl.DataFrame(
        {
            "code_qp": ["A", "B", "C", "D", "E"],
            "nom": ["Azur", "Bleu", "Cyan", "Dune", "Écume"],
            "beneficiaires": [20, None, 20, 35, None],
            "beneficiaires__secret": [None, "< 11", None, None, "s"],
        }
    )
    assert cartes.classement(qpv).select("rang", "rang_texte", "code_qp").rows() == [
        (1, "1er", "D"),
        (2, "2e", "A"),
        (2, "2e", "C"),
        (None, "–", "B"),
        (None, "–", "E"),
    ]


def test_carte_noms_quartier_choisi_et_cadrage(con_carte):
    qpv, etabs, contours, cites = cadres(con_carte)
    carte = cartes.construire_carte(
        qpv, etabs, contours, cites, annee=2025, choisi=QPV_BETA, noms=True, cadrage="territoire"
    )
    html = cartes.html_carte(carte)
    # Names written on the map (permanent, not interactive), escaped like every text.
    etiquettes = re.findall(r'"html": "\\u003cspan class=\\"pre-nom\\"\\u003e([^\\]*)\\u003c', html)
    assert etiquettes == ["Alpha Nord", "Beta Sud"]
    assert html.count('"className": "pre-etiquette"') == 2
    # The chosen quartier outlined above the others, and named in the legend.
    assert "quartier choisi : Beta Sud" in legende(carte)
    choisi = next(
        enfant
        for enfant in carte._children.values()
        if getattr(enfant, "layer_name", None) == "Quartier choisi"
    )
    assert [f["id"] for f in choisi.data["features"]] == [f"choisi-{QPV_BETA}"]
    # Without labels nor choice, neither is drawn.
    sobre = cartes.construire_carte(qpv, etabs, contours, cites, annee=2025)
    assert '"className": "pre-etiquette"' not in cartes.html_carte(sobre)
    assert "quartier choisi" not in legende(sobre)
    # First view: the whole territory (the EPCI, 8 km × 4 km), or the filtered commune (Beta,
    # the eastern half); the Cité page keeps opening on its quartiers and schools.
    ouest, est = _wgs84(box(0, 0, 8000, 4000)).bounds, _wgs84(box(4000, 0, 8000, 4000)).bounds
    territoire = cartes.emprise_initiale(qpv, etabs, contours, cites, cadrage="territoire")
    assert sum(territoire, []) == pytest.approx([ouest[1], ouest[0], ouest[3], ouest[2]], abs=1e-5)
    commune = cartes.emprise_initiale(qpv, etabs, contours, cites, commune=BETA)
    assert sum(commune, []) == pytest.approx([est[1], est[0], est[3], est[2]], abs=1e-5)
    objets = cartes.emprise_initiale(qpv, etabs, contours, cites)
    assert objets[0][1] > ouest[0] + 0.001  # the quartiers and schools start east of x = 0
    assert f"[[{territoire[0][0]}," in html.replace(" ", "")


# ------------------------------------------------------------------------------ the page


@pytest.fixture
def application(base_carte, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(base_carte))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=90)
    at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", "lecture")
    return at


def test_page_carte(application):
    at = application.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    assert at.title[0].value == "Carte"
    textes = " ".join(m.value for m in at.markdown)
    assert "#### Enfants accompagnés par quartier prioritaire – PRE de test, 2025" in textes
    assert "Quartiers prioritaires sans enfant accompagné" in textes
    tableaux = [d.value for d in at.dataframe]
    # First the quartiers ranked on the map's measure, then the coverage gaps.
    assert tableaux[0].to_dict(orient="list") == {
        "Rang": ["1er", "–"],  # Beta Sud: no child followed, no rank
        "Quartier": ["Alpha Nord", "Beta Sud"],
        "Commune": ["Alpha", "Beta"],
        "Enfants accompagnés": ["15", "0"],
    }
    assert tableaux[1]["Quartier"].to_list() == ["Beta Sud"]
    assert tableaux[2]["Établissement"].to_list() == ["École du Canal"]
    assert [m.label for m in at.metric] == []
    assert at.toggle(key="noms_quartiers").value is False


def test_page_carte_fiche_et_etat_dans_l_url(application):
    application.query_params["quartier"] = QPV_ALPHA
    application.query_params["mesure"] = "pour_100"
    at = application.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        # One quartier's card: not « … par quartier » (outside test).
        "Enfants accompagnés": "15",
        "Enfants accompagnés pour 100 enfants de moins de 15 ans": "2,5",
        "Part des enfants du programme": "36,6\u00a0%",
    }
    assert "Alpha Nord (QN09690N)" in [texte_lu(s.value) for s in at.subheader]
    assert at.query_params["quartier"] in ([QPV_ALPHA], QPV_ALPHA)
    assert at.query_params["mesure"] in (["pour_100"], "pour_100")
    classement = at.dataframe[0].value
    assert classement.columns.to_list() == [
        "Rang",
        "Quartier",
        "Commune",
        "Enfants accompagnés",
        "Enfants accompagnés pour 100 enfants de moins de 15 ans",
    ]
    assert classement["Enfants accompagnés pour 100 enfants de moins de 15 ans"].to_list() == [
        "2,5",
        "0,0",
    ]
    ecoles = next(d.value for d in at.dataframe if "Situation" in d.value.columns)
    assert ecoles["Établissement"].to_list() == ["Collège Jean-Zay", "École Condorcet"]
    assert ecoles["Enfants"].to_list() == ["15", "12"]


def test_page_carte_quartier_masque(application):
    application.query_params["quartier"] = QPV_BETA
    application.query_params["annee"] = "2024"
    at = application.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    valeurs = {m.label: m.value for m in at.metric}
    assert valeurs["Enfants accompagnés"] == "< 11"
    assert set(valeurs.values()) <= {"< 11", "s"}
    # The ranked table shows the same tokens as the map, with no rank and by name.
    assert at.dataframe[0].value.to_dict(orient="list") == {
        "Rang": ["–", "–"],
        "Quartier": ["Alpha Nord", "Beta Sud"],
        "Commune": ["Alpha", "Beta"],
        "Enfants accompagnés": ["s", "< 11"],
    }


def test_page_carte_ouvre_le_quartier_du_panneau_lateral(application):
    application.query_params["qpv"] = QPV_ALPHA
    at = application.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    assert "Alpha Nord (QN09690N)" in [texte_lu(s.value) for s in at.subheader]
    # The map keeps every quartier of the programme: the sidebar's QPV only opens its card.
    lacunes = next(d.value for d in at.dataframe if "Code" in d.value.columns)
    assert lacunes["Quartier"].to_list() == ["Beta Sud"]


def test_image_de_la_carte_nommee_et_cadree_sur_la_commune(con_carte):
    from pre_pilotage import carte_image

    qpv, etabs, contours, cites = cadres(con_carte)
    figure = carte_image.figure_carte(qpv, etabs, contours, cites, annee=2025, noms=True)
    assert sorted(a.text for a in figure.layout.annotations) == ["Alpha Nord", "Beta Sud"]
    assert figure.layout.xaxis.range is None  # the whole territory
    # Filtered on Beta: the image is framed on the commune (4 % margin), names still written.
    beta = carte_image.figure_carte(
        qpv.filter(pl.col("code_qp") == QPV_BETA), etabs, contours, cites, noms=True, commune=BETA
    )
    ouest, _, est, _ = _wgs84(box(4000, 0, 8000, 4000)).bounds
    marge = (est - ouest) * 0.04
    assert list(beta.layout.xaxis.range) == pytest.approx([ouest - marge, est + marge], abs=1e-6)
    assert [a.text for a in beta.layout.annotations] == ["Beta Sud"]


def test_noms_des_quartiers_voisins_sans_se_recouvrir():
    """Two quartiers side by side: the second name goes where it covers the first one's."""
    import shapely

    from pre_pilotage import carte_image

    qpv = pl.DataFrame(
        {
            "nom": ["La Briqueterie", "Chasse Royale", "Le Faubourg"],
            "geom": [
                shapely.to_wkb(box(3.500, 50.300, 3.504, 50.303)),
                shapely.to_wkb(box(3.5045, 50.3, 3.5085, 50.303)),
                shapely.to_wkb(box(3.60, 50.35, 3.61, 50.36)),
            ],
        }
    )
    figure = go.Figure()
    carte_image._noms_qpv(figure, qpv, (3.5, 50.3, 3.61, 50.36), 460, 50.33)
    places = {
        a.text: (a.showarrow, a.xshift, a.yshift, a.ax, a.ay) for a in figure.layout.annotations
    }
    # The largest first, above it; its neighbour below; the lone one above.
    assert places["Le Faubourg"] == (False, 0, 10, 0, -10)
    assert places["La Briqueterie"] == (False, 0, 10, 0, -10)
    assert places["Chasse Royale"] == (False, 0, -10, 0, 10)


def test_classement_un_quartier_sans_enfant_n_a_pas_de_rang():
    """« 1er » beside « 0 » when every other quartier was masked (outside test)."""
    qpv = pl.DataFrame(
        {
            "code_qp": ["A", "B", "C"],
            "nom": ["Azur", "Bleu", "Cyan"],
            "beneficiaires": [0, None, 0],
            "beneficiaires__secret": [None, "s", None],
        }
    )
    assert cartes.classement(qpv).select("rang", "rang_texte", "code_qp").rows() == [
        (None, "–", "A"),
        (None, "–", "C"),
        (None, "–", "B"),
    ]
