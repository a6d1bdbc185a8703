"""Any vector file of the official lineages, opened with pyogrio (GDAL), in WGS84.

Recognised: GeoJSON (`.geojson`, `.json`), shapefile (the `.shp`, its folder, or a `.zip`),
GeoPackage (`.gpkg`), each possibly gzip-compressed (`.gz`) or inside a ZIP archive. The
coordinate system is the declared one when it agrees with the coordinates; otherwise it is
guessed from their magnitude among the systems used for France (WGS84, Lambert-93, Web Mercator,
overseas UTM) and kept only if the features then fall in their own département (or in France).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import CRS, Transformer

from pre_pilotage.geographie import emprises

# Candidate systems for metric coordinates without a (trustworthy) declaration.
CANDIDATS_METRIQUES = {
    2154: "Lambert-93",
    3857: "Web Mercator (EPSG:3857)",
    5490: "UTM 20N (Antilles)",
    2972: "UTM 22N (Guyane)",
    2975: "UTM 40S (La Réunion)",
    4471: "UTM 38S (Mayotte)",
}
_EXTENSIONS = (".gpkg", ".geojson", ".json", ".shp", ".fgb")
# Share of features that must fall in their own département for a system to be accepted.
SEUIL_PLAUSIBLE = 0.8


class ErreurVecteur(ValueError):
    """French description of why a vector file cannot be read (the caller adds the file name)."""


@dataclass
class Couche:
    """Features of a vector file: raw properties, WGS84 geometries (None when absent)."""

    proprietes: list[dict]
    geoms: list
    systeme: str  # French description of the coordinate system used, for the report
    membre: str | None = None  # archive member or shapefile actually read
    remarques: list[str] = field(default_factory=list)


# Python's own JSON messages, in French (the user reads them).
_MESSAGES_JSON = {
    "Expecting value": "valeur attendue",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Expecting property name enclosed in double quotes": "nom de propriété entre guillemets attendu",
    "Unterminated string starting at": "texte entre guillemets non terminé",
    "Invalid control character": "caractère de contrôle interdit",
    "Invalid \\escape": "séquence d'échappement (\\) invalide",
    "Invalid \\uXXXX escape": "séquence d'échappement \\uXXXX invalide",
    "Extra data": "données en trop après la fin du document",
}


def pourquoi_gzip(exc: Exception) -> str:
    """French reason for a gzip error (Python's own message is English)."""
    if isinstance(exc, EOFError):
        return "elle s'arrête avant la fin : téléchargez-la de nouveau"
    if "Not a gzipped file" in str(exc):
        return "ce n'est pas un fichier compressé par gzip"
    return "données compressées endommagées : téléchargez-la de nouveau"


def decrire_erreur_json(exc: json.JSONDecodeError) -> str:
    """French description of a JSON syntax error, saying when the file was cut short."""
    texte = exc.doc
    reste = texte[exc.pos :].strip()
    fin = (
        not exc.msg.startswith("Extra data")
        and (
            len(reste) <= 1
            # a string, a keyword or a number cut by the end of the file
            or (exc.msg.startswith("Unterminated string") and '"' not in texte[exc.pos + 1 :])
            or (
                exc.msg == "Expecting value"
                and any(m.startswith(reste) for m in ("true", "false", "null"))
            )
        )
    )
    nature = "tronqué (il s'arrête avant la fin)" if fin else "mal formé"
    detail = next(
        (fr for en, fr in _MESSAGES_JSON.items() if exc.msg.startswith(en)), "syntaxe JSON invalide"
    )
    return f"fichier JSON {nature} : ligne {exc.lineno}, colonne {exc.colno} ({detail})"


def _verifier_compagnons(shp: str, presents: list[str], ou: str) -> None:
    """A shapefile cannot be read without its .shx and .dbf: name the missing one."""
    minuscules = {n.lower() for n in presents}
    base = shp[: -len(".shp")]
    for compagnon in (".shx", ".dbf"):
        if (base + compagnon).lower() not in minuscules:
            raise ErreurVecteur(
                f"le fichier {Path(base).name}{compagnon} qui accompagne le shapefile est absent"
                f"{ou} (un shapefile se compose de .shp, .shx, .dbf et .prj)"
            )


def _membre_archive(chemin: Path) -> str:
    try:
        with zipfile.ZipFile(chemin) as archive:
            noms = [n for n in archive.namelist() if not n.endswith("/")]
    except zipfile.BadZipFile as exc:
        raise ErreurVecteur(
            "archive ZIP illisible ou tronquée (incomplète ou endommagée : téléchargez-la de "
            "nouveau)"
        ) from exc
    candidats = [n for n in noms if n.lower().endswith(_EXTENSIONS) and "__MACOSX" not in n]
    if not candidats:
        raise ErreurVecteur(
            "l'archive ZIP ne contient ni shapefile (.shp), ni GeoPackage (.gpkg), ni GeoJSON "
            f"(contenu : {', '.join(noms[:8])}{'…' if len(noms) > 8 else ''})"
        )

    # Official archives may carry the same layer in several systems: prefer WGS84, then a
    # GeoPackage, a GeoJSON, a shapefile.
    def rang(nom: str) -> tuple:
        wgs = 0 if re.search(r"wgs ?84|4326", nom, re.IGNORECASE) else 1
        return (wgs, _EXTENSIONS.index(Path(nom.lower()).suffix), nom)

    membre = sorted(candidats, key=rang)[0]
    if membre.lower().endswith(".shp"):
        _verifier_compagnons(membre, noms, " de l'archive")
    return membre


def _source(chemin: Path) -> tuple[str, str | None]:
    """The GDAL path to open, and the member or file actually read (for the report)."""
    if chemin.is_dir():
        fichiers = sorted(
            p for p in chemin.rglob("*") if p.suffix.lower() in (".shp", ".gpkg", ".geojson")
        )
        if not fichiers:
            raise ErreurVecteur(
                "ce dossier ne contient ni shapefile (.shp), ni GeoPackage, ni GeoJSON"
            )
        if len(fichiers) > 1:
            noms = ", ".join(str(p.relative_to(chemin)) for p in fichiers[:6])
            raise ErreurVecteur(
                f"ce dossier contient plusieurs couches ({noms}) : donnez le chemin de celle à lire"
            )
        if fichiers[0].suffix.lower() == ".shp":
            voisins = [str(p) for p in fichiers[0].parent.iterdir()]
            _verifier_compagnons(str(fichiers[0]), voisins, " du dossier")
        return str(fichiers[0]), str(fichiers[0].relative_to(chemin))
    nom = chemin.name.lower()
    if nom.endswith(".zip"):
        membre = _membre_archive(chemin)
        return f"/vsizip/{chemin.resolve()}/{membre}", membre
    if nom.endswith(".gz"):
        return f"/vsigzip/{chemin.resolve()}", None
    if nom.endswith(".shp"):
        for compagnon in (".dbf", ".shx"):
            if (
                not chemin.with_suffix(compagnon).exists()
                and not chemin.with_suffix(compagnon.upper()).exists()
            ):
                raise ErreurVecteur(
                    f"le fichier {chemin.with_suffix(compagnon).name} qui accompagne le shapefile "
                    "est absent (un shapefile se compose de .shp, .shx, .dbf et .prj)"
                )
    return str(chemin), None


def _est_geojson(chemin: Path, membre: str | None) -> bool:
    nom = (membre or chemin.name).lower().removesuffix(".gz")
    return nom.endswith((".geojson", ".json"))


def _texte_geojson(chemin: Path) -> str:
    donnees = chemin.read_bytes()
    if chemin.name.lower().endswith(".gz"):
        try:
            donnees = gzip.decompress(donnees)
        except (OSError, EOFError) as exc:
            raise ErreurVecteur(
                f"archive gzip illisible ou tronquée ({pourquoi_gzip(exc)})"
            ) from exc
    return donnees.decode("utf-8-sig", errors="replace")


def _diagnostic_geojson(texte: str) -> str | None:
    """Where a GeoJSON text is broken (GDAL's own message does not say it in French)."""
    try:
        donnees = json.loads(texte)
    except json.JSONDecodeError as exc:
        return decrire_erreur_json(exc)
    if not isinstance(donnees, dict) or donnees.get("type") != "FeatureCollection":
        return "ce n'est pas une collection GeoJSON (« FeatureCollection » attendue)"
    for numero, objet in enumerate(donnees.get("features") or [], start=1):
        if not isinstance(objet, dict) or objet.get("type") != "Feature":
            return f"objet n° {numero} : ce n'est pas un « Feature » GeoJSON"
    return None


def _crs_declare_geojson(texte: str) -> bool:
    # GDAL reports WGS84 for every GeoJSON; only a `crs` member is a real declaration.
    return re.search(r'"crs"\s*:\s*\{', texte) is not None


def _valeur(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _transformer(geoms: list, source: CRS | None) -> list:
    if source is None or source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return list(geoms)
    t = Transformer.from_crs(source, CRS.from_epsg(4326), always_xy=True)

    def appliquer(xy: np.ndarray) -> np.ndarray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return [None if g is None else shapely.transform(g, appliquer) for g in geoms]


def _points(geoms: list) -> list:
    """A cheap point per geometry (its bounding box centre), None when there is no geometry."""
    resultat = []
    for g in geoms:
        if g is None:
            resultat.append(None)
            continue
        x0, y0, x1, y1 = g.bounds
        resultat.append(((x0 + x1) / 2, (y0 + y1) / 2))
    return resultat


def part_plausible(points: list, departements: list[str | None]) -> tuple[float, list[bool]]:
    """Share of points inside the extent of their département (of France when unknown)."""
    verdicts = [
        p is not None and all(map(math.isfinite, p)) and emprises.plausible(p[0], p[1], d)
        for p, d in zip(points, departements, strict=True)
    ]
    presents = [v for p, v in zip(points, verdicts, strict=True) if p is not None]
    return (sum(presents) / len(presents) if presents else 1.0), verdicts


def _nom_crs(crs: CRS) -> str:
    code = crs.to_epsg()
    if code == 4326:
        return "WGS84 (EPSG:4326)"
    if code in CANDIDATS_METRIQUES:
        return (
            f"{CANDIDATS_METRIQUES[code]} (EPSG:{code})"
            if code != 3857
            else "Web Mercator (EPSG:3857)"
        )
    return f"{crs.name} (EPSG:{code})" if code else crs.name


def _couche(source: str, couches: tuple[str, ...]) -> str | None:
    """The layer to read in a multi-layer file (a GeoPackage such as IGN's Admin Express holds
    COMMUNE, EPCI, DEPARTEMENT…): the one named as `couches` says (exactly, then containing
    it), never the first one silently."""
    try:
        noms = [str(n) for n, _type in pyogrio.list_layers(source)]
    except Exception:  # unreadable: read_dataframe says why
        return None
    if len(noms) <= 1:
        return None
    for indice in couches:
        exacts = [n for n in noms if n.lower() == indice]
        if len(exacts) == 1:
            return exacts[0]
    for indice in couches:
        proches = [n for n in noms if indice in n.lower()]
        if len(proches) == 1:
            return proches[0]
    raise ErreurVecteur(
        f"ce fichier contient plusieurs couches ({', '.join(noms[:10])}"
        f"{'…' if len(noms) > 10 else ''}) et aucune ne se nomme "
        f"{' ou '.join(f'« {c} »' for c in couches) or 'comme attendu'} : exportez la couche "
        "à lire dans un fichier à part (GeoJSON ou GeoPackage d'une seule couche)"
    )


def lire(
    chemin: Path,
    departement_de: Callable[[dict], str | None] = lambda _p: None,
    couches: tuple[str, ...] = (),
) -> Couche:
    """Features of a vector file in WGS84; `departement_de(properties)` gives the département a
    feature claims to be in (used to check the coordinate system); `couches`: names (lower case)
    of the layer to read when the file has several."""
    chemin = Path(chemin)
    if not chemin.exists():
        raise ErreurVecteur(f"fichier introuvable ({chemin})")
    source, membre = _source(chemin)
    geojson = _est_geojson(chemin, membre) and not chemin.name.lower().endswith(".zip")
    texte = _texte_geojson(chemin) if geojson else None
    if texte is not None and not texte.strip():
        raise ErreurVecteur("le fichier est vide")
    couche = None if texte is not None else _couche(source, couches)
    if couche is not None:
        membre = f"{membre} : couche {couche}" if membre else f"couche {couche}"
    try:
        # GDAL's warnings (« organizePolygons() received a polygon with more than 100 parts »
        # on a real shapefile) reached the user's screen in English: the report says what
        # matters (features read, repaired, set aside).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cadre = pyogrio.read_dataframe(source, layer=couche)
    except Exception as exc:  # pyogrio raises DataSourceError, DataLayerError, GEOS errors…
        diagnostic = _diagnostic_geojson(texte) if texte is not None else None
        if diagnostic:
            raise ErreurVecteur(diagnostic) from exc
        if isinstance(exc, UnicodeDecodeError) or "codec can't decode" in str(exc):
            raise ErreurVecteur(
                "fichier illisible comme fichier géographique (texte dans un encodage autre "
                "que l'UTF-8, ou pas un GeoJSON : une liste en CSV ou XLSX se donne sous un "
                "autre type)"
            ) from exc
        detail = str(exc).split("\n")[0][:200]
        raise ErreurVecteur(
            f"fichier géographique illisible ou tronqué (GeoJSON, shapefile ou GeoPackage "
            f"attendu ; message de la bibliothèque GDAL : {detail})"
        ) from exc
    if texte is not None and (diagnostic := _diagnostic_geojson(texte)):
        raise ErreurVecteur(diagnostic)
    if len(cadre) == 0:
        # An empty layer would silently give a territory without any feature of this kind.
        raise ErreurVecteur("le fichier ne contient aucun objet (couche vide)")
    if not hasattr(cadre, "geometry"):
        # GDAL reads a CSV or a spreadsheet as a table without geometry.
        raise ErreurVecteur(
            "ce fichier n'a pas de contours (aucune géométrie : GeoJSON, shapefile ou "
            "GeoPackage attendu ; une liste en CSV ou XLSX se donne sous un autre type)"
        )
    colonnes = [c for c in cadre.columns if c != cadre.geometry.name]
    proprietes = [
        {c: _valeur(v) for c, v in zip(colonnes, ligne, strict=True)}
        for ligne in cadre[colonnes].itertuples(index=False, name=None)
    ]
    geoms = [None if g is None or g.is_empty else g for g in cadre.geometry.array]
    declare = cadre.crs
    if texte is not None and not _crs_declare_geojson(texte):
        declare = None
    departements = [departement_de(p) for p in proprietes]
    bornes = [g.bounds for g in geoms if g is not None]
    remarques: list[str] = []
    if not bornes:
        return Couche(proprietes, geoms, "sans géométrie", membre, remarques)
    xs = [abs(v) for b in bornes for v in (b[0], b[2])]
    ys = [abs(v) for b in bornes for v in (b[1], b[3])]
    en_degres = max(xs) <= 180 and max(ys) <= 90
    if declare is not None:
        geographique = declare.is_geographic
        if geographique == en_degres:
            wgs = _transformer(geoms, declare)
            part, _ = part_plausible(_points(wgs), departements)
            if part >= SEUIL_PLAUSIBLE:
                return Couche(proprietes, wgs, f"{_nom_crs(declare)}, déclaré", membre, remarques)
            remarques.append(
                f"système déclaré {_nom_crs(declare)} : seuls {part:.0%} des objets tombent "
                "dans leur département ; un autre système est cherché".replace("%", " %")
            )
        else:
            remarques.append(
                f"système déclaré {_nom_crs(declare)} incompatible avec les coordonnées "
                f"({'degrés' if en_degres else 'mètres'}) ; un autre système est cherché"
            )
    candidats = [4326] if en_degres else list(CANDIDATS_METRIQUES)
    essais = []
    for code in candidats:
        crs = CRS.from_epsg(code)
        wgs = _transformer(geoms, crs)
        part, _ = part_plausible(_points(wgs), departements)
        essais.append((part, code, wgs))
    part, code, wgs = max(essais, key=lambda e: (e[0], -candidats.index(e[1])))
    retenus = [c for p, c, _ in essais if p >= SEUIL_PLAUSIBLE]
    if len(retenus) > 1:
        noms = " et ".join(_nom_crs(CRS.from_epsg(c)) for c in retenus)
        raise ErreurVecteur(
            f"coordonnées en mètres sans système déclaré, plausibles en {noms} : impossible de "
            "choisir sans risque de dessiner les quartiers au mauvais endroit. Déclarez le "
            "système (fichier .prj, membre « crs ») ou donnez des objets avec leur code commune"
        )
    if part < SEUIL_PLAUSIBLE:
        essayes = ", ".join(
            f"{_nom_crs(CRS.from_epsg(c))} : {p:.0%}".replace("%", " %") for p, c, _ in essais
        )
        raise ErreurVecteur(
            "système de coordonnées introuvable : aucun système déclaré utilisable, et avec "
            f"ceux essayés trop peu d'objets tombent dans leur département ou en France "
            f"({essayes}). Déclarez le système (fichier .prj, membre « crs ») ou donnez le "
            "fichier en WGS84"
        )
    systeme = f"{_nom_crs(CRS.from_epsg(code))}, déduit des coordonnées et vérifié"
    return Couche(proprietes, wgs, systeme, membre, remarques)
