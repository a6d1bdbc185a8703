"""Readers of the official geography files, as published (see docs/geographie.md).

Each reader returns plain records with WGS84 shapely geometry, or raises `ErreurGeographie` with
a French message naming the file and the problem. Property names are matched after
normalisation (lower case, no accents, `_` for any other character), against the lists of
recognised names below, so that files of the same official lineage with renamed properties,
Polygon or MultiPolygon geometry, numbers stored as text, or Lambert-93 coordinates all load.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from pre_pilotage.geographie import geometrie

# Recognised property / column names, after normalisation (first match wins).
NOMS = {
    "commune_code": (
        "code",
        "insee_com",
        "code_insee",
        "insee",
        "codgeo",
        "code_commune",
        "code_com",
        "insee_commune",
        "depcom",
        "com",
    ),
    "commune_nom": ("nom", "nom_com", "lib_com", "libgeo", "nom_commune", "libelle"),
    "epci_code": ("siren_epci", "code_siren", "siren", "code_epci", "epci", "code"),
    "epci_nom": ("lib_epci", "nom_epci", "nom", "raison_sociale", "libelle"),
    "qpv_code": ("code_qp", "code_qpv", "code_quartier", "cod_qp", "codeqp", "qp", "code"),
    "qpv_nom": (
        "lib_qp",
        "nom_qp",
        "nom_qpv",
        "lib_qpv",
        "libelle_qp",
        "nom_quartier",
        "libelle",
        "nom",
    ),
    "qpv_communes": (
        "insee_com",
        "code_insee",
        "code_commune",
        "code_com",
        "insee_commune",
        "depcom",
        "codgeo",
        "com",
    ),
    "qpv_noms_communes": ("lib_com", "nom_commune", "nom_com", "commune_qp", "libgeo", "commune"),
    "population": (
        "population",
        "pop",
        "pop_mun",
        "pop_muni",
        "pop_totale",
        "population_municipale",
        "p20_pop",
        "p21_pop",
        "pop_2020",
    ),
    "population_enfants": (
        "population_enfants",
        "pop_enfants",
        "pop_0_14",
        "pop0014",
        "p20_pop0014",
        "p21_pop0014",
        "population_0_14",
        "pop_moins_15",
    ),
    "uai": (
        "identifiant_de_l_etablissement",
        "uai",
        "numero_uai",
        "code_uai",
        "uai_etablissement",
    ),
    "tete_reseau": (
        "uai_tete_de_reseau",
        "tete_de_reseau",
        "uai_tete_reseau",
        "uai_college_tete_de_reseau",
        "uai_tete",
    ),
    "education_prioritaire": (
        "appartenance_education_prioritaire",
        "education_prioritaire",
        "reseau",
        "type_reseau",
        "ep",
    ),
    "cite_id": ("id_cite", "id_territoire", "code_cite", "cite_id", "identifiant"),
    "cite_nom": ("lib_cite", "lib_territoire", "nom_cite", "nom"),
    "cite_communes": ("insee_com", "code_insee", "code_commune", "depcom", "liste_geo"),
    "cite_qpv": ("code_qp", "codes_qp", "code_qpv", "qpv", "liste_qp"),
    "cite_chef_de_file": (
        "uai_chef_de_file",
        "college_chef_de_file",
        "uai_college_chef_de_file",
        "chef_de_file_uai",
        "uai_college",
    ),
    "cite_annee": ("annee_labellisation", "annee_label", "annee", "millesime"),
}
# Columns the "annuaire de l'éducation" must have (normalised names).
COLONNES_ANNUAIRE = (
    "identifiant_de_l_etablissement",
    "nom_etablissement",
    "type_etablissement",
    "code_commune",
    "appartenance_education_prioritaire",
    "latitude",
    "longitude",
)
_CODE_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_CODE_QPV = {
    2024: re.compile(r"^QN[0-9]{2}[0-9AB][0-9]{2}[A-Z]$"),
    2015: re.compile(r"^QP[0-9]{2}[0-9AB][0-9]{3}$"),
}
_UAI = re.compile(r"^\d{7}[A-Z]$")
_COMMUNE_ENTRE_PARENTHESES = re.compile(r"\((\d{5}|2[AB]\d{3})\)")


class ErreurGeographie(Exception):
    """A geography file cannot be used; the message (French) names the file and the problem."""


def erreur(chemin: Path, probleme: str) -> ErreurGeographie:
    return ErreurGeographie(f"{Path(chemin).name} : {probleme}")


def normaliser(nom: object) -> str:
    texte = unicodedata.normalize("NFKD", str(nom)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", texte).strip("_")


def proprietes_normalisees(proprietes: dict | None) -> dict[str, object]:
    return {normaliser(k): v for k, v in (proprietes or {}).items()}


def valeur(proprietes: dict[str, object], cle: str):
    """First non-empty value among the recognised names of `cle`."""
    for nom in NOMS[cle]:
        v = proprietes.get(nom)
        if v is not None and str(v).strip() != "":
            return v
    return None


def colonne_presente(entetes: Iterable[str], cle: str) -> str | None:
    entetes = list(entetes)
    return next((nom for nom in NOMS[cle] if nom in entetes), None)


def texte(v) -> str | None:
    if v is None:
        return None
    s = " ".join(str(v).split())
    return s or None


def entier(v) -> int | None:
    """An integer from a number or a text (`1177`, `"1 177"`, `"1177.0"`); None when empty."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return round(v)
    s = re.sub(r"[\s\u00a0\u202f]", "", str(v)).replace(",", ".")
    if not s:
        return None
    return round(float(s))


def code_commune(v) -> str | None:
    """INSEE commune code as text: numbers and 4-digit texts are zero-padded (`1053` -> `01053`)."""
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{int(v):05d}"
    s = str(v).strip().upper()
    if re.fullmatch(r"\d+\.0", s):
        s = s[:-2]
    if re.fullmatch(r"\d{4}", s):
        s = "0" + s
    return s or None


def codes_communes(v) -> list[str]:
    """One or several commune codes (`"13055, 13070"`, a list, or `"Nom (59606); ..."`)."""
    if v is None:
        return []
    if isinstance(v, list):
        return [c for x in v for c in codes_communes(x)]
    if isinstance(v, (int, float)):
        return [code_commune(v)]
    s = str(v)
    if "(" in s:
        return _COMMUNE_ENTRE_PARENTHESES.findall(s)
    return [code_commune(x) for x in re.split(r"[,;|/]", s) if x.strip()]


def siren(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{int(v):09d}"
    s = re.sub(r"\s", "", str(v))
    if re.fullmatch(r"\d+\.0", s):
        s = s[:-2]
    return s or None


def annee_qpv(code: str) -> int | None:
    """Geography of a QPV code: 2024 (`QN…`) or 2015 (`QP…`); None when the code is malformed."""
    return next((annee for annee, motif in _CODE_QPV.items() if motif.match(code)), None)


# --------------------------------------------------------------------------------- raw files


def _octets(chemin: Path) -> bytes:
    chemin = Path(chemin)
    if not chemin.exists():
        raise erreur(chemin, f"fichier introuvable ({chemin})")
    donnees = chemin.read_bytes()
    if chemin.suffix == ".gz":
        try:
            donnees = gzip.decompress(donnees)
        except (OSError, EOFError) as exc:
            raise erreur(chemin, f"archive gzip illisible ou tronquée ({exc})") from exc
    if not donnees.strip():
        raise erreur(chemin, "le fichier est vide")
    return donnees


def _texte_utf8(chemin: Path, donnees: bytes) -> str:
    try:
        return donnees.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets often save CSV files in Windows-1252; official files are UTF-8.
        try:
            return donnees.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise erreur(chemin, "encodage illisible (ni UTF-8 ni Windows-1252)") from exc


def lire_json(chemin: Path):
    donnees = _octets(chemin)
    texte_json = _texte_utf8(chemin, donnees)
    try:
        return json.loads(texte_json)
    except json.JSONDecodeError as exc:
        fin = exc.pos >= len(texte_json.rstrip()) - 1
        nature = "tronqué (il s'arrête avant la fin)" if fin else "mal formé"
        raise erreur(
            chemin,
            f"fichier JSON {nature} : ligne {exc.lineno}, colonne {exc.colno} ({exc.msg})",
        ) from exc


def lire_csv(chemin: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a CSV (`;`, `,` or tab separated, BOM or not) keyed by normalised column names."""
    donnees = _octets(chemin)
    contenu = _texte_utf8(chemin, donnees)
    premiere = contenu.splitlines()[0]
    separateur = max((";", ",", "\t"), key=premiere.count)
    lecteur = csv.reader(io.StringIO(contenu, newline=""), delimiter=separateur)
    try:
        entetes_bruts = next(lecteur)
        entetes = [normaliser(e) for e in entetes_bruts]
        lignes = []
        for ligne in lecteur:
            if not ligne or all(not champ.strip() for champ in ligne):
                continue
            if len(ligne) != len(entetes):
                raise erreur(
                    chemin,
                    f"ligne {lecteur.line_num} : {len(ligne)} colonnes au lieu de {len(entetes)} "
                    "(fichier tronqué ou séparateur inattendu)",
                )
            lignes.append(dict(zip(entetes, ligne, strict=True)))
    except csv.Error as exc:
        raise erreur(
            chemin, f"CSV illisible vers la ligne {lecteur.line_num} ({exc}) : fichier tronqué ?"
        ) from exc
    if not lignes:
        raise erreur(chemin, "aucune ligne de données après l'en-tête")
    return entetes, lignes


@dataclass
class Objet:
    """One GeoJSON feature: normalised properties and a valid WGS84 geometry (or None)."""

    numero: int
    proprietes: dict[str, object]
    geom: object | None
    reparee: bool = False
    irreparable: bool = False


def lire_geojson(chemin: Path, surfaces: bool = True) -> list[Objet]:
    """Features of a GeoJSON file, reprojected to WGS84; polygons validated and repaired."""
    donnees = lire_json(chemin)
    if not isinstance(donnees, dict) or donnees.get("type") != "FeatureCollection":
        raise erreur(chemin, "ce n'est pas une collection GeoJSON (« FeatureCollection » attendue)")
    objets = donnees.get("features")
    if not isinstance(objets, list):
        raise erreur(chemin, "la liste « features » est absente")
    try:
        crs = geometrie.crs_geojson(donnees)
        if crs is None:
            exemple = next(
                (p for o in objets if (p := geometrie.premier_point(o.get("geometry")))), None
            )
            crs = geometrie.deviner_crs(exemple)
    except (geometrie.CrsInconnu, AttributeError) as exc:
        raise erreur(chemin, str(exc)) from exc
    transformation = geometrie.vers_wgs84(crs)
    resultat = []
    for numero, brut in enumerate(objets, start=1):
        if not isinstance(brut, dict) or brut.get("type") != "Feature":
            raise erreur(chemin, f"objet n° {numero} : ce n'est pas un « Feature » GeoJSON")
        proprietes = brut.get("properties")
        if proprietes is not None and not isinstance(proprietes, dict):
            raise erreur(chemin, f"objet n° {numero} : « properties » n'est pas un objet")
        geom = None
        if brut.get("geometry"):
            try:
                geom = shape(brut["geometry"])
            except Exception as exc:  # shapely raises several types on malformed coordinates
                raise erreur(
                    chemin, f"objet n° {numero} : géométrie illisible ({type(exc).__name__}: {exc})"
                ) from exc
            geom = geometrie.transformer(None if geom.is_empty else geom, transformation)
        objet = Objet(numero, proprietes_normalisees(proprietes), geom)
        if surfaces and geom is not None:
            objet.geom, objet.reparee = geometrie.reparer(geom)
            objet.irreparable = objet.geom is None
        resultat.append(objet)
    return resultat


# ------------------------------------------------------------------------------ records


@dataclass
class Commune:
    code: str
    nom: str
    population: int | None = None
    departement: str | None = None
    anciens_codes: list[str] = field(default_factory=list)


@dataclass
class Epci:
    siren: str
    nom: str
    population: int | None
    membres: list[str]


@dataclass
class Contour:
    code: str
    nom: str | None
    geom: object | None
    reparee: bool = False


@dataclass
class Qpv:
    code: str
    nom: str | None
    annee: int
    communes: list[str] = field(default_factory=list)
    geom: object | None = None
    population: int | None = None
    population_enfants: int | None = None
    reparee: bool = False


@dataclass
class Etablissement:
    uai: str
    nom: str
    type_etablissement: str
    code_insee: str
    longitude: float | None
    latitude: float | None
    education_prioritaire: str | None
    uai_tete_reseau: str | None = None


@dataclass
class Cite:
    cite_id: str
    nom: str
    communes: list[str] = field(default_factory=list)
    qpv: list[str] = field(default_factory=list)
    uai_chef_de_file: str | None = None
    annee_labellisation: int | None = None


@dataclass
class Lecture:
    """What a reader found, with what the build report should say about it."""

    elements: object
    nombre: int
    reparees: int = 0
    remarques: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- communes and EPCI


def lire_communes(chemin: Path) -> Lecture:
    """Communes of the `@etalab/decoupage-administratif` `communes.json` (COG, populations).

    Returns the current communes by code; municipal arrondissements (Paris, Lyon, Marseille) are
    mapped to their commune in `elements["parents"]`.
    """
    donnees = lire_json(chemin)
    if not isinstance(donnees, list) or not all(
        isinstance(c, dict) and "code" in c and "nom" in c for c in donnees[:50]
    ):
        raise erreur(
            chemin,
            "forme inattendue : une liste de communes (« code », « nom »…) comme dans "
            "@etalab/decoupage-administratif est attendue",
        )
    communes: dict[str, Commune] = {}
    parents: dict[str, str] = {}
    for numero, c in enumerate(donnees, start=1):
        try:
            code = code_commune(c["code"])
            genre = c.get("type", "commune-actuelle")
            if genre == "arrondissement-municipal" and c.get("commune"):
                parents[code] = code_commune(c["commune"])
            if genre != "commune-actuelle":
                continue
            communes[code] = Commune(
                code=code,
                nom=texte(c["nom"]),
                population=entier(c.get("population")),
                departement=texte(c.get("departement")),
                anciens_codes=[code_commune(a) for a in c.get("anciensCodes") or []],
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise erreur(chemin, f"commune n° {numero} illisible ({exc})") from exc
    if not communes:
        raise erreur(chemin, "aucune commune actuelle dans le fichier")
    return Lecture({"communes": communes, "parents": parents}, len(communes))


def lire_epci(chemin: Path) -> Lecture:
    """EPCI with their member communes (`epci.json` of @etalab/decoupage-administratif)."""
    donnees = lire_json(chemin)
    if not isinstance(donnees, list) or not all(
        isinstance(e, dict) and "code" in e and "membres" in e for e in donnees[:50]
    ):
        raise erreur(
            chemin,
            "forme inattendue : une liste d'EPCI (« code », « nom », « membres ») comme dans "
            "@etalab/decoupage-administratif est attendue",
        )
    epci = {}
    for numero, e in enumerate(donnees, start=1):
        try:
            code = siren(e["code"])
            epci[code] = Epci(
                siren=code,
                nom=texte(e.get("nom")) or code,
                population=entier(e.get("populationMunicipale", e.get("populationTotale"))),
                membres=[code_commune(m["code"]) for m in e["membres"]],
            )
        except (TypeError, ValueError, KeyError) as exc:
            raise erreur(chemin, f"EPCI n° {numero} illisible ({exc})") from exc
    return Lecture(epci, len(epci))


def lire_contours(chemin: Path, sorte: str) -> Lecture:
    """Commune (`sorte="commune"`) or EPCI (`"epci"`) contours by code; pieces of one code merged."""
    objets = lire_geojson(chemin)
    contours: dict[str, Contour] = {}
    morceaux: dict[str, list] = {}
    reparees = sans_code = 0
    remarques = []
    for objet in objets:
        brut = valeur(objet.proprietes, f"{sorte}_code")
        code = code_commune(brut) if sorte == "commune" else siren(brut)
        if not code:
            # Real files have a few such features (islands outside any EPCI, for instance).
            sans_code += 1
            continue
        if sorte == "commune" and not _CODE_COMMUNE.match(code):
            raise erreur(
                chemin,
                f"objet n° {objet.numero} : code commune invalide « {code} » "
                "(ce fichier contient-il bien des communes ?)",
            )
        if sorte == "epci" and not re.fullmatch(r"\d{9}", code):
            raise erreur(chemin, f"objet n° {objet.numero} : SIREN d'EPCI invalide « {code} »")
        reparees += objet.reparee
        if objet.irreparable:
            remarques.append(f"contour de {code} invalide et irréparable : ignoré")
        contours.setdefault(
            code, Contour(code, texte(valeur(objet.proprietes, f"{sorte}_nom")), None)
        )
        contours[code].reparee |= objet.reparee
        if objet.geom is not None:
            morceaux.setdefault(code, []).append(objet.geom)
    if not contours:
        raise erreur(
            chemin, f"aucun objet n'a de code ({', '.join(NOMS[f'{sorte}_code'])} attendu)"
        )
    if sans_code:
        remarques.append(f"{Path(chemin).name} : {sans_code} objet(s) sans code ignoré(s)")
    for code, geoms in morceaux.items():
        # ANCT cuts an EPCI spanning several départements into one feature per département.
        union = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        contours[code].geom = geometrie.surfacique(union)
    return Lecture(contours, len(contours), reparees, remarques)


# --------------------------------------------------------------------------------- QPV


def _code_qpv(chemin: Path, brut, ou: str) -> tuple[str, int]:
    code = (texte(brut) or "").upper().replace(" ", "")
    annee = annee_qpv(code)
    if annee is None:
        raise erreur(
            chemin,
            f"{ou} : code de quartier prioritaire invalide « {code} » "
            "(attendu QN + 3 + 2 chiffres + lettre en 2024, QP + 6 caractères en 2015)",
        )
    return code, annee


def _populations(chemin: Path, proprietes: dict, ou: str) -> tuple[int | None, int | None]:
    try:
        return (
            entier(valeur(proprietes, "population")),
            entier(valeur(proprietes, "population_enfants")),
        )
    except ValueError as exc:
        raise erreur(chemin, f"{ou} : population illisible ({exc})") from exc


def lire_qpv_contours(chemin: Path) -> Lecture:
    """QPV contours (ANCT GeoJSON, 2024 `QN…` or 2015 `QP…` geography)."""
    objets = lire_geojson(chemin)
    quartiers: dict[str, Qpv] = {}
    reparees = 0
    remarques = []
    for objet in objets:
        ou = f"objet n° {objet.numero}"
        brut = valeur(objet.proprietes, "qpv_code")
        if brut is None:
            raise erreur(chemin, f"{ou} : pas de code de quartier ({', '.join(NOMS['qpv_code'])})")
        code, annee = _code_qpv(chemin, brut, ou)
        population, enfants = _populations(chemin, objet.proprietes, ou)
        reparees += objet.reparee
        if objet.irreparable:
            remarques.append(f"contour du QPV {code} invalide et irréparable : ignoré")
        if code in quartiers:
            precedent = quartiers[code]
            if objet.geom is not None:
                precedent.geom = geometrie.surfacique(
                    shapely.union_all([g for g in (precedent.geom, objet.geom) if g is not None])
                )
            continue
        quartiers[code] = Qpv(
            code=code,
            nom=texte(valeur(objet.proprietes, "qpv_nom")),
            annee=annee,
            communes=codes_communes(valeur(objet.proprietes, "qpv_communes")),
            geom=objet.geom,
            population=population,
            population_enfants=enfants,
            reparee=objet.reparee,
        )
    return Lecture(list(quartiers.values()), len(quartiers), reparees, remarques)


def lire_qpv_liste(chemin: Path) -> Lecture:
    """QPV by commune, without contours: CSV (`code_qp, lib_qp, insee_com, lib_com`) or the ANCT
    GeoJSON of commune points (codes and names joined by commas); points are not used (they are
    commune centroids, not the quartiers' positions)."""
    quartiers: dict[str, Qpv] = {}

    def ajouter(code, annee, nom, communes):
        q = quartiers.setdefault(code, Qpv(code=code, nom=nom, annee=annee))
        q.nom = q.nom or nom
        q.communes += [c for c in communes if c and c not in q.communes]

    if Path(chemin).suffix.lower() in (".geojson", ".json") or str(chemin).endswith(".json.gz"):
        for objet in lire_geojson(chemin, surfaces=False):
            ou = f"objet n° {objet.numero}"
            codes = [c for c in str(valeur(objet.proprietes, "qpv_code") or "").split(",") if c]
            noms = str(valeur(objet.proprietes, "qpv_nom") or "").split(", ")
            if len(noms) != len(codes):
                noms = [None] * len(codes)
            communes = codes_communes(valeur(objet.proprietes, "qpv_communes"))
            for brut, nom in zip(codes, noms, strict=True):
                code, annee = _code_qpv(chemin, brut, ou)
                ajouter(code, annee, texte(nom), communes)
    else:
        entetes, lignes = lire_csv(chemin)
        if colonne_presente(entetes, "qpv_code") is None:
            raise erreur(chemin, "colonne du code de quartier absente (code_qp attendu)")
        if colonne_presente(entetes, "qpv_communes") is None:
            raise erreur(chemin, "colonne du code commune absente (insee_com attendu)")
        for numero, ligne in enumerate(lignes, start=2):
            code, annee = _code_qpv(chemin, valeur(ligne, "qpv_code"), f"ligne {numero}")
            ajouter(
                code,
                annee,
                texte(valeur(ligne, "qpv_nom")),
                codes_communes(valeur(ligne, "qpv_communes")),
            )
    return Lecture(list(quartiers.values()), len(quartiers))


def lire_population_qpv(chemin: Path) -> Lecture:
    """Population (and children under 15 when given) by QPV code, from an INSEE-style CSV."""
    entetes, lignes = lire_csv(chemin)
    if colonne_presente(entetes, "qpv_code") is None:
        raise erreur(chemin, "colonne du code de quartier absente (code_qp attendu)")
    if colonne_presente(entetes, "population") is None:
        raise erreur(
            chemin, f"colonne de population absente (une de : {', '.join(NOMS['population'])})"
        )
    populations = {}
    for numero, ligne in enumerate(lignes, start=2):
        code, _ = _code_qpv(chemin, valeur(ligne, "qpv_code"), f"ligne {numero}")
        populations[code] = _populations(chemin, ligne, f"ligne {numero}")
    return Lecture(populations, len(populations))


# ----------------------------------------------------------------------------- schools


def _education_prioritaire(v) -> str | None:
    s = (texte(v) or "").upper().replace(" ", "")
    return s if s in ("REP", "REP+") else None


def _transformation_origine(epsg: str, cache: dict) -> Transformer | None:
    if epsg not in cache:
        try:
            cache[epsg] = geometrie.vers_wgs84(CRS.from_user_input(epsg))
        except CRSError:
            cache[epsg] = False
    return cache[epsg] or None


def lire_etablissements(
    chemin: Path, communes: set[str] | None = None, parents: dict[str, str] | None = None
) -> Lecture:
    """Écoles and collèges of the "annuaire de l'éducation" (`;`, UTF-8 with BOM, 72 columns).

    Keeps the schools of `communes` (all when None); arrondissement codes are mapped to their
    commune through `parents`. Coordinates: `latitude`/`longitude` (WGS84), else
    `coordX_origine`/`coordY_origine` in the CRS named by `epsg_origine`.
    """
    entetes, lignes = lire_csv(chemin)
    manquantes = [c for c in COLONNES_ANNUAIRE if c not in entetes]
    if manquantes:
        raise erreur(chemin, f"colonnes absentes de l'annuaire de l'éducation : {manquantes}")
    parents = parents or {}
    transformations: dict = {}
    etablissements: dict[str, Etablissement] = {}
    ignores = 0
    for numero, ligne in enumerate(lignes, start=2):
        genre = normaliser(ligne["type_etablissement"])
        if genre not in ("ecole", "college") or normaliser(ligne.get("etat", "")) == "ferme":
            continue
        code = code_commune(ligne["code_commune"])
        code = parents.get(code, code)
        if communes is not None and code not in communes:
            continue
        uai = (ligne["identifiant_de_l_etablissement"] or "").strip().upper()
        if not _UAI.match(uai):
            raise erreur(chemin, f"ligne {numero} : UAI invalide « {uai} »")
        try:
            lon = float(ligne["longitude"]) if ligne["longitude"].strip() else None
            lat = float(ligne["latitude"]) if ligne["latitude"].strip() else None
            if lon is None and ligne.get("coordx_origine", "").strip():
                origine = _transformation_origine(ligne.get("epsg_origine", ""), transformations)
                if origine is not None:
                    lon, lat = origine.transform(
                        float(ligne["coordx_origine"].replace(",", ".")),
                        float(ligne["coordy_origine"].replace(",", ".")),
                    )
        except ValueError as exc:
            raise erreur(
                chemin, f"ligne {numero} ({uai}) : coordonnées illisibles ({exc})"
            ) from exc
        if lon is None:
            ignores += 1
        etablissements[uai] = Etablissement(
            uai=uai,
            nom=texte(ligne["nom_etablissement"]) or uai,
            type_etablissement=genre,
            code_insee=code,
            longitude=lon,
            latitude=lat,
            education_prioritaire=_education_prioritaire(
                ligne["appartenance_education_prioritaire"]
            ),
        )
    remarques = [f"{ignores} établissements sans coordonnées (absents de la carte)"] * bool(ignores)
    return Lecture(list(etablissements.values()), len(etablissements), 0, remarques)


def lire_reseaux_ep(chemin: Path) -> Lecture:
    """Éducation prioritaire networks (`fr-en-etablissements-ep`): network and head by UAI."""
    entetes, lignes = lire_csv(chemin)
    if colonne_presente(entetes, "uai") is None:
        raise erreur(chemin, "colonne UAI absente (uai attendu)")
    colonne_ep = colonne_presente(entetes, "education_prioritaire") or next(
        (e for e in entetes if e.startswith("ep_")), None
    )
    reseaux = {}
    for ligne in lignes:
        uai = (texte(valeur(ligne, "uai")) or "").upper()
        if not uai:
            continue
        tete = (texte(valeur(ligne, "tete_reseau")) or "").upper() or None
        ep = _education_prioritaire(ligne.get(colonne_ep)) if colonne_ep else None
        reseaux[uai] = (ep, tete)
    return Lecture(reseaux, len(reseaux))


# ------------------------------------------------------------------------ Cités éducatives


def lire_cites(chemin: Path) -> Lecture:
    """Cités éducatives by commune: the ANCT GeoJSON (`id_territoire`, `lib_territoire`,
    `liste_geo`; several cités per feature separated by « ; ») or a CSV with one row per cité and
    commune; QPV codes and collège chef de file are read when the file gives them."""
    if Path(chemin).suffix.lower() in (".geojson", ".json"):
        enregistrements = [o.proprietes for o in lire_geojson(chemin, surfaces=False)]
    else:
        entetes, enregistrements = lire_csv(chemin)
        if colonne_presente(entetes, "cite_id") is None:
            raise erreur(chemin, "colonne d'identifiant de la cité absente (id_cite attendu)")
    cites: dict[str, Cite] = {}
    for numero, proprietes in enumerate(enregistrements, start=1):
        identifiants = [i.strip() for i in str(valeur(proprietes, "cite_id") or "").split(";")]
        identifiants = [i for i in identifiants if i]
        if not identifiants:
            raise erreur(chemin, f"enregistrement n° {numero} : identifiant de cité absent")
        noms = [n.strip() for n in str(valeur(proprietes, "cite_nom") or "").split(";")]
        if len(noms) != len(identifiants):
            noms = [noms[0] if noms else ""] * len(identifiants)
        communes = codes_communes(valeur(proprietes, "cite_communes"))
        qpv_bruts = re.split(r"[,;\s]+", str(valeur(proprietes, "cite_qpv") or ""))
        qpv = [_code_qpv(chemin, q, f"enregistrement n° {numero}")[0] for q in qpv_bruts if q]
        chef = (texte(valeur(proprietes, "cite_chef_de_file")) or "").upper() or None
        try:
            annee = entier(valeur(proprietes, "cite_annee"))
        except ValueError:
            annee = None
        for identifiant, nom in zip(identifiants, noms, strict=True):
            cite = cites.setdefault(identifiant, Cite(identifiant, nom or identifiant))
            cite.communes += [c for c in communes if c not in cite.communes]
            cite.qpv += [q for q in qpv if q not in cite.qpv]
            cite.uai_chef_de_file = cite.uai_chef_de_file or chef
            cite.annee_labellisation = cite.annee_labellisation or annee
    return Lecture(list(cites.values()), len(cites))
