"""Pure map builders: masked query frames in, a folium map (or its HTML) out; no Streamlit here.

The map works without internet access: Leaflet comes from the files Streamlit serves locally
(`make assets` copies them to static/leaflet/), folium's default CDN scripts and styles (jQuery,
Bootstrap, Font Awesome, awesome-markers) are dropped, symbols are inline SVG, and there is no
tile layer unless the optional IGN Plan background is asked for. Every text from the data is
HTML-escaped before it reaches a tooltip or the legend; counts come already masked (`__secret`
columns) and are shown by their token, never by their value.
"""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from dataclasses import dataclass

import branca.element
import folium
import polars as pl
import shapely
from jinja2 import Template

from pre_pilotage import formats
from pre_pilotage.francais import effectif

LEAFLET_JS = "/app/static/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/leaflet/leaflet.css"
FOND_IGN = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
DECIMALES = 5  # about 1 m: enough for a map, and a much smaller page

# Sequential DSFR-like blues, light to dark (readable by colour-blind viewers as lightness steps).
BLEUS = ["#DCE4FF", "#A9BBF4", "#7189E6", "#3E57CF", "#000091"]
ROUGE = "#C9191E"
ORANGE = "#B34000"
GRIS = "#666666"
GRIS_CLAIR = "#CECECE"
VIOLET = "#A558A0"
HACHURES = "url(#pre-hachures)"
# A QPV masked to protect another figure (« s »): dotted rather than hatched.
POINTILLES = "url(#pre-pointilles)"


@dataclass(frozen=True)
class Mesure:
    code: str  # indicator code in docs/indicateurs.md
    libelle: str
    colonne: str
    unite: str


MESURES = {
    "beneficiaires": Mesure("qpv_beneficiaires", "Enfants accompagnés", "beneficiaires", "nombre"),
    "pour_100": Mesure(
        "qpv_beneficiaires_pour_100",
        "Enfants accompagnés pour 100 enfants de moins de 15 ans",
        "beneficiaires_pour_100",
        "decimal",
    ),
    "part": Mesure(
        "qpv_part_programme", "Part des enfants du programme", "part_programme", "pourcentage"
    ),
}
COUCHES = {
    "qpv": "Quartiers prioritaires",
    "rep_plus": "Écoles et collèges REP+",
    "rep": "Écoles et collèges REP",
    "autres": "Autres écoles et collèges",
    "cites": "Cités éducatives",
    "communes": "Communes",
    "epci": "Intercommunalité",
}
COUCHES_PAR_DEFAUT = ("qpv", "rep_plus", "rep", "cites", "communes", "epci")
# Not a layer of the Carte page: the Cité page asks for it (`construire_carte(eps=True)`).
COUCHE_EPS = "Équipes pluridisciplinaires de soutien (EPS)"
POSITIONS = {
    "dans_qpv": "dans le quartier",
    "moins_300m": "à moins de 300 m",
    "hors_qpv": "à plus de 300 m de tout quartier",
}
SITUATIONS = {"dans_qpv": "dedans", "moins_300m": "< 300 m"}
TYPES = {"ecole": "École", "college": "Collège"}


def e(valeur) -> str:
    """HTML-escaped text of a value from the data."""
    return html.escape("" if valeur is None else str(valeur), quote=True)


def _cellule(ligne: dict, colonne: str, unite: str) -> str:
    jeton = ligne.get(f"{colonne}__secret")
    return jeton if jeton else formats.selon_unite(ligne.get(colonne), unite)


def _pourquoi_masques(lignes: list[dict], *colonnes: str) -> list[str]:
    """Tooltip lines saying why the masked cells among `colonnes` are hidden (one per token)."""
    jetons = {r.get(f"{c}__secret") for r in lignes for c in colonnes} - {None}
    presents = sorted(jetons, key=lambda j: (j == formats.JETON_SECONDAIRE, j))
    return [f"<em>{e(formats.explication_jeton(j))}</em>" for j in presents]


def genre_masque(jeton: str) -> str:
    """Map class of a QPV whose child count is masked: too few children, or protecting another."""
    return "protege" if jeton == formats.JETON_SECONDAIRE else "masque"


def libelle_masque(jeton: str) -> str:
    """Legend label of a masked QPV's class."""
    if jeton == formats.JETON_SECONDAIRE:
        return "« s » : masqué pour protéger un autre chiffre"
    return formats.explication_jeton(jeton)


def _geojson(geometrie) -> dict | None:
    if geometrie is None:
        return None
    forme = shapely.from_wkb(geometrie) if isinstance(geometrie, bytes) else geometrie
    if forme is None or forme.is_empty:
        return None
    return json.loads(shapely.to_geojson(shapely.set_precision(forme, 10**-DECIMALES)))


# ------------------------------------------------------------------------------ classes


class _StyleFixe:
    """A folium style function that can be pickled (the map is cached by Streamlit)."""

    def __init__(self, style: dict):
        self.style = style

    def __call__(self, _entite: dict) -> dict:
        return self.style


class _StyleSelonGenre:
    def __init__(self, styles: dict[str, dict]):
        self.styles = styles

    def __call__(self, entite: dict) -> dict:
        return self.styles[entite["properties"]["genre"]]


def bornes(valeurs: list[float], unite: str, classes: int = len(BLEUS)) -> list[float]:
    """Lower bounds of up to `classes` classes (quantiles of the shown positive values).

    Each class holds at least two distinct shown values (one class when the data has fewer), so
    the legend never reads « 34 à 35 », « 36 » for three values: it reads « 34 à 36 ». Bounds
    are shown values (rounded down to the unit's step), never a masked one."""
    positives = sorted(
        math.floor(v) if unite == "nombre" else math.floor(v * 10) / 10
        for v in valeurs
        if v is not None and v > 0
    )
    if not positives:
        return []
    distinctes = sorted(set(positives))
    nombre_classes = max(1, min(classes, len(distinctes) // 2))
    limites = [distinctes[0]]
    for k in range(1, nombre_classes):
        # A class starts at a quantile, but holds two distinct values at least, and so does
        # the last class.
        suivante = distinctes.index(limites[-1]) + 2
        if suivante > len(distinctes) - 2:
            break
        quantile = positives[k * len(positives) // nombre_classes]
        limites.append(min(max(quantile, distinctes[suivante]), distinctes[-2]))
    return limites


def classe(valeur: float, limites: list[float]) -> int:
    return max(k for k, b in enumerate(limites) if valeur >= b)


def libelles_classes(limites: list[float], maximum: float, unite: str) -> list[str]:
    pas = 1 if unite == "nombre" else 0.1
    textes = []
    for k, debut in enumerate(limites):
        fin = limites[k + 1] - pas if k + 1 < len(limites) else maximum
        a = formats.selon_unite(debut, unite)
        b = formats.selon_unite(fin, unite)
        textes.append(a if a == b else f"{a} à {b}")
    return textes


# --------------------------------------------------------------------------------- layers


@dataclass
class Legende:
    titre: str
    lignes: list[tuple[str, str]]  # (symbol HTML, escaped label)
    notes: list[str]


def _carre(fond: str, bord: str = GRIS, pointilles: bool = False, epaisseur: int = 1) -> str:
    tirets = ' stroke-dasharray="4 2"' if pointilles else ""
    return (
        f'<svg width="18" height="14" aria-hidden="true"><rect x="1" y="1" width="16" height="12"'
        f' fill="{fond}" stroke="{bord}" stroke-width="{epaisseur}"{tirets}/></svg>'
    )


def _trait(couleur: str, epaisseur: int, pointilles: bool = False) -> str:
    tirets = ' stroke-dasharray="5 3"' if pointilles else ""
    return (
        f'<svg width="18" height="14" aria-hidden="true"><line x1="1" y1="7" x2="17" y2="7"'
        f' stroke="{couleur}" stroke-width="{epaisseur}"{tirets}/></svg>'
    )


def symbole(ep: str | None, type_etablissement: str, lacune: bool) -> tuple[str, int]:
    """Inline SVG of a school: REP+ triangle, REP circle, others small grey dot; a school with no
    child followed is drawn hollow; collèges are bigger than écoles."""
    taille = 18 if type_etablissement == "college" else 13
    couleur = {"REP+": ROUGE, "REP": ORANGE}.get(ep, GRIS)
    remplissage = "#FFFFFF" if lacune else couleur
    trait = 2.5 if lacune else 1.2
    bord = couleur if lacune else "#FFFFFF"
    m = taille / 2
    marge = trait / 2 + 0.6  # keeps the stroke inside the icon
    if ep == "REP+":
        haut, bas = marge + 0.8, taille - marge
        forme = (
            f'<polygon points="{m},{haut} {bas},{bas} {marge},{bas}" '
            f'fill="{remplissage}" stroke="{bord}" stroke-width="{trait}" stroke-linejoin="round"/>'
        )
    elif ep == "REP":
        forme = (
            f'<circle cx="{m}" cy="{m}" r="{m - marge}" fill="{remplissage}" stroke="{bord}" '
            f'stroke-width="{trait}"/>'
        )
    else:
        taille = 9 if type_etablissement == "college" else 7
        forme = f'<circle cx="{taille / 2}" cy="{taille / 2}" r="{taille / 2 - 1}" fill="{GRIS}"/>'
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{taille}" height="{taille}" '
        f'aria-hidden="true">{forme}</svg>'
    )
    return svg, taille


def _infobulle(titre: str, lignes: list[str]) -> str:
    return f"<strong>{titre}</strong>" + "".join(f"<br>{ligne}" for ligne in lignes)


def _couche_qpv(carte, qpv: pl.DataFrame, mesure: Mesure, legende: Legende) -> None:
    lignes = qpv.to_dicts()
    visibles = [
        r[mesure.colonne]
        for r in lignes
        if r[mesure.colonne] is not None and not r.get(f"{mesure.colonne}__secret")
    ]
    limites = bornes(visibles, mesure.unite)
    entites = []
    for r in lignes:
        forme = _geojson(r["geom"])
        if forme is None:
            continue
        if r.get("beneficiaires__secret"):
            genre = genre_masque(r["beneficiaires__secret"])
        elif r["beneficiaires"] == 0:
            genre = "lacune"
        elif r[mesure.colonne] is None or r.get(f"{mesure.colonne}__secret"):
            genre = "inconnu"
        else:
            genre = f"c{classe(r[mesure.colonne], limites)}"
        entites.append(
            {
                "type": "Feature",
                "id": r["code_qp"],
                "properties": {
                    "code_qp": r["code_qp"],
                    "genre": genre,
                    "infobulle": infobulle_qpv(r, mesure),
                },
                "geometry": forme,
            }
        )
    styles = {
        "masque": {"fillColor": HACHURES, "fillOpacity": 1, "color": GRIS, "weight": 1.5},
        "protege": {"fillColor": POINTILLES, "fillOpacity": 1, "color": GRIS, "weight": 1.5},
        "lacune": {
            "fillColor": "#FFFFFF",
            "fillOpacity": 0.9,
            "color": ROUGE,
            "weight": 3,
            "dashArray": "6 4",
        },
        "inconnu": {"fillColor": GRIS_CLAIR, "fillOpacity": 0.8, "color": GRIS, "weight": 1.5},
    } | {
        f"c{k}": {"fillColor": couleur, "fillOpacity": 0.85, "color": "#000091", "weight": 1.5}
        for k, couleur in enumerate(BLEUS[: len(limites)])
    }
    if entites:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": entites},
            name=COUCHES["qpv"],
            style_function=_StyleSelonGenre(styles),
            highlight_function=_StyleFixe({"weight": 4, "color": "#161616"}),
            tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True),
        ).add_to(carte)
    maximum = max(visibles, default=0)
    genres = {f["properties"]["genre"] for f in entites}
    textes = libelles_classes(limites, maximum, mesure.unite)
    if any(g.startswith("c") for g in genres):  # classes only when some shaded QPV is drawn
        for texte, couleur in zip(textes, BLEUS, strict=False):
            legende.lignes.append((_carre(couleur, "#000091"), e(texte)))
    jetons = {r.get("beneficiaires__secret") for r in lignes if r["geom"] is not None} - {None}
    for jeton in sorted(jetons, key=lambda j: (j == formats.JETON_SECONDAIRE, j)):
        motif = POINTILLES if genre_masque(jeton) == "protege" else HACHURES
        legende.lignes.append((_carre(motif), e(libelle_masque(jeton))))
    if "lacune" in genres:
        legende.lignes.append(
            (_carre("#FFFFFF", ROUGE, True, 2), "aucun enfant accompagné (lacune de couverture)")
        )
    if "inconnu" in genres:
        legende.lignes.append((_carre(GRIS_CLAIR), "mesure non disponible"))


def infobulle_qpv(r: dict, mesure: Mesure) -> str:
    lignes = [
        f"Code : {e(r['code_qp'])}",
        f"Commune : {e(r['communes'])}",
        f"Enfants accompagnés en {e(r['annee'])} : {e(_cellule(r, 'beneficiaires', 'nombre'))}",
    ]
    if r.get("population_enfants"):
        lignes.append(
            "Pour 100 enfants de moins de 15 ans : "
            + e(_cellule(r, "beneficiaires_pour_100", "decimal"))
        )
    lignes.append(
        f"Part des enfants du programme : {e(_cellule(r, 'part_programme', 'pourcentage'))}"
    )
    if mesure.colonne == "beneficiaires_pour_100" and not r.get("population_enfants"):
        lignes.append("Population des moins de 15 ans inconnue")
    colonnes = ["beneficiaires", "part_programme"]
    if r.get("population_enfants"):
        colonnes.append("beneficiaires_pour_100")
    lignes += _pourquoi_masques([r], *colonnes)
    lignes.append("Cliquer pour ouvrir la fiche du quartier")
    return _infobulle(f"Quartier prioritaire {e(r['nom'])}", lignes)


def _qpv_sans_contour(carte, qpv: pl.DataFrame, contours: pl.DataFrame, legende: Legende) -> None:
    """QPV listed without a contour: one marker on each commune holding some, listing them."""
    sans = [r for r in qpv.to_dicts() if r["geom"] is None]
    if not sans:
        return
    formes = {
        r["code"]: shapely.from_wkb(r["geom"])
        for r in contours.filter(pl.col("nature") == "commune").to_dicts()
        if r["geom"] is not None
    }
    par_commune = defaultdict(list)
    for r in sans:
        par_commune[r["code_insee"]].append(r)
    entites = []
    for code, quartiers in sorted(par_commune.items()):
        if code not in formes:
            continue
        point = formes[code].representative_point()
        lignes = [
            f"{e(q['nom'])} ({e(q['code_qp'])}) : "
            f"{e(_cellule(q, 'beneficiaires', 'nombre'))} enfants accompagnés"
            for q in quartiers
        ] + _pourquoi_masques(quartiers, "beneficiaires")
        titre = (
            f"{e(quartiers[0]['communes'])} : "
            f"{effectif(len(quartiers), 'quartier')} sans contour connu"
        )
        entites.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"infobulle": _infobulle(titre, lignes)},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, DECIMALES), round(point.y, DECIMALES)],
                },
            }
        )
    place = len(entites)
    if entites:
        # Markers through GeoJSON, so that Leaflet never builds its default (image) icon.
        folium.GeoJson(
            {"type": "FeatureCollection", "features": entites},
            name="Quartiers sans contour",
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=_SANS_CONTOUR, icon_size=(22, 22), icon_anchor=(11, 11), class_name="pre"
                )
            ),
            tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True),
        ).add_to(carte)
    if place:
        legende.lignes.append(
            (
                _SANS_CONTOUR_PETIT,
                "quartier sans contour, placé sur sa commune"
                if place == 1
                else "quartiers sans contour, placés sur leur commune",
            )
        )
    legende.notes.append(
        f"{effectif(len(sans), 'quartier prioritaire')} de cette géographie "
        + (
            "n'a pas de contour dans les fichiers chargés : il est listé à côté de la carte"
            if len(sans) == 1
            else "n'ont pas de contour dans les fichiers chargés : ils sont listés à côté "
            "de la carte"
        )
        + (" et signalé sur sa commune." if place and len(sans) == 1 else "")
        + (" et signalés sur leur commune." if place and len(sans) > 1 else "")
        + ("." if not place else "")
    )


_SANS_CONTOUR = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="22" height="22" aria-hidden="true">'
    '<circle cx="11" cy="11" r="9" fill="#FFFFFF" stroke="#000091" stroke-width="2" '
    'stroke-dasharray="3 2"/><text x="11" y="15" text-anchor="middle" font-size="11" '
    'font-family="sans-serif" fill="#000091">Q</text></svg>'
)
_SANS_CONTOUR_PETIT = _SANS_CONTOUR.replace(
    'width="22" height="22"', 'width="18" height="18" viewBox="0 0 22 22"'
)


def infobulle_etablissement(r: dict, annee: int) -> str:
    reseau = r["education_prioritaire"] or "hors éducation prioritaire"
    lignes = [
        f"{TYPES.get(r['type_etablissement'], '')} – {e(reseau)} – UAI {e(r['uai'])}",
        f"Commune : {e(r['commune'])}",
    ]
    if r.get("tete_reseau") and r["uai_tete_reseau"] != r["uai"]:
        lignes.append(f"Réseau du {e(r['tete_reseau'])}")
    if r.get("position_qpv"):
        position = POSITIONS[r["position_qpv"]]
        if r["position_qpv"] != "hors_qpv" and r.get("qpv_proche"):
            position += f" {e(r['qpv_proche'])}"
        lignes.append(f"Position : {position}")
    lignes.append(
        f"Enfants accompagnés scolarisés en {annee} : {e(_cellule(r, 'beneficiaires', 'nombre'))}"
    )
    return _infobulle(e(r["nom"]), lignes + _pourquoi_masques([r], "beneficiaires"))


def _couches_etablissements(
    carte, etablissements: pl.DataFrame, couches: set[str], annee: int, legende: Legende
) -> None:
    groupes = defaultdict(list)
    for r in etablissements.to_dicts():
        if r["longitude"] is None:
            continue
        ep = r["education_prioritaire"]
        couche = {"REP+": "rep_plus", "REP": "rep"}.get(ep, "autres")
        if couche not in couches:
            continue
        lacune = ep is not None and r["beneficiaires"] == 0 and not r["beneficiaires__secret"]
        groupes[(couche, ep, r["type_etablissement"], lacune)].append(
            {
                "type": "Feature",
                "id": r["uai"],
                "properties": {"uai": r["uai"], "infobulle": infobulle_etablissement(r, annee)},
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(r["longitude"], DECIMALES),
                        round(r["latitude"], DECIMALES),
                    ],
                },
            }
        )
    for couche in ("autres", "rep", "rep_plus"):
        cles = sorted(k for k in groupes if k[0] == couche)
        if not cles:
            continue
        groupe = folium.FeatureGroup(name=COUCHES[couche])
        for cle in cles:
            _, ep, genre, lacune = cle
            svg, taille = symbole(ep, genre, lacune)
            folium.GeoJson(
                {"type": "FeatureCollection", "features": groupes[cle]},
                marker=folium.Marker(
                    icon=folium.DivIcon(
                        html=svg,
                        icon_size=(taille, taille),
                        icon_anchor=(taille // 2, taille // 2),
                        class_name="pre",
                    )
                ),
                tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True),
            ).add_to(groupe)
        groupe.add_to(carte)
    presents = set(groupes)
    for ep, libelle in (("REP+", "REP+"), ("REP", "REP")):
        for genre, nom in (("college", "collège"), ("ecole", "école")):
            if any(k[1] == ep and k[2] == genre and not k[3] for k in presents):
                legende.lignes.append((symbole(ep, genre, False)[0], f"{nom} {libelle}"))
        if any(k[1] == ep and k[3] for k in presents):
            legende.lignes.append(
                (
                    symbole(ep, "ecole", True)[0],
                    f"école ou collège {libelle} sans enfant accompagné en {annee}",
                )
            )
    if any(k[0] == "autres" for k in presents):
        legende.lignes.append((symbole(None, "ecole", False)[0], "autre école ou collège"))


def _couche_contours(carte, contours: pl.DataFrame, couches: set[str], legende: Legende) -> None:
    for nature, couche, style, symbole_legende in (
        (
            "epci",
            "epci",
            {"fillColor": "#F5F5FE", "fillOpacity": 1, "color": "#3A3A3A", "weight": 3},
            _trait("#3A3A3A", 3),
        ),
        (
            "commune",
            "communes",
            {"fill": False, "color": "#929292", "weight": 1.2},
            _trait("#929292", 1),
        ),
    ):
        if couche not in couches:
            continue
        entites = [
            {
                "type": "Feature",
                "id": r["code"],
                "properties": {"infobulle": _infobulle(e(r["nom"]), [])},
                "geometry": forme,
            }
            for r in contours.filter(pl.col("nature") == nature).to_dicts()
            if (forme := _geojson(r["geom"])) is not None
        ]
        if not entites:
            continue
        options = {"interactive": False} if nature == "epci" else {}
        folium.GeoJson(
            {"type": "FeatureCollection", "features": entites},
            name=COUCHES[couche],
            style_function=_StyleFixe(style),
            tooltip=None
            if nature == "epci"
            else folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True),
            **options,
        ).add_to(carte)
        legende.lignes.append((symbole_legende, e(COUCHES[couche])))


def _couche_cites(carte, cites: pl.DataFrame, legende: Legende) -> None:
    entites = []
    for r in cites.to_dicts():
        forme = _geojson(r["geom"])
        if forme is None:
            continue
        lignes = [f"Communes : {e(r['communes'])}"]
        if r["codes_qp"]:
            quartiers = effectif(len(r["codes_qp"]), "quartier prioritaire")
            if r["qpv_deduits"]:
                quartiers += " (déduits de ses communes)"
            lignes.append(e(quartiers))
        if r.get("chef_de_file"):
            lignes.append(f"Collège chef de file : {e(r['chef_de_file'])}")
        entites.append(
            {
                "type": "Feature",
                "id": r["cite_id"],
                "properties": {"infobulle": _infobulle(e(r["nom"]), lignes)},
                "geometry": forme,
            }
        )
    if not entites:
        return
    folium.GeoJson(
        {"type": "FeatureCollection", "features": entites},
        name=COUCHES["cites"],
        style_function=_StyleFixe(
            {"fill": False, "color": VIOLET, "weight": 3, "dashArray": "8 5"}
        ),
        tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True),
    ).add_to(carte)
    legende.lignes.append((_trait(VIOLET, 3, True), "périmètre de Cité éducative"))


VERT = "#18753C"


def badge_eps(reunie: bool) -> str:
    """Inline SVG of a QPV's EPS: filled when an EPS of the programme met there in the year,
    hollow and dashed when none did (told apart without colour)."""
    fond, bord, texte = (VERT, "#FFFFFF", "#FFFFFF") if reunie else ("#FFFFFF", ORANGE, ORANGE)
    tirets = "" if reunie else ' stroke-dasharray="3 2"'
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="16" aria-hidden="true">'
        f'<rect x="1" y="1" width="28" height="14" rx="4" fill="{fond}" stroke="{bord}" '
        f'stroke-width="1.6"{tirets}/><text x="15" y="12" text-anchor="middle" font-size="10" '
        f'font-weight="bold" font-family="sans-serif" fill="{texte}">EPS</text></svg>'
    )


def infobulle_eps(r: dict, annee: int) -> str:
    nombre = r.get("eps_actives") or 0
    if nombre:
        ligne = f"Équipes pluridisciplinaires de soutien réunies en {e(annee)} : {nombre}"
    else:
        ligne = f"Aucune équipe pluridisciplinaire de soutien réunie en {e(annee)}"
    return _infobulle(f"Quartier prioritaire {e(r['nom'])}", [ligne])


def _couche_eps(carte, qpv: pl.DataFrame, annee: int, legende: Legende) -> None:
    """One badge per QPV with a contour: did an EPS of the programme meet there in the year?"""
    groupes: dict[bool, list[dict]] = {True: [], False: []}
    for r in qpv.to_dicts():
        if r["geom"] is None:
            continue
        # Above the quartier's top edge, so that the badge never hides the quartier itself.
        xmin, _, xmax, ymax = shapely.from_wkb(r["geom"]).bounds
        point = shapely.Point((xmin + xmax) / 2, ymax)
        groupes[bool(r.get("eps_actives"))].append(
            {
                "type": "Feature",
                "id": f"eps-{r['code_qp']}",
                "properties": {"code_qp": r["code_qp"], "infobulle": infobulle_eps(r, annee)},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(point.x, DECIMALES), round(point.y, DECIMALES)],
                },
            }
        )
    if not groupes[True] and not groupes[False]:
        return
    groupe = folium.FeatureGroup(name=COUCHE_EPS)
    for reunie in (True, False):
        if not groupes[reunie]:
            continue
        folium.GeoJson(
            {"type": "FeatureCollection", "features": groupes[reunie]},
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html=badge_eps(reunie),
                    icon_size=(30, 16),
                    icon_anchor=(15, 18),
                    class_name="pre",
                )
            ),
            tooltip=folium.GeoJsonTooltip(fields=["infobulle"], labels=False, sticky=True),
        ).add_to(groupe)
        texte = (
            f"une EPS s'est réunie dans le quartier en {annee}"
            if reunie
            else f"aucune EPS réunie dans le quartier en {annee}"
        )
        legende.lignes.append((badge_eps(reunie), e(texte)))
    groupe.add_to(carte)


def _couche_choisie(carte, qpv: pl.DataFrame, code_qp: str, legende: Legende) -> None:
    """The chosen quartier (clicked on the map, picked in the list or in the ranked table)
    drawn with a thick dark outline above the others; not interactive, so its tooltip stays."""
    for r in qpv.filter(pl.col("code_qp") == code_qp).to_dicts():
        forme = _geojson(r["geom"])
        if forme is None:
            continue
        folium.GeoJson(
            {
                "type": "Feature",
                "id": f"choisi-{r['code_qp']}",
                "properties": {},
                "geometry": forme,
            },
            name="Quartier choisi",
            style_function=_StyleFixe(
                {"fill": False, "color": "#161616", "weight": 5, "opacity": 1}
            ),
            interactive=False,
        ).add_to(carte)
        legende.lignes.append(
            (_carre("#FFFFFF", "#161616", epaisseur=3), f"quartier choisi : {e(r['nom'])}")
        )


def _couche_noms(carte, qpv: pl.DataFrame) -> None:
    """Each drawn quartier's name, written on the map at a point inside it (names only: no
    figure, so nothing to mask); not interactive, so tooltips and clicks go through."""
    groupe = folium.FeatureGroup(name="Noms des quartiers")
    for r in qpv.to_dicts():
        if r["geom"] is None:
            continue
        forme = shapely.from_wkb(r["geom"]) if isinstance(r["geom"], bytes) else r["geom"]
        if forme is None or forme.is_empty:
            continue
        point = forme.representative_point()
        folium.Marker(
            [round(point.y, DECIMALES), round(point.x, DECIMALES)],
            icon=folium.DivIcon(
                html=f'<span class="pre-nom">{e(r["nom"])}</span>',
                icon_size=(0, 0),
                icon_anchor=(0, 0),
                class_name="pre-etiquette",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(groupe)
    groupe.add_to(carte)


# -------------------------------------------------------------------------------- the map


class _Habillage(branca.element.MacroElement):
    """Hatching pattern, French zoom control, attribution, CSS of the symbols, and the legend."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            if (!document.getElementById("pre-motifs")) {
                document.body.insertAdjacentHTML("beforeend", {{ this.motifs|tojson }});
            }
            var style = document.createElement("style");
            style.textContent = {{ this.css|tojson }};
            document.head.appendChild(style);
            var carte = {{ this._parent.get_name() }};
            L.control.zoom({zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière"}).addTo(carte);
            L.control.scale({imperial: false}).addTo(carte);
            carte.attributionControl.setPrefix("Leaflet");
            carte.attributionControl.addAttribution({{ this.attribution|tojson }});
            var legende = L.control({position: "topright"});
            legende.onAdd = function() {
                var div = L.DomUtil.create("div", "pre-legende");
                div.setAttribute("role", "region");
                div.setAttribute("aria-label", "Légende de la carte");
                div.innerHTML = {{ this.legende|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legende.addTo(carte);
            var details = legende.getContainer().querySelector("details");
            // A narrow map opens with its legend folded: the territory comes first.
            if (details && carte.getSize().x < 760) { details.open = false; }
            var emprise = {{ this.emprise|tojson }};
            var cadrer = function() {
                if (!emprise) { return; }
                var largeur = carte.getSize().x;
                var place = legende.getContainer().offsetWidth;
                // Keep the territory out from under the legend when there is room beside it.
                var droite = place && place < largeur * 0.4 ? place + 24 : 16;
                carte.fitBounds(emprise, {
                    paddingTopLeft: [16, 16], paddingBottomRight: [droite, 16]
                });
            };
            cadrer();
            // The map may be laid out after this script (inside Streamlit's frame) or its window
            // resized: frame the territory again, until the reader moves or zooms the map.
            var touchee = false;
            ["mousedown", "wheel", "keydown", "touchstart"].forEach(function(evenement) {
                carte.getContainer().addEventListener(evenement, function() { touchee = true; });
            });
            carte.on("resize", function() {
                if (!touchee && carte.getSize().x > 0) { cadrer(); }
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legende: str, attribution: str, emprise: list[list[float]] | None = None):
        super().__init__()
        self._name = "Habillage"
        self.legende = legende
        self.attribution = attribution
        self.emprise = emprise
        self.motifs = (
            '<svg id="pre-motifs" width="0" height="0" style="position:absolute" '
            'aria-hidden="true"><defs><pattern id="pre-hachures" patternUnits="userSpaceOnUse" '
            'width="8" height="8" patternTransform="rotate(45)"><rect width="8" height="8" '
            'fill="#EEEEEE"/><line x1="0" y1="0" x2="0" y2="8" stroke="#666666" '
            'stroke-width="3"/></pattern><pattern id="pre-pointilles" '
            'patternUnits="userSpaceOnUse" width="7" height="7"><rect width="7" height="7" '
            'fill="#EEEEEE"/><circle cx="3.5" cy="3.5" r="1.6" fill="#666666"/></pattern></defs>'
            "</svg>"
        )
        self.css = (
            ".leaflet-container{background:#FFFFFF;font-family:Marianne,Arial,sans-serif}"
            ".pre{background:none;border:none}"
            ".pre-legende{background:rgba(255,255,255,.94);padding:6px 9px;border:1px solid "
            "#CECECE;border-radius:4px;font-size:12px;line-height:1.35;color:#161616;"
            "max-width:210px;max-height:calc(100vh - 40px);overflow:auto}"
            ".pre-legende summary{font-weight:bold;font-size:13px;cursor:pointer}"
            ".pre-legende .ligne{display:flex;align-items:center;gap:6px}"
            ".pre-legende svg{flex-shrink:0}"
            ".pre-legende .note{margin-top:6px;color:#3A3A3A;font-size:12px}"
            ".leaflet-tooltip{font-size:13px;line-height:1.4}"
            ".pre-etiquette{background:none;border:none;pointer-events:none}"
            ".pre-nom{position:absolute;transform:translate(-50%,-50%);white-space:nowrap;"
            "font-size:12px;font-weight:700;color:#161616;pointer-events:none;"
            "text-shadow:0 0 3px #FFF,0 0 3px #FFF,0 0 2px #FFF,0 0 2px #FFF}"
        )


def _legende_html(legendes: list[Legende]) -> str:
    morceaux = ['<details open><summary title="Replier ou déplier la légende">Légende</summary>']
    for legende in legendes:
        if not legende.lignes and not legende.notes:
            continue
        if legende.titre:
            morceaux.append(f"<div><strong>{legende.titre}</strong></div>")
        morceaux += [
            f'<div class="ligne">{symbole_html}<span>{texte}</span></div>'
            for symbole_html, texte in legende.lignes
        ]
        morceaux += [f'<div class="note">{e(note)}</div>' for note in legende.notes]
    return "".join(morceaux) + "</details>"


def _emprise(*cadres: pl.DataFrame) -> list[list[float]] | None:
    formes = [
        shapely.from_wkb(g)
        for cadre in cadres
        if "geom" in cadre.columns
        for g in cadre["geom"]
        if g is not None
    ]
    points = [
        shapely.Point(x, y)
        for cadre in cadres
        if "longitude" in cadre.columns and "geom" not in cadre.columns
        for x, y in zip(cadre["longitude"], cadre["latitude"], strict=True)
        if x is not None
    ]
    if not formes and not points:
        return None
    xmin, ymin, xmax, ymax = shapely.total_bounds(formes + points)
    return [[ymin, xmin], [ymax, xmax]]


def construire_carte(
    qpv: pl.DataFrame,
    etablissements: pl.DataFrame,
    contours: pl.DataFrame,
    cites: pl.DataFrame,
    mesure: str = "beneficiaires",
    couches: tuple[str, ...] | set[str] = COUCHES_PAR_DEFAUT,
    annee: int | None = None,
    fond_ign: bool = False,
    eps: bool = False,
    *,
    choisi: str | None = None,
    noms: bool = False,
    commune: str | None = None,
    cadrage: str = "objets",
) -> folium.Map:
    """The Carte page's map from the masked frames of the `carte_*` queries; `eps` adds a badge
    per QPV telling whether an EPS of the programme met there in the year.

    `choisi`: a QPV code outlined above the others; `noms`: each QPV's name written on the map;
    `commune`: a commune code the map opens on; `cadrage`: what the map opens on otherwise,
    "territoire" (the programme's whole territory) or "objets" (its quartiers and schools)."""
    couches = set(couches)
    choisie = MESURES[mesure]
    carte = folium.Map(
        location=[46.6, 2.4],
        zoom_start=6,
        tiles=None,
        zoom_control=False,
        prefer_canvas=False,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    # No CDN: only Leaflet, served by Streamlit from static/leaflet/.
    carte.default_js = [("leaflet", LEAFLET_JS)]
    carte.default_css = [("leaflet_css", LEAFLET_CSS)]
    attribution = "Contours : IGN, ANCT, INSEE ; écoles : Éducation nationale"
    if fond_ign:
        folium.TileLayer(
            tiles=FOND_IGN,
            attr="Fond : Plan IGN (Géoplateforme)",
            name="Plan IGN",
            max_zoom=19,
            overlay=False,
        ).add_to(carte)
    legende_fond = Legende("", [], [])
    _couche_contours(carte, contours, couches, legende_fond)
    legende_qpv = Legende(f"{e(choisie.libelle)} par quartier prioritaire", [], [])
    if "qpv" in couches:
        _couche_qpv(carte, qpv, choisie, legende_qpv)
        _qpv_sans_contour(carte, qpv, contours, legende_qpv)
    legende_ecoles = Legende("Écoles et collèges", [], [])
    if "cites" in couches:
        _couche_cites(carte, cites, legende_fond)
    _couches_etablissements(carte, etablissements, couches, annee or 0, legende_ecoles)
    legende_eps = Legende(COUCHE_EPS, [], [])
    if eps:
        _couche_eps(carte, qpv, annee or 0, legende_eps)
    if choisi and "qpv" in couches:
        _couche_choisie(carte, qpv, choisi, legende_qpv)
    if noms and "qpv" in couches:
        _couche_noms(carte, qpv)
    _Habillage(
        _legende_html([legende_qpv, legende_ecoles, legende_eps, legende_fond]),
        attribution,
        emprise_initiale(qpv, etablissements, contours, cites, commune, cadrage),
    ).add_to(carte)
    return carte


def emprise_initiale(
    qpv: pl.DataFrame,
    etablissements: pl.DataFrame,
    contours: pl.DataFrame,
    cites: pl.DataFrame,
    commune: str | None = None,
    cadrage: str = "objets",
) -> list[list[float]] | None:
    """[[south, west], [north, east]] the map opens on: the filtered commune's outline; else the
    whole territory ("territoire") or its quartiers and schools ("objets", the territory's
    outline staying around them), falling back on the other when one has nothing to show."""
    if commune is not None and "code" in contours.columns:
        emprise = _emprise(
            contours.filter((pl.col("nature") == "commune") & (pl.col("code") == commune))
        )
        if emprise:
            return emprise
    objets = _emprise(qpv, cites, etablissements)
    territoire = _emprise(contours)
    if cadrage == "territoire":
        return _union(territoire, objets) or objets
    return objets or territoire


def _union(a: list[list[float]] | None, b: list[list[float]] | None) -> list[list[float]] | None:
    if a is None or b is None:
        return a or b
    return [
        [min(a[0][0], b[0][0]), min(a[0][1], b[0][1])],
        [max(a[1][0], b[1][0]), max(a[1][1], b[1][1])],
    ]


def html_carte(carte: folium.Map) -> str:
    """The standalone HTML page of a map (for the benchmark and exports)."""
    return carte.get_root().render()


# ----------------------------------------------------------------------- beside the map


@dataclass
class FicheQpv:
    """What the card of one QPV shows: its row of the map's frame, its schools, its Cités."""

    ligne: pl.DataFrame
    etablissements: pl.DataFrame
    cites: list[str]


def fiche_qpv(
    code_qp: str,
    qpv: pl.DataFrame,
    etablissements: pl.DataFrame,
    liens: pl.DataFrame,
    cites: pl.DataFrame,
) -> FicheQpv | None:
    """The QPV's card, from frames already masked (so its figures match the map's exactly)."""
    ligne = qpv.filter(pl.col("code_qp") == code_qp)
    if ligne.is_empty():
        return None
    proches = liens.filter(pl.col("code_qp") == code_qp).select("uai", "position", "distance_m")
    ecoles = (
        proches.join(etablissements, on="uai", how="inner")
        .with_columns(
            pl.col("type_etablissement").replace_strict(TYPES, default="").alias("type"),
            pl.col("education_prioritaire").fill_null("hors EP").alias("reseau"),
            pl.col("position").replace_strict(SITUATIONS, default="").alias("situation"),
        )
        .sort(["education_prioritaire", "nom"], descending=[True, False], nulls_last=True)
    )
    noms_cites = [
        nom
        for nom, codes in zip(cites["nom"].to_list(), cites["codes_qp"].to_list(), strict=True)
        if code_qp in (codes or [])
    ]
    return FicheQpv(ligne, ecoles, noms_cites)


def classement(qpv: pl.DataFrame, mesure: str = "beneficiaires") -> pl.DataFrame:
    """The quartiers ranked on the map's measure, from the map's own masked frame (so that every
    cell is the map's, token included): shown values first, largest first (equal values share a
    rank; a zero has no rank), then the quartiers whose measure is masked or unknown, by name
    and without a rank (their order says nothing of their hidden value)."""
    colonne = MESURES[mesure].colonne
    secret = f"{colonne}__secret"
    jetons = qpv[secret] if secret in qpv.columns else pl.Series([None] * qpv.height)
    connus = qpv.with_columns((jetons.is_null() & pl.col(colonne).is_not_null()).alias("_connu"))
    classes = pl.concat(
        [
            connus.filter(pl.col("_connu")).sort([colonne, "nom"], descending=[True, False]),
            connus.filter(~pl.col("_connu")).sort("nom"),
        ]
    )
    # A quartier where no child is followed is listed with its zero but not ranked: « 1er »
    # beside « 0 » (every other quartier masked) read as a top place (outside test).
    rang = (
        pl.when(pl.col("_connu") & (pl.col(colonne) > 0))
        .then(pl.col(colonne).rank("min", descending=True).over("_connu"))
        .otherwise(None)
        .cast(pl.Int64)
    )
    classes = classes.with_columns(rang.alias("rang")).drop("_connu")
    # Written as French ordinals (« 1er », « 2e »): a rank never reads as a small count.
    return classes.with_columns(
        pl.col("rang")
        .map_elements(lambda r: "1er" if r == 1 else f"{r}e", return_dtype=pl.String)
        .fill_null(formats.VIDE)
        .alias("rang_texte")
    )


def lacunes_qpv(qpv: pl.DataFrame) -> pl.DataFrame:
    """QPV with no child followed in the year (a shown zero, never a masked cell)."""
    return qpv.filter(
        (pl.col("beneficiaires") == 0) & pl.col("beneficiaires__secret").is_null()
    ).select("code_qp", "nom", "communes")


def lacunes_etablissements(etablissements: pl.DataFrame) -> pl.DataFrame:
    """REP+ and REP schools with no child followed in the year (shown zeros only)."""
    return (
        etablissements.filter(
            pl.col("education_prioritaire").is_not_null()
            & (pl.col("beneficiaires") == 0)
            & pl.col("beneficiaires__secret").is_null()
        )
        .with_columns(pl.col("type_etablissement").replace_strict(TYPES, default="").alias("type"))
        .sort(["education_prioritaire", "nom"], descending=[True, False])
        .select("uai", "nom", "type", "education_prioritaire", "commune")
    )


def qpv_sans_contour(qpv: pl.DataFrame) -> pl.DataFrame:
    return qpv.filter(pl.col("geom").is_null()).select("code_qp", "nom", "communes")
