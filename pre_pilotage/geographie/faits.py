"""Facts derived once, when the geography is built, and stored (docs/geographie.md).

- each school: inside a QPV, within 300 m of one, or neither, with the nearest QPV and the distance
  (reference geography: the most recent one with contours);
- each QPV: the schools inside it or within 300 m (so its REP/REP+ schools), for every geography;
- each Cité éducative: its QPV and schools when the source does not give them, and its perimeter.

Rows are the table-shaped dicts of `construction.Geographie`, geometry as WGS84 shapely objects.
"""

from __future__ import annotations

from collections import defaultdict

import shapely

from pre_pilotage.geographie import cog, geometrie, lecture

DANS, PROCHE, HORS = "dans_qpv", "moins_300m", "hors_qpv"


def annee_reference(qpv: list[dict]) -> int | None:
    """The most recent geography with at least one QPV contour."""
    return max((q["annee_geographie"] for q in qpv if q.get("geom") is not None), default=None)


def positions(etablissements: list[dict], qpv: list[dict], projection) -> list[dict]:
    """Fill each school's position columns; return the `qpv_etablissement` rows.

    Distances are in metres in the local projection; 0 means inside or on the border.
    """
    aller, _ = projection
    reference = annee_reference(qpv)
    places = [e for e in etablissements if e.get("longitude") is not None]
    for e in etablissements:
        e.update(position_qpv=None, code_qp_proche=None, distance_qpv_m=None)
    liens: list[dict] = []
    if not places:
        return liens
    points = geometrie.transformer(
        shapely.points([(e["longitude"], e["latitude"]) for e in places]), aller
    )
    annees = sorted({q["annee_geographie"] for q in qpv if q.get("geom") is not None})
    for annee in annees:
        quartiers = sorted(
            (q for q in qpv if q["annee_geographie"] == annee and q.get("geom") is not None),
            key=lambda q: q["code_qp"],
        )
        formes = [geometrie.transformer(q["geom"], aller) for q in quartiers]
        arbre = shapely.STRtree(formes)
        indices_points, indices_qpv = arbre.query(
            points, predicate="dwithin", distance=geometrie.DISTANCE_PROCHE_QPV_M
        )
        for i, j in zip(indices_points, indices_qpv, strict=True):
            distance = round(float(shapely.distance(points[i], formes[j])), 1)
            liens.append(
                {
                    "code_qp": quartiers[j]["code_qp"],
                    "uai": places[i]["uai"],
                    "position": DANS if distance == 0 else PROCHE,
                    "distance_m": distance,
                }
            )
        if annee != reference:
            continue
        plus_proches, distances = arbre.query_nearest(
            points, return_distance=True, all_matches=True
        )
        meilleur: dict[int, tuple[float, str]] = {}
        for i, j, d in zip(plus_proches[0], plus_proches[1], distances, strict=True):
            candidat = (round(float(d), 1), quartiers[j]["code_qp"])
            meilleur[i] = min(meilleur.get(i, candidat), candidat)
        for i, (distance, code) in meilleur.items():
            if distance == 0:
                position = DANS
            elif distance <= geometrie.DISTANCE_PROCHE_QPV_M:
                position = PROCHE
            else:
                position = HORS
            places[i].update(position_qpv=position, code_qp_proche=code, distance_qpv_m=distance)
    liens.sort(key=lambda r: (r["code_qp"], r["uai"]))
    return liens


def cites(geo, annee: int | None) -> None:
    """Complete each Cité's QPV, schools and perimeter (`geo`: a construction.Geographie)."""
    t = geo.tables
    qpv_par_commune = defaultdict(list)
    for lien in t["qpv_commune"]:
        qpv_par_commune[lien["code_insee"]].append(lien["code_qp"])
    annee_par_qpv = {q["code_qp"]: q["annee_geographie"] for q in t["qpv"]}
    geom_qpv = {q["code_qp"]: q.get("geom") for q in t["qpv"]}
    geom_commune = {c["code_insee"]: c.get("geom") for c in t["commune"]}
    etablissements = {e["uai"]: e for e in t["etablissement"]}
    proches = defaultdict(set)
    for lien in t["qpv_etablissement"]:
        proches[lien["code_qp"]].add(lien["uai"])
    communes_de = defaultdict(list)
    for lien in t["cite_educative_commune"]:
        communes_de[lien["cite_id"]].append(lien["code_insee"])
    qpv_de = defaultdict(list)
    for lien in t["cite_educative_qpv"]:
        lien.setdefault("origine", "declare")
        qpv_de[lien["cite_id"]].append(lien["code_qp"])
    etabs_de = defaultdict(list)
    for lien in t["cite_educative_etablissement"]:
        lien.setdefault("origine", "declare")
        etabs_de[lien["cite_id"]].append(lien["uai"])

    declares = {ident: bool(codes) for ident, codes in qpv_de.items()}
    declares = defaultdict(bool, declares)
    arrondissements = getattr(geo, "qpv_arrondissements", {}) or {}
    communes_qpv = defaultdict(list)
    for lien in t["qpv_commune"]:
        communes_qpv[lien["code_qp"]].append(lien["code_insee"])
    nom_qpv = {q["code_qp"]: q["nom"] for q in t["qpv"]}
    nom_commune = {c["code_insee"]: c["nom"] for c in t["commune"]}
    for cite in t["cite_educative"]:
        ident = cite["cite_id"]
        if not qpv_de[ident]:
            candidats = sorted(
                {
                    code
                    for commune in communes_de[ident]
                    for code in qpv_par_commune[commune]
                    if annee_par_qpv.get(code) == annee
                }
            )
            reste = _mots(cite["nom"]) - set().union(
                *(_mots(nom_commune.get(c, "")) for c in communes_de[ident])
            )
            # "Toulouse Grand Mirail" names its quartier: keep the QPV so named, if any.
            nommes = [c for c in candidats if reste and reste <= _mots(nom_qpv[c])]
            trouves = nommes or candidats
            grandes = set(cog.VILLES_A_ARRONDISSEMENTS.values()) & set(communes_de[ident])
            if grandes:
                # Paris, Lyon, Marseille: a Cité never covers the whole city. « Lyon 8e » gets
                # the QPV of the 8th arrondissement when known; otherwise only QPV it names.
                arrondissement = _code_arrondissement(cite["nom"])
                if arrondissement:
                    trouves = [c for c in candidats if arrondissement in arrondissements.get(c, [])]
                else:
                    trouves = [c for c in nommes if c in candidats] + [
                        c
                        for c in candidats
                        if not set(communes_qpv[c]) & grandes and c not in nommes
                    ]
            qpv_de[ident] = trouves
            t["cite_educative_qpv"] += [
                {"cite_id": ident, "code_qp": code, "origine": "deduit"} for code in trouves
            ]
        if not etabs_de[ident]:
            trouves = set()
            chef = cite.get("uai_chef_de_file")
            if chef in etablissements:
                trouves.add(chef)
                trouves |= {
                    u for u, e in etablissements.items() if e.get("uai_tete_reseau") == chef
                }
            avec_contour = [q for q in qpv_de[ident] if geom_qpv.get(q) is not None]
            for code in avec_contour:
                trouves |= {
                    u for u in proches[code] if etablissements[u].get("education_prioritaire")
                }
            if not avec_contour:
                trouves |= {
                    u
                    for u, e in etablissements.items()
                    if e["code_insee"] in communes_de[ident] and e.get("education_prioritaire")
                }
            t["cite_educative_etablissement"] += [
                {"cite_id": ident, "uai": u, "origine": "deduit"} for u in sorted(trouves)
            ]
        if declares[ident]:
            cite["perimetre"] = "qpv_declares"
        elif qpv_de[ident]:
            cite["perimetre"] = "qpv_deduits"
        else:
            cite["perimetre"] = "communes"
        formes = [geom_qpv[q] for q in qpv_de[ident] if geom_qpv.get(q) is not None]
        if not formes:
            formes = [
                geom_commune[c] for c in communes_de[ident] if geom_commune.get(c) is not None
            ]
        cite["geom"] = geometrie.surfacique(shapely.union_all(formes)) if formes else None


_MOTS_VIDES = {
    "le",
    "la",
    "les",
    "de",
    "du",
    "des",
    "d",
    "l",
    "et",
    "sur",
    "en",
    "cite",
    "educative",
}


def _mots(nom: str) -> set[str]:
    """Significant words of a name, lower case and without accents."""
    return {m for m in lecture.normaliser(nom).split("_") if m and m not in _MOTS_VIDES}


def _code_arrondissement(nom: str) -> str | None:
    """INSEE code of the arrondissement a Cité's name designates (« Lyon 8e » -> 69388)."""
    trouve = cog.arrondissement(nom)
    if not trouve:
        return None
    ville, numero, _ = trouve
    base = {"paris": 75100, "lyon": 69380, "marseille": 13200}[ville]
    return str(base + numero)


def point_interieur(geom) -> tuple[float | None, float | None]:
    if geom is None:
        return None, None
    point = geom.representative_point()
    return round(point.x, 6), round(point.y, 6)
