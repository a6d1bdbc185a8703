"""Build a territory's reference geography from the official files and write it, all or nothing.

`construire` reads every file and computes everything in memory (any problem raises
`ErreurGeographie` before the database is touched); `ecrire` replaces the territory's rows in one
transaction. The demo generator uses `Geographie`, `completer` and `lignes_tables` too, so that
the demo database carries the same simplified levels and derived facts as a real one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import shapely

from pre_pilotage.geographie import faits, geometrie, lecture
from pre_pilotage.geographie.lecture import ErreurGeographie, erreur

TABLES = (
    "epci",
    "commune",
    "qpv",
    "qpv_commune",
    "etablissement",
    "cite_educative",
    "cite_educative_commune",
    "cite_educative_qpv",
    "cite_educative_etablissement",
    "qpv_etablissement",
)
# Tables whose geometry is simplified, and whether their shapes tile the territory.
_SIMPLIFIEES = {"commune": True, "epci": False, "qpv": False, "cite_educative": False}
_COLONNES_GEOMETRIE = ("geom", "geom_territoire", "geom_national")

TYPES_FICHIERS = {
    "communes": "communes et populations (INSEE/DGCL, @etalab/decoupage-administratif)",
    "epci": "EPCI et communes membres (DGCL, @etalab/decoupage-administratif)",
    "contours_communes": "contours des communes (IGN Admin Express)",
    "contours_epci": "contours des EPCI (IGN Admin Express)",
    "qpv_liste": "liste des quartiers prioritaires par commune (ANCT)",
    "qpv_contours": "contours des quartiers prioritaires (ANCT)",
    "qpv_population": "population des quartiers prioritaires (INSEE)",
    "etablissements": "écoles et collèges (annuaire de l'éducation)",
    "reseaux_ep": "réseaux d'éducation prioritaire (Éducation nationale)",
    "cites": "Cités éducatives (ANCT)",
}
OBLIGATOIRES = ("communes", "epci")


@dataclass
class Geographie:
    """Rows of the geography tables (geometry as WGS84 shapely objects), ready to be completed."""

    territoire: str
    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in TABLES})
    sources: list[dict] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)


def completer(geo: Geographie) -> Geographie:
    """Derived facts and the two simplified levels, computed once in a projection local to the
    territory."""
    t = geo.tables
    formes = [r.get("geom") for table in _SIMPLIFIEES for r in t[table]]
    formes += [
        shapely.Point(e["longitude"], e["latitude"])
        for e in t["etablissement"]
        if e.get("longitude") is not None
    ]
    projection = geometrie.projection_locale(formes)
    for etab in t["etablissement"]:
        # A REP/REP+ collège heads its own network when no network file says otherwise.
        if (
            etab.get("uai_tete_reseau") is None
            and etab["type_etablissement"] == "college"
            and etab.get("education_prioritaire")
        ):
            etab["uai_tete_reseau"] = etab["uai"]
    t["qpv_etablissement"] = faits.positions(t["etablissement"], t["qpv"], projection)
    annee_cites = max((q["annee_geographie"] for q in t["qpv"]), default=None)
    faits.cites(geo, annee_cites)
    for table, couverture in _SIMPLIFIEES.items():
        geoms = [r.get("geom") for r in t[table]]
        for niveau, tolerance in geometrie.TOLERANCES_M.items():
            simplifiees = geometrie.simplifier(geoms, tolerance, projection, couverture)
            for ligne, simplifiee in zip(t[table], simplifiees, strict=True):
                ligne[f"geom_{niveau}"] = simplifiee
    for q in t["qpv"]:
        q["longitude"], q["latitude"] = faits.point_interieur(q.get("geom"))
    return geo


def lignes_tables(geo: Geographie) -> dict[str, list[dict]]:
    """Rows as the database stores them (geometry as WKB)."""
    resultat = {}
    for table, lignes in geo.tables.items():
        resultat[table] = [
            {k: geometrie.wkb(v) if k in _COLONNES_GEOMETRIE else v for k, v in ligne.items()}
            for ligne in lignes
        ]
    return resultat


# ------------------------------------------------------------------------------- reading


def empreinte(chemin: Path) -> str:
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        for bloc in iter(lambda: f.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()


def _un(fichiers: dict[str, list[Path]], type_fichier: str) -> Path | None:
    chemins = fichiers.get(type_fichier) or []
    if len(chemins) > 1:
        raise ErreurGeographie(
            f"Un seul fichier de type « {type_fichier} » est attendu ({len(chemins)} donnés)."
        )
    return chemins[0] if chemins else None


def construire(
    fichiers: dict[str, list[Path]],
    siren: str | None = None,
    communes: list[str] | None = None,
    annonce: Callable[[str], None] = lambda _message: None,
) -> Geographie:
    """Read the official files and build the geography of one EPCI (by SIREN) or of a list of
    communes; nothing is written."""
    inconnus = sorted(set(fichiers) - set(TYPES_FICHIERS))
    if inconnus:
        raise ErreurGeographie(
            f"Type de fichier inconnu : {', '.join(inconnus)} "
            f"(types possibles : {', '.join(TYPES_FICHIERS)})."
        )
    for type_fichier in OBLIGATOIRES:
        if not fichiers.get(type_fichier):
            raise ErreurGeographie(
                f"Fichier obligatoire manquant : {TYPES_FICHIERS[type_fichier]} "
                f"(type « {type_fichier} »)."
            )
    if bool(siren) == bool(communes):
        raise ErreurGeographie(
            "Choisissez un territoire : un EPCI (SIREN) ou une liste de communes."
        )
    etapes = [t for t in TYPES_FICHIERS if fichiers.get(t)]
    sources: list[dict] = []

    def lire(type_fichier: str, chemin: Path, lecteur, *args) -> lecture.Lecture:
        annonce(
            f"[{etapes.index(type_fichier) + 1}/{len(etapes)}] "
            f"{TYPES_FICHIERS[type_fichier][0].upper()}{TYPES_FICHIERS[type_fichier][1:]} : "
            f"{Path(chemin).name}"
        )
        resultat = lecteur(chemin, *args)
        sources.append(
            {
                "type_fichier": type_fichier,
                "fichier": Path(chemin).name,
                "empreinte_sha256": empreinte(chemin),
                "elements": resultat.nombre,
                "geometries_reparees": resultat.reparees,
            }
        )
        return resultat

    chemin_communes = _un(fichiers, "communes")
    lu = lire("communes", chemin_communes, lecture.lire_communes).elements
    toutes_communes, parents = lu["communes"], lu["parents"]
    chemin_epci = _un(fichiers, "epci")
    tous_epci = lire("epci", chemin_epci, lecture.lire_epci).elements
    epci_de = {c: e.siren for e in tous_epci.values() for c in e.membres}

    if siren:
        siren = lecture.siren(siren)
        if siren not in tous_epci:
            raise erreur(chemin_epci, f"EPCI de SIREN « {siren} » introuvable")
        codes = [c for c in tous_epci[siren].membres if c in toutes_communes]
        territoire = f"EPCI {siren}"
    else:
        demandes = [parents.get(c, c) for c in (lecture.code_commune(c) for c in communes)]
        absentes = [c for c in demandes if c not in toutes_communes]
        if absentes:
            raise erreur(chemin_communes, f"communes introuvables : {', '.join(absentes)}")
        codes = list(dict.fromkeys(demandes))
        territoire = "communes " + ",".join(codes)
    selection = set(codes)
    geo = Geographie(territoire=territoire, sources=sources)
    t = geo.tables
    sirens = sorted({epci_de[c] for c in codes if c in epci_de} | ({siren} if siren else set()))

    contours_communes: dict = {}
    if chemin := _un(fichiers, "contours_communes"):
        lu = lire("contours_communes", chemin, lecture.lire_contours, "commune")
        contours_communes = lu.elements
        geo.remarques += lu.remarques
    for code in codes:
        commune = toutes_communes[code]
        t["commune"].append(
            {
                "code_insee": code,
                "nom": commune.nom,
                "siren_epci": epci_de.get(code),
                "population": commune.population,
                "geom": _contour_commune(commune, contours_communes),
            }
        )
    sans_contour = [c["code_insee"] for c in t["commune"] if c["geom"] is None]
    if contours_communes and sans_contour:
        geo.remarques.append(
            f"{len(sans_contour)} commune(s) sans contour dans le fichier : {', '.join(sans_contour)}"
        )

    contours_epci: dict = {}
    if chemin := _un(fichiers, "contours_epci"):
        lu = lire("contours_epci", chemin, lecture.lire_contours, "epci")
        contours_epci = lu.elements
        geo.remarques += lu.remarques
    for code_epci in sirens:
        epci = tous_epci[code_epci]
        forme = contours_epci[code_epci].geom if code_epci in contours_epci else None
        if forme is None and code_epci == siren and t["commune"] and not sans_contour:
            forme = geometrie.surfacique(shapely.union_all([c["geom"] for c in t["commune"]]))
            geo.remarques.append(f"contour de l'EPCI {code_epci} reconstitué avec ses communes")
        t["epci"].append(
            {"siren": code_epci, "nom": epci.nom, "population": epci.population, "geom": forme}
        )

    quartiers: dict[str, lecture.Qpv] = {}
    for chemin in fichiers.get("qpv_liste") or []:
        for q in lire("qpv_liste", chemin, lecture.lire_qpv_liste).elements:
            quartiers.setdefault(q.code, q).communes += [
                c for c in q.communes if c not in quartiers[q.code].communes
            ]
    for chemin in fichiers.get("qpv_contours") or []:
        lu = lire("qpv_contours", chemin, lecture.lire_qpv_contours)
        geo.remarques += lu.remarques
        for q in lu.elements:
            connu = quartiers.get(q.code)
            if connu is None:
                quartiers[q.code] = q
                continue
            connu.geom = q.geom
            connu.nom = connu.nom or q.nom
            connu.population = connu.population or q.population
            connu.population_enfants = connu.population_enfants or q.population_enfants
            connu.communes += [c for c in q.communes if c not in connu.communes]
    if chemin := _un(fichiers, "qpv_population"):
        populations = lire("qpv_population", chemin, lecture.lire_population_qpv).elements
        for code, (population, enfants) in populations.items():
            if code in quartiers:
                quartiers[code].population = population
                quartiers[code].population_enfants = enfants
    _quartiers_du_territoire(geo, quartiers, selection, parents)

    if chemin := _un(fichiers, "etablissements"):
        lu = lire("etablissements", chemin, lecture.lire_etablissements, selection, parents)
        geo.remarques += lu.remarques
        reseaux = {}
        if chemin_reseaux := _un(fichiers, "reseaux_ep"):
            reseaux = lire("reseaux_ep", chemin_reseaux, lecture.lire_reseaux_ep).elements
        for e in lu.elements:
            ep, tete = reseaux.get(e.uai, (None, None))
            t["etablissement"].append(
                {
                    "uai": e.uai,
                    "nom": e.nom,
                    "type_etablissement": e.type_etablissement,
                    "code_insee": e.code_insee,
                    "longitude": None if e.longitude is None else round(e.longitude, 6),
                    "latitude": None if e.latitude is None else round(e.latitude, 6),
                    "education_prioritaire": e.education_prioritaire or ep,
                    "uai_tete_reseau": tete,
                }
            )
    elif fichiers.get("reseaux_ep"):
        raise ErreurGeographie(
            "Le fichier des réseaux d'éducation prioritaire complète l'annuaire de l'éducation : "
            "donnez aussi le fichier des écoles et collèges."
        )

    if chemin := _un(fichiers, "cites"):
        codes_qpv = {q["code_qp"] for q in t["qpv"]}
        for cite in lire("cites", chemin, lecture.lire_cites).elements:
            communes_cite = [parents.get(c, c) for c in cite.communes]
            dedans = [c for c in dict.fromkeys(communes_cite) if c in selection]
            if not dedans:
                continue
            t["cite_educative"].append(
                {
                    "cite_id": cite.cite_id,
                    "nom": cite.nom,
                    "uai_chef_de_file": cite.uai_chef_de_file,
                    "annee_labellisation": cite.annee_labellisation,
                }
            )
            t["cite_educative_commune"] += [
                {"cite_id": cite.cite_id, "code_insee": c} for c in dedans
            ]
            t["cite_educative_qpv"] += [
                {"cite_id": cite.cite_id, "code_qp": q, "origine": "declare"}
                for q in cite.qpv
                if q in codes_qpv
            ]
    annonce("Faits dérivés (positions des écoles, Cités éducatives) et simplification")
    return completer(geo)


def _contour_commune(commune: lecture.Commune, contours: dict):
    if commune.code in contours and contours[commune.code].geom is not None:
        return contours[commune.code].geom
    # A commune nouvelle drawn in an older file: the union of the communes it merged.
    anciennes = [
        contours[a].geom
        for a in commune.anciens_codes
        if a in contours and contours[a].geom is not None
    ]
    return geometrie.surfacique(shapely.union_all(anciennes)) if anciennes else None


def _quartiers_du_territoire(geo: Geographie, quartiers: dict, selection: set, parents: dict):
    """Keep the QPV of the territory: by their communes, or by position when the file gives none."""
    t = geo.tables
    formes_communes = {c["code_insee"]: c["geom"] for c in t["commune"] if c["geom"] is not None}
    arbre = shapely.STRtree(list(formes_communes.values())) if formes_communes else None
    codes_formes = list(formes_communes)
    for code in sorted(quartiers):
        q = quartiers[code]
        communes = [parents.get(c, c) for c in q.communes]
        if not communes and q.geom is not None and arbre is not None:
            point = q.geom.representative_point()
            communes = [codes_formes[i] for i in arbre.query(point, predicate="intersects")]
        dedans = [c for c in dict.fromkeys(communes) if c in selection]
        if not dedans:
            continue
        t["qpv"].append(
            {
                "code_qp": q.code,
                "nom": q.nom or q.code,
                "annee_geographie": q.annee,
                "population": q.population,
                "population_enfants": q.population_enfants,
                "geom": q.geom,
            }
        )
        t["qpv_commune"] += [{"code_qp": q.code, "code_insee": c} for c in dedans]
    for annee in sorted({q["annee_geographie"] for q in t["qpv"]}):
        du_millesime = [q for q in t["qpv"] if q["annee_geographie"] == annee]
        sans = [q["code_qp"] for q in du_millesime if q["geom"] is None]
        if sans:
            geo.remarques.append(
                f"{len(sans)} QPV de la géographie {annee} sur {len(du_millesime)} sans contour "
                "(listés sans polygone ; les positions des écoles ne sont pas calculées pour eux)"
            )


# ------------------------------------------------------------------------------- writing


def _inserer(con: duckdb.DuckDBPyConnection, table: str, lignes: list[dict]) -> None:
    if not lignes:
        return
    colonnes = con.table(table).columns
    cadre = pl.DataFrame(lignes, infer_schema_length=None)
    cadre = cadre.with_columns(
        pl.lit(None).alias(c) for c in colonnes if c not in cadre.columns
    ).select(colonnes)
    con.from_arrow(cadre.to_arrow()).insert_into(table)


def ecrire(con: duckdb.DuckDBPyConnection, geo: Geographie) -> None:
    """Replace the territory's geography in one transaction: all or nothing."""
    lignes = lignes_tables(geo)
    communes = [c["code_insee"] for c in lignes["commune"]]
    epci = [e["siren"] for e in lignes["epci"]]
    qpv = [q["code_qp"] for q in lignes["qpv"]]
    uai = [e["uai"] for e in lignes["etablissement"]]
    cites = [c["cite_id"] for c in lignes["cite_educative"]]
    con.execute("begin transaction")
    try:
        anciens_qpv = [
            code
            for (code,) in con.execute(
                "select code_qp from qpv_commune group by code_qp"
                " having bool_and(list_contains($communes, code_insee))",
                {"communes": communes},
            ).fetchall()
        ]
        anciens_uai = [
            u
            for (u,) in con.execute(
                "select uai from etablissement where list_contains($communes, code_insee)",
                {"communes": communes},
            ).fetchall()
        ]
        tous_qpv, tous_uai = (
            sorted(set(qpv) | set(anciens_qpv)),
            sorted(set(uai) | set(anciens_uai)),
        )
        for requete, valeurs in (
            ("delete from epci where list_contains($v, siren)", epci),
            ("delete from commune where list_contains($v, code_insee)", communes),
            ("delete from qpv_commune where list_contains($v, code_insee)", communes),
            ("delete from qpv where list_contains($v, code_qp)", tous_qpv),
            ("delete from etablissement where list_contains($v, uai)", tous_uai),
            ("delete from qpv_etablissement where list_contains($v, code_qp)", tous_qpv),
            ("delete from qpv_etablissement where list_contains($v, uai)", tous_uai),
            ("delete from cite_educative where list_contains($v, cite_id)", cites),
            ("delete from cite_educative_commune where list_contains($v, cite_id)", cites),
            ("delete from cite_educative_qpv where list_contains($v, cite_id)", cites),
            ("delete from cite_educative_etablissement where list_contains($v, cite_id)", cites),
            ("delete from geographie_source where territoire = $v", geo.territoire),
        ):
            con.execute(requete, {"v": valeurs})
        for table in TABLES:
            _inserer(con, table, lignes[table])
        horodatage = dt.datetime.now().replace(microsecond=0)
        _inserer(
            con,
            "geographie_source",
            [s | {"territoire": geo.territoire, "construit_le": horodatage} for s in geo.sources],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def resume(geo: Geographie) -> list[str]:
    """French summary lines of what was built."""
    t = geo.tables
    lignes = [
        f"Territoire : {geo.territoire}",
        f"{len(t['commune'])} communes, dont {sum(c['geom'] is not None for c in t['commune'])} "
        "avec contour",
    ]
    for annee in sorted({q["annee_geographie"] for q in t["qpv"]}, reverse=True):
        du_millesime = [q for q in t["qpv"] if q["annee_geographie"] == annee]
        avec = sum(q["geom"] is not None for q in du_millesime)
        lignes.append(f"{len(du_millesime)} QPV (géographie {annee}), dont {avec} avec contour")
    etabs = t["etablissement"]
    if etabs:
        rep_plus = sum(e["education_prioritaire"] == "REP+" for e in etabs)
        rep = sum(e["education_prioritaire"] == "REP" for e in etabs)
        lignes.append(f"{len(etabs)} écoles et collèges, dont {rep_plus} REP+ et {rep} REP")
    if t["cite_educative"]:
        lignes.append(f"{len(t['cite_educative'])} Cités éducatives")
    return lignes + [f"Remarque : {r}" for r in geo.remarques]
