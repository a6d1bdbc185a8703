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

from pre_pilotage.geographie import cog, emprises, geometrie, vecteur

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
        "nom_du_quartier",
        "libelle_du_quartier",
        "libelle_quartier",
        "nom_du_qpv",
        "nom_quartier_prioritaire",
        "quartier_prioritaire",
        "quartier",
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
    "qpv_noms_communes": (
        "lib_com",
        "nom_commune",
        "nom_com",
        "commune_qp",
        "nom_commune_qp",
        "lib_commune",
        "libgeo",
        "commune",
        "communes",
    ),
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
# Columns of the "annuaire de l'éducation" and of the EP file, by meaning: the yearly exports
# rename some (`coordonnee_X` -> `coordX_origine`, `Code postal` -> `Code_postal`) and drop others.
COLONNES_ECOLES = {
    "uai": ("identifiant_de_l_etablissement", "uai", "numero_uai", "code_uai", "uai_etablissement"),
    "nom": (
        "nom_etablissement",
        "appellation_officielle",
        "denomination_principale",
        "nom",
        "nom_de_l_etablissement",
    ),
    "type": ("type_etablissement", "libelle_nature", "nature", "type"),
    "commune": ("code_commune", "code_insee", "code_commune_insee", "com_code", "insee_com"),
    "education_prioritaire": (
        "appartenance_education_prioritaire",
        "education_prioritaire",
        "ep",
        "reseau",
        "type_reseau",
    ),
    "latitude": ("latitude", "lat", "y_wgs84"),
    "longitude": ("longitude", "lon", "long", "x_wgs84"),
    "position": ("position", "geo_point_2d", "coordonnees"),
    "x": ("coordx_origine", "coordonnee_x", "coordonnees_x", "coord_x", "x"),
    "y": ("coordy_origine", "coordonnee_y", "coordonnees_y", "coord_y", "y"),
    "epsg": ("epsg_origine", "epsg", "systeme"),
    "etat": ("etat", "etat_etablissement", "etat_etablissement_libe"),
    "code_postal": ("code_postal", "cp"),
}
_OBLIGATOIRES_ECOLES = ("uai", "type", "commune")


def colonnes_ecoles(entetes: list[str]) -> dict[str, str | None]:
    """The column of each meaning present in a header (None when absent)."""
    trouvees = {}
    for sens, noms in COLONNES_ECOLES.items():
        trouvees[sens] = next((n for n in noms if n in entetes), None)
    if trouvees["education_prioritaire"] is None:
        # The EP file names its status column after the school year (`ep_2022_2023`).
        trouvees["education_prioritaire"] = next((e for e in entetes if e.startswith("ep_")), None)
    return trouvees


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
            raise erreur(
                chemin, f"archive gzip illisible ou tronquée ({vecteur.pourquoi_gzip(exc)})"
            ) from exc
    if not donnees.strip():
        raise erreur(chemin, "le fichier est vide")
    return donnees


def _texte_utf8(chemin: Path, donnees: bytes) -> str:
    if donnees.startswith(b"PK\x03\x04"):
        raise erreur(
            chemin, "c'est une archive ZIP, pas un fichier texte (CSV ou JSON) attendu ici"
        )
    if donnees.startswith(b"SQLite format 3"):
        raise erreur(chemin, "c'est un GeoPackage, pas un fichier texte (CSV ou JSON) attendu ici")
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
        raise erreur(chemin, vecteur.decrire_erreur_json(exc)) from exc


def lire_csv(chemin: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a CSV (`;`, `,` or tab separated, BOM or not) keyed by normalised column names."""
    donnees = _octets(chemin)
    contenu = _texte_utf8(chemin, donnees)
    # Blank lines above the header (a spreadsheet's export) are skipped, and counted in the
    # line numbers of errors: an outside test got « 4 colonnes au lieu de 0 » from one.
    toutes = contenu.splitlines(keepends=True)
    sautees = next((i for i, ligne in enumerate(toutes) if ligne.strip(" ;,\t\r\n")), 0)
    contenu = "".join(toutes[sautees:])
    if not contenu.strip():
        raise erreur(chemin, "le fichier est vide")
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
                    f"ligne {lecteur.line_num + sautees} : {len(ligne)} colonnes au lieu de "
                    f"{len(entetes)} "
                    "(fichier tronqué ou séparateur inattendu)",
                )
            lignes.append(dict(zip(entetes, ligne, strict=True)))
    except csv.Error as exc:
        raise erreur(
            chemin,
            f"CSV illisible vers la ligne {lecteur.line_num + sautees} ({exc}) : fichier tronqué ?",
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


def lire_objets(
    chemin: Path, surfaces: bool = True, departement_de=lambda _p: None, couches=()
) -> tuple[list[Objet], vecteur.Couche]:
    """Features of any vector file (GeoJSON, shapefile, GeoPackage, zipped or gzipped) in WGS84,
    polygons validated and repaired; `departement_de(properties)` checks the coordinate system;
    `couches`: names of the layer to read in a multi-layer file."""
    try:
        couche = vecteur.lire(
            Path(chemin), lambda p: departement_de(proprietes_normalisees(p)), couches
        )
    except vecteur.ErreurVecteur as exc:
        raise erreur(chemin, str(exc)) from exc
    resultat = []
    for numero, (proprietes, geom) in enumerate(
        zip(couche.proprietes, couche.geoms, strict=True), start=1
    ):
        objet = Objet(numero, proprietes_normalisees(proprietes), geom)
        if surfaces and geom is not None:
            objet.geom, objet.reparee = geometrie.reparer(geom)
            objet.irreparable = objet.geom is None
        resultat.append(objet)
    return resultat, couche


def lire_geojson(chemin: Path, surfaces: bool = True) -> list[Objet]:
    """Features of a vector file (kept for callers that need no report)."""
    return lire_objets(chemin, surfaces)[0]


def est_vecteur(chemin: Path) -> bool:
    """Whether a path names a vector file (or a folder or archive of one) rather than a CSV."""
    chemin = Path(chemin)
    nom = chemin.name.lower().removesuffix(".gz")
    return chemin.is_dir() or nom.endswith((".geojson", ".json", ".shp", ".gpkg", ".zip", ".fgb"))


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
    noms_communes: str | None = None  # commune names, when the file gives no codes
    ou: str = ""  # where in the file (feature or line), for the report
    sans_geometrie: bool = False  # a contour file's feature without geometry
    arrondissements: list[str] = field(default_factory=list)  # Paris, Lyon, Marseille
    irreparable: bool = False  # a contour file's feature whose geometry could not be repaired


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
    systeme: str | None = None  # coordinate system used (vector files)
    # Features not used, by French reason, with their identifiers (feature number or code).
    ecartes: dict[str, list[str]] = field(default_factory=dict)
    # Rows repeating an identifier already read (row number, identifier): the build reports
    # those of the territory only (a school elsewhere is just outside the territory).
    doublons: list[tuple[int, str]] = field(default_factory=list)


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
    try:
        referentiel = cog.Cog.depuis(
            [c | {"code": code_commune(c["code"])} for c in donnees if c.get("code")]
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise erreur(chemin, f"historique des communes illisible ({exc})") from exc
    return Lecture({"communes": communes, "parents": parents, "cog": referentiel}, len(communes))


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
    if sorte == "commune":
        departement_de = lambda p: emprises.departement(code_commune(valeur(p, "commune_code")))  # noqa: E731
    else:
        departement_de = lambda _p: None  # noqa: E731
    objets, couche = lire_objets(chemin, departement_de=departement_de, couches=(sorte,))
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
    ecartes = {}
    if sans_code:
        ecartes["sans code"] = [
            f"objet n° {o.numero}" for o in objets if not valeur(o.proprietes, f"{sorte}_code")
        ]
    for code, geoms in morceaux.items():
        # ANCT cuts an EPCI spanning several départements into one feature per département.
        union = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        contours[code].geom = geometrie.surfacique(union)
    remarques = [f"{Path(chemin).name} : {r}" for r in couche.remarques] + remarques
    lu = Lecture(contours, len(objets), reparees, remarques, couche.systeme, ecartes)
    return lu


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


# Layer names of QPV in a multi-layer file (exact, then contained).
_COUCHES_QPV = ("qpv", "qp", "quartiers_prioritaires", "quartier")


def _departement_qpv(proprietes: dict) -> str | None:
    brut = valeur(proprietes, "qpv_code")
    return emprises.departement_qpv((texte(brut) or "").upper().replace(" ", ""))


def lire_qpv_contours(chemin: Path) -> Lecture:
    """QPV contours (ANCT, 2024 `QN…` or 2015 `QP…` geography), in any vector format.

    Communes are read as codes (`insee_com`, one or a comma-separated list) or, failing that, as
    names (`lib_com`, `commune`, `COMMUNE_QP`…), resolved later against the COG.
    """
    objets, couche = lire_objets(chemin, departement_de=_departement_qpv, couches=_COUCHES_QPV)
    quartiers: dict[str, Qpv] = {}
    reparees = 0
    remarques = [f"{Path(chemin).name} : {r}" for r in couche.remarques]
    ecartes: dict[str, list[str]] = {}
    for objet in objets:
        ou = f"objet n° {objet.numero}"
        brut = valeur(objet.proprietes, "qpv_code")
        if brut is None:
            raise erreur(chemin, f"{ou} : pas de code de quartier ({', '.join(NOMS['qpv_code'])})")
        code, annee = _code_qpv(chemin, brut, ou)
        population, enfants = _populations(chemin, objet.proprietes, ou)
        reparees += objet.reparee
        if code in quartiers:
            precedent = quartiers[code]
            if objet.geom is not None:
                precedent.geom = geometrie.surfacique(
                    shapely.union_all([g for g in (precedent.geom, objet.geom) if g is not None])
                )
                precedent.sans_geometrie = False
            continue
        communes = codes_communes(valeur(objet.proprietes, "qpv_communes"))
        if not all(c and _CODE_COMMUNE.match(c) for c in communes):
            communes = []  # names in a code column (« Bron, Vaulx-en-Velin »): resolved by name
        noms = texte(valeur(objet.proprietes, "qpv_noms_communes"))
        if not communes:
            noms = noms or texte(valeur(objet.proprietes, "qpv_communes"))
        quartiers[code] = Qpv(
            code=code,
            nom=texte(valeur(objet.proprietes, "qpv_nom")),
            annee=annee,
            communes=communes,
            geom=objet.geom,
            population=population,
            population_enfants=enfants,
            reparee=objet.reparee,
            noms_communes=None if communes else noms,
            ou=ou,
            sans_geometrie=objet.geom is None and not objet.irreparable,
            irreparable=objet.irreparable,
        )
    return Lecture(
        list(quartiers.values()), len(objets), reparees, remarques, couche.systeme, ecartes
    )


def lire_qpv_liste(chemin: Path) -> Lecture:
    """QPV by commune, without contours: CSV (`code_qp, lib_qp, insee_com, lib_com`; commune names
    accepted instead of codes) or the ANCT GeoJSON of commune points (codes and names joined by
    commas); points are not used (they are commune centroids, not the quartiers' positions)."""
    quartiers: dict[str, Qpv] = {}

    def ajouter(code, annee, nom, communes, noms, ou):
        q = quartiers.setdefault(code, Qpv(code=code, nom=nom, annee=annee, ou=ou))
        q.nom = q.nom or nom
        q.communes += [c for c in communes if c and c not in q.communes]
        if noms and not communes:
            q.noms_communes = ", ".join(x for x in (q.noms_communes, noms) if x)

    def communes_de(proprietes) -> tuple[list[str], str | None]:
        communes = codes_communes(valeur(proprietes, "qpv_communes"))
        if communes and all(c and _CODE_COMMUNE.match(c) for c in communes):
            return communes, None
        noms = texte(valeur(proprietes, "qpv_noms_communes")) or texte(
            valeur(proprietes, "qpv_communes")
        )
        return [], noms

    if est_vecteur(chemin):
        objets, _ = lire_objets(chemin, surfaces=False, couches=_COUCHES_QPV)
        for objet in objets:
            ou = f"objet n° {objet.numero}"
            codes = [c for c in str(valeur(objet.proprietes, "qpv_code") or "").split(",") if c]
            noms = str(valeur(objet.proprietes, "qpv_nom") or "").split(", ")
            if len(noms) != len(codes):
                noms = [None] * len(codes)
            communes = codes_communes(valeur(objet.proprietes, "qpv_communes"))
            for brut, nom in zip(codes, noms, strict=True):
                code, annee = _code_qpv(chemin, brut, ou)
                ajouter(code, annee, texte(nom), communes, None, ou)
    else:
        entetes, lignes = lire_csv(chemin)
        if colonne_presente(entetes, "qpv_code") is None:
            raise erreur(chemin, "colonne du code de quartier absente (code_qp attendu)")
        if (
            colonne_presente(entetes, "qpv_communes") is None
            and colonne_presente(entetes, "qpv_noms_communes") is None
        ):
            raise erreur(chemin, "colonne de la commune absente (insee_com ou lib_com attendu)")
        for numero, ligne in enumerate(lignes, start=2):
            ou = f"ligne {numero}"
            code, annee = _code_qpv(chemin, valeur(ligne, "qpv_code"), ou)
            communes, noms = communes_de(ligne)
            ajouter(code, annee, texte(valeur(ligne, "qpv_nom")), communes, noms, ou)
    remarques = []
    sans_nom = sorted(q.code for q in quartiers.values() if not q.nom)
    if sans_nom:
        # Said, never silent: an outside test's list with a header not recognised had its
        # quartiers named by their codes without a word.
        remarques.append(
            f"{Path(chemin).name} : nom du quartier absent pour {len(sans_nom)} quartier(s) "
            f"({', '.join(sans_nom[:5])}{' …' if len(sans_nom) > 5 else ''}) ; colonne attendue : "
            f"{', '.join(NOMS['qpv_nom'][:4])}… ; ces quartiers sont nommés par leur code "
            "si aucun autre fichier ne donne leur nom"
        )
    return Lecture(list(quartiers.values()), len(quartiers), 0, remarques)


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


def _coordonnees(ligne: dict, col: dict, transformations: dict) -> tuple[float | None, ...]:
    def nombre(sens):
        v = (ligne.get(col[sens]) or "").strip() if col[sens] else ""
        return float(v.replace(",", ".")) if v else None

    lon, lat = nombre("longitude"), nombre("latitude")
    if (
        (lon is None or lat is None)
        and col["position"]
        and (ligne.get(col["position"]) or "").strip()
    ):
        # `position` / `geo_point_2d`: "lat, lon"
        morceaux = [m.strip() for m in ligne[col["position"]].split(",")]
        if len(morceaux) == 2:
            lat, lon = float(morceaux[0]), float(morceaux[1])
    if (lon is None or lat is None) and col["x"] and col["y"] and nombre("x") is not None:
        epsg = (ligne.get(col["epsg"]) or "").strip() if col["epsg"] else ""
        origine = _transformation_origine(epsg or "EPSG:2154", transformations)
        if origine is not None:
            lon, lat = origine.transform(nombre("x"), nombre("y"))
    return lon, lat


def _type_ecole(v) -> str | None:
    genre = normaliser(v or "")
    if genre.startswith("ecole"):
        return "ecole"
    if genre.startswith("college"):
        return "college"
    return None


def lire_etablissements(
    chemin: Path, communes: set[str] | None = None, parents: dict[str, str] | None = None
) -> Lecture:
    """Écoles and collèges of the "annuaire de l'éducation" (`;`, UTF-8 with BOM, 69 to 72
    columns depending on the export), columns recognised by meaning (`COLONNES_ECOLES`).

    Keeps the schools of `communes` (all when None); arrondissement codes are mapped to their
    commune through `parents`. Coordinates: `latitude`/`longitude` (WGS84), else `position`,
    else `coordX_origine`/`coordY_origine` (or `coordonnee_X`/`_Y`) in the CRS of `epsg_origine`.
    """
    entetes, lignes = lire_csv(chemin)
    col = colonnes_ecoles(entetes)
    manquantes = [s for s in _OBLIGATOIRES_ECOLES if col[s] is None]
    if manquantes:
        noms = "; ".join(f"{s} ({' ou '.join(COLONNES_ECOLES[s][:3])})" for s in manquantes)
        raise erreur(chemin, f"colonnes absentes de l'annuaire de l'éducation : {noms}")
    absentes = [s for s in ("nom", "education_prioritaire", "etat") if col[s] is None]
    if col["latitude"] is None and col["position"] is None and col["x"] is None:
        absentes.append("coordonnées (latitude/longitude, position ou coordX_origine)")
    parents = parents or {}
    transformations: dict = {}
    etablissements: dict[str, Etablissement] = {}
    sans_coordonnees = []
    for numero, ligne in enumerate(lignes, start=2):
        genre = _type_ecole(ligne[col["type"]])
        etat = normaliser(ligne.get(col["etat"], "")) if col["etat"] else ""
        if genre is None or etat == "ferme":
            continue
        code = code_commune(ligne[col["commune"]])
        code = parents.get(code, code)
        if communes is not None and code not in communes:
            continue
        uai = (ligne[col["uai"]] or "").strip().upper()
        if not _UAI.match(uai):
            raise erreur(chemin, f"ligne {numero} : UAI invalide « {uai} »")
        try:
            lon, lat = _coordonnees(ligne, col, transformations)
        except ValueError as exc:
            raise erreur(
                chemin, f"ligne {numero} ({uai}) : coordonnées illisibles ({exc})"
            ) from exc
        if lon is None or lat is None:
            sans_coordonnees.append(uai)
            lon = lat = None
        etablissements[uai] = Etablissement(
            uai=uai,
            nom=texte(ligne.get(col["nom"])) if col["nom"] else uai,
            type_etablissement=genre,
            code_insee=code,
            longitude=lon,
            latitude=lat,
            education_prioritaire=_education_prioritaire(ligne.get(col["education_prioritaire"]))
            if col["education_prioritaire"]
            else None,
        )
        etablissements[uai].nom = etablissements[uai].nom or uai
    remarques = []
    if absentes:
        remarques.append(
            f"{Path(chemin).name} : colonnes non trouvées (export d'une autre année ?) : "
            + ", ".join(absentes)
        )
    ecartes = {"sans coordonnées (gardés, absents de la carte)": sans_coordonnees}
    lu = Lecture(list(etablissements.values()), len(lignes), 0, remarques)
    lu.ecartes = {k: v for k, v in ecartes.items() if v}
    return lu


@dataclass
class EcoleReseau:
    """A school of the éducation prioritaire file (`fr-en-etablissements-ep`)."""

    education_prioritaire: str | None
    uai_tete_reseau: str | None
    etablissement: Etablissement | None  # when the row gives type, commune and coordinates


def lire_reseaux_ep(chemin: Path) -> Lecture:
    """Éducation prioritaire networks (`fr-en-etablissements-ep`) by UAI: network, head, and the
    school itself (name, type, commune, WGS84 position) when the row gives them. Its `qp_*`
    columns (2015 QPV codes) are not used: positions are compared with the loaded QPV."""
    entetes, lignes = lire_csv(chemin)
    col = colonnes_ecoles(entetes)
    if col["uai"] is None:
        raise erreur(chemin, "colonne UAI absente (uai attendu)")
    colonne_tete = colonne_presente(entetes, "tete_reseau")
    if colonne_tete is None:
        # A network file says which network each school belongs to; without that column the
        # file is another one (the annuaire de l'éducation, given under the wrong type).
        raise erreur(
            chemin,
            "colonne de la tête de réseau absente (uai_tete_de_reseau attendu) : ce n'est pas "
            "le fichier des réseaux d'éducation prioritaire (fr-en-etablissements-ep) ; "
            "l'annuaire de l'éducation se donne sous le type etablissements",
        )
    reseaux = {}
    transformations: dict = {}
    ecartes: dict[str, list[str]] = {}
    doublons: list[tuple[int, str]] = []
    for numero, ligne in enumerate(lignes, start=2):
        uai = (texte(ligne[col["uai"]]) or "").upper()
        if not _UAI.match(uai):
            ecartes.setdefault("UAI invalide", []).append(f"ligne {numero} « {uai} »")
            continue
        if uai in reseaux:
            doublons.append((numero, uai))
        tete = (texte(ligne.get(colonne_tete)) or "").upper() or None if colonne_tete else None
        if tete and not _UAI.match(tete):
            tete = None
        ep = (
            _education_prioritaire(ligne.get(col["education_prioritaire"]))
            if col["education_prioritaire"]
            else None
        )
        etab = None
        genre = _type_ecole(ligne.get(col["type"])) if col["type"] else None
        code = code_commune(ligne.get(col["commune"])) if col["commune"] else None
        if genre and code:
            try:
                lon, lat = _coordonnees(ligne, col, transformations)
            except ValueError as exc:
                raise erreur(
                    chemin, f"ligne {numero} ({uai}) : coordonnées illisibles ({exc})"
                ) from exc
            etab = Etablissement(
                uai=uai,
                nom=(texte(ligne.get(col["nom"])) if col["nom"] else None) or uai,
                type_etablissement=genre,
                code_insee=code,
                longitude=lon,
                latitude=lat,
                education_prioritaire=ep,
                uai_tete_reseau=tete,
            )
        reseaux[uai] = EcoleReseau(ep, tete, etab)
    lu = Lecture(reseaux, len(lignes))
    lu.ecartes = ecartes
    lu.doublons = doublons
    return lu


# ------------------------------------------------------------------------ Cités éducatives


def lire_cites(chemin: Path) -> Lecture:
    """Cités éducatives by commune: the ANCT GeoJSON (`id_territoire`, `lib_territoire`,
    `liste_geo`; several cités per feature separated by « ; ») or a CSV with one row per cité and
    commune; QPV codes and collège chef de file are read when the file gives them."""
    if est_vecteur(chemin):
        enregistrements = [
            o.proprietes
            for o in lire_objets(chemin, surfaces=False, couches=("citeduc", "cite"))[0]
        ]
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


def lire_cites_qpv(chemin: Path) -> Lecture:
    """The QPV of each Cité éducative: a CSV with one row per cité and QPV (`cite`, `code_qp`;
    optional `nom_cite`). The cité is its ANCT identifier (`cite-039`) or its exact name."""
    entetes, lignes = lire_csv(chemin)
    colonne_cite = next(
        (n for n in ("cite", "cite_id", "id_cite", "id_territoire", "code_cite") if n in entetes),
        None,
    )
    if colonne_cite is None:
        raise erreur(chemin, "colonne de la cité absente (« cite » attendu : cite-039 ou son nom)")
    if colonne_presente(entetes, "qpv_code") is None:
        raise erreur(chemin, "colonne du code de quartier absente (« code_qp » attendu)")
    colonne_nom = next(
        (n for n in ("nom_cite", "lib_cite", "lib_territoire") if n in entetes), None
    )
    qpv: dict[str, list[str]] = {}
    noms: dict[str, str] = {}
    for numero, ligne in enumerate(lignes, start=2):
        cite = texte(ligne[colonne_cite])
        if not cite:
            raise erreur(chemin, f"ligne {numero} : cité absente")
        code, _ = _code_qpv(chemin, valeur(ligne, "qpv_code"), f"ligne {numero}")
        qpv.setdefault(cite, [])
        if code not in qpv[cite]:
            qpv[cite].append(code)
        if colonne_nom and texte(ligne[colonne_nom]):
            noms[cite] = texte(ligne[colonne_nom])
    return Lecture({"qpv": qpv, "noms": noms}, len(lignes))
