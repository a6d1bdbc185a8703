"""The Carte page's map as a Plotly figure, for PNG export and the report; no Streamlit here.

Same masked frames, same layers, classes, colours and symbols as the interactive map of
`cartes.construire_carte` (an EPCI outline, communes, QPV shaded by class, masked QPV hatched,
uncovered QPV outlined in red, Cités éducatives dashed, REP+ triangles and REP circles, hollow
when no child is followed), drawn on plain axes in longitude and latitude (scaled at the map's
latitude) so that the one warm Chromium of `rendu` renders it without any tile server.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl
import shapely

from pre_pilotage import cartes, formats

GRIS_CONTOUR = "#929292"


def _anneaux(geometrie) -> list[list[tuple[float, float]]]:
    """Exterior and interior rings of a WKB polygon or multipolygon, as lists of points."""
    if geometrie is None:
        return []
    forme = shapely.from_wkb(geometrie) if isinstance(geometrie, bytes) else geometrie
    if forme is None or forme.is_empty:
        return []
    polygones = list(forme.geoms) if hasattr(forme, "geoms") else [forme]
    anneaux = []
    for polygone in polygones:
        if polygone.geom_type != "Polygon":
            continue
        anneaux.append(list(polygone.exterior.coords))
        anneaux += [list(interieur.coords) for interieur in polygone.interiors]
    return anneaux


def _trace_surfaces(geometries, nom: str, style: dict, legende: bool = True) -> go.Scatter | None:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for geometrie in geometries:
        for anneau in _anneaux(geometrie):
            xs += [x for x, _ in anneau] + [None]
            ys += [y for _, y in anneau] + [None]
    if not xs:
        return None
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        name=nom,
        showlegend=legende,
        hoverinfo="skip",
        **style,
    )


def _classe_qpv(r: dict, colonne: str, limites: list[float]) -> str:
    if r.get("beneficiaires__secret"):
        return cartes.genre_masque(r["beneficiaires__secret"])
    if r["beneficiaires"] == 0:
        return "lacune"
    if r[colonne] is None or r.get(f"{colonne}__secret"):
        return "inconnu"
    return f"c{cartes.classe(r[colonne], limites)}"


def figure_carte(
    qpv: pl.DataFrame,
    etablissements: pl.DataFrame,
    contours: pl.DataFrame,
    cites: pl.DataFrame,
    mesure: str = "beneficiaires",
    couches: tuple[str, ...] | set[str] = cartes.COUCHES_PAR_DEFAUT,
    annee: int | None = None,
    noms: bool = False,
    commune: str | None = None,
) -> go.Figure:
    """The map of the `carte_*` frames (already masked) as a figure with its legend; `noms`:
    each QPV's name written on it (the report's map and the exported image, read without
    hovering); `commune`: a commune code the image is framed on (the page's commune filter)."""
    couches = set(couches)
    choisie = cartes.MESURES[mesure]
    fig = go.Figure()
    traces: list[go.Scatter | None] = []
    for nature, couche, style in (
        (
            "epci",
            "epci",
            {"fill": "toself", "fillcolor": "#F5F5FE", "line": {"color": "#3A3A3A", "width": 2.5}},
        ),
        ("commune", "communes", {"line": {"color": GRIS_CONTOUR, "width": 1}}),
    ):
        if couche in couches:
            lignes = contours.filter(pl.col("nature") == nature)
            traces.append(_trace_surfaces(lignes["geom"].to_list(), cartes.COUCHES[couche], style))

    if "qpv" in couches:
        lignes = qpv.to_dicts()
        visibles = [
            r[choisie.colonne]
            for r in lignes
            if r[choisie.colonne] is not None and not r.get(f"{choisie.colonne}__secret")
        ]
        limites = cartes.bornes(visibles, choisie.unite)
        libelles = cartes.libelles_classes(limites, max(visibles, default=0), choisie.unite)
        genres: dict[str, list] = {}
        for r in lignes:
            genres.setdefault(_classe_qpv(r, choisie.colonne, limites), []).append(r["geom"])
        ordre = [f"c{k}" for k in range(len(limites))] + ["masque", "protege", "lacune", "inconnu"]
        jetons = {
            _classe_qpv(r, choisie.colonne, limites): r.get("beneficiaires__secret") for r in lignes
        }
        for genre in ordre:
            if genre not in genres:
                continue
            if genre.startswith("c"):
                k = int(genre[1:])
                nom = f"{libelles[k]} ({choisie.libelle.lower()})"
                style = {
                    "fill": "toself",
                    "fillcolor": cartes.BLEUS[k],
                    "line": {"color": "#000091", "width": 1},
                }
            elif genre in ("masque", "protege"):
                nom = cartes.libelle_masque(jetons[genre])
                style = {
                    "fill": "toself",
                    "fillcolor": "#EEEEEE",
                    # Hatched: too few children; dotted: masked to protect another figure.
                    "fillpattern": {
                        "shape": "/" if genre == "masque" else ".",
                        "fgcolor": cartes.GRIS,
                        "size": 6,
                    },
                    "line": {"color": cartes.GRIS, "width": 1},
                }
            elif genre == "lacune":
                nom = "aucun enfant accompagné (lacune de couverture)"
                style = {
                    "fill": "toself",
                    "fillcolor": "#FFFFFF",
                    "line": {"color": cartes.ROUGE, "width": 2, "dash": "dash"},
                }
            else:
                nom = "mesure non disponible"
                style = {
                    "fill": "toself",
                    "fillcolor": cartes.GRIS_CLAIR,
                    "line": {"color": cartes.GRIS, "width": 1},
                }
            traces.append(_trace_surfaces(genres[genre], nom, style))

    if "cites" in couches:
        traces.append(
            _trace_surfaces(
                cites["geom"].to_list(),
                "périmètre de Cité éducative",
                {"line": {"color": cartes.VIOLET, "width": 2.5, "dash": "dash"}},
            )
        )
    for trace in traces:
        if trace is not None:
            fig.add_trace(trace)
    _etablissements(fig, etablissements, couches, annee)

    cadre_commune = (
        contours.filter((pl.col("nature") == "commune") & (pl.col("code") == commune))
        if commune is not None
        else contours.clear()
    )
    points = _points(cadre_commune) or _points(qpv, contours, cites, etablissements)
    if points:
        xmin, ymin, xmax, ymax = shapely.total_bounds(points)
        latitude = (ymin + ymax) / 2
        rapport = (ymax - ymin) / max((xmax - xmin) * math.cos(math.radians(latitude)), 1e-9)
    else:
        latitude, rapport = 46.6, 1.0
    hauteur = int(min(max(460 * rapport, 360), 760))
    if noms and "qpv" in couches:
        _noms_qpv(fig, qpv, (xmin, ymin, xmax, ymax) if points else None, hauteur, latitude)
    cadrage_x, cadrage_y = {}, {}
    if points and cadre_commune.height:
        # Framed on the commune: the rest of the territory is cut at the image's edges.
        marge_x, marge_y = (xmax - xmin) * 0.04, (ymax - ymin) * 0.04
        cadrage_x = {"range": [xmin - marge_x, xmax + marge_x]}
        cadrage_y = {"range": [ymin - marge_y, ymax + marge_y]}
    fig.update_xaxes(visible=False, showgrid=False, **cadrage_x)
    fig.update_yaxes(
        visible=False,
        showgrid=False,
        **cadrage_y,
        scaleanchor="x",
        scaleratio=1 / math.cos(math.radians(latitude)),
    )
    fig.update_layout(
        separators="," + formats.ESPACE_MILLIERS,
        font={"family": "Marianne, Arial, sans-serif", "size": 12, "color": "#161616"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        height=hauteur,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={
            "orientation": "v",
            "x": 1.01,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "font": {"size": 11},
            "title": {"text": "Légende"},
            "tracegroupgap": 2,
        },
        showlegend=True,
    )
    return fig


def _etablissements(fig: go.Figure, cadre: pl.DataFrame, couches: set[str], annee) -> None:
    """REP+ triangles, REP circles (hollow when no child is followed), other schools as dots."""
    groupes: dict[tuple, list[tuple[float, float]]] = {}
    for r in cadre.to_dicts():
        if r["longitude"] is None:
            continue
        ep = r["education_prioritaire"]
        couche = {"REP+": "rep_plus", "REP": "rep"}.get(ep, "autres")
        if couche not in couches:
            continue
        lacune = ep is not None and r["beneficiaires"] == 0 and not r["beneficiaires__secret"]
        groupes.setdefault((ep, lacune), []).append((r["longitude"], r["latitude"]))
    apres = f" en {annee}" if annee else ""
    for ep, lacune, nom, symbole, couleur, taille in (
        (None, False, "autre école ou collège", "circle", cartes.GRIS, 5),
        ("REP", False, "école ou collège REP", "circle", cartes.ORANGE, 9),
        ("REP", True, f"REP sans enfant accompagné{apres}", "circle-open", cartes.ORANGE, 9),
        ("REP+", False, "école ou collège REP+", "triangle-up", cartes.ROUGE, 11),
        ("REP+", True, f"REP+ sans enfant accompagné{apres}", "triangle-up-open", cartes.ROUGE, 11),
    ):
        points = groupes.get((ep, lacune))
        if not points:
            continue
        fig.add_scatter(
            x=[x for x, _ in points],
            y=[y for _, y in points],
            mode="markers",
            name=nom,
            hoverinfo="skip",
            marker={
                "symbol": symbole,
                "color": couleur,
                "size": taille,
                "line": {"color": couleur if lacune else "#FFFFFF", "width": 2 if lacune else 1},
            },
        )


# Names of quartiers: bold 10 px, about 6 px a character; the plot of an exported map is about
# 430 px wide (756 px less the legend, about 320 px) and its height less 20 px of margins.
_PX_PAR_LETTRE, _PX_LIGNE, _LARGEUR_TRACE = 6.3, 13.0, 430.0
# Where a name may go, as the offset of its centre from the quartier's point (pixels, y up):
# beside it first, then further off with a thin line to the quartier.
_PLACES = (
    (0, 10),
    (0, -10),
    (None, 0),  # right, just beside
    (None, 0),  # left, just beside
    (0, 30),
    (0, -30),
    (1, 22),
    (-1, 22),
    (1, -22),
    (-1, -22),
    (0, 50),
    (0, -50),
)


def _decalages(largeur: float) -> list[tuple[float, float]]:
    """The candidate offsets of a name `largeur` pixels wide."""
    resultat = []
    for k, (dx, dy) in enumerate(_PLACES):
        if dx is None:
            dx = (largeur / 2 + 6) * (1 if k == 2 else -1)
        elif dx:
            dx = dx * (largeur / 2 + 10)
        resultat.append((dx, dy))
    return resultat


def _boite_nom(
    x: float, y: float, largeur: float, decalage: tuple[float, float]
) -> tuple[float, float, float, float]:
    """Pixel box of a name `largeur` wide centred at (x, y) + `decalage` (y upwards)."""
    cx, cy = x + decalage[0], y + decalage[1]
    return cx - largeur / 2, cy - _PX_LIGNE / 2, cx + largeur / 2, cy + _PX_LIGNE / 2


def _recouvrement(boite, posees) -> float:
    """Area of `boite` covered by the boxes of `posees`."""
    a0, b0, a1, b1 = boite
    return sum(
        max(0.0, min(a1, c1) - max(a0, c0)) * max(0.0, min(b1, d1) - max(b0, d0))
        for c0, d0, c1, d1 in posees
    )


def _noms_qpv(
    fig: go.Figure,
    qpv: pl.DataFrame,
    cadre: tuple[float, float, float, float] | None,
    hauteur: int,
    latitude: float,
) -> None:
    """Each QPV's name at a point inside it (names only: no figure, so nothing to mask), beside
    it where it covers no name already written, else a little further with a thin line to it
    (« La Briqueterie » no more over « Chasse Royale »); the largest quartiers are named first."""
    lieux = []
    for nom, geometrie in zip(qpv["nom"], qpv["geom"], strict=True):
        if geometrie is None:
            continue
        forme = shapely.from_wkb(geometrie) if isinstance(geometrie, bytes) else geometrie
        if forme is None or forme.is_empty:
            continue
        lieux.append((forme.area, nom, forme.representative_point()))
    if not lieux:
        return
    lieux.sort(key=lambda lieu: -lieu[0])
    # Pixels per degree of latitude (longitudes shrink by the cosine): the map's scale.
    cosinus = math.cos(math.radians(latitude))
    if cadre is not None:
        xmin, ymin, xmax, ymax = cadre
        echelle = min(
            (hauteur - 20) / max(ymax - ymin, 1e-9),
            _LARGEUR_TRACE / max((xmax - xmin) * cosinus, 1e-9),
        )
    else:
        echelle = 1e4
    posees: list[tuple[float, float, float, float]] = []
    for _aire, nom, point in lieux:
        x, y = point.x * cosinus * echelle, point.y * echelle
        largeur = _PX_PAR_LETTRE * len(nom)

        candidats = _decalages(largeur)
        # The first place that covers no name written, else the one that covers the least.
        recouvrements = [_recouvrement(_boite_nom(x, y, largeur, d), posees) for d in candidats]
        choix = candidats[recouvrements.index(min(recouvrements))]
        posees.append(_boite_nom(x, y, largeur, choix))
        loin = abs(choix[1]) > 10 or (choix[0] and abs(choix[0]) > largeur / 2 + 6)
        fig.add_annotation(
            x=point.x,
            y=point.y,
            text=nom,
            # Offsets in pixels, y downwards for Plotly.
            ax=choix[0],
            ay=-choix[1],
            showarrow=bool(loin),
            arrowhead=0,
            arrowwidth=0.8,
            arrowcolor="#3A3A3A",
            standoff=2,
            xshift=0 if loin else choix[0],
            yshift=0 if loin else choix[1],
            # A white halo keeps each name readable over shading, outlines and symbols.
            font={
                "size": 10,
                "color": "#161616",
                "shadow": "1px 1px 2px #FFFFFF, -1px -1px 2px #FFFFFF",
                "weight": "bold",
            },
        )


def _points(*cadres: pl.DataFrame) -> list:
    formes = [
        shapely.from_wkb(g)
        for cadre in cadres
        if "geom" in cadre.columns
        for g in cadre["geom"]
        if g is not None
    ]
    for cadre in cadres:
        if "longitude" in cadre.columns and "geom" not in cadre.columns:
            formes += [
                shapely.Point(x, y)
                for x, y in zip(cadre["longitude"], cadre["latitude"], strict=True)
                if x is not None
            ]
    return formes
