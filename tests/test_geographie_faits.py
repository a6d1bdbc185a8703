"""Derived facts on a hand-drawn territory whose distances are known by construction.

Shapes are drawn in metres around (2.35 E, 48.85 N), then converted to WGS84:

    QPV A "Les Tilleuls"  (2024)  square x 0-500,   y 0-500
    QPV B "La Garenne"    (2024)  square x 990-1390, y 0-400
    QPV C "Ancien"        (2015)  same square as A (an older geography)
    E1 école REP+   (250, 250)   inside A                         -> dans_qpv A, 0 m
    E2 école REP    (700, 250)   200 m from A, 290 m from B        -> moins_300m A, 200 m
    E3 école        (250, 900)   400 m from A                      -> hors_qpv, nearest A, 400 m
    E4 école        no position                                    -> unknown
    E5 école REP+   (500, 250)   on A's border                     -> dans_qpv A, 0 m
    E6 collège REP+ (1200, 900)  500 m from B, head of E1's network
"""

from __future__ import annotations

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from pre_pilotage.geographie import Geographie, completer, geometrie

METRES_VERS_WGS84 = Transformer.from_crs(
    "+proj=aeqd +lat_0=48.85 +lon_0=2.35 +datum=WGS84 +units=m", 4326, always_xy=True
)


def wgs84(forme):
    return geometrie.transformer(forme, METRES_VERS_WGS84)


def point(x, y):
    lon, lat = METRES_VERS_WGS84.transform(x, y)
    return {"longitude": lon, "latitude": lat}


def ecole(uai, x=None, y=None, ep=None, genre="ecole", tete=None):
    position = point(x, y) if x is not None else {"longitude": None, "latitude": None}
    return {
        "uai": uai,
        "nom": f"École {uai}",
        "type_etablissement": genre,
        "code_insee": "99001",
        "education_prioritaire": ep,
        "uai_tete_reseau": tete,
    } | position


@pytest.fixture(scope="module")
def geo():
    geo = Geographie("communes 99001")
    t = geo.tables
    t["commune"].append(
        {"code_insee": "99001", "nom": "Ville", "geom": wgs84(box(-2000, -2000, 3000, 3000))}
    )
    for code, nom, annee, forme in (
        ("QN09901N", "Les Tilleuls", 2024, box(0, 0, 500, 500)),
        ("QN09902N", "La Garenne", 2024, box(990, 0, 1390, 400)),
        ("QP099001", "Ancien", 2015, box(0, 0, 500, 500)),
    ):
        t["qpv"].append(
            {"code_qp": code, "nom": nom, "annee_geographie": annee, "geom": wgs84(forme)}
        )
        t["qpv_commune"].append({"code_qp": code, "code_insee": "99001"})
    t["etablissement"] += [
        ecole("0990001A", 250, 250, "REP+", tete="0990006F"),
        ecole("0990002B", 700, 250, "REP"),
        ecole("0990003C", 250, 900),
        ecole("0990004D"),
        ecole("0990005E", 500, 250, "REP+"),
        ecole("0990006F", 1200, 900, "REP+", genre="college"),
    ]
    for cite_id, nom in (
        ("cite-90101", "Cité éducative Les Tilleuls"),
        ("cite-90102", "Ville"),
        ("cite-90103", "Garenne déclarée"),
    ):
        t["cite_educative"].append(
            {
                "cite_id": cite_id,
                "nom": nom,
                "uai_chef_de_file": "0990006F" if cite_id == "cite-90101" else None,
            }
        )
        t["cite_educative_commune"].append({"cite_id": cite_id, "code_insee": "99001"})
    t["cite_educative_qpv"].append(
        {"cite_id": "cite-90103", "code_qp": "QN09902N", "origine": "declare"}
    )
    return completer(geo)


def test_position_de_chaque_ecole(geo):
    positions = {
        e["uai"]: (e["position_qpv"], e["code_qp_proche"], e["distance_qpv_m"])
        for e in geo.tables["etablissement"]
    }
    assert {u: p[:2] for u, p in positions.items()} == {
        "0990001A": ("dans_qpv", "QN09901N"),
        "0990002B": ("moins_300m", "QN09901N"),
        "0990003C": ("hors_qpv", "QN09901N"),
        "0990004D": (None, None),
        "0990005E": ("dans_qpv", "QN09901N"),
        "0990006F": ("hors_qpv", "QN09902N"),
    }
    distances = {u: p[2] for u, p in positions.items()}
    assert distances["0990001A"] == distances["0990005E"] == 0
    assert distances["0990002B"] == pytest.approx(200, abs=0.5)
    assert distances["0990003C"] == pytest.approx(400, abs=0.5)
    assert distances["0990006F"] == pytest.approx(500, abs=0.5)
    assert distances["0990004D"] is None


def test_ecoles_dans_ou_pres_de_chaque_qpv_par_geographie(geo):
    liens = [
        (r["code_qp"], r["uai"], r["position"], round(r["distance_m"]))
        for r in geo.tables["qpv_etablissement"]
    ]
    assert liens == [
        ("QN09901N", "0990001A", "dans_qpv", 0),
        ("QN09901N", "0990002B", "moins_300m", 200),
        ("QN09901N", "0990005E", "dans_qpv", 0),
        ("QN09902N", "0990002B", "moins_300m", 290),
        ("QP099001", "0990001A", "dans_qpv", 0),
        ("QP099001", "0990002B", "moins_300m", 200),
        ("QP099001", "0990005E", "dans_qpv", 0),
    ]


def test_cites_educatives_qpv_et_ecoles(geo):
    t = geo.tables
    assert sorted((r["cite_id"], r["code_qp"], r["origine"]) for r in t["cite_educative_qpv"]) == [
        # Named after its quartier: only that QPV, of the most recent geography.
        ("cite-90101", "QN09901N", "deduit"),
        # Named after its commune: every QPV of the commune (2024 geography only).
        ("cite-90102", "QN09901N", "deduit"),
        ("cite-90102", "QN09902N", "deduit"),
        # Given by the source: kept as is.
        ("cite-90103", "QN09902N", "declare"),
    ]
    assert sorted(
        (r["cite_id"], r["uai"], r["origine"]) for r in t["cite_educative_etablissement"]
    ) == [
        # Chef de file, its network, and the REP/REP+ schools in or near its QPV.
        ("cite-90101", "0990001A", "deduit"),
        ("cite-90101", "0990002B", "deduit"),
        ("cite-90101", "0990005E", "deduit"),
        ("cite-90101", "0990006F", "deduit"),
        ("cite-90102", "0990001A", "deduit"),
        ("cite-90102", "0990002B", "deduit"),
        ("cite-90102", "0990005E", "deduit"),
        ("cite-90103", "0990002B", "deduit"),
    ]
    perimetres = {c["cite_id"]: c["geom"] for c in t["cite_educative"]}
    qpv = {q["code_qp"]: q["geom"] for q in t["qpv"]}
    assert perimetres["cite-90101"].equals(qpv["QN09901N"])
    assert perimetres["cite-90102"].equals(shapely.union_all([qpv["QN09901N"], qpv["QN09902N"]]))


def test_college_rep_tete_de_son_reseau(geo):
    tetes = {e["uai"]: e["uai_tete_reseau"] for e in geo.tables["etablissement"]}
    assert tetes["0990006F"] == "0990006F"
    assert tetes["0990001A"] == "0990006F"
    assert tetes["0990002B"] is None


def test_niveaux_simplifies_et_point_interieur(geo):
    for q in geo.tables["qpv"]:
        assert q["geom_territoire"].equals(q["geom"]) or (
            q["geom_territoire"].hausdorff_distance(q["geom"]) < 1e-6
        )
        assert q["geom"].contains(shapely.Point(q["longitude"], q["latitude"]))
    commune = geo.tables["commune"][0]
    assert commune["geom_national"] is not None and commune["geom_national"].is_valid


def test_sans_contour_aucune_position_inventee():
    geo = Geographie("communes 99001")
    geo.tables["qpv"].append({"code_qp": "QN09901N", "nom": "A", "annee_geographie": 2024})
    geo.tables["qpv_commune"].append({"code_qp": "QN09901N", "code_insee": "99001"})
    geo.tables["etablissement"].append(ecole("0990001A", 250, 250, "REP+"))
    completer(geo)
    (etab,) = geo.tables["etablissement"]
    assert (etab["position_qpv"], etab["code_qp_proche"], etab["distance_qpv_m"]) == (
        None,
        None,
        None,
    )
    assert geo.tables["qpv_etablissement"] == []
    assert (geo.tables["qpv"][0]["longitude"], geo.tables["qpv"][0]["latitude"]) == (None, None)


def test_la_demonstration_porte_les_memes_faits(con_demo):
    """The demo generator goes through the same code: simplified levels and derived facts."""

    def un(sql):
        return con_demo.execute(sql).fetchone()

    assert un(
        "select count(*), count(geom_territoire), count(geom_national), count(population_enfants),"
        " count(longitude) from qpv"
    ) == (15, 15, 15, 15, 15)
    assert un("select count(*), count(geom_territoire), count(geom_national) from commune") == (
        11,
        11,
        11,
    )
    assert un("select count(*) - count(distance_qpv_m) from etablissement") == (0,)
    # Every school inside or within 300 m of a QPV is linked to it, with the same distance.
    assert un(
        "select count(*) from etablissement e where e.position_qpv in ('dans_qpv', 'moins_300m')"
        " and not exists (select 1 from qpv_etablissement l where l.uai = e.uai"
        " and l.code_qp = e.code_qp_proche and l.distance_m = e.distance_qpv_m)"
    ) == (0,)
    assert un("select count(*) from cite_educative where geom_territoire is null") == (0,)
    assert un("select count(distinct origine) from cite_educative_qpv") == (1,)
