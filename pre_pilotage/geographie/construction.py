"""Build a territory's reference geography from the official files and write it, all or nothing.

`construire` reads every file and computes everything in memory (any problem raises
`ErreurGeographie` before the database is touched); `ecrire` replaces the territory's rows in one
transaction. The demo generator uses `Geographie`, `completer` and `lignes_tables` too, so that
the demo database carries the same simplified levels and derived facts as a real one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import shapely

from pre_pilotage.francais import accord, effectif
from pre_pilotage.geographie import cog, emprises, faits, geometrie, lecture
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
# A QPV without commune is attached by position to each commune holding this share of its area
# (besides the one under its representative point).
PART_COMMUNE_PAR_POSITION = 0.05

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
    "cites_qpv": "quartiers prioritaires de chaque Cité éducative (liste locale : cite, code_qp)",
}
OBLIGATOIRES = ("communes", "epci")


@dataclass
class Geographie:
    """Rows of the geography tables (geometry as WGS84 shapely objects), ready to be completed."""

    territoire: str
    tables: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in TABLES})
    sources: list[dict] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)
    nom_territoire: str = ""
    # Municipal arrondissement(s) of each QPV of Paris, Lyon, Marseille, when known (code or
    # position): a Cité named after an arrondissement (« Lyon 8e ») gets only their QPV.
    qpv_arrondissements: dict[str, list[str]] = field(default_factory=dict)
    arrondissements: dict = field(default_factory=dict)  # arrondissement code -> contour


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
    """SHA-256 of a file, or of a folder's files (a shapefile's folder), in name order."""
    h = hashlib.sha256()
    chemin = Path(chemin)
    fichiers = sorted(p for p in chemin.rglob("*") if p.is_file()) if chemin.is_dir() else [chemin]
    for fichier in fichiers:
        with open(fichier, "rb") as f:
            for bloc in iter(lambda f=f: f.read(1 << 20), b""):
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
    # One step per file, numbered in the order files are read (not the order of TYPES_FICHIERS:
    # the networks file is read before the annuaire, and several QPV files may be given).
    etapes = sum(len(fichiers.get(t) or []) for t in TYPES_FICHIERS)
    sources: list[dict] = []

    def lire(type_fichier: str, chemin: Path, lecteur, *args) -> lecture.Lecture:
        annonce(
            f"[{len(sources) + 1}/{etapes}] "
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
                "retenus": None,
                "systeme": resultat.systeme,
                "_ecartes": {k: list(v) for k, v in resultat.ecartes.items()},
            }
        )
        return resultat

    chemin_communes = _un(fichiers, "communes")
    lu = lire("communes", chemin_communes, lecture.lire_communes).elements
    toutes_communes, parents, referentiel = lu["communes"], lu["parents"], lu["cog"]
    source_communes = sources[-1]
    chemin_epci = _un(fichiers, "epci")
    tous_epci = lire("epci", chemin_epci, lecture.lire_epci).elements
    epci_de = {c: e.siren for e in tous_epci.values() for c in e.membres}

    if siren:
        siren = lecture.siren(siren)
        if siren not in tous_epci:
            raise erreur(chemin_epci, f"EPCI de SIREN « {siren} » introuvable")
        codes = [c for c in tous_epci[siren].membres if c in toutes_communes]
        territoire = f"EPCI {siren}"
        nom_territoire = f"{tous_epci[siren].nom} (EPCI, SIREN {siren}, {len(codes)} communes)"
    else:
        demandes = [parents.get(c, c) for c in (lecture.code_commune(c) for c in communes)]
        absentes = [c for c in demandes if c not in toutes_communes]
        if absentes:
            raise erreur(chemin_communes, f"communes introuvables : {', '.join(absentes)}")
        codes = list(dict.fromkeys(demandes))
        territoire = "communes " + ",".join(codes)
        nom_territoire = ", ".join(f"{toutes_communes[c].nom} ({c})" for c in codes)
    sources[-1]["retenus"] = 1 if siren else 0
    # The national list: the territory's communes are kept, the others are outside it (the
    # report said « 34 969 retenus » for a territory of 2 communes).
    source_communes["retenus"] = len(codes)
    _ecarter_hors_territoire(source_communes, len(toutes_communes) - len(codes))
    selection = set(codes)
    geo = Geographie(territoire=territoire, sources=sources, nom_territoire=nom_territoire)
    t = geo.tables
    sirens = sorted({epci_de[c] for c in codes if c in epci_de} | ({siren} if siren else set()))

    contours_communes: dict = {}
    if chemin := _un(fichiers, "contours_communes"):
        lu = lire("contours_communes", chemin, lecture.lire_contours, "commune")
        contours_communes = lu.elements
        geo.remarques += lu.remarques
        # Arrondissements of Paris, Lyon, Marseille, when the file draws them: used to place QPV.
        geo.arrondissements = {
            code: c.geom
            for code, c in contours_communes.items()
            if code in parents and parents[code] in selection and c.geom is not None
        }
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
    if contours_communes:
        sources[-1]["retenus"] = len(codes) - len(sans_contour)
        _ecarter_hors_territoire(sources[-1], len(contours_communes) - sources[-1]["retenus"])
        if sans_contour:
            sources[-1]["_ecartes"]["commune du territoire sans contour dans le fichier"] = (
                sans_contour
            )

    contours_epci: dict = {}
    if chemin := _un(fichiers, "contours_epci"):
        lu = lire("contours_epci", chemin, lecture.lire_contours, "epci")
        contours_epci = lu.elements
        geo.remarques += lu.remarques
        sources[-1]["retenus"] = sum(
            1 for s in sirens if s in contours_epci and contours_epci[s].geom is not None
        )
        _ecarter_hors_territoire(sources[-1], len(contours_epci) - sources[-1]["retenus"])
    for code_epci in sirens:
        epci = tous_epci[code_epci]
        forme = contours_epci[code_epci].geom if code_epci in contours_epci else None
        if forme is None and code_epci == siren and t["commune"] and not sans_contour:
            forme = geometrie.surfacique(shapely.union_all([c["geom"] for c in t["commune"]]))
            geo.remarques.append(f"contour de l'EPCI {code_epci} reconstitué avec ses communes")
        t["epci"].append(
            {"siren": code_epci, "nom": epci.nom, "population": epci.population, "geom": forme}
        )

    contexte = _Contexte(referentiel, selection, t["commune"], geo.arrondissements)
    quartiers: dict[str, lecture.Qpv] = {}
    ailleurs: set[str] = set()  # QPV codes the list places outside the territory
    for chemin in fichiers.get("qpv_liste") or []:
        lu = lire("qpv_liste", chemin, lecture.lire_qpv_liste)
        retenus = _rattacher(lu.elements, contexte, sources[-1], chemin, contours=False)
        if any(not q.nom for q in retenus):
            geo.remarques += lu.remarques  # quartiers of the territory without a name
        ailleurs |= {q.code for q in lu.elements} - {q.code for q in retenus}
        for q in retenus:
            connu = quartiers.setdefault(q.code, q)
            connu.communes += [c for c in q.communes if c not in connu.communes]
    for chemin in fichiers.get("qpv_contours") or []:
        lu = lire("qpv_contours", chemin, lecture.lire_qpv_contours)
        geo.remarques += lu.remarques
        retenus = _rattacher(
            lu.elements,
            contexte,
            sources[-1],
            chemin,
            contours=True,
            connus=quartiers,
            ailleurs=ailleurs - set(quartiers),
        )
        for q in retenus:
            connu = quartiers.get(q.code)
            if connu is None:
                quartiers[q.code] = q
                continue
            connu.geom = q.geom if q.geom is not None else connu.geom
            connu.nom = connu.nom or q.nom
            connu.population = connu.population or q.population
            connu.population_enfants = connu.population_enfants or q.population_enfants
            connu.communes += [c for c in q.communes if c not in connu.communes]
    if chemin := _un(fichiers, "qpv_population"):
        populations = lire("qpv_population", chemin, lecture.lire_population_qpv).elements
        trouves = 0
        for code, (population, enfants) in populations.items():
            if code in quartiers:
                trouves += 1
                quartiers[code].population = population
                quartiers[code].population_enfants = enfants
        sources[-1]["retenus"] = trouves
        _ecarter_hors_territoire(sources[-1], len(populations) - trouves)
    _quartiers_du_territoire(geo, quartiers, selection, referentiel)

    chemin_ecoles = _un(fichiers, "etablissements")
    reseaux: dict = {}
    doublons_reseaux: list[tuple[int, str]] = []
    if chemin_reseaux := _un(fichiers, "reseaux_ep"):
        lu = lire("reseaux_ep", chemin_reseaux, lecture.lire_reseaux_ep)
        reseaux, doublons_reseaux = lu.elements, lu.doublons
        source_reseaux = sources[-1]
    ecoles: dict[str, lecture.Etablissement] = {}
    if chemin_ecoles:
        lu = lire("etablissements", chemin_ecoles, lecture.lire_etablissements, selection, parents)
        geo.remarques += lu.remarques
        ecoles = {e.uai: e for e in lu.elements}
        sources[-1]["retenus"] = len(ecoles)
        _ecarter_hors_territoire(sources[-1], lu.nombre - len(ecoles))
    if reseaux:
        ajoutees = 0
        for uai, r in reseaux.items():
            e = r.etablissement
            if (
                uai in ecoles
                or e is None
                or parents.get(e.code_insee, e.code_insee) not in selection
            ):
                continue
            e.code_insee = parents.get(e.code_insee, e.code_insee)
            ecoles[uai] = e
            ajoutees += 1
        dans_territoire = sum(1 for u in reseaux if u in ecoles)
        source_reseaux["retenus"] = dans_territoire
        # Outside the territory first: a school elsewhere is counted there once, however many
        # rows it has; a repeated UAI is reported only for the territory's schools.
        _ecarter_hors_territoire(source_reseaux, len(reseaux) - dans_territoire)
        if doublons := [f"ligne {n} {u}" for n, u in doublons_reseaux if u in ecoles]:
            source_reseaux["_ecartes"]["UAI en double (dernière ligne gardée)"] = doublons
        if ajoutees and chemin_ecoles:
            geo.remarques.append(
                f"{effectif(ajoutees, 'école ou collège', 'écoles ou collèges')} de "
                f"l'éducation prioritaire {accord(ajoutees, 'absent', 'absents')} de l'annuaire "
                f"{accord(ajoutees, 'ajouté', 'ajoutés')} depuis le fichier des réseaux"
            )
        elif ajoutees:
            geo.remarques.append(
                f"sans annuaire de l'éducation, seules les {ajoutees} écoles et collèges de "
                "l'éducation prioritaire (fichier des réseaux) sont chargés"
            )
    for e in ecoles.values():
        r = reseaux.get(e.uai)
        ep, tete = (r.education_prioritaire, r.uai_tete_reseau) if r else (None, None)
        t["etablissement"].append(
            {
                "uai": e.uai,
                "nom": e.nom,
                "type_etablissement": e.type_etablissement,
                "code_insee": e.code_insee,
                "longitude": None if e.longitude is None else round(e.longitude, 6),
                "latitude": None if e.latitude is None else round(e.latitude, 6),
                "education_prioritaire": e.education_prioritaire or ep,
                "uai_tete_reseau": tete or e.uai_tete_reseau,
            }
        )
    t["etablissement"].sort(key=lambda e: e["uai"])

    _cites(geo, fichiers, lire, selection, referentiel, quartiers)
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


def _ecarter_hors_territoire(source: dict, nombre: int) -> None:
    if nombre > 0:
        source["_ecartes"]["hors du territoire"] = nombre


class _Contexte:
    """What attaching a QPV to the territory needs: the COG, the territory and its shapes."""

    def __init__(self, referentiel, selection: set, communes: list[dict], arrondissements: dict):
        self.cog = referentiel
        self.selection = selection
        formes = {c["code_insee"]: c["geom"] for c in communes if c["geom"] is not None}
        self.codes_formes = list(formes)
        self.arbre = shapely.STRtree(list(formes.values())) if formes else None
        self.arrondissements = arrondissements
        if formes and len(formes) == len(communes):
            # About 1 km of margin (QPV and commune contours come from different sources).
            self.emprise = shapely.union_all(list(formes.values())).buffer(0.01)
        else:
            boites = [
                shapely.box(*emprises.DEPARTEMENTS[d]).buffer(emprises.MARGE)
                for d in {emprises.departement(c) for c in selection}
                if d in emprises.DEPARTEMENTS
            ]
            self.emprise = shapely.union_all(boites) if boites else None

    def par_position(self, geom) -> list[str]:
        """Communes under a contour: the one of its representative point, and every other one
        it covers noticeably (a QPV may span several communes, or the territory's border)."""
        if self.arbre is None or geom is None:
            return []
        point = geom.representative_point()
        codes = [self.codes_formes[i] for i in self.arbre.query(point, predicate="intersects")]
        aire = geom.area
        for i in self.arbre.query(geom, predicate="intersects"):
            code = self.codes_formes[i]
            if code in codes or aire <= 0:
                continue
            # More than 5 % of the contour: not a sliver between two sources' borders.
            if geom.intersection(self.arbre.geometries[i]).area > PART_COMMUNE_PAR_POSITION * aire:
                codes.append(code)
        return sorted(codes)

    def arrondissements_de(self, geom) -> list[str]:
        if geom is None or not self.arrondissements:
            return []
        point = geom.representative_point()
        return sorted(
            code for code, forme in self.arrondissements.items() if forme.intersects(point)
        )


def _rattacher(
    quartiers: list,
    ctx: _Contexte,
    source: dict,
    chemin: Path,
    contours: bool,
    connus: dict | None = None,
    ailleurs: set | None = None,
) -> list:
    """The QPV of a file that belong to the territory (by commune code, commune name resolved
    against the COG, the communes a previous file gave for the same QPV code (`connus`), or
    position), with what was set aside and why in `source`. `ailleurs`: QPV codes a previous
    file placed outside the territory."""
    ecartes = source["_ecartes"]
    connus, ailleurs = connus or {}, ailleurs or set()
    departements = {emprises.departement(c) for c in ctx.selection}
    retenus, mal_places, hors = [], [], 0
    for q in quartiers:
        departement = emprises.departement_qpv(q.code)
        codes, problemes = [], []
        for c in q.communes:
            actuel = ctx.cog.actuel(c)
            if actuel is None:
                problemes.append(f"code commune inconnu « {c} »")
            elif actuel not in codes:
                codes.append(actuel)
        if q.noms_communes:
            trouves, pourquoi = ctx.cog.resoudre(q.noms_communes, departement)
            codes += [c for c in trouves if c not in codes]
            problemes += pourquoi
        if not codes and not problemes and q.code in connus:
            # No commune in this file: those of the list of QPV by commune, by the QPV code.
            codes = list(connus[q.code].communes)
        par_position = False
        if not codes and q.geom is not None:
            codes = ctx.par_position(q.geom)
            par_position = bool(codes)
        dedans = [c for c in dict.fromkeys(ctx.cog.commune(c) for c in codes) if c in ctx.selection]
        if not dedans:
            if problemes and not codes:
                ecartes.setdefault("commune inconnue", []).append(
                    f"{q.code} ({q.ou}) : {'; '.join(problemes)}"
                )
            elif (
                not codes
                and not problemes
                and departement in departements
                and q.code not in ailleurs
                # Drawn with the communes' contours given: it lies in none of the territory's.
                and not (q.geom is not None and ctx.arbre is not None)
            ):
                # Perhaps in the territory: nothing tells its commune. Said, not counted as
                # outside the territory.
                ecartes.setdefault(
                    "sans commune (ni code ni nom) : donnez aussi les contours des communes "
                    "(contours_communes) ou la liste des quartiers par commune (qpv_liste)",
                    [],
                ).append(f"{q.code} ({q.ou})")
            else:
                hors += 1
            continue
        if problemes:
            ecartes.setdefault(
                "commune incertaine ou en partie inconnue (quartier gardé)", []
            ).append(f"{q.code} ({q.ou}) : {'; '.join(problemes)}")
        q.arrondissements = [c for c in codes if c in ctx.cog.parents] or (
            ctx.arrondissements_de(q.geom)
            if any(c in cog.VILLES_A_ARRONDISSEMENTS.values() for c in dedans)
            else []
        )
        q.communes = dedans
        if contours and q.geom is not None and not par_position and ctx.emprise is not None:
            if not ctx.emprise.intersects(q.geom):
                mal_places.append(q)
        if contours and q.irreparable:
            ecartes.setdefault("contour irréparable (quartier gardé sans contour)", []).append(
                f"{q.code} ({q.ou})"
            )
        if contours and q.sans_geometrie:
            ecartes.setdefault("sans géométrie (quartier gardé sans contour)", []).append(
                f"{q.code} ({q.ou})"
            )
        if par_position:
            ecartes.setdefault("sans commune, rattaché par sa position (gardé)", []).append(
                f"{q.code} ({q.ou})"
            )
        retenus.append(q)
    if mal_places:
        avec_contour = sum(q.geom is not None for q in retenus)
        liste = ", ".join(q.code for q in mal_places[:5]) + ("…" if len(mal_places) > 5 else "")
        if 2 * len(mal_places) > avec_contour:
            raise erreur(
                chemin,
                f"{len(mal_places)} des {avec_contour} quartiers du territoire ({liste}) sont "
                "dessinés hors du territoire : le système de coordonnées du fichier est sans "
                "doute mal déclaré ou mal deviné. Fichier refusé ; déclarez son système de "
                "coordonnées (.prj, membre « crs ») ou donnez-le en WGS84",
            )
        for q in mal_places:
            q.geom = None
        ecartes["contour hors du territoire (quartier gardé sans contour)"] = [
            f"{q.code} ({q.ou})" for q in mal_places
        ]
    _ecarter_hors_territoire(source, hors)
    source["retenus"] = len(retenus)
    if contours:
        # Repairs are counted where they matter: among the territory's contours.
        source["geometries_reparees"] = sum(q.reparee and q.geom is not None for q in retenus)
    return retenus


def _quartiers_du_territoire(geo: Geographie, quartiers: dict, selection: set, referentiel):
    """Rows of the territory's QPV (their communes already resolved by `_rattacher`)."""
    t = geo.tables
    for code in sorted(quartiers):
        q = quartiers[code]
        dedans = [c for c in dict.fromkeys(q.communes) if c in selection]
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
        if getattr(q, "arrondissements", None):
            geo.qpv_arrondissements[q.code] = list(q.arrondissements)
    for annee in sorted({q["annee_geographie"] for q in t["qpv"]}):
        du_millesime = [q for q in t["qpv"] if q["annee_geographie"] == annee]
        sans = [q["code_qp"] for q in du_millesime if q["geom"] is None]
        if sans:
            geo.remarques.append(
                f"{len(sans)} QPV de la géographie {annee} sur {len(du_millesime)} sans contour "
                f"({', '.join(sans[:10])}{'…' if len(sans) > 10 else ''} : listés sans "
                "polygone ; les positions des écoles ne sont pas calculées pour eux)"
            )


def _cites(geo: Geographie, fichiers, lire, selection: set, referentiel, quartiers: dict) -> None:
    """Cités éducatives of the territory, with the QPV declared for them when a file gives them."""
    t = geo.tables
    codes_qpv = {q["code_qp"] for q in t["qpv"]}
    communes_qpv: dict[str, list[str]] = {}
    for lien in t["qpv_commune"]:
        communes_qpv.setdefault(lien["code_qp"], []).append(lien["code_insee"])
    retenues: dict[str, dict] = {}
    if chemin := _un(fichiers, "cites"):
        lu = lire("cites", chemin, lecture.lire_cites)
        hors = 0
        for cite in lu.elements:
            communes_cite = [referentiel.commune(referentiel.actuel(c) or c) for c in cite.communes]
            dedans = [c for c in dict.fromkeys(communes_cite) if c in selection]
            if not dedans:
                hors += 1
                continue
            retenues[cite.cite_id] = {
                "ligne": {
                    "cite_id": cite.cite_id,
                    "nom": cite.nom,
                    "uai_chef_de_file": cite.uai_chef_de_file,
                    "annee_labellisation": cite.annee_labellisation,
                },
                "communes": dedans,
                "qpv": [q for q in cite.qpv if q in codes_qpv],
            }
        geo.sources[-1]["retenus"] = len(retenues)
        _ecarter_hors_territoire(geo.sources[-1], hors)
    if chemin := _un(fichiers, "cites_qpv"):
        lu = lire("cites_qpv", chemin, lecture.lire_cites_qpv)
        source = geo.sources[-1]
        par_nom = {cog.cle(r["ligne"]["nom"]): i for i, r in retenues.items()}
        hors = 0
        for designation, qpv in lu.elements["qpv"].items():
            ident = designation if designation in retenues else par_nom.get(cog.cle(designation))
            dans = [q for q in qpv if q in codes_qpv]
            if not dans:
                hors += 1
                continue
            if ident is None:
                # A Cité missing from the ANCT list (labelled since): known by its QPV only.
                ident = designation
                retenues[ident] = {
                    "ligne": {
                        "cite_id": ident,
                        "nom": lu.elements["noms"].get(designation, designation),
                        "uai_chef_de_file": None,
                        "annee_labellisation": None,
                    },
                    "communes": [],
                    "qpv": [],
                }
            cite = retenues[ident]
            cite["qpv"] += [q for q in dans if q not in cite["qpv"]]
            cite["communes"] += [
                c for q in dans for c in communes_qpv.get(q, []) if c not in cite["communes"]
            ]
            if len(dans) < len(qpv):
                source["_ecartes"].setdefault("QPV hors du territoire ou inconnu", []).extend(
                    f"{designation} : {q}" for q in qpv if q not in codes_qpv
                )
        source["retenus"] = sum(len(qpv) for qpv in lu.elements["qpv"].values()) - sum(
            len(v) for v in source["_ecartes"].values() if isinstance(v, list)
        )
        _ecarter_hors_territoire(source, hors)
    for ident in sorted(retenues):
        cite = retenues[ident]
        t["cite_educative"].append(dict(cite["ligne"]))
        t["cite_educative_commune"] += [
            {"cite_id": ident, "code_insee": c} for c in cite["communes"]
        ]
        t["cite_educative_qpv"] += [
            {"cite_id": ident, "code_qp": q, "origine": "declare"} for q in cite["qpv"]
        ]


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


class RemplacementAConfirmer(ErreurGeographie):
    """Writing the geography would remove quartiers, schools or Cités already in the base."""


def _disparitions(con, communes: list[str], qpv: list[str], uai: list[str], cites: list[str]):
    """What a new build of these communes would remove from the base: (label, codes) pairs."""
    anciens = {
        "quartiers prioritaires": con.execute(
            "select distinct code_qp from qpv_commune where list_contains($c, code_insee)",
            {"c": communes},
        ).fetchall(),
        "écoles et collèges": con.execute(
            "select uai from etablissement where list_contains($c, code_insee)", {"c": communes}
        ).fetchall(),
        "Cités éducatives": con.execute(
            "select distinct cite_id from cite_educative_commune where list_contains($c, code_insee)",
            {"c": communes},
        ).fetchall(),
    }
    nouveaux = {
        "quartiers prioritaires": set(qpv),
        "écoles et collèges": set(uai),
        "Cités éducatives": set(cites),
    }
    resultat = []
    for libelle, lignes in anciens.items():
        partis = sorted({code for (code,) in lignes} - nouveaux[libelle])
        if partis:
            resultat.append((libelle, partis))
    return resultat


def ecrire(con: duckdb.DuckDBPyConnection, geo: Geographie, remplacer: bool = True) -> None:
    """Replace the territory's geography in one transaction: all or nothing.

    `remplacer=False`: when the new build would remove quartiers, schools or Cités already in
    the base (a file not given again, a file of another year), nothing is written and
    `RemplacementAConfirmer` says what would disappear."""
    lignes = lignes_tables(geo)
    communes = [c["code_insee"] for c in lignes["commune"]]
    epci = [e["siren"] for e in lignes["epci"]]
    qpv = [q["code_qp"] for q in lignes["qpv"]]
    uai = [e["uai"] for e in lignes["etablissement"]]
    cites = [c["cite_id"] for c in lignes["cite_educative"]]
    if not remplacer and (partis := _disparitions(con, communes, qpv, uai, cites)):
        enfants = con.execute(
            "select count(*) from beneficiaire where list_contains($q, code_qp)",
            {
                "q": next(
                    (codes for libelle, codes in partis if libelle.startswith("quartiers")), []
                )
            },
        ).fetchall()[0][0]
        singuliers = {
            "quartiers prioritaires": "quartier prioritaire",
            "écoles et collèges": "école ou collège",
            "Cités éducatives": "Cité éducative",
        }
        details = " ; ".join(
            f"{effectif(len(codes), singuliers[libelle], libelle)} "
            f"({', '.join(codes[:5])}{', …' if len(codes) > 5 else ''})"
            for libelle, codes in partis
        )
        raise RemplacementAConfirmer(
            f"Ces fichiers retireraient de la base ce qui s'y trouve déjà : {details}"
            + (" ; des enfants accompagnés habitent ces quartiers" if enfants else "")
            + ". Donnez aussi les fichiers qui les décrivent (contours ou liste des quartiers, "
            "annuaire de l'éducation ou réseaux d'éducation prioritaire, liste des Cités "
            "éducatives), ou relancez avec --remplacer pour confirmer."
        )
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
            [
                {k: v for k, v in s.items() if not k.startswith("_")}
                | {
                    "territoire": geo.territoire,
                    "construit_le": horodatage,
                    "ecartes": "\n".join(_lignes_ecartes(s)) or None,
                }
                for s in geo.sources
            ],
        )
        from pre_pilotage import protection

        # fetchall, not fetchone: DuckDB refuses other work on a connection whose last result
        # was not read to its end, and the protection runs its queries on this connection.
        if con.execute("select count(*) from programme").fetchall()[0][0]:
            protection.proteger(con)  # the programmes' views change with their geography
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _n(nombre: int) -> str:
    return f"{nombre:,}".replace(",", "\u202f")


# Reasons for features kept all the same (« quartier gardé », « (gardé) »; not « gardée »).
_GARDE = re.compile(r"\bgardé\b")


def _lignes_ecartes(source: dict) -> list[str]:
    """One French line per reason a file's features were set aside, with their identifiers."""
    lignes = []
    for raison, quoi in (source.get("_ecartes") or {}).items():
        if isinstance(quoi, int):
            lignes.append(f"{_n(quoi)} {raison}")
        elif quoi:
            lignes.append(f"{_n(len(quoi))} {raison} : {' ; '.join(quoi)}")
    return lignes


def _accorde(nombre: int, singulier: str) -> str:
    """« 1 géométrie réparée », « 2 géométries réparées » (0 and 1 are singular in French)."""
    mots = singulier if nombre < 2 else " ".join(m + "s" for m in singulier.split())
    return f"{_n(nombre)} {mots}"


def resume(geo: Geographie) -> list[str]:
    """French summary of what was built: the territory, each file (features read, kept, repaired,
    set aside and why), the resulting rows, and remarks."""
    t = geo.tables
    lignes = [f"Territoire : {geo.nom_territoire or geo.territoire}", "Fichiers lus :"]
    for s in geo.sources:
        details = [_accorde(s["elements"], "lu")]
        if s.get("retenus") is not None:
            details.append(_accorde(s["retenus"], "retenu"))
        if s.get("geometries_reparees"):
            details.append(_accorde(s["geometries_reparees"], "géométrie réparée"))
        systeme = f" ; coordonnées : {s['systeme']}" if s.get("systeme") else ""
        lignes.append(
            f"- {s['fichier']} ({TYPES_FICHIERS[s['type_fichier']]}) : "
            f"{', '.join(details)}{systeme}"
        )
        # Features kept with a doubt or without contour are not « écartés »: said as such.
        lignes += [
            f"    {'à vérifier' if _GARDE.search(ligne.split(' : ')[0]) else 'écartés'} : {ligne}"
            for ligne in _lignes_ecartes(s)
        ]
    lignes.append(
        f"{effectif(len(t['commune']), 'commune')}, dont "
        f"{sum(c['geom'] is not None for c in t['commune'])} avec contour"
    )
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
        lignes.append(_accorde(len(t["cite_educative"]), "Cité éducative"))
        for perimetre, texte in (
            ("qpv_deduits", "QPV déduits de leurs communes (à confirmer)"),
            ("communes", "aucun QPV connu (périmètre : leurs communes)"),
        ):
            cites = [c for c in t["cite_educative"] if c.get("perimetre") == perimetre]
            if cites:
                noms = ", ".join(f"{c['nom']} ({c['cite_id']})" for c in cites)
                lignes.append(
                    f"  {effectif(len(cites), 'Cité', 'Cités')} avec {texte} : {noms} ; importez la liste de "
                    "leurs QPV (--fichier cites_qpv=…) pour fixer leur périmètre"
                )
    return lignes + [f"Remarque : {r}" for r in geo.remarques]
