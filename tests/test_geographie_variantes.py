"""The official geography in the forms users actually have (issue 13), built from ../shared/data.

Variant files (names instead of codes, Lambert-93 shapefile zipped or in a folder, GeoPackage,
Web Mercator without CRS, null and self-intersecting geometry, truncated files) are written in
tmp_path from the real national QPV 2024 file; each must give the same map as the original, or a
clear French refusal with the database unchanged.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import geopandas as gpd
import pytest
import shapely

from pre_pilotage import geographie
from pre_pilotage.geographie import construction
from tests.test_geographie import VALENCIENNES, reel

LYON = "200046977"
QPV_VALENCIENNES = [
    "QN05920M",
    "QN05921M",
    "QN05922M",
    "QN05923M",
    "QN05924M",
    "QN05925M",
    "QN05926M",
    "QN05927M",
    "QN05928M",
    "QN05929M",
    "QN05930M",
    "QN05931M",
    "QN05932M",
    "QN05933M",
    "QN05992N",
]


@pytest.fixture(scope="module")
def cog(tmp_path_factory) -> dict[str, list[Path]]:
    """communes.json and epci.json cut to four départements (the real records, read faster)."""
    dossier = tmp_path_factory.mktemp("cog")
    deps = ("59", "69", "14", "35")
    communes = json.loads(reel("decoupage_administratif_2026/communes.json").read_text())
    epci = json.loads(reel("decoupage_administratif_2026/epci.json").read_text())
    (dossier / "communes.json").write_text(
        json.dumps([c for c in communes if c.get("departement") in deps]), encoding="utf-8"
    )
    (dossier / "epci.json").write_text(
        json.dumps([e for e in epci if any(m["code"][:2] in deps for m in e["membres"])]),
        encoding="utf-8",
    )
    return {"communes": [dossier / "communes.json"], "epci": [dossier / "epci.json"]}


@pytest.fixture(scope="module")
def qpv_nord() -> gpd.GeoDataFrame:
    """The real 2024 QPV of the Nord (59), as published (WGS84, 10 properties)."""
    national = gpd.read_file(reel("qpv2024_contours_simplifie/qpv2024_simplified.geojson"))
    # (`fid` would clash with the GeoPackage's own feature id.)
    nord = national[national["insee_dep"] == "59"].drop(columns=["fid"])
    return nord.reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(cog, qpv_nord, tmp_path_factory):
    """Valenciennes Métropole built from the unmodified file: the map every variant must give."""
    chemin = tmp_path_factory.mktemp("ref") / "qpv.geojson"
    qpv_nord.to_file(chemin, driver="GeoJSON")
    geo = construction.construire(cog | {"qpv_contours": [chemin]}, siren=VALENCIENNES)
    return _carte(geo)


def _carte(geo) -> dict[str, tuple]:
    """QPV code -> (communes, centroid rounded to ~10 m) of a build."""
    communes: dict[str, list[str]] = {}
    for lien in geo.tables["qpv_commune"]:
        communes.setdefault(lien["code_qp"], []).append(lien["code_insee"])
    return {
        q["code_qp"]: (
            tuple(sorted(communes[q["code_qp"]])),
            None
            if q["geom"] is None
            else (round(q["geom"].centroid.x, 4), round(q["geom"].centroid.y, 4)),
        )
        for q in geo.tables["qpv"]
    }


def _construire(cog, chemin, siren=VALENCIENNES, **autres):
    return construction.construire(cog | {"qpv_contours": [chemin]} | autres, siren=siren)


def _source(geo, type_fichier="qpv_contours") -> dict:
    return next(s for s in geo.sources if s["type_fichier"] == type_fichier)


# ------------------------------------------------------------------------------ the real file


def test_valenciennes_depuis_les_seuls_fichiers_reels(tmp_path):
    """Valenciennes Métropole from ../shared/data only: its real 2024 QPV polygons (QN…), its
    REP/REP+ schools placed against them by position, its two Cités éducatives."""
    base = tmp_path / "geo.duckdb"
    fichiers = {
        "communes": [reel("decoupage_administratif_2026/communes.json")],
        "epci": [reel("decoupage_administratif_2026/epci.json")],
        "contours_communes": [reel("communes_contours_2018/communes-hauts-de-france.geojson")],
        "qpv_contours": [reel("qpv2024_contours_simplifie/qpv2024_simplified.geojson")],
        "reseaux_ep": [reel("education_prioritaire_reseaux/fr-en-etablissements-ep.csv")],
        "cites": [reel("cites_educatives/cites_educatives_communes.csv")],
    }
    geo = geographie.construire_base(base, fichiers, siren=VALENCIENNES)
    with duckdb.connect(str(base), read_only=True) as con:
        qpv = con.execute(
            "select code_qp, annee_geographie, geom is not null, geom_territoire is not null"
            " from qpv order by 1"
        ).fetchall()
        ecoles = con.execute(
            "select count(*), count(*) filter (education_prioritaire = 'REP+'),"
            " count(*) filter (position_qpv = 'dans_qpv') from etablissement"
        ).fetchone()
        perimetres = con.execute(
            "select cite_id, perimetre from cite_educative order by 1"
        ).fetchall()
        source = con.execute(
            "select elements, retenus, ecartes from geographie_source"
            " where type_fichier = 'qpv_contours'"
        ).fetchone()
    assert qpv == [(code, 2024, True, True) for code in QPV_VALENCIENNES]
    assert ecoles == (71, 23, 48)
    assert perimetres == [("cite-076", "qpv_deduits"), ("cite-131", "qpv_deduits")]
    assert source == (1609, 15, "1\u202f594 hors du territoire")
    resume = geographie.resume(geo)
    assert (
        resume[0] == "Territoire : CA Valenciennes Métropole (EPCI, SIREN 245901160, 35 communes)"
    )
    assert (
        "- qpv2024_simplified.geojson (contours des quartiers prioritaires (ANCT)) : 1\u202f609 "
        "lus, 15 retenus, 1 géométrie réparée ; coordonnées : WGS84 (EPSG:4326), déclaré" in resume
    )
    assert "15 QPV (géographie 2024), dont 15 avec contour" in resume


# ------------------------------------------------------------------------ formats and systems


def test_noms_de_communes_au_lieu_des_codes(cog, qpv_nord, reference, tmp_path):
    variante = qpv_nord.drop(columns=["insee_com", "siren_epci"])
    # As older copies write them: capitals, no accents nor hyphens, « St ».
    variante["lib_com"] = (
        variante["lib_com"]
        .str.upper()
        .str.replace("-", " ")
        .str.replace("SAINT ", "ST ")
        .str.replace("É", "E")
    )
    chemin = tmp_path / "qpv_noms.geojson"
    variante.to_file(chemin, driver="GeoJSON")
    geo = _construire(cog, chemin)
    assert _carte(geo) == reference
    assert "commune inconnue" not in _source(geo)["_ecartes"]


def test_quartiers_sans_commune(cog, qpv_nord, reference, tmp_path):
    """Contours with a QPV code and no commune at all (neither code nor name): placed by the
    commune contours (every commune they cover, across the EPCI's border too), or by the list
    of QPV by commune; never counted as outside the territory (issue 13)."""
    variante = qpv_nord[["code_qp", "lib_qp", "geometry"]]
    chemin = tmp_path / "qpv_sans_commune.geojson"
    variante.to_file(chemin, driver="GeoJSON")
    # By position: exactly the real `insee_com` within the territory, for all 15 QPV
    # (QN05922M's representative point lies in Raismes, outside Valenciennes Métropole).
    contours = [reel("communes_contours_2018/communes-hauts-de-france.geojson")]
    geo = _construire(cog, chemin, contours_communes=contours)
    assert _carte(geo) == reference
    assert reference["QN05921M"][0] == ("59014", "59079", "59112", "59606")
    assert reference["QN05922M"][0] == ("59112",)
    assert len(_source(geo)["_ecartes"]["sans commune, rattaché par sa position (gardé)"]) == 15
    # The other QPV of the Nord lie in none of the given contours: outside the territory, not
    # « give the communes' contours too » (found by a new user, who had given them).
    assert {k: v for k, v in _source(geo)["_ecartes"].items() if "position" not in k} == {
        "hors du territoire": 94 - 15
    }
    # Kept: « à vérifier », not « écartés », in the summary.
    assert [
        ligne.split(" : QN")[0] for ligne in geographie.resume(geo) if "par sa position" in ligne
    ] == ["    à vérifier : 15 sans commune, rattaché par sa position (gardé)"]
    # By the list of QPV by commune, without commune contours.
    liste = [reel("qpv2024_communes/qpv2024_par_commune.csv")]
    geo = _construire(cog, chemin, qpv_liste=liste)
    assert {code: communes for code, (communes, _) in _carte(geo).items()} == {
        code: communes for code, (communes, _) in reference.items()
    }
    assert all(centre is not None for _, centre in _carte(geo).values())
    assert _source(geo)["_ecartes"] == {"hors du territoire": 94 - 15}
    # Neither: the QPV of the territory's département are named with what to give.
    geo = _construire(cog, chemin)
    assert geo.tables["qpv"] == []
    raison = (
        "sans commune (ni code ni nom) : donnez aussi les contours des communes "
        "(contours_communes) ou la liste des quartiers par commune (qpv_liste)"
    )
    nord = qpv_nord["code_qp"].tolist()
    assert _source(geo)["_ecartes"][raison] == [
        f"{code} (objet n° {i})" for i, code in enumerate(nord, start=1)
    ]
    assert any(raison in ligne for ligne in geographie.resume(geo))


def test_lambert93_shapefile_zippe_dossier_et_shp(cog, qpv_nord, reference, tmp_path):
    dossier = tmp_path / "QP2024_Lambert93"
    dossier.mkdir()
    qpv_nord.to_crs(2154).to_file(dossier / "QP2024.shp")
    archive = tmp_path / "QP2024_France_Hexagonale_Lambert93.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for fichier in dossier.iterdir():
            z.write(fichier, f"SHP/{fichier.name}")
    for chemin in (archive, dossier, dossier / "QP2024.shp"):
        geo = _construire(cog, chemin)
        assert _carte(geo) == reference, chemin
        assert _source(geo)["systeme"] == "Lambert-93 (EPSG:2154), déclaré"


def test_geopackage_et_geojson_gzip(cog, qpv_nord, reference, tmp_path):
    gpkg = tmp_path / "qpv.gpkg"
    qpv_nord.to_file(gpkg, driver="GPKG")
    assert _carte(_construire(cog, gpkg)) == reference
    geojson = tmp_path / "qpv.geojson"
    qpv_nord.to_file(geojson, driver="GeoJSON")
    compresse = tmp_path / "qpv.geojson.gz"
    compresse.write_bytes(gzip.compress(geojson.read_bytes()))
    assert _carte(_construire(cog, compresse)) == reference


def test_geopackage_a_plusieurs_couches(cog, qpv_nord, reference, base_existante, tmp_path):
    """A GeoPackage of several layers (as IGN's Admin Express): the layer named as the type
    expects is read, never the first one silently; otherwise a French refusal."""
    communes = gpd.read_file(reel("communes_contours_2018/communes-hauts-de-france.geojson"))
    gpkg = tmp_path / "territoire.gpkg"
    communes.to_file(gpkg, layer="a_commune", driver="GPKG")
    qpv_nord.to_file(gpkg, layer="QP2024", driver="GPKG")
    assert _carte(_construire(cog, gpkg)) == reference
    geo = _construire(cog, tmp_path / "qpv.geojson", contours_communes=[gpkg])
    assert _source(geo, "contours_communes")["retenus"] == 35
    anonyme = tmp_path / "anonyme.gpkg"
    communes.to_file(anonyme, layer="couche1", driver="GPKG")
    qpv_nord.to_file(anonyme, layer="couche2", driver="GPKG")
    assert _refus(base_existante, cog, anonyme) == (
        "anonyme.gpkg : ce fichier contient plusieurs couches (couche1, couche2) et aucune ne se "
        "nomme « qpv » ou « qp » ou « quartiers_prioritaires » ou « quartier » : exportez la "
        "couche à lire dans un fichier à part (GeoJSON ou GeoPackage d'une seule couche)"
    )
    # A truncated gzip, in French too.
    contenu = gzip.compress((tmp_path / "qpv.geojson").read_bytes())
    tronque = tmp_path / "tronque.geojson.gz"
    tronque.write_bytes(contenu[: len(contenu) // 2])
    assert _refus(base_existante, cog, tronque) == (
        "tronque.geojson.gz : archive gzip illisible ou tronquée (elle s'arrête avant la fin : "
        "téléchargez-la de nouveau)"
    )


def test_web_mercator_et_lambert93_sans_crs_devines_et_verifies(cog, qpv_nord, reference, tmp_path):
    for epsg, systeme in ((3857, "Web Mercator (EPSG:3857)"), (2154, "Lambert-93 (EPSG:2154)")):
        chemin = tmp_path / f"qpv_{epsg}.geojson"
        qpv_nord.to_crs(epsg).to_file(chemin, driver="GeoJSON")
        texte = json.loads(chemin.read_text())
        texte.pop("crs")
        chemin.write_text(json.dumps(texte))
        geo = _construire(cog, chemin)
        assert _carte(geo) == reference, epsg
        assert _source(geo)["systeme"] == f"{systeme}, déduit des coordonnées et vérifié"


# ------------------------------------------------------------------------------- refusals


def _empreinte_base(chemin: Path) -> str:
    return hashlib.sha256(chemin.read_bytes()).hexdigest()


@pytest.fixture
def base_existante(cog, qpv_nord, tmp_path):
    chemin = tmp_path / "qpv.geojson"
    qpv_nord.to_file(chemin, driver="GeoJSON")
    base = tmp_path / "base.duckdb"
    geographie.construire_base(base, cog | {"qpv_contours": [chemin]}, siren=VALENCIENNES)
    return base


def _refus(base: Path, cog, chemin: Path, **autres) -> str:
    avant = _empreinte_base(base)
    with pytest.raises(geographie.ErreurGeographie) as erreur:
        geographie.construire_base(
            base, cog | {"qpv_contours": [chemin]} | autres, siren=VALENCIENNES
        )
    assert _empreinte_base(base) == avant
    return str(erreur.value)


def test_quartiers_dessines_hors_du_territoire_refuse(cog, qpv_nord, base_existante, tmp_path):
    # Still in the Nord (the département check passes) but 40 km west: not Valenciennes.
    decale = qpv_nord.copy()
    decale["geometry"] = decale.geometry.translate(xoff=-0.55)
    chemin = tmp_path / "decale.geojson"
    decale.to_file(chemin, driver="GeoJSON")
    contours = [reel("communes_contours_2018/communes-hauts-de-france.geojson")]
    message = _refus(base_existante, cog, chemin, contours_communes=contours)
    assert message.startswith(
        "decale.geojson : 15 des 15 quartiers du territoire (QN05920M, QN05921M, QN05922M, "
        "QN05923M, QN05924M…) sont dessinés hors du territoire"
    )


def test_coordonnees_hors_de_leur_departement_refusees(cog, qpv_nord, base_existante, tmp_path):
    # Metres that no French system places in the Nord (a Rennes-in-Galicia kind of file).
    faux = qpv_nord.to_crs(3857)
    faux["geometry"] = faux.geometry.translate(xoff=-2_000_000)
    chemin = tmp_path / "faux.geojson"
    faux.to_file(chemin, driver="GeoJSON")
    texte = json.loads(chemin.read_text())
    texte.pop("crs")
    chemin.write_text(json.dumps(texte))
    message = _refus(base_existante, cog, chemin)
    assert message.startswith(
        "faux.geojson : système de coordonnées introuvable : aucun système déclaré utilisable"
    )


def test_fichiers_tronques_refuses(cog, qpv_nord, base_existante, tmp_path):
    geojson = tmp_path / "qpv.geojson"
    contenu = geojson.read_bytes()
    tronque = tmp_path / "tronque.geojson"
    tronque.write_bytes(contenu[: len(contenu) // 2])
    assert _refus(base_existante, cog, tronque).startswith(
        "tronque.geojson : fichier JSON tronqué (il s'arrête avant la fin) : ligne "
    )
    archive = tmp_path / "qpv.zip"
    dossier = tmp_path / "shp"
    dossier.mkdir()
    qpv_nord.to_file(dossier / "qpv.shp")
    with zipfile.ZipFile(archive, "w") as z:
        for fichier in dossier.iterdir():
            z.write(fichier, fichier.name)
    zip_tronque = tmp_path / "tronque.zip"
    zip_tronque.write_bytes(archive.read_bytes()[:5000])
    assert _refus(base_existante, cog, zip_tronque).startswith(
        "tronque.zip : archive ZIP illisible ou tronquée"
    )
    (dossier / "qpv.dbf").unlink()
    assert _refus(base_existante, cog, dossier / "qpv.shp") == (
        "qpv.shp : le fichier qpv.dbf qui accompagne le shapefile est absent (un shapefile se "
        "compose de .shp, .shx, .dbf et .prj)"
    )


def test_refus_entierement_en_francais(cog, qpv_nord, base_existante, tmp_path):
    """The whole refusal is French: no Python or GDAL English left in parentheses."""
    contenu = (tmp_path / "qpv.geojson").read_text(encoding="utf-8")
    # Cut inside a quoted value (Python says « Unterminated string starting at »).
    coupe = contenu.index('"lib_qp": "') + len('"lib_qp": "Le')
    tronque = tmp_path / "tronque.geojson"
    tronque.write_text(contenu[:coupe], encoding="utf-8")
    ligne = contenu[:coupe].count("\n") + 1
    colonne = coupe - len('"Le') - contenu[:coupe].rfind("\n")
    assert _refus(base_existante, cog, tronque) == (
        "tronque.geojson : fichier JSON tronqué (il s'arrête avant la fin) : ligne "
        f"{ligne}, colonne {colonne} (texte entre guillemets non terminé)"
    )
    mal_forme = tmp_path / "mal_forme.geojson"
    mal_forme.write_text(contenu + "}", encoding="utf-8")
    assert _refus(base_existante, cog, mal_forme).endswith(
        "(données en trop après la fin du document)"
    )
    assert "mal formé" in _refus(base_existante, cog, mal_forme)

    dossier = tmp_path / "shp"
    dossier.mkdir()
    qpv_nord.to_file(dossier / "qpv.shp")
    archive = tmp_path / "qpv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for fichier in dossier.iterdir():
            z.write(fichier, fichier.name)
    zip_tronque = tmp_path / "tronque.zip"
    zip_tronque.write_bytes(archive.read_bytes()[:5000])
    assert _refus(base_existante, cog, zip_tronque) == (
        "tronque.zip : archive ZIP illisible ou tronquée (incomplète ou endommagée : "
        "téléchargez-la de nouveau)"
    )
    # A shapefile without its index, zipped or in its folder (GDAL's message is English).
    sans_shx = tmp_path / "sans_shx.zip"
    with zipfile.ZipFile(sans_shx, "w") as z:
        for fichier in dossier.iterdir():
            if fichier.suffix != ".shx":
                z.write(fichier, fichier.name)
    assert _refus(base_existante, cog, sans_shx) == (
        "sans_shx.zip : le fichier qpv.shx qui accompagne le shapefile est absent de "
        "l'archive (un shapefile se compose de .shp, .shx, .dbf et .prj)"
    )
    (dossier / "qpv.shx").unlink()
    assert _refus(base_existante, cog, dossier) == (
        "shp : le fichier qpv.shx qui accompagne le shapefile est absent du dossier (un "
        "shapefile se compose de .shp, .shx, .dbf et .prj)"
    )
    # An empty collection is refused, not read as a territory without any quartier.
    vide = tmp_path / "vide.geojson"
    vide.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert _refus(base_existante, cog, vide) == (
        "vide.geojson : le fichier ne contient aucun objet (couche vide)"
    )
    # The same French description for the JSON files of the COG.
    communes = tmp_path / "communes.json"
    texte = cog["communes"][0].read_text(encoding="utf-8")
    communes.write_text(texte[: texte.index('"nom": "') + 10], encoding="utf-8")
    with pytest.raises(geographie.ErreurGeographie) as erreur:
        construction.construire(cog | {"communes": [communes]}, siren=VALENCIENNES)
    assert str(erreur.value).startswith(
        "communes.json : fichier JSON tronqué (il s'arrête avant la fin) : ligne 1, colonne "
    )
    assert str(erreur.value).endswith("(texte entre guillemets non terminé)")


def test_geometrie_nulle_et_auto_intersection(cog, qpv_nord, reference, tmp_path):
    variante = qpv_nord.copy()
    index = {code: i for i, code in enumerate(variante["code_qp"])}
    variante.loc[index["QN05930M"], "geometry"] = None
    x0, y0, x1, y1 = variante.geometry[index["QN05931M"]].bounds
    # A bow tie over the quartier's extent.
    variante.loc[index["QN05931M"], "geometry"] = shapely.Polygon(
        [(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)]
    )
    chemin = tmp_path / "abimes.geojson"
    variante.to_file(chemin, driver="GeoJSON")
    geo = _construire(cog, chemin)
    carte = _carte(geo)
    assert set(carte) == set(reference)
    assert carte["QN05930M"] == (reference["QN05930M"][0], None)
    assert carte["QN05931M"][1] is not None
    source = _source(geo)
    # The real file already has one self-intersecting contour in the territory (see above).
    assert source["geometries_reparees"] == 2
    assert source["_ecartes"]["sans géométrie (quartier gardé sans contour)"] == [
        "QN05930M (objet n° " + str(index["QN05930M"] + 1) + ")"
    ]
    assert any("QN05930M" in ligne for ligne in geographie.resume(geo))


# ------------------------------------------------------------------- Lyon and Cités' QPV lists


@pytest.fixture(scope="module")
def qpv_rhone() -> gpd.GeoDataFrame:
    national = gpd.read_file(reel("qpv2024_contours_simplifie/qpv2024_simplified.geojson"))
    return national[national["insee_dep"] == "69"].drop(columns=["fid"]).reset_index(drop=True)


def test_lyon_8e_et_communes_multiples_par_nom(cog, qpv_rhone, tmp_path):
    cites = {"cites": [reel("cites_educatives/cites_educatives_communes.csv")]}
    original = tmp_path / "rhone.geojson"
    qpv_rhone.to_file(original, driver="GeoJSON")
    geo = _construire(cog, original, siren=LYON, **cites)
    # The file says « Lyon » only: no QPV is invented for the Cité « Lyon 8e ».
    lyon8 = next(c for c in geo.tables["cite_educative"] if c["cite_id"] == "cite-039")
    assert lyon8["perimetre"] == "communes"
    assert not [r for r in geo.tables["cite_educative_qpv"] if r["cite_id"] == "cite-039"]

    # An older copy naming communes and arrondissements: « Bron,Vaulx-en-Velin », « Lyon 8e ».
    variante = qpv_rhone.drop(columns=["insee_com"])
    variante["lib_com"] = variante["lib_com"].str.replace(", ", ",")
    huitieme = {
        "QN06931M": "Lyon 8e Arrondissement",
        "QN06933I": "LYON 8E ARRONDISSEMENT",
        "QN06942N": "Lyon 08",
        "QN06932M": "Lyon 8e Arrondissement,Vénissieux",
        "QN06934M": "Lyon 9e Arrondissement",
    }
    for code, nom in huitieme.items():
        variante.loc[variante["code_qp"] == code, "lib_com"] = nom
    chemin = tmp_path / "rhone_noms.geojson"
    variante.to_file(chemin, driver="GeoJSON")
    geo = _construire(cog, chemin, siren=LYON, **cites)
    liens = {(r["code_qp"], r["code_insee"]) for r in geo.tables["qpv_commune"]}
    assert {("QN06909M", "69029"), ("QN06909M", "69256"), ("QN06932M", "69123")} <= liens
    assert ("QN06932M", "69259") in liens
    assert sorted(
        r["code_qp"] for r in geo.tables["cite_educative_qpv"] if r["cite_id"] == "cite-039"
    ) == ["QN06931M", "QN06932M", "QN06933I", "QN06942N"]
    assert len(geo.tables["qpv"]) == len(qpv_rhone[qpv_rhone["siren_epci"].str.contains(LYON)])


def test_liste_des_qpv_des_cites(cog, qpv_nord, tmp_path):
    qpv = tmp_path / "qpv.geojson"
    qpv_nord.to_file(qpv, driver="GeoJSON")
    liste = tmp_path / "cites_qpv.csv"
    liste.write_text(
        "cite,code_qp\ncite-076,QN05930M\ncite-076,QN05931M\n"
        "Beuvrages / Bruay-sur-l'Escaut / Escautpont / Raismes,QN05922M\ncite-076,QN06931M\n",
        encoding="utf-8",
    )
    geo = _construire(
        cog,
        qpv,
        cites=[reel("cites_educatives/cites_educatives_communes.csv")],
        cites_qpv=[liste],
    )
    assert sorted(
        (r["cite_id"], r["code_qp"], r["origine"]) for r in geo.tables["cite_educative_qpv"]
    ) == [
        ("cite-076", "QN05930M", "declare"),
        ("cite-076", "QN05931M", "declare"),
        ("cite-131", "QN05922M", "declare"),
    ]
    assert {c["cite_id"]: c["perimetre"] for c in geo.tables["cite_educative"]} == {
        "cite-076": "qpv_declares",
        "cite-131": "qpv_declares",
    }
    assert _source(geo, "cites_qpv")["_ecartes"] == {
        "QPV hors du territoire ou inconnu": ["cite-076 : QN06931M"]
    }


# ---------------------------------------------------------------------------------- schools


def test_annuaire_d_une_autre_annee(tmp_path):
    """Columns renamed between yearly exports are recognised by meaning; missing ones reported."""
    from pre_pilotage.geographie import lecture

    chemin = reel("annuaire_education_extrait_94/fr-en-annuaire-education.csv")
    texte = chemin.read_text(encoding="utf-8-sig")
    entete, _, corps = texte.partition("\n")
    colonnes = entete.split(";")
    renommees = {
        "coordX_origine": "coordonnee_X",
        "coordY_origine": "coordonnee_Y",
        "Code_postal": "Code postal",
        "latitude": "lat_supprimee",
        "longitude": "lon_supprimee",
        "position": "position_supprimee",
    }
    entete = ";".join(renommees.get(c, c) for c in colonnes)
    ancien = tmp_path / "annuaire_2019.csv"
    ancien.write_text(entete + "\n" + corps, encoding="utf-8")
    actuel = {e.uai: e for e in lecture.lire_etablissements(chemin).elements}
    lu = lecture.lire_etablissements(ancien)
    assert len(lu.elements) == len(actuel) == 613
    for e in lu.elements:
        assert e.longitude == pytest.approx(actuel[e.uai].longitude, abs=1e-5)
        assert e.latitude == pytest.approx(actuel[e.uai].latitude, abs=1e-5)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_une_liste_csv_donnee_pour_des_contours_refusee(cog, qpv_nord, base_existante, tmp_path):
    """Found by a new user: the QPV list (CSV) given as the QPV contours gave a Python error."""
    liste = tmp_path / "qpv2024_par_commune.csv"
    qpv_nord.drop(columns="geometry").to_csv(liste, sep=";", index=False)
    assert _refus(base_existante, cog, liste) == (
        "qpv2024_par_commune.csv : ce fichier n'a pas de contours (aucune géométrie : GeoJSON, "
        "shapefile ou GeoPackage attendu ; une liste en CSV ou XLSX se donne sous un autre type)"
    )


def test_une_liste_en_csv_donnee_comme_contours_est_refusee_en_francais(tmp_path):
    """An outside test gave a Windows-1252 CSV as contours: « GDAL : 'utf-8' codec can't
    decode byte 0xe9… » was shown."""
    from pre_pilotage.geographie import vecteur

    chemin = tmp_path / "liste.csv"
    chemin.write_bytes("code;nom\nQN09421M;Bois l'Abbé\n".encode("cp1252"))
    with pytest.raises(vecteur.ErreurVecteur) as erreur:
        vecteur.lire(chemin)
    assert str(erreur.value) == (
        "fichier illisible comme fichier géographique (texte dans un encodage autre que "
        "l'UTF-8, ou pas un GeoJSON : une liste en CSV ou XLSX se donne sous un autre type)"
    )
