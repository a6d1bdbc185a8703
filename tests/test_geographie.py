"""Reference geography built from the real official files of ../shared/data (exact rows).

The files are never copied into the repository: a missing file fails the test with its path.
The helpers at the top (real files, territory builds, a fictional programme on a real territory)
are also used by the browser tests of the Carte page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import shapely

from pre_pilotage import config, geographie
from pre_pilotage.geographie import construction, lecture

DONNEES = config.RACINE.parent / "shared" / "data"
VALENCIENNES, CAEN, TOULOUSE = "245901160", "200065597", "243100518"


def reel(chemin: str) -> Path:
    """A real file of ../shared/data; fails (never skips) when it is missing."""
    fichier = DONNEES / chemin
    if not fichier.exists():
        pytest.fail(
            f"Fichier de données réelles introuvable : {fichier}. Les tests de géographie lisent "
            "les fichiers officiels de ../shared/data (voir son README)."
        )
    return fichier


def fichiers_reels(*types: str, contours_communes: str | None = None) -> dict[str, list[Path]]:
    chemins = {
        "communes": "decoupage_administratif_2026/communes.json",
        "epci": "decoupage_administratif_2026/epci.json",
        "contours_epci": "anct_fonds_admin_2022/fr-drom-4326-pur-style1-epci.geojson",
        "qpv_liste": "qpv2024_communes/qpv2024_par_commune.csv",
        "qpv_contours": "qpv2015_occitanie/qp_occitanie_2015.geojson",
        "qpv_population": "qpv2015_occitanie/qp_occitanie_indicateurs.csv",
        "etablissements": "annuaire_education_extrait_94/fr-en-annuaire-education.csv",
        "cites": "cites_educatives/cites_educatives_communes.csv",
    }
    fichiers = {t: [reel(chemins[t])] for t in ("communes", "epci", *types)}
    if contours_communes:
        fichiers["contours_communes"] = [reel(f"communes_contours_2018/{contours_communes}")]
    return fichiers


def fichiers_valenciennes():
    return fichiers_reels(
        "contours_epci", "qpv_liste", "cites", contours_communes="communes-hauts-de-france.geojson"
    )


def fichiers_toulouse():
    return fichiers_reels("contours_epci", "qpv_contours", "qpv_population", "cites")


def programme_fictif(
    chemin: Path, siren: str, enfants_par_qpv: dict[str, int], ecoles: dict[str, str] | None = None
) -> None:
    """A fictional programme over a real territory, so that the Carte page has figures to draw:
    one 2025 team, and `n` children living in each given QPV (born 2017, open parcours), schooled
    in `ecoles[code_qp]` when given."""
    with duckdb.connect(str(chemin)) as con:
        nom = con.execute("select nom from epci where siren = ?", [siren]).fetchone()[0]
        con.execute(
            "insert into programme values ('pre-test', ?, ?, 'EPCI', ?)",
            [f"PRE fictif – {nom}", nom, siren],
        )
        con.execute(
            "insert into programme_commune select 'pre-test', code_insee from commune"
            " where siren_epci = ?",
            [siren],
        )
        con.execute("insert into equipe values ('pre-test', 2025, 'R1', 'referent', 1.0)")
        numero = 0
        for code_qp, nombre in enfants_par_qpv.items():
            commune = con.execute(
                "select min(code_insee) from qpv_commune where code_qp = ?", [code_qp]
            ).fetchone()[0]
            for _ in range(nombre):
                numero += 1
                con.execute(
                    "insert into beneficiaire (beneficiaire_id, pre_id, sexe, annee_naissance,"
                    " niveau_scolaire, uai, zone_residence, code_qp, code_insee_residence)"
                    " values (?, 'pre-test', 'F', 2017, 'CE2', ?, 'qpv', ?, ?)",
                    [f"B{numero}", (ecoles or {}).get(code_qp), code_qp, commune],
                )
                con.execute(
                    "insert into parcours (parcours_id, beneficiaire_id, pre_id, date_entree)"
                    " values (?, ?, 'pre-test', ?)",
                    [f"P{numero}", f"B{numero}", dt.date(2025, 3, 1)],
                )
        con.execute(
            "insert into meta values ('donnees_demo', 'oui'), ('date_donnees', '2025-12-31')"
        )


def contenu(chemin: Path) -> str:
    """Fingerprint of every table's rows (to prove a failed build left the database as it was)."""
    h = hashlib.sha256()
    with duckdb.connect(str(chemin), read_only=True) as con:
        requete = "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        tables = [t for (t,) in con.execute(requete).fetchall()]
        for table in tables:
            for ligne in sorted(map(repr, con.table(table).fetchall())):
                h.update(ligne.encode())
    return h.hexdigest()


def lignes(chemin: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(chemin), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def base_valenciennes(tmp_path_factory):
    chemin = tmp_path_factory.mktemp("valenciennes") / "geo.duckdb"
    geographie.construire_base(chemin, fichiers_valenciennes(), siren=VALENCIENNES)
    return chemin


@pytest.fixture(scope="module")
def base_toulouse(tmp_path_factory):
    chemin = tmp_path_factory.mktemp("toulouse") / "geo.duckdb"
    geographie.construire_base(chemin, fichiers_toulouse(), siren=TOULOUSE)
    return chemin


# -------------------------------------------------------------------- Valenciennes Métropole


def test_valenciennes_communes_et_epci_reels(base_valenciennes):
    membres = json.loads(reel("decoupage_administratif_2026/epci.json").read_text())
    attendues = next(e for e in membres if e["code"] == VALENCIENNES)["membres"]
    communes = lignes(
        base_valenciennes, "select code_insee, nom, siren_epci from commune order by 1"
    )
    assert [(c, n) for c, n, _ in communes] == sorted((m["code"], m["nom"]) for m in attendues)
    assert len(communes) == 35 and {s for *_, s in communes} == {VALENCIENNES}
    assert ("59606", "Valenciennes", VALENCIENNES) in communes
    # Every commune has its real 2018 contour, and the simplified levels.
    assert lignes(
        base_valenciennes,
        "select count(*) filter (where geom is not null and geom_territoire is not null"
        " and geom_national is not null) from commune",
    ) == [(35,)]
    ((nom, population, geom),) = lignes(base_valenciennes, "select nom, population, geom from epci")
    assert (nom, population) == ("CA Valenciennes Métropole", 191_885)
    # The ANCT EPCI contour (bbox given in its PROVENANCE.md).
    assert shapely.bounds(shapely.from_wkb(geom)) == pytest.approx(
        (3.436, 50.259, 3.673, 50.497), abs=2e-3
    )


def test_valenciennes_qpv_reels_sans_contour(base_valenciennes):
    assert lignes(
        base_valenciennes,
        "select q.code_qp, q.nom, q.annee_geographie, q.geom is null from qpv_commune qc"
        " join qpv q using (code_qp) where qc.code_insee = '59606' order by 1",
    ) == [
        ("QN05921M", "Zone Intercommunale Rives De L'Escaut", 2024, True),
        ("QN05930M", "Dutemple Chasse Royale Saint Waast - La Sentinelle", 2024, True),
        ("QN05931M", "Zone Intercommunale Faubourg De Cambrai - La Briquette", 2024, True),
    ]
    # A QPV spanning several communes is linked to each of the territory's.
    assert lignes(
        base_valenciennes,
        "select code_insee from qpv_commune where code_qp = 'QN05921M' order by 1",
    ) == [("59014",), ("59079",), ("59112",), ("59606",)]
    assert lignes(base_valenciennes, "select count(*) from qpv") == [(15,)]


def test_valenciennes_cites_educatives_reelles(base_valenciennes):
    assert lignes(
        base_valenciennes,
        "select c.cite_id, c.nom, list(cc.code_insee order by cc.code_insee)"
        " from cite_educative c join cite_educative_commune cc using (cite_id)"
        " group by all order by 1",
    ) == [
        ("cite-076", "Valenciennes / Anzin", ["59014", "59606"]),
        # Escautpont and Raismes are in another EPCI: only the territory's communes are kept.
        ("cite-131", "Beuvrages / Bruay-sur-l'Escaut / Escautpont / Raismes", ["59079", "59112"]),
    ]
    # The ANCT list gives no QPV: they are derived from the communes, and said so.
    assert lignes(
        base_valenciennes, "select cite_id, code_qp, origine from cite_educative_qpv order by 1, 2"
    ) == [
        ("cite-076", "QN05920M", "deduit"),
        ("cite-076", "QN05921M", "deduit"),
        ("cite-076", "QN05930M", "deduit"),
        ("cite-076", "QN05931M", "deduit"),
        ("cite-131", "QN05921M", "deduit"),
        ("cite-131", "QN05922M", "deduit"),
        ("cite-131", "QN05992N", "deduit"),
    ]
    # No QPV contour: the perimeter is the union of the Cité's communes.
    perimetres = dict(lignes(base_valenciennes, "select cite_id, geom from cite_educative"))
    communes = dict(lignes(base_valenciennes, "select code_insee, geom from commune"))
    union = shapely.union_all([shapely.from_wkb(communes[c]) for c in ("59014", "59606")])
    assert shapely.from_wkb(perimetres["cite-076"]).equals_exact(union, 1e-9) or (
        shapely.from_wkb(perimetres["cite-076"]).symmetric_difference(union).area < 1e-9
    )


def test_valenciennes_sources_enregistrees(base_valenciennes):
    sources = lignes(
        base_valenciennes,
        "select territoire, type_fichier, fichier, elements from geographie_source order by 2",
    )
    assert sources == [
        ("EPCI 245901160", "cites", "cites_educatives_communes.csv", 208),
        ("EPCI 245901160", "communes", "communes.json", 34_969),
        (
            "EPCI 245901160",
            "contours_communes",
            "communes-hauts-de-france.geojson",
            3_808,
        ),
        ("EPCI 245901160", "contours_epci", "fr-drom-4326-pur-style1-epci.geojson", 1_357),
        ("EPCI 245901160", "epci", "epci.json", 1_255),
        ("EPCI 245901160", "qpv_liste", "qpv2024_par_commune.csv", 1_493),
    ]


# ---------------------------------------------------------------------------- Caen la Mer


def test_caen_la_mer():
    geo = geographie.construire(
        fichiers_reels(
            "contours_epci", "qpv_liste", "cites", contours_communes="communes-normandie.geojson"
        ),
        siren=CAEN,
    )
    t = geo.tables
    assert len(t["commune"]) == 48
    assert [
        (q["code_qp"], q["code_insee"]) for q in t["qpv_commune"] if q["code_insee"] == "14327"
    ] == [("QN01406M", "14327")]
    qpv_cites = sorted((r["cite_id"], r["code_qp"]) for r in t["cite_educative_qpv"])
    assert qpv_cites == [
        ("cite-029", "QN01406M"),
        ("cite-139", "QN01401M"),
        ("cite-139", "QN01402M"),
        ("cite-139", "QN01403M"),
        ("cite-139", "QN01404M"),
        ("cite-139", "QN01405I"),
    ]
    # The one current commune missing from the 2018 Normandie file is reported, not invented.
    sans = [c["code_insee"] for c in t["commune"] if c["geom"] is None]
    assert sans == ["14666"]
    resume = geographie.resume(geo)
    assert "    écartés : 1 commune du territoire sans contour dans le fichier : 14666" in resume
    # The national list of communes: the territory's 48 kept, the others outside it (the
    # summary said every commune of France « retenue »).
    (ligne,) = [x for x in resume if x.startswith("- communes.json ")]
    assert ligne.endswith(" : 34\u202f969 lus, 48 retenus")
    (suite,) = [x for x in resume[resume.index(ligne) + 1 :][:1] if "hors du territoire" in x]
    assert suite.startswith("    écartés : ")


# ------------------------------------------------------------------------ Val-de-Marne schools


def test_annuaire_val_de_marne_rep_et_rep_plus(tmp_path):
    communes = json.loads(reel("decoupage_administratif_2026/communes.json").read_text())
    codes = [
        c["code"]
        for c in communes
        if c.get("departement") == "94" and c["type"] == "commune-actuelle"
    ]
    chemin = tmp_path / "94.duckdb"
    geographie.construire_base(
        chemin, fichiers_reels("etablissements", "qpv_liste"), communes=codes
    )
    assert lignes(
        chemin,
        "select education_prioritaire, type_etablissement, count(*) from etablissement"
        " group by all order by 1 nulls last",
    ) == [("REP", "ecole", 185), ("REP+", "ecole", 22), (None, "ecole", 406)]
    assert lignes(
        chemin,
        "select nom, code_insee, education_prioritaire, longitude, latitude from etablissement"
        " where uai = '0940735N'",
    ) == [("Ecole maternelle Berthelot", "94078", "REP+", 2.451542, 48.736954)]
    # No QPV contour is available for Val-de-Marne: positions are unknown, never guessed.
    assert lignes(chemin, "select count(*) from etablissement where position_qpv is not null") == [
        (0,)
    ]
    assert lignes(chemin, "select count(*) from qpv_etablissement") == [(0,)]


def test_etapes_annoncees_dans_l_ordre_de_lecture():
    """Found by an outside tester: « [6/7] » was printed before « [5/7] » (steps numbered in the
    order of the file types, while the networks file is read before the annuaire)."""
    annonces: list[str] = []
    fichiers = fichiers_reels("qpv_liste", "etablissements", "cites") | {
        "reseaux_ep": [reel("education_prioritaire_reseaux/fr-en-etablissements-ep.csv")]
    }
    geographie.construire(fichiers, communes=["94002"], annonce=annonces.append)
    etapes = [a for a in annonces if a.startswith("[")]
    assert [a.split("]")[0] + "]" for a in etapes] == [f"[{n}/6]" for n in range(1, 7)]
    assert etapes == [
        "[1/6] Communes et populations (INSEE/DGCL, @etalab/decoupage-administratif) : "
        "communes.json",
        "[2/6] EPCI et communes membres (DGCL, @etalab/decoupage-administratif) : epci.json",
        "[3/6] Liste des quartiers prioritaires par commune (ANCT) : qpv2024_par_commune.csv",
        "[4/6] Réseaux d'éducation prioritaire (Éducation nationale) : fr-en-etablissements-ep.csv",
        "[5/6] Écoles et collèges (annuaire de l'éducation) : fr-en-annuaire-education.csv",
        "[6/6] Cités éducatives (ANCT) : cites_educatives_communes.csv",
    ]
    assert (
        annonces[-1] == "Faits dérivés (positions des écoles, Cités éducatives) et simplification"
    )


def test_uai_en_double_hors_du_territoire_compte_une_fois(tmp_path):
    """Found by an outside tester: a school outside the territory listed twice in the networks
    file was reported among « écartés » as a duplicate. Outside the territory comes first: it is
    counted there once; a repeated UAI is reported for the territory's schools only."""
    reseaux = tmp_path / "fr-en-etablissements-ep.csv"
    entete = (
        "uai;ep_2022_2023;nom_etablissement;type_etablissement;uai_tete_de_reseau;"
        "code_commune;latitude;longitude"
    )
    reseaux.write_text(
        "\n".join(
            [
                entete,
                "0941021Z;REP;Collège Paul Langevin;Collège;0941021Z;94002;48.7881;2.4272",
                "0721224P;REP;Collège Le Marin;Collège;0721224P;72003;47.9643;0.1569",
                "0721224P;REP;Collège Le Marin;Collège;0721224P;72003;47.9643;0.1569",
                "0941021Z;REP+;Collège Paul Langevin;Collège;0941021Z;94002;48.7881;2.4272",
                "0940001X;REP;École Jules Ferry;Ecole;0941021Z;94002;48.7900;2.4300",
                "12345;REP;Sans UAI;Ecole;0941021Z;94002;48.7900;2.4300",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    geo = geographie.construire(fichiers_reels() | {"reseaux_ep": [reseaux]}, communes=["94002"])
    source = next(s for s in geo.sources if s["type_fichier"] == "reseaux_ep")
    assert source["_ecartes"] == {
        "UAI invalide": ["ligne 7 « 12345 »"],
        "hors du territoire": 1,
        "UAI en double (dernière ligne gardée)": ["ligne 5 0941021Z"],
    }
    lignes_resume = geographie.resume(geo)
    debut = lignes_resume.index(
        "- fr-en-etablissements-ep.csv (réseaux d'éducation prioritaire (Éducation nationale)) :"
        " 6 lus, 2 retenus"
    )
    assert lignes_resume[debut + 1 : debut + 4] == [
        "    écartés : 1 UAI invalide : ligne 7 « 12345 »",
        "    écartés : 1 hors du territoire",
        "    écartés : 1 UAI en double (dernière ligne gardée) : ligne 5 0941021Z",
    ]
    assert [(e["uai"], e["education_prioritaire"]) for e in geo.tables["etablissement"]] == [
        ("0940001X", "REP"),
        ("0941021Z", "REP+"),
    ]


# ---------------------------------------------------------- Occitanie 2015, Toulouse Métropole

QPV_TOULOUSE = [
    ("QP031006", "Pradettes"),
    ("QP031007", "Grand Mirail"),
    ("QP031008", "Arènes"),
    ("QP031009", "Bourbaki"),
    ("QP031010", "Empalot"),
    ("QP031011", "Les Izards - La Vache"),
    ("QP031012", "Cépière Beauregard"),
    ("QP031013", "Saint Exupéry"),
    ("QP031014", "Soupetard"),
    ("QP031015", "Rangueil"),
    ("QP031018", "Négreneys"),
    ("QP031019", "La Gloire"),
]


def test_contours_qpv_2015_occitanie():
    lu = lecture.lire_qpv_contours(reel("qpv2015_occitanie/qp_occitanie_2015.geojson"))
    quartiers = lu.elements
    assert lu.nombre == len(quartiers) == 105
    assert {q.annee for q in quartiers} == {2015}
    assert all(q.geom is not None and q.geom.is_valid for q in quartiers)
    # Coordinates rounded to 4 decimals make 32 rings self-intersect: repaired and counted.
    assert lu.reparees == 32
    perpignan = next(q for q in quartiers if q.code == "QP066007")
    assert (perpignan.nom, perpignan.communes) == ("Bas-Vernet Nouveau QPV", ["66136"])
    xmin, ymin, xmax, ymax = shapely.total_bounds([q.geom for q in quartiers])
    assert (xmin, ymin, xmax, ymax) == pytest.approx((-0.0437, 42.5983, 4.6525, 44.4672), abs=1e-4)


def test_toulouse_metropole_polygones_reels(base_toulouse):
    assert (
        lignes(
            base_toulouse,
            "select q.code_qp, q.nom from qpv q join qpv_commune qc using (code_qp)"
            " where qc.code_insee = '31555' order by 1",
        )
        == QPV_TOULOUSE
    )
    assert lignes(
        base_toulouse,
        "select count(*), count(geom), count(geom_territoire), count(geom_national),"
        " min(annee_geographie), max(annee_geographie) from qpv",
    ) == [(16, 16, 16, 16, 2015, 2015)]
    # Population from the INSEE indicator table; children under 15 are not in it.
    assert lignes(
        base_toulouse, "select population, population_enfants from qpv where code_qp = 'QP031007'"
    ) == [(31_691, None)]
    # Each polygon lies inside Toulouse Métropole's (generalised) contour, and its point inside it.
    ((epci,),) = lignes(base_toulouse, "select geom from epci")
    contour = shapely.from_wkb(epci).buffer(0.01)
    for code, geom, lon, lat in lignes(
        base_toulouse, "select code_qp, geom, longitude, latitude from qpv"
    ):
        forme = shapely.from_wkb(geom)
        assert forme.within(contour), code
        assert forme.contains(shapely.Point(lon, lat)), code
    # The simplified level keeps the shape (10 m tolerance) with fewer vertices.
    grand_mirail = dict(
        zip(
            ("geom", "geom_territoire", "geom_national"),
            lignes(
                base_toulouse,
                "select geom, geom_territoire, geom_national from qpv where code_qp = 'QP031007'",
            )[0],
            strict=True,
        )
    )
    formes = {k: shapely.from_wkb(v) for k, v in grand_mirail.items()}
    sommets = {k: shapely.get_num_coordinates(v) for k, v in formes.items()}
    assert sommets["geom_national"] < sommets["geom_territoire"] <= sommets["geom"]
    assert formes["geom"].hausdorff_distance(formes["geom_territoire"]) < 0.0002


def test_toulouse_cites_nommees_d_apres_leur_quartier(base_toulouse):
    assert lignes(
        base_toulouse,
        "select cite_id, code_qp, origine from cite_educative_qpv where cite_id in"
        " ('cite-073', 'cite-122') order by 1, 2",
    ) == [("cite-073", "QP031007", "deduit"), ("cite-122", "QP031011", "deduit")]
    noms = dict(lignes(base_toulouse, "select cite_id, nom from cite_educative"))
    assert noms["cite-073"] == "Toulouse Grand Mirail"
    # The perimeter of a Cité with QPV contours is the union of its QPV.
    perimetre, quartier = lignes(
        base_toulouse,
        "select c.geom, q.geom from cite_educative c, qpv q"
        " where c.cite_id = 'cite-073' and q.code_qp = 'QP031007'",
    )[0]
    assert shapely.from_wkb(perimetre).equals(shapely.from_wkb(quartier))


# ------------------------------------------------------- other files of the same lineage


def _occitanie_transforme(tmp_path: Path, nom: str, modifier) -> Path:
    donnees = json.loads(reel("qpv2015_occitanie/qp_occitanie_2015.geojson").read_text())
    donnees["features"] = [
        f for f in donnees["features"] if f["properties"]["code_commune"] == "31555"
    ]
    modifier(donnees)
    chemin = tmp_path / nom
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    return chemin


def test_variante_lambert93_multipolygon_nom_qp_et_nombres_en_texte(tmp_path):
    from pyproj import Transformer

    vers_l93 = Transformer.from_crs(4326, 2154, always_xy=True)

    def modifier(donnees):
        donnees["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}
        for f in donnees["features"]:
            p = f["properties"]
            f["properties"] = {
                "CODE_QP": p["code_qp"],
                "lib_qp": p["nom_qp"],
                "insee_com": int(p["code_commune"]),
                "pop": "1 613",
            }
            anneau = [list(vers_l93.transform(x, y)) for x, y in f["geometry"]["coordinates"][0]]
            f["geometry"] = {"type": "MultiPolygon", "coordinates": [[anneau]]}

    original = {
        q.code: q
        for q in lecture.lire_qpv_contours(
            reel("qpv2015_occitanie/qp_occitanie_2015.geojson")
        ).elements
    }
    variante = lecture.lire_qpv_contours(_occitanie_transforme(tmp_path, "l93.geojson", modifier))
    assert sorted((q.code, q.nom, tuple(q.communes), q.population) for q in variante.elements) == [
        (code, nom, ("31555",), 1613) for code, nom in QPV_TOULOUSE
    ]
    for q in variante.elements:
        # Reprojected back to WGS84 within a few centimetres (the file's 4-decimal rounding).
        assert q.geom.hausdorff_distance(original[q.code].geom) < 1e-6, q.code


def test_variante_noms_en_majuscules_sans_crs(tmp_path):
    def modifier(donnees):
        del donnees["crs"]
        for f in donnees["features"]:
            p = f["properties"]
            f["properties"] = {
                "CODE_QP": p["code_qp"],
                "NOM_QP": p["nom_qp"],
                "COMMUNE_QP": "Toulouse",
            }

    lu = lecture.lire_qpv_contours(_occitanie_transforme(tmp_path, "maj.geojson", modifier))
    assert sorted((q.code, q.nom) for q in lu.elements) == QPV_TOULOUSE
    # No commune code: the QPV are placed in the commune whose contour holds them.
    toulouse = shapely.convex_hull(shapely.union_all([q.geom for q in lu.elements])).buffer(0.01)
    contours = tmp_path / "toulouse.geojson"
    contours.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"INSEE_COM": "31555", "NOM": "Toulouse"},
                        "geometry": json.loads(shapely.to_geojson(toulouse)),
                    }
                ],
            }
        )
    )
    fichiers = fichiers_reels() | {
        "contours_communes": [contours],
        "qpv_contours": [tmp_path / "maj.geojson"],
    }
    geo = geographie.construire(fichiers, communes=["31555"])
    assert sorted((q["code_qp"], q["code_insee"]) for q in geo.tables["qpv_commune"]) == [
        (code, "31555") for code, _ in QPV_TOULOUSE
    ]


def test_anneau_invalide_repare(tmp_path):
    papillon = [[1.40, 43.60], [1.41, 43.61], [1.41, 43.60], [1.40, 43.61], [1.40, 43.60]]
    chemin = tmp_path / "papillon.geojson"
    chemin.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code_qp": "QN03199N", "lib_qp": "Papillon"},
                        "geometry": {"type": "Polygon", "coordinates": [papillon]},
                    }
                ],
            }
        )
    )
    lu = lecture.lire_qpv_contours(chemin)
    (quartier,) = lu.elements
    assert lu.reparees == 1 and quartier.reparee
    assert quartier.geom.is_valid and quartier.geom.geom_type == "MultiPolygon"
    assert quartier.geom.area == pytest.approx(0.0001 / 2, rel=1e-6)


# ----------------------------------------------------------- malformed files, all or nothing


def test_fichier_tronque_erreur_francaise_et_base_intacte(base_valenciennes, tmp_path):
    copie = tmp_path / "base.duckdb"
    shutil.copy(base_valenciennes, copie)
    avant = contenu(copie)
    source = reel("qpv2015_occitanie/qp_occitanie_2015.geojson").read_bytes()
    tronque = tmp_path / "qpv_tronque.geojson"
    tronque.write_bytes(source[: len(source) // 2])
    fichiers = fichiers_valenciennes() | {"qpv_contours": [tronque]}
    with pytest.raises(geographie.ErreurGeographie) as erreur:
        geographie.construire_base(copie, fichiers, siren=VALENCIENNES)
    message = str(erreur.value)
    assert message.startswith("qpv_tronque.geojson : fichier JSON tronqué")
    assert "ligne" in message and "colonne" in message
    assert contenu(copie) == avant


def test_csv_tronque_et_colonne_absente(tmp_path):
    annuaire = reel("annuaire_education_extrait_94/fr-en-annuaire-education.csv").read_bytes()
    tronque = tmp_path / "annuaire.csv"
    tronque.write_bytes(annuaire[: len(annuaire) // 3])
    with pytest.raises(
        geographie.ErreurGeographie,
        match=r"^annuaire\.csv : ligne \d+ : \d+ colonnes au lieu de 71",
    ):
        lecture.lire_etablissements(tronque)
    # A column renamed by another year's export is reported, not fatal; a required one is.
    sans_ep = tmp_path / "sans_ep.csv"
    texte = annuaire.decode("utf-8-sig")
    sans_ep.write_text(
        texte.replace("Appartenance_Education_Prioritaire", "Colonne_inconnue"), encoding="utf-8"
    )
    lu = lecture.lire_etablissements(sans_ep)
    assert len(lu.elements) == 613
    assert lu.remarques == [
        "sans_ep.csv : colonnes non trouvées (export d'une autre année ?) : education_prioritaire"
    ]
    sans_commune = tmp_path / "sans_commune.csv"
    sans_commune.write_text(texte.replace("Code_commune", "Commune_inconnue"), encoding="utf-8")
    with pytest.raises(geographie.ErreurGeographie) as erreur:
        lecture.lire_etablissements(sans_commune)
    assert str(erreur.value) == (
        "sans_commune.csv : colonnes absentes de l'annuaire de l'éducation : "
        "commune (code_commune ou code_insee ou code_commune_insee)"
    )


def test_code_qpv_invalide_nomme_la_ligne(tmp_path):
    chemin = tmp_path / "liste.csv"
    chemin.write_text("code_qp;lib_qp;insee_com\nQN05921M;A;59606\nQX123;B;59606\n")
    with pytest.raises(
        geographie.ErreurGeographie,
        match=r"^liste\.csv : ligne 3 : code de quartier prioritaire invalide « QX123 »",
    ):
        lecture.lire_qpv_liste(chemin)


def test_liste_qpv_aux_en_tetes_d_un_tableur(tmp_path):
    """An outside test's list: a blank line above the header (« 4 colonnes au lieu de 0 ») and
    « Nom du quartier » not recognised (quartiers named by their codes, without a word)."""
    chemin = tmp_path / "liste_renommee.csv"
    chemin.write_text(
        ";;;\n\nCommune;Nom du quartier;Code QP;Code INSEE\n"
        "Champigny-sur-Marne;Bois l'Abbé;QN09421M;94017\n"
        "Champigny-sur-Marne;Les Mordacs;QN09424I;94017\n",
        encoding="cp1252",
    )
    lu = lecture.lire_qpv_liste(chemin)
    assert [(q.code, q.nom, q.communes) for q in lu.elements] == [
        ("QN09421M", "Bois l'Abbé", ["94017"]),
        ("QN09424I", "Les Mordacs", ["94017"]),
    ]
    assert lu.remarques == []
    chemin.write_text("\nCode QP;Code INSEE\nQN09421M;94017\nQN09424I;94017;x\n", encoding="utf-8")
    with pytest.raises(
        geographie.ErreurGeographie,
        match=r"^liste_renommee\.csv : ligne 4 : 3 colonnes au lieu de 2 ",
    ):
        lecture.lire_qpv_liste(chemin)
    chemin.write_text("Code QP;Code INSEE\nQN09421M;94017\nQN09424I;94017\n", encoding="utf-8")
    lu = lecture.lire_qpv_liste(chemin)
    assert [q.nom for q in lu.elements] == [None, None]
    assert lu.remarques == [
        "liste_renommee.csv : nom du quartier absent pour 2 quartier(s) (QN09421M, QN09424I) ; "
        "colonne attendue : lib_qp, nom_qp, nom_qpv, lib_qpv… ; ces quartiers sont nommés par "
        "leur code si aucun autre fichier ne donne leur nom"
    ]


def test_echec_pendant_l_ecriture_rien_n_est_ecrit(base_valenciennes, tmp_path, monkeypatch):
    copie = tmp_path / "base.duckdb"
    shutil.copy(base_valenciennes, copie)
    avant = contenu(copie)
    vraie = construction._inserer

    def inserer(con, table, lignes_):
        if table == "cite_educative":
            raise RuntimeError("panne simulée")
        vraie(con, table, lignes_)

    monkeypatch.setattr(construction, "_inserer", inserer)
    with pytest.raises(RuntimeError, match="panne simulée"):
        geographie.construire_base(copie, fichiers_valenciennes(), siren=VALENCIENNES)
    assert contenu(copie) == avant


def test_reconstruire_remplace_le_territoire(base_valenciennes, tmp_path):
    copie, reference = tmp_path / "base.duckdb", tmp_path / "reference.duckdb"
    shutil.copy(base_valenciennes, copie)
    shutil.copy(base_valenciennes, reference)
    geographie.construire_base(copie, fichiers_valenciennes(), siren=VALENCIENNES)
    # Same files, same rows: nothing duplicated, nothing left over (only build times differ).
    for chemin in (copie, reference):
        with duckdb.connect(str(chemin)) as con:
            con.execute("update geographie_source set construit_le = '2000-01-01'")
    assert contenu(copie) == contenu(reference)


def test_territoire_inconnu():
    with pytest.raises(
        geographie.ErreurGeographie, match="EPCI de SIREN « 123456789 » introuvable"
    ):
        geographie.construire(fichiers_reels(), siren="123456789")
    with pytest.raises(geographie.ErreurGeographie, match="communes introuvables : 99999"):
        geographie.construire(fichiers_reels(), communes=["59606", "99999"])


def test_reconstruire_sans_un_fichier_demande_confirmation(base_valenciennes, tmp_path):
    """Found by a new user: rebuilding with the communes files only removed every QPV and
    Cité of the base without a word. Now nothing changes until the removal is confirmed."""
    copie = tmp_path / "base.duckdb"
    shutil.copy(base_valenciennes, copie)
    avant = contenu(copie)
    with pytest.raises(geographie.RemplacementAConfirmer) as erreur:
        geographie.construire_base(copie, fichiers_reels(), siren=VALENCIENNES)
    message = str(erreur.value)
    with duckdb.connect(str(copie), read_only=True) as con:
        (qpv,) = con.execute("select count(distinct code_qp) from qpv_commune").fetchall()[0]
        (cites,) = con.execute("select count(*) from cite_educative").fetchall()[0]
    assert qpv > 0 and cites > 0
    assert message.startswith(
        f"Ces fichiers retireraient de la base ce qui s'y trouve déjà : {qpv} quartiers "
        "prioritaires (QN"
    )
    assert f"; {cites} Cités éducatives (" in message
    assert message.endswith("ou relancez avec --remplacer pour confirmer.")
    assert contenu(copie) == avant
    geographie.construire_base(copie, fichiers_reels(), siren=VALENCIENNES, remplacer=True)
    with duckdb.connect(str(copie), read_only=True) as con:
        assert con.execute("select count(*) from qpv_commune").fetchall()[0][0] == 0


def test_l_annuaire_donne_pour_les_reseaux_refuse():
    """Found by a new user: the annuaire de l'éducation given as the réseaux file was read as
    one (every school with an « education prioritaire » column taken for a network member)."""
    annuaire = reel("annuaire_education_extrait_94/fr-en-annuaire-education.csv")
    with pytest.raises(geographie.ErreurGeographie) as erreur:
        lecture.lire_reseaux_ep(annuaire)
    assert str(erreur.value) == (
        "fr-en-annuaire-education.csv : colonne de la tête de réseau absente (uai_tete_de_reseau "
        "attendu) : ce n'est pas le fichier des réseaux d'éducation prioritaire "
        "(fr-en-etablissements-ep) ; l'annuaire de l'éducation se donne sous le type "
        "etablissements"
    )
    reseaux = lecture.lire_reseaux_ep(
        reel("education_prioritaire_reseaux/fr-en-etablissements-ep.csv")
    )
    assert reseaux.nombre > 1000
