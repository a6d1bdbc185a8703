"""Fictional but coherent geography of one demo territory (built in Lambert-93, stored in WGS84).

Communes tile an irregular territory (Voronoi cells), QPV are polygons inside communes, schools
are points, some inside a QPV, some within 300 m of one, some far; collèges head REP/REP+ networks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.ops import transform, unary_union

from pre_pilotage.demo import codes

LAMBERT93_VERS_WGS84 = Transformer.from_crs(2154, 4326, always_xy=True)
DISTANCE_PROCHE_QPV_M = 300

NOMS_COMMUNES = [
    "Valrenne",
    "Montcalve-sur-Selle",
    "Aubricourt",
    "Saint-Aurel-les-Mines",
    "Hernoy",
    "Bruille-la-Forêt",
    "Cardeval",
    "Les Hautes-Rives",
    "Morvaux",
    "Sainte-Olive-du-Canal",
    "Quérémont",
]
# Share of the territory's population living in each commune (the first is the ville-centre).
POPULATIONS = [42_000, 19_500, 16_000, 12_500, 9_200, 7_400, 6_100, 5_200, 4_300, 3_300, 2_600]
QPV_PAR_COMMUNE = [4, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0]
ECOLES_PAR_COMMUNE = [15, 9, 8, 6, 6, 5, 5, 4, 4, 3, 2]
COLLEGES_PAR_COMMUNE = [3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
NOMS_QPV = [
    "Les Tilleuls",
    "Le Moulin Blanc",
    "La Briqueterie",
    "Les Hauts de Sambre",
    "Chasse Royale",
    "Le Faubourg",
    "La Cité des Fleurs",
    "Les Aulnes",
    "Le Plateau",
    "Les Coteaux",
    "La Sucrerie",
    "Les Près du Canal",
    "Le Carré Vert",
    "La Garenne",
    "Les Ormeaux",
]
NOMS_PERSONNALITES = [
    "Jean-Jaurès",
    "Louise-Michel",
    "Jules-Ferry",
    "Marie-Curie",
    "Victor-Hugo",
    "Jean-Macé",
    "Paul-Langevin",
    "Lucie-Aubrac",
    "Pierre-Brossolette",
    "Simone-Veil",
    "Albert-Camus",
    "Anatole-France",
    "Jacques-Prévert",
    "Condorcet",
    "Pablo-Neruda",
    "Rosa-Parks",
    "Nelson-Mandela",
    "George-Sand",
    "Jean-Zay",
    "Germaine-Tillion",
]


@dataclass
class Territoire:
    """Everything geographic about one demo programme, geometry in Lambert-93 metres."""

    indice: int
    departement: str
    siren: str
    nom_epci: str
    contour: Polygon
    communes: list[dict] = field(default_factory=list)
    qpv: list[dict] = field(default_factory=list)
    etablissements: list[dict] = field(default_factory=list)
    cites: list[dict] = field(default_factory=list)


def _polygone_irregulier(rng, centre, rayon, sommets=24, irregularite=0.25) -> Polygon:
    angles = np.sort(rng.uniform(0, 2 * math.pi, sommets))
    rayons = rayon * (1 + rng.uniform(-irregularite, irregularite, sommets))
    points = [
        (centre[0] + r * math.cos(a), centre[1] + r * math.sin(a))
        for a, r in zip(angles, rayons, strict=True)
    ]
    return shapely.make_valid(Polygon(points)).buffer(0)


def _point_dans(rng, zone, essais=500) -> Point:
    minx, miny, maxx, maxy = zone.bounds
    for _ in range(essais):
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if zone.contains(p):
            return p
    return zone.representative_point()


def origine(indice: int) -> tuple[float, float]:
    """Lambert-93 centre of programme `indice`: the first in central France, others on a grid."""
    if indice == 0:
        return (720_000.0, 6_680_000.0)
    ligne, colonne = divmod(indice - 1, 30)
    return (160_000.0 + colonne * 35_000.0, 6_150_000.0 + ligne * 52_000.0)


def construire_territoire(indice: int, rng: np.random.Generator) -> Territoire:
    indice_dep = indice // 6
    departement = codes.departement_fictif(indice_dep)
    prefixe_uai = codes.prefixe_uai(indice_dep)
    rang_dans_dep = indice % 6
    suffixe = "" if indice == 0 else f" n° {indice + 1}"
    centre = origine(indice)
    contour = _polygone_irregulier(rng, centre, 12_000, sommets=28, irregularite=0.18)
    territoire = Territoire(
        indice=indice,
        departement=departement,
        siren=codes.siren_epci(indice),
        nom_epci=f"Agglomération de démonstration{suffixe}",
        contour=contour,
    )

    # Communes: the ville-centre seed at the middle, the others on a ring around it.
    graines = [Point(centre)]
    for k in range(len(NOMS_COMMUNES) - 1):
        angle = 2 * math.pi * k / (len(NOMS_COMMUNES) - 1) + rng.uniform(-0.2, 0.2)
        distance = rng.uniform(6_000, 8_500)
        graines.append(
            Point(centre[0] + distance * math.cos(angle), centre[1] + distance * math.sin(angle))
        )
    cellules = shapely.voronoi_polygons(MultiPoint(graines), extend_to=contour.buffer(5_000))
    for k, graine in enumerate(graines):
        cellule = next(c for c in cellules.geoms if c.contains(graine))
        forme = cellule.intersection(contour)
        numero = rang_dans_dep * 11 + k + 1
        nom = NOMS_COMMUNES[k] + suffixe
        territoire.communes.append(
            {
                "code_insee": codes.code_commune(departement, numero),
                "nom": nom,
                "population": int(POPULATIONS[k] * rng.uniform(0.9, 1.1)),
                "geom": forme,
                "rang": k,
            }
        )

    # QPV: small polygons well inside their commune, never overlapping each other.
    numero_qpv = rang_dans_dep * 15
    for commune, nombre in zip(territoire.communes, QPV_PAR_COMMUNE, strict=True):
        interieur = commune["geom"].buffer(-900)
        for _ in range(nombre):
            for _essai in range(200):
                centre_qpv = _point_dans(rng, interieur)
                forme = _polygone_irregulier(
                    rng, (centre_qpv.x, centre_qpv.y), rng.uniform(380, 650), sommets=12
                ).intersection(commune["geom"])
                if all(
                    forme.distance(q["geom"]) > 2 * DISTANCE_PROCHE_QPV_M for q in territoire.qpv
                ):
                    break
            numero_qpv += 1
            population = int(rng.integers(1_500, 7_500))
            territoire.qpv.append(
                {
                    "code_qp": codes.code_qpv(departement, numero_qpv),
                    "nom": NOMS_QPV[(numero_qpv - 1) % len(NOMS_QPV)] + suffixe,
                    "population": population,
                    # Under-15s: 18 to 26 % of the inhabitants (QPV are young), without drawing
                    # from the generator so that the rest of the demo stays the same.
                    "population_enfants": round(population * (0.18 + 0.08 * (numero_qpv % 5) / 4)),
                    "geom": forme,
                    "code_insee": commune["code_insee"],
                }
            )

    _placer_etablissements(territoire, rng, prefixe_uai, rang_dans_dep)
    _definir_cites(territoire, indice)
    return territoire


def _placer_etablissements(territoire, rng, prefixe_uai, rang_dans_dep) -> None:
    numero = rang_dans_dep * 1_000
    noms_utilises: set[tuple[str, str]] = set()

    def nom_unique(base: str, commune_nom: str) -> str:
        for personnalite in rng.permutation(NOMS_PERSONNALITES):
            nom = f"{base} {personnalite}"
            if (nom, commune_nom) not in noms_utilises:
                noms_utilises.add((nom, commune_nom))
                return nom
        return f"{base} n° {len(noms_utilises)}"

    # Zones are computed once per QPV or commune (the same shapes as computing them per school).
    zones: dict[tuple, object] = {}

    def zone(cle: tuple, calcul):
        if cle not in zones:
            zones[cle] = calcul()
            shapely.prepare(zones[cle])
        return zones[cle]

    def position(commune, qpv_commune, tirage) -> Point:
        # About 45 % inside a QPV, 25 % within 300 m of one, the rest elsewhere in the commune.
        if qpv_commune and tirage < 0.45:
            q = rng.choice(qpv_commune)
            return _point_dans(rng, zone(("dans", q["code_qp"]), lambda: q["geom"].buffer(-40)))
        if qpv_commune and tirage < 0.70:
            q = rng.choice(qpv_commune)
            return _point_dans(
                rng,
                zone(
                    ("anneau", q["code_qp"], commune["code_insee"]),
                    lambda: (
                        q["geom"]
                        .buffer(DISTANCE_PROCHE_QPV_M - 40)
                        .difference(q["geom"].buffer(40))
                        .intersection(commune["geom"])
                    ),
                ),
            )

        def loin():
            tous_qpv = unary_union([q["geom"] for q in territoire.qpv])
            reste = (
                commune["geom"].buffer(-150).difference(tous_qpv.buffer(DISTANCE_PROCHE_QPV_M + 60))
            )
            return reste if not reste.is_empty else commune["geom"]

        return _point_dans(rng, zone(("loin", commune["code_insee"]), loin))

    for commune in territoire.communes:
        qpv_commune = [q for q in territoire.qpv if q["code_insee"] == commune["code_insee"]]
        rang = commune["rang"]
        for type_etab, nombre in (
            ("college", COLLEGES_PAR_COMMUNE[rang]),
            ("ecole", ECOLES_PAR_COMMUNE[rang]),
        ):
            for _ in range(nombre):
                numero += 1
                if type_etab == "college":
                    nom = nom_unique("Collège", commune["nom"])
                else:
                    base = "École maternelle" if rng.random() < 0.35 else "École élémentaire"
                    nom = nom_unique(base, commune["nom"])
                tirage = rng.random() * (0.8 if type_etab == "college" else 1.0)
                territoire.etablissements.append(
                    {
                        "uai": codes.code_uai(prefixe_uai, numero),
                        "nom": nom,
                        "type_etablissement": type_etab,
                        "code_insee": commune["code_insee"],
                        "geom": position(commune, qpv_commune, tirage),
                    }
                )

    # Networks: each école joins its nearest collège; the collèges closest to a QPV head REP+
    # networks, the next ones REP networks, the farthest none.
    colleges = [e for e in territoire.etablissements if e["type_etablissement"] == "college"]
    tous_qpv = unary_union([q["geom"] for q in territoire.qpv])
    colleges.sort(key=lambda c: c["geom"].distance(tous_qpv))
    for rang, college in enumerate(colleges):
        college["education_prioritaire"] = "REP+" if rang < 4 else ("REP" if rang < 7 else None)
        college["uai_tete_reseau"] = college["uai"]
    for etab in territoire.etablissements:
        if etab["type_etablissement"] == "ecole":
            tete = min(colleges, key=lambda c: c["geom"].distance(etab["geom"]))
            etab["uai_tete_reseau"] = tete["uai"]
            etab["education_prioritaire"] = tete["education_prioritaire"]
    # Positions relative to the QPV are derived by pre_pilotage.geographie, as for real data.


def _definir_cites(territoire: Territoire, indice: int) -> None:
    """Two Cités éducatives: the ville-centre with commune 2, communes 3 and 4 together."""
    for k, (rangs, nom, annee) in enumerate(
        (
            ((0, 1), "Cité éducative de Valrenne-Montcalve", 2019),
            ((2, 3), "Cité éducative d'Aubricourt – Saint-Aurel", 2021),
        )
    ):
        communes = [territoire.communes[r]["code_insee"] for r in rangs]
        qpv = [q["code_qp"] for q in territoire.qpv if q["code_insee"] in communes]
        etabs = [
            e
            for e in territoire.etablissements
            if e["code_insee"] in communes and e["education_prioritaire"] is not None
        ]
        # Some generated territories have no REP collège in the Cité's communes: the nearest
        # collège of those communes (or of the territory) leads it then.
        chef = next(
            (e for e in etabs if e["type_etablissement"] == "college"),
            None,
        ) or min(
            (e for e in territoire.etablissements if e["type_etablissement"] == "college"),
            key=lambda e: (e["code_insee"] not in communes, e["education_prioritaire"] is None),
        )
        suffixe = "" if indice == 0 else f" n° {indice + 1}"
        territoire.cites.append(
            {
                "cite_id": codes.id_cite(indice * 2 + k),
                "nom": nom + suffixe,
                "uai_chef_de_file": chef["uai"],
                "annee_labellisation": annee,
                "communes": communes,
                "qpv": qpv,
                "etablissements": [e["uai"] for e in etabs],
            }
        )


def en_wgs84(geometrie):
    """Lambert-93 geometry to WGS84, as stored in the database."""
    return transform(LAMBERT93_VERS_WGS84.transform, geometrie)
