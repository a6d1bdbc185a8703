"""The national reference of the « Territoires » page built from the real files of ../shared/data
(exact rows, recomputed here from the raw files with csv/json only), its map's size, accounts
limited to a département, and the page through AppTest.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import carte_territoires, comptes, config, territoires
from pre_pilotage.administration import Utilisateur, connexion
from pre_pilotage.geographie import nationale
from pre_pilotage.geographie.lecture import ErreurGeographie
from tests.test_geographie import DONNEES, reel

PRE = "pre_communes_anct_2024/pre_communes_2024.csv"
QPV = "qpv2024_contours_simplifie/qpv2024_simplified.geojson"
EP = "education_prioritaire_reseaux/fr-en-etablissements-ep.csv"
EPCI = "decoupage_administratif_2026/epci.json"
FICHIERS = {
    "communes": "decoupage_administratif_2026/communes.json",
    "departements": "decoupage_administratif_2026/departements.json",
    "regions": "decoupage_administratif_2026/regions.json",
    "epci": EPCI,
    "pre_communes": PRE,
    "qpv_contours": QPV,
    "reseaux_ep": EP,
    "cites": "cites_educatives/citeduc_geom.geojson",
    "centres_communes": "qpv2024_communes/centroide-4326_qpv.geojson",
    "contours_departements": "communes_contours_2018/departements-version-simplifiee.geojson",
    "encarts_drom": "anct_fonds_admin_2022/fr-drom-4326-pur-style1-dep.geojson",
}
CONTOURS_COMMUNES = [
    "communes_contours_2018/communes-hauts-de-france.geojson",
    "communes_contours_2018/communes-normandie.geojson",
]


def fichiers_reels() -> dict:
    """Every file type of the national reference, from ../shared/data (fails when one is missing)."""
    return {t: reel(c) for t, c in FICHIERS.items()} | {
        "contours_communes": [reel(c) for c in CONTOURS_COMMUNES]
    }


@pytest.fixture(scope="module")
def chemin_reference(tmp_path_factory) -> Path:
    fichiers = fichiers_reels()
    chemin = tmp_path_factory.mktemp("territoires") / "territoires.duckdb"
    nationale.ecrire(nationale.construire(fichiers), chemin)
    return chemin


@pytest.fixture(scope="module")
def tables(chemin_reference) -> dict[str, pl.DataFrame]:
    return nationale.lire(chemin_reference)


# -- independent computation from the raw files -------------------------------------------------


def _lignes_pre() -> list[dict]:
    with reel(PRE).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _qpv_bruts() -> list[dict]:
    return [f["properties"] for f in json.loads(reel(QPV).read_text())["features"]]


def _communes_couvertes() -> set[str]:
    """ANCT communes, plus every commune of the EPCI of a porteur that is an EPCI."""
    lignes = _lignes_pre()
    communes = {r["code_insee"] for r in lignes}
    epcis = json.loads(reel(EPCI).read_text())
    for r in lignes:
        if r["portage"].upper().startswith(("COMMUNAUTE", "METROPOLE")):
            for e in epcis:
                membres = {m["code"] for m in e["membres"]}
                if r["code_insee"] in membres:
                    communes |= membres
    return communes


def test_les_fichiers_du_dossier_partage_sont_trouves_par_leur_nom():
    trouves = nationale.trouver(DONNEES)
    assert set(trouves) == set(nationale.TYPES)
    assert trouves["pre_communes"] == reel(PRE)
    assert trouves["qpv_contours"] == reel(QPV)


def test_nord_communes_a_pre_et_qpv_2024(tables):
    nord = territoires.selectionner(tables, "D59")
    codes_bruts = {r["code_insee"] for r in _lignes_pre() if r["code_insee"].startswith("59")}
    assert len(codes_bruts) == 34
    assert set(nord.pre["code_insee"]) == codes_bruts
    assert "59606" in codes_bruts  # Valenciennes, porteur CA Valenciennes Métropole
    assert nord.pre.filter(pl.col("code_insee") == "59606")["epci"].to_list() == [
        "CA Valenciennes Métropole"
    ]
    qpv_nord = {p["code_qp"] for p in _qpv_bruts() if p["insee_dep"] == "59"}
    assert len(qpv_nord) == 94
    assert set(nord.qpv["code_qp"]) == qpv_nord
    assert territoires.chiffres(nord) == {
        "communes_pre": 34,
        "qpv": 94,
        "qpv_sans_pre": 21,
        "ecoles_rep_plus": 240,
        "reseaux_rep_plus": 31,
        "cites": 15,
    }


def test_nord_qpv_sans_pre(tables):
    couvertes = _communes_couvertes()
    attendus = sorted(
        p["code_qp"]
        for p in _qpv_bruts()
        if p["insee_dep"] == "59" and not set(p["insee_com"].split(", ")) & couvertes
    )
    nord = territoires.selectionner(tables, "D59")
    assert territoires.qpv_sans_pre(nord)["code_qp"].to_list() == attendus
    assert attendus == [
        "QN05911M", "QN05912M", "QN05914M", "QN05934M", "QN05935M", "QN05936M", "QN05937M",
        "QN05938M", "QN05939M", "QN05940M", "QN05943M", "QN05956M", "QN05957M", "QN05959M",
        "QN05964M", "QN05977M", "QN05982M", "QN05990N", "QN05991N", "QN05993N", "QN05994I",
    ]  # fmt: skip
    # Condé-sur-l'Escaut's QPV are covered by Valenciennes Métropole's intercommunal PRE.
    conde = nord.qpv.filter(pl.col("code_qp") == "QN05923M").row(0, named=True)
    assert conde["pre"] and conde["couverture"] == "PRE intercommunal (CA Valenciennes Métropole)"
    # Hautmont / Louvroil: a Cité éducative, no PRE.
    assert territoires.qpv_cite_sans_pre(nord)["code_qp"].to_list() == [
        "QN05912M",
        "QN05914M",
    ]


def test_nord_reseaux_rep_plus_hors_pre(tables):
    couvertes = _communes_couvertes()
    reseaux: dict[str, set[bool]] = {}
    with reel(EP).open(encoding="utf-8-sig") as f:
        for r in csv.DictReader(f, delimiter=";"):
            if r["code_departement"] == "059" and r["ep_2022_2023"] == "REP+":
                tete = r["uai_tete_de_reseau"] or r["uai"]
                reseaux.setdefault(tete, set()).add(r["code_commune"] in couvertes)
    attendus = sorted(t for t, dedans in reseaux.items() if True not in dedans)
    nord = territoires.selectionner(tables, "D59")
    assert sorted(territoires.reseaux_rep_plus_hors_pre(nord)["uai_tete_reseau"]) == attendus
    assert attendus == ["0593686L", "0594309N"]  # Louvroil, Hautmont


def test_drom_la_reunion_et_france(tables):
    reunion = territoires.selectionner(tables, "D974")
    assert reunion.libelle == "La Réunion (974)"
    assert reunion.qpv.height == sum(1 for p in _qpv_bruts() if p["insee_dep"] == "974") == 57
    # The rows naming La Réunion: 8 codes of 974, and Saint-Louis (57618) and Sainte-Suzanne
    # (09342) corrected to 97414 and 97420; Sainte-Marie (97418) names Martinique: 97228.
    brutes = {
        r["code_insee"]
        for r in _lignes_pre()
        if r["Direction du gestionnaire du dossier"] == "Réunion"
    }
    assert {c for c in brutes if c.startswith("974")} | {"97414", "97420"} == set(
        reunion.pre["code_insee"]
    )
    assert reunion.pre.height == 10
    france = territoires.selectionner(tables, "FR")
    assert france.qpv.height == 1609
    # 515 codes in the ANCT list: Paris 10e (75110) and Lyon 1er (69381) are arrondissements of
    # communes already listed (75056, 69123), the 5 other old codes lead to current communes;
    # two corrected codes are communes already listed (Saint-Denis 93066, Évry-Courcouronnes).
    assert len({r["code_insee"] for r in _lignes_pre()}) == 515
    assert france.pre.height == 511
    assert "D974" in territoires.options(tables) and "R32" in territoires.options(tables)
    assert territoires.options(tables, "59") == {"D59": "Nord (59)"}


COMMUNES_2026 = "decoupage_administratif_2026/communes_2026.csv"


def _code_2026(nom: str, departement: str) -> list[str]:
    """Codes of the current communes of that name in that département, from the raw CSV."""
    with reel(COMMUNES_2026).open(encoding="utf-8") as f:
        return [
            r["insee_com"]
            for r in csv.DictReader(f)
            if r["nom"] == nom and r["departement"] == departement
        ]


def test_codes_anct_corriges_d_apres_le_departement_de_la_ligne(tables):
    lignes = {i: r for i, r in enumerate(_lignes_pre(), start=2)}
    corrections = tables["correction_code"]
    corriges = corrections.filter(pl.col("code_retenu").is_not_null())
    # 30 rows whose code is not in the département they name: 27 found by name, 3 to check.
    assert corrections.height == 30
    assert corriges.height == 27
    exemples = {
        (r["ligne"], r["departement"], r["code_liste"], r["code_retenu"])
        for r in corriges.iter_rows(named=True)
    }
    for ligne, dep, liste, nom in (
        (35, "13", "05184", "Vitrolles"),
        (370, "81", "02142", "Castres"),
        (429, "92", "02043", "Bagneux"),
        (510, "974", "57618", "Saint-Louis"),
    ):
        assert lignes[ligne]["code_insee"] == liste
        (code,) = _code_2026(nom, dep)
        assert (ligne, dep, liste, code) in exemples
    assert _code_2026("Vitrolles", "13") == ["13117"]
    assert _code_2026("Castres", "81") == ["81065"]
    # « EVRY »: the commune is now Évry-Courcouronnes (the one name of the Essonne extending it).
    evry = corriges.filter(pl.col("ligne") == 410).row(0, named=True)
    assert (evry["code_liste"], evry["code_retenu"]) == ("89162", "91228")
    assert _code_2026("Évry-Courcouronnes", "91") == ["91228"]
    # Kept as they are and flagged: no commune of that name in the département named.
    assert corrections.filter(pl.col("code_retenu").is_null()).select(
        "ligne", "libelle", "code_liste"
    ).rows() == [
        (132, "PARIS 10E ARRONDISSEMENT", "75110"),
        (423, "SAINT-MARTIN", "97801"),
        (513, "VIENNE CONDRIEU", "69064"),
    ]
    # The corrected communes are in their département (no more « absentes de la carte »).
    bdr = territoires.selectionner(tables, "D13")
    assert "13117" in bdr.pre["code_insee"].to_list()
    assert "05184" not in territoires.selectionner(tables, "D05").pre["code_insee"].to_list()
    assert territoires.codes_corriges(bdr).rows() == [
        ("Vitrolles (VITROLLES)", "05184 (Vitrolles)", "13117", 35)
    ]
    # An Isère row to check shows in the Isère and where its code points (Rhône), not elsewhere.
    assert territoires.lignes_a_verifier(territoires.selectionner(tables, "D69"))[
        "ligne"
    ].to_list() == [513]
    assert territoires.lignes_a_verifier(territoires.selectionner(tables, "D38"))[
        "ligne"
    ].to_list() == [132, 513]
    assert territoires.codes_corriges(territoires.selectionner(tables, "D59")).is_empty()
    # The Hauts-de-France now hold exactly the 83 rows (83 codes) the list puts in that région:
    # before, Moulins, Bagneux and Castres (codes of the Aisne) were counted there, Grenay and
    # Rouvroy (codes of the Isère and the Aisne) were not.
    hdf = {r["code_insee"] for r in _lignes_pre() if r["région"] == "HAUTS-DE-FRANCE"}
    assert len(hdf) == 83
    assert territoires.selectionner(tables, "R32").pre.height == 83


def test_cle_commune_cedex_saint_et_departements():
    assert nationale.cle_commune("AJACCIO CEDEX 1") == nationale.cle_commune("Ajaccio")
    assert nationale.cle_commune("ST DENIS") == nationale.cle_commune("Saint-Denis")
    assert nationale.cle_commune("STE MARIE") == "sainte marie"
    assert nationale.cle_departement("Réunion") == nationale.cle_departement("La Réunion")


def test_communes_sans_qpv_ni_ecole_placees_par_leur_contour(tables):
    import shapely

    france = territoires.selectionner(tables, "FR")
    # Colombelles (Calvados) has no QPV 2024 and no REP/REP+ school: placed inside its contour.
    colombelles = france.pre.filter(pl.col("code_insee") == "14167").row(0, named=True)
    contour = next(
        f["geometry"]
        for f in json.loads(reel(CONTOURS_COMMUNES[1]).read_text())["features"]
        if f["properties"]["code"] == "14167"
    )
    point = shapely.Point(colombelles["longitude"], colombelles["latitude"])
    assert shapely.geometry.shape(contour).contains(point)
    # Only communes no file places remain listed, with the reason: the contours given cover the
    # Hauts-de-France and Normandie only (Aix-les-Bains: no QPV 2024, no REP/REP+ school).
    sans = territoires.communes_sans_position(france)
    assert sorted(sans["code_insee"]) == [
        "22215", "28278", "29151", "35236", "35281", "69064", "69143", "69243", "73008",
        "78208", "95428",
    ]  # fmt: skip
    assert set(sans["raison"]) == {
        "ni QPV 2024 ni école REP ou REP+ dans la commune, et les contours des communes "
        "fournis ne couvrent pas son département"
    }
    assert territoires.communes_sans_position(territoires.selectionner(tables, "R28")).is_empty()


def test_carte_nationale_legere_et_carte_du_nord_en_contours(tables):
    france = territoires.selectionner(tables, "FR")
    html = carte_territoires.construire_carte(france).get_root().render()
    assert len(html.encode()) <= 2_000_000
    assert "/app/static/leaflet/leaflet.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    donnees = carte_territoires.donnees_carte(france)
    points = {c["nom"]: len(c["points"]) for c in donnees["points"]}
    # 3 QPV have a degenerate ring (3 positions) in the simplified file: listed, not drawn.
    assert points["Quartiers prioritaires 2024"] == 1606
    assert territoires.qpv_sans_position(france)["code_qp"].to_list() == [
        "QN09105I",
        "QN09113I",
        "QN09503I",
    ]
    assert points["Communes avec un PRE"] == 511 - 11
    nord = carte_territoires.donnees_carte(territoires.selectionner(tables, "D59"))
    qpv = next(s for s in nord["surfaces"] if s["nom"] == "Quartiers prioritaires 2024")
    assert len(qpv["geojson"]["features"]) == 94
    ecoles = next(c for c in nord["points"] if c["nom"] == "Écoles et collèges REP et REP+")
    assert len(ecoles["points"]) == 550  # 310 REP + 240 REP+ of the Nord


def test_outre_mer_en_encarts_sur_la_carte_nationale(tables):
    import shapely

    france = carte_territoires.donnees_carte(territoires.selectionner(tables, "FR"))
    pre = next(c for c in france["points"] if c["nom"] == "Communes avec un PRE")
    # Saint-Pierre (97416, La Réunion) is drawn in the inset of La Réunion (ANCT file), west of
    # Brittany, not 9,000 km away; its tooltip keeps its name.
    encart = next(
        shapely.geometry.shape(f["geometry"])
        for f in json.loads(reel(FICHIERS["encarts_drom"]).read_text())["features"]
        if f["properties"]["insee_dep"] == "974"
    )
    (point,) = [p for p in pre["points"] if "PRE de Saint-Pierre</strong>" in p[3] and p[1] < 0]
    assert encart.buffer(0.02).contains(shapely.Point(point[1], point[0]))
    # Every point of the national map is within its frame (metropole and insets), but those of
    # Saint-Martin and French Polynesia (no inset in the ANCT file: their own view).
    (lat0, lon0), (lat1, lon1) = carte_territoires.EMPRISE_FRANCE
    for couche in france["points"]:
        for lat, lon, _s, _t in couche["points"]:
            dedans = lat0 <= lat <= lat1 and lon0 <= lon <= lon1
            saint_martin = 18 < lat < 18.2 and -63.2 < lon < -62.9
            polynesie = lon < -140
            assert dedans or saint_martin or polynesie, (lat, lon)
    # The outlines of the five DROM insets are drawn as background.
    fond = france["surfaces"][0]["geojson"]["features"]
    assert len(fond) == 96 + 5
    # Each inset framed (dashed) and named.
    assert len(france["surfaces"][1]["geojson"]["features"]) == 5
    assert [t[2] for t in france["etiquettes"]] == [
        "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"
    ]  # fmt: skip
    # In its own view, La Réunion keeps its real coordinates and has its outline.
    reunion = territoires.selectionner(tables, "D974")
    assert reunion.departements["geom"][0] is not None
    vue = carte_territoires.donnees_carte(reunion)
    pre_reunion = next(c for c in vue["points"] if c["nom"] == "Communes avec un PRE")
    assert all(55 < p[1] < 56 and -22 < p[0] < -20 for p in pre_reunion["points"])
    # Guadeloupe's inset spreads its islands apart: no outline rather than a wrong one.
    assert territoires.selectionner(tables, "D971").departements["geom"][0] is None
    # Mayotte's map is framed on its quartiers' contours too (they cover most of the island):
    # none is cut at the frame's edge.
    mayotte = territoires.selectionner(tables, "D976")
    (lat0, lon0), (lat1, lon1) = carte_territoires._emprise(mayotte)
    contours = mayotte.qpv["geom"].drop_nulls().to_list()
    assert len(contours) == mayotte.qpv.height > 0
    for geom in contours:
        x0, y0, x1, y1 = shapely.from_wkb(geom).bounds
        assert lat0 <= y0 and y1 <= lat1 and lon0 <= x0 and x1 <= lon1


def test_fichier_manquant_ou_illisible_refuse_en_francais(tmp_path):
    sortie = tmp_path / "territoires.duckdb"
    sortie.write_bytes(b"ancien")
    with pytest.raises(ErreurGeographie, match="liste ANCT des PRE par commune"):
        nationale.construire({t: reel(c) for t, c in FICHIERS.items() if t != "pre_communes"})
    mauvais = tmp_path / "pre_communes_2024.csv"
    mauvais.write_text("commune,structure\nDenain,CCAS\n", encoding="utf-8")
    fichiers = {t: reel(c) for t, c in FICHIERS.items()} | {"pre_communes": mauvais}
    with pytest.raises(ErreurGeographie, match="colonnes attendues .* code_insee et portage"):
        nationale.construire(fichiers)
    mauvais.write_text("code_insee,portage\n59172,CCAS-DENAIN\n59606,CA,en trop\n")
    with pytest.raises(ErreurGeographie, match="ligne 3 : 3 colonnes au lieu de 2"):
        nationale.construire(fichiers)
    assert sortie.read_bytes() == b"ancien"


def test_commande_territoires(tmp_path, capsys):
    from pre_pilotage.__main__ import main

    sortie = tmp_path / "t.duckdb"
    assert main(["territoires", "--dossier", str(tmp_path), "--sortie", str(sortie)]) == 1
    assert "Fichiers obligatoires absents" in capsys.readouterr().err
    assert not sortie.exists()


# -- accounts limited to a département ----------------------------------------------------------


def test_compte_limite_a_un_departement(tmp_path):
    chemin = tmp_path / "administration.sqlite"
    comptes.enregistrer_compte(
        "dp59", "Délégué du préfet", "lecture", "mot de passe long", chemin=chemin, departement="59"
    )
    utilisateur, _ = comptes.authentifier("dp59", "mot de passe long", chemin=chemin)
    assert utilisateur == Utilisateur("dp59", "Délégué du préfet", "lecture", "59")
    assert comptes.lister_comptes(chemin)[0]["departement"] == "59"
    with pytest.raises(ValueError, match="Seul un compte « lecture »"):
        comptes.enregistrer_compte(
            "c", "C", "coordination", "mot de passe long", chemin=chemin, departement="59"
        )
    with pytest.raises(ValueError, match="Département « 5 » invalide"):
        comptes.enregistrer_compte(
            "d", "D", "lecture", "mot de passe long", chemin=chemin, departement="5"
        )


def test_ancien_fichier_des_comptes_mis_a_niveau(tmp_path):
    chemin = tmp_path / "ancien.sqlite"
    with closing(sqlite3.connect(chemin)) as con:
        con.execute(
            "create table compte (identifiant text primary key, nom_affiche text not null,"
            " role text not null, empreinte_mot_de_passe text, source text not null default"
            " 'local', actif integer not null default 1, echecs_consecutifs integer not null"
            " default 0, bloque_jusqu_a text, cree_le text not null)"
        )
        con.execute(
            "insert into compte values ('ancien', 'Ancien', 'lecture', ?, 'local', 1, 0, null,"
            " '2025-01-01')",
            (comptes.empreinte("mot de passe long"),),
        )
        con.commit()
    with closing(connexion(chemin)) as con:
        colonnes = [r[1] for r in con.execute("pragma table_info(compte)")]
    assert colonnes[-2:] == ["departement", "pre_id"]
    utilisateur, _ = comptes.authentifier("ancien", "mot de passe long", chemin=chemin)
    assert utilisateur == Utilisateur("ancien", "Ancien", "lecture", None)


# -- the page (AppTest) ---------------------------------------------------------------------------


def _page(chemin_fixture, monkeypatch, reference: Path, utilisateur: Utilisateur, **url):
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    monkeypatch.setenv("PRE_TERRITOIRES", str(reference))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=120)
    at.session_state["utilisateur"] = utilisateur
    for cle, valeur in url.items():
        at.query_params[cle] = valeur
    at.run()
    at.switch_page("pages/territoires.py").run()
    assert not at.exception
    return at


def test_page_nord(chemin_fixture, monkeypatch, chemin_reference):
    at = _page(
        chemin_fixture,
        monkeypatch,
        chemin_reference,
        Utilisateur("t", "T", "lecture"),
        territoire="D59",
    )
    assert [t.value for t in at.title] == ["Territoires"]
    assert {m.label: m.value for m in at.metric} == {
        "Communes avec un PRE": "34",
        "QPV 2024": "94",
        "QPV sans PRE": "21",
        "Réseaux REP+": "31",
        "Cités éducatives": "15",
    }
    premier = at.dataframe[0].value
    assert list(premier.columns) == ["Quartier", "Communes"]
    assert [tuple(r) for r in premier.head(2).itertuples(index=False)] == [
        ("Quartier Du Village (QN05911M)", "Ferrière-la-Grande"),
        ("Bois Du Quesnoy (QN05912M)", "Hautmont"),
    ]
    # Across the page, long official names are never cut: the widest name gets its width.
    largeurs = json.loads(at.dataframe[0].proto.columns)
    plus_long = max(len(nom) for nom in premier["Quartier"])
    assert largeurs["Quartier"]["width"] >= int(plus_long * 7.4) + 28
    assert (
        "Quartier Prioritaire D'Auberchicourt Et Ecaillon (QN05935M)"
        in premier["Quartier"].to_list()
    )
    assert at.query_params["territoire"] == "D59"


def test_page_refusee_hors_du_departement_du_compte(chemin_fixture, monkeypatch, chemin_reference):
    limite = Utilisateur("dp", "DP", "lecture", "59")
    at = _page(chemin_fixture, monkeypatch, chemin_reference, limite, territoire="FR")
    assert [e.value for e in at.error] == [
        "Accès refusé : votre compte est limité au département Nord (59)."
    ]
    assert not at.metric
    at = _page(chemin_fixture, monkeypatch, chemin_reference, limite)
    assert at.selectbox(key="territoire").options == ["Nord (59)"]
    assert at.metric[0].value == "34"
    # The programme of the fixture (fictional communes 969xx) is not in the Nord: refused.
    at = _page(chemin_fixture, monkeypatch, chemin_reference, limite, pre="pre-test")
    assert any("Accès refusé" in e.value for e in at.error)


def test_page_sans_reference_dit_quoi_faire(chemin_fixture, monkeypatch, tmp_path):
    absent = tmp_path / "absent.duckdb"
    at = _page(chemin_fixture, monkeypatch, absent, Utilisateur("t", "T", "administration"))
    texte = at.warning[0].value
    assert str(absent) in texte
    assert "make territoires DOSSIER=" in texte
    assert "liste ANCT des PRE par commune" in texte
    # Any other role is told that it is missing, not the server's paths and commands.
    at = _page(chemin_fixture, monkeypatch, absent, Utilisateur("t", "T", "lecture"))
    assert [w.value for w in at.warning] == [
        "La référence nationale des territoires n'est pas encore installée sur ce serveur : "
        "aucun chiffre national ne peut être affiché ici. L'administrateur de l'outil la "
        "construit une fois depuis les fichiers officiels."
    ]


def test_page_codes_corriges_et_communes_sans_position(
    chemin_fixture, monkeypatch, chemin_reference
):
    at = _page(
        chemin_fixture,
        monkeypatch,
        chemin_reference,
        Utilisateur("t", "T", "lecture"),
        territoire="D13",
    )
    textes = [m.value for m in at.markdown]
    assert "**Codes INSEE corrigés d'après le département de la liste ANCT**" in textes
    tableaux = [t.value for t in at.dataframe]
    corriges = next(t for t in tableaux if "Code retenu" in t.columns)
    assert corriges.to_dict("records") == [
        {
            "Commune (libellé de la liste)": "Vitrolles (VITROLLES)",
            "Code de la liste": "05184 (Vitrolles)",
            "Code retenu": "13117",
        }
    ]
    at = _page(
        chemin_fixture,
        monkeypatch,
        chemin_reference,
        Utilisateur("t", "T", "lecture"),
        territoire="D73",
    )
    textes = [m.value.replace("\\", "") for m in at.markdown]  # Markdown escapes
    assert (
        "- Ni QPV 2024 ni école REP ou REP+ dans la commune, et les contours des communes "
        "fournis ne couvrent pas son département : Aix-les-Bains (73008)."
    ) in textes
    assert not any("code à vérifier" in m.value for m in at.markdown)
    # Isère: the rows to check, as sentences (their reason is too long for a table column).
    at = _page(
        chemin_fixture,
        monkeypatch,
        chemin_reference,
        Utilisateur("t", "T", "lecture"),
        territoire="D38",
    )
    textes = [m.value.replace("\\", "") for m in at.markdown]
    assert (
        "- « VIENNE CONDRIEU », ligne 513, code 69064 : le code 69064 est celui de Condrieu "
        "(département 69) ; aucune commune nommée « VIENNE CONDRIEU » en Isère."
    ) in textes[
        textes.index("**Lignes de la liste ANCT à vérifier** (code de la liste conservé)") + 1
    ].split("\n")


def test_commune_fusionnee_depuis_2018_et_libelle_cedex(tmp_path):
    """A small ANCT list on the real reference files: Aurseulles (14581, commune nouvelle of 2023)
    has no 2018 contour under its code but under its former communes'; Sannerville (14666) has
    none; « AJACCIO CEDEX 1 » with Marseille's code in Corse-du-Sud becomes Ajaccio (2A004)."""
    import shapely

    liste = tmp_path / "pre_communes_2024.csv"
    liste.write_text(
        "Direction du gestionnaire du dossier,région,program,code_insee,portage\r\n"
        "Calvados,NORMANDIE,AURSEULLES,14581,CCAS-AURSEULLES\r\n"
        "Calvados,NORMANDIE,SANNERVILLE,14666,CCAS-SANNERVILLE\r\n"
        "Corse-du-Sud,CORSE,AJACCIO CEDEX 1,13055,CCAS-AJACCIO\r\n",
        encoding="utf-8",
    )
    reference = nationale.construire(fichiers_reels() | {"pre_communes": liste})
    communes = {r["code_insee"]: r for r in reference.tables["pre_commune"].iter_rows(named=True)}
    assert set(communes) == {"14581", "14666", "2A004"}
    anciens = next(
        c["anciensCodes"]
        for c in json.loads(reel(FICHIERS["communes"]).read_text())
        if c["code"] == "14581" and c["type"] == "commune-actuelle"
    )
    contours = [
        shapely.geometry.shape(f["geometry"])
        for f in json.loads(reel(CONTOURS_COMMUNES[1]).read_text())["features"]
        if f["properties"]["code"] in anciens
    ]
    assert contours  # 14011 (Anctoville) is in the 2018 file
    aurseulles = communes["14581"]
    assert (
        shapely.union_all(contours)
        .buffer(0.02)
        .contains(shapely.Point(aurseulles["longitude"], aurseulles["latitude"]))
    )
    assert communes["14666"]["longitude"] is None
    assert communes["14666"]["sans_position"] == (
        "ni QPV 2024 ni école REP ou REP+ dans la commune, et aucun contour à son code dans "
        "les contours des communes"
    )
    (correction,) = reference.tables["correction_code"].rows(named=True)
    assert (correction["code_liste"], correction["code_retenu"]) == ("13055", "2A004")


def test_page_d_un_drom_sans_contour_le_dit(chemin_fixture, monkeypatch, chemin_reference):
    at = _page(
        chemin_fixture,
        monkeypatch,
        chemin_reference,
        Utilisateur("t", "T", "lecture"),
        territoire="D971",
    )
    legende = next(c.value for c in at.caption if c.value.startswith("Source :"))
    assert legende.endswith(
        "Le contour du département n'est pas dessiné : aucun des fichiers fournis ne le donne "
        "à sa place."
    )
    # No programme of Guadeloupe has data here: said once, with the territory's name quoted.
    assert any(
        "Aucun programme du territoire « Guadeloupe (971) » n'a de données" in i.value
        for i in at.info
    )
