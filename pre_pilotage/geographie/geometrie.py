"""Geometry handling, done once when the geography is built: CRS, repair, reprojection, simplification.

Everything is stored in WGS84 (EPSG:4326, longitude first). Distances and simplification
tolerances are in metres, computed in an azimuthal equidistant projection centred on the
territory, which is exact enough anywhere (metropolitan France and overseas alike) for a territory
the size of an EPCI.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

WGS84 = CRS.from_epsg(4326)
LAMBERT93 = CRS.from_epsg(2154)
# Simplification tolerances in metres: a programme's map, and a national view.
TOLERANCES_M = {"territoire": 10.0, "national": 100.0}
DISTANCE_PROCHE_QPV_M = 300.0
# Lambert-93 coordinates of metropolitan France (with a margin), to recognise a file without `crs`.
_EMPRISE_LAMBERT93 = (-400_000.0, 5_900_000.0, 1_500_000.0, 7_300_000.0)


class CrsInconnu(ValueError):
    """The coordinate system of a file cannot be determined or is not supported."""


def crs_geojson(donnees: dict) -> CRS | None:
    """The CRS named by a GeoJSON `crs` member (GeoJSON 2008), None when absent (RFC 7946: WGS84)."""
    membre = donnees.get("crs")
    if not membre:
        return None
    nom = (membre.get("properties") or {}).get("name") if isinstance(membre, dict) else None
    if not nom:
        raise CrsInconnu(f"membre « crs » illisible : {membre!r}")
    if "CRS84" in nom.upper():
        return WGS84
    try:
        return CRS.from_user_input(nom)
    except CRSError as exc:
        raise CrsInconnu(f"système de coordonnées « {nom} » inconnu") from exc


def deviner_crs(exemple: tuple[float, float] | None) -> CRS:
    """CRS of coordinates given without a `crs` member: WGS84, or Lambert-93 if they are metres."""
    if exemple is None:
        return WGS84
    x, y = exemple
    if -180 <= x <= 180 and -90 <= y <= 90:
        return WGS84
    xmin, ymin, xmax, ymax = _EMPRISE_LAMBERT93
    if xmin <= x <= xmax and ymin <= y <= ymax:
        return LAMBERT93
    raise CrsInconnu(
        f"coordonnées ({x:.0f}, {y:.0f}) ni en degrés (WGS84) ni en Lambert-93, et aucun membre "
        "« crs » ne dit dans quel système elles sont"
    )


def premier_point(geometrie: dict | None) -> tuple[float, float] | None:
    """First coordinate pair of a GeoJSON geometry (to guess its CRS)."""
    if not geometrie:
        return None
    coordonnees = geometrie.get("coordinates")
    while isinstance(coordonnees, list) and coordonnees and isinstance(coordonnees[0], list):
        coordonnees = coordonnees[0]
    if isinstance(coordonnees, list) and len(coordonnees) >= 2:
        try:
            return float(coordonnees[0]), float(coordonnees[1])
        except (TypeError, ValueError):
            return None
    for partie in geometrie.get("geometries") or []:
        if (point := premier_point(partie)) is not None:
            return point
    return None


def vers_wgs84(crs: CRS) -> Transformer | None:
    if crs.equals(WGS84, ignore_axis_order=True):
        return None
    return Transformer.from_crs(crs, WGS84, always_xy=True)


def transformer(geometrie, transformation: Transformer | None):
    """Apply a pyproj transformation to every coordinate of a shapely geometry."""
    if geometrie is None or transformation is None:
        return geometrie

    def appliquer(xy: np.ndarray) -> np.ndarray:
        x, y = transformation.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometrie, appliquer)


def surfacique(geometrie):
    """Keep the polygonal parts of a geometry, as a Polygon or MultiPolygon (None if nothing)."""
    if geometrie is None or geometrie.is_empty:
        return None
    parties = [
        p
        for p in shapely.get_parts(geometrie)
        if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty and p.area > 0
    ]
    morceaux = [q for p in parties for q in shapely.get_parts(p)]
    if not morceaux:
        return None
    return morceaux[0] if len(morceaux) == 1 else shapely.MultiPolygon(morceaux)


def reparer(geometrie) -> tuple[object | None, bool]:
    """A valid polygonal geometry, and whether it had to be repaired (None: unrepairable)."""
    if geometrie is None or geometrie.is_empty:
        return None, False
    if geometrie.is_valid:
        return surfacique(geometrie), False
    return surfacique(shapely.make_valid(geometrie)), True


def projection_locale(geometries: Sequence) -> tuple[Transformer, Transformer]:
    """Transformations WGS84 <-> metres, centred on the given geometries (azimuthal equidistant)."""
    presentes = [g for g in geometries if g is not None and not g.is_empty]
    if presentes:
        xmin, ymin, xmax, ymax = shapely.total_bounds(presentes)
        lon, lat = (xmin + xmax) / 2, (ymin + ymax) / 2
    else:
        lon, lat = 2.5, 46.5
    locale = CRS.from_proj4(
        f"+proj=aeqd +lat_0={lat:.6f} +lon_0={lon:.6f} +datum=WGS84 +units=m +no_defs"
    )
    return (
        Transformer.from_crs(WGS84, locale, always_xy=True),
        Transformer.from_crs(locale, WGS84, always_xy=True),
    )


def simplifier(
    geometries: Sequence,
    tolerance_m: float,
    projection: tuple[Transformer, Transformer],
    couverture: bool = False,
) -> list:
    """Simplified copies (WGS84) of WGS84 geometries, topology kept.

    `couverture`: the geometries tile a territory (communes), so shared borders are simplified
    once and stay shared (no slivers between neighbours); falls back to one-by-one simplification
    when the tiling is not clean.
    """
    aller, retour = projection
    en_metres = [transformer(g, aller) for g in geometries]
    indices = [i for i, g in enumerate(en_metres) if g is not None]
    resultat: list = [None] * len(geometries)
    simplifiees = None
    if couverture and len(indices) > 1:
        try:
            candidates = list(
                shapely.coverage_simplify([en_metres[i] for i in indices], tolerance_m)
            )
            if all(g is not None and g.is_valid and not g.is_empty for g in candidates):
                simplifiees = candidates
        except shapely.errors.GEOSException:
            simplifiees = None
    if simplifiees is None:
        simplifiees = [
            shapely.simplify(en_metres[i], tolerance_m, preserve_topology=True) for i in indices
        ]
    for i, geometrie in zip(indices, simplifiees, strict=True):
        propre = surfacique(geometrie) if not geometrie.is_valid else geometrie
        # A polygon smaller than the tolerance may vanish: keep the original shape then.
        resultat[i] = arrondir(transformer(propre if propre is not None else en_metres[i], retour))
    return resultat


def arrondir(geometrie, decimales: int = 6):
    """Coordinates rounded to `decimales` (6: about 0.1 m), which keeps stored shapes compact."""
    if geometrie is None:
        return None
    arrondie = shapely.transform(geometrie, lambda xy: np.round(xy, decimales))
    return arrondie if arrondie.is_valid else surfacique(shapely.make_valid(arrondie))


def wkb(geometrie) -> bytes | None:
    return None if geometrie is None else shapely.to_wkb(geometrie)
