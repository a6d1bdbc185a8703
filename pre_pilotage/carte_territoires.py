"""The « Territoires » map: PRE communes, QPV 2024, REP/REP+ schools or networks, Cités éducatives.

Pure builder (a territories.Vue in, a folium map out). The layers are compact arrays drawn by a
few lines of Leaflet on one canvas: the national map (1,609 QPV, 1,100 networks, 513 communes)
stays under 2 MB and draws fast. Points at national and regional zoom; QPV contours and every
school for a département. Leaflet is served by the app (static/leaflet), nothing from a CDN.
"""

from __future__ import annotations

import dataclasses
import json

import folium
import polars as pl
import shapely
from branca.element import MacroElement
from jinja2 import Template

from pre_pilotage import territoires
from pre_pilotage.cartes import LEAFLET_CSS, LEAFLET_JS, e

BLEU, ROUGE, VERT, VIOLET, GRIS = "#000091", "#C9191E", "#18753C", "#A558A0", "#666666"
BLEU_CLAIR = "#8585F6"  # covered QPV: lighter than the PRE communes drawn over them
ORANGE = "#B34000"
# France métropolitaine; a DROM or a région opens on its own points.
CENTRE_FRANCE, ZOOM_FRANCE = [46.6, 2.4], 6


class _Couches(MacroElement):
    """Every layer as arrays [lat, lon, style, tooltip] and GeoJSON, drawn on a canvas."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .leaflet-container{background:#FFFFFF;font-family:Marianne,Arial,sans-serif}
        .terr-legende{background:rgba(255,255,255,.95);padding:6px 9px;border:1px solid #CECECE;
          border-radius:4px;font-size:12px;line-height:1.35;color:#161616;max-width:215px;
          max-height:calc(100vh - 40px);overflow-y:auto}
        .terr-legende .ligne{display:flex;align-items:center;gap:6px;padding-left:20px}
        .terr-legende .ligne svg{flex-shrink:0}
        .terr-legende .couche{display:flex;align-items:center;gap:4px;margin:5px 0 1px;
          font-weight:600;cursor:pointer}
        .terr-legende .couche input{margin:0}
        .terr-legende summary{cursor:pointer}
        .terr-etiquette{font-size:10px;font-weight:600;color:#3A3A3A;white-space:nowrap;
          transform:translate(-50%,-50%);text-shadow:0 0 2px #FFF,0 0 2px #FFF}
        .leaflet-tooltip{font-size:13px;line-height:1.4}
        .leaflet-control-attribution{font-size:10px}
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function(){
            var carte = {{ this._parent.get_name() }};
            var rendu = L.canvas({padding: 0.3});
            var donnees = {{ this.donnees|tojson }};
            var groupes = {};
            donnees.surfaces.forEach(function(c){
                var g = L.geoJSON(c.geojson, {renderer: rendu, style: function(f){
                    return c.styles[f.properties.s];
                }, onEachFeature: function(f, l){ if (f.properties.t) l.bindTooltip(f.properties.t); }});
                g.addTo(carte);
                if (c.nom) groupes[c.nom] = g;
            });
            donnees.points.forEach(function(c){
                var g = L.layerGroup();
                c.points.forEach(function(p){
                    var s = c.styles[p[2]];
                    L.circleMarker([p[0], p[1]], {renderer: rendu, radius: s[0], color: s[1],
                        fillColor: s[2], fillOpacity: s[4], weight: s[3]}).bindTooltip(p[3]).addTo(g);
                });
                g.addTo(carte);
                groupes[c.nom] = g;
            });
            donnees.etiquettes.forEach(function(t){
                L.marker([t[0], t[1]], {interactive: false, keyboard: false, icon: L.divIcon({
                    className: "terr-etiquette", html: t[2], iconSize: null})}).addTo(carte);
            });
            // One panel: each layer's box shows or hides it, its symbols below it.
            var legende = L.control({position: "topright"});
            legende.onAdd = function(){
                var div = L.DomUtil.create("div", "terr-legende");
                div.setAttribute("role", "region");
                div.setAttribute("aria-label", "Légende et couches de la carte");
                var html = "<details" + (carte.getSize().x >= 560 ? " open" : "") +
                    "><summary><strong>Légende</strong></summary>";
                donnees.legende.forEach(function(c, i){
                    html += '<label class="couche"><input type="checkbox" checked data-couche="' + i +
                        '"> ' + c.nom + "</label>";
                    c.lignes.forEach(function(l){
                        html += '<div class="ligne">' + l[0] + "<span>" + l[1] + "</span></div>";
                    });
                });
                div.innerHTML = html + "</details>";
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                div.querySelectorAll("input").forEach(function(boite){
                    boite.addEventListener("change", function(){
                        var g = groupes[donnees.legende[+boite.dataset.couche].nom];
                        if (!g) return;
                        if (boite.checked) carte.addLayer(g); else carte.removeLayer(g);
                    });
                });
                return div;
            };
            legende.addTo(carte);
            carte.attributionControl.setPrefix(false);
            carte.attributionControl.addAttribution(donnees.attribution);
            // The frame may be sized after the map is made: fit again once it has its size,
            // leaving the legend's width free on the right so that it covers nothing.
            function cadrer(){
                carte.invalidateSize();
                var panneau = document.querySelector(".terr-legende");
                var largeur = panneau ? panneau.offsetWidth : 0;
                var libre = carte.getSize().x - largeur;
                carte.fitBounds(donnees.emprise, {
                    paddingTopLeft: [50, 15],  // the zoom buttons
                    paddingBottomRight: [libre > 300 ? largeur + 20 : 15, 15]
                });
            }
            cadrer();
            setTimeout(cadrer, 300);
            // A window made narrower or wider: frame the territory again.
            carte.on("resize", function(){ setTimeout(cadrer, 50); });
            document.querySelectorAll(".terr-legende details").forEach(function(d){
                d.addEventListener("toggle", cadrer);
            });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, donnees: dict):
        super().__init__()
        self._name = "CouchesTerritoires"
        self.donnees = donnees


def _rond(rayon: float, bord: str, fond: str, epaisseur: float = 1, opacite: float = 0.9) -> list:
    """A point style: [radius, stroke, fill, stroke width, fill opacity]."""
    return [rayon, bord, fond, epaisseur, opacite]


def _pastille(couleur: str, fond: str, rayon: int = 5) -> str:
    taille = 2 * rayon + 4
    return (
        f'<svg width="{taille}" height="{taille}" aria-hidden="true"><circle cx="{taille / 2}" '
        f'cy="{taille / 2}" r="{rayon}" stroke="{couleur}" fill="{fond}" stroke-width="1.5"/></svg>'
    )


def _carre(couleur: str, fond: str) -> str:
    return (
        f'<svg width="16" height="12" aria-hidden="true"><rect x="1" y="1" width="14" height="10" '
        f'stroke="{couleur}" fill="{fond}" fill-opacity="0.5" stroke-width="1.5"/></svg>'
    )


def _points(cadre: pl.DataFrame, style, texte) -> list[list]:
    return [
        [r["latitude"], r["longitude"], style(r), texte(r)]
        for r in cadre.iter_rows(named=True)
        if r["latitude"] is not None
    ]


def _feature(geom: bytes, style: int, texte: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"s": style, "t": texte},
        "geometry": shapely.geometry.mapping(shapely.from_wkb(geom)),
    }


def _en_encarts(vue: territoires.Vue) -> territoires.Vue:
    """The national view with the overseas points moved into the ANCT insets (west of
    Brittany), by each DROM's affine map; tooltips keep the real names."""
    if "encart_transformation" not in vue.departements.columns:
        return vue
    transfos = {
        r["code"]: r["encart_transformation"]
        for r in vue.departements.iter_rows(named=True)
        if r["encart_transformation"] is not None
    }
    if not transfos:
        return vue

    def deplacer(cadre: pl.DataFrame) -> pl.DataFrame:
        if cadre.is_empty() or "departement" not in cadre.columns:
            return cadre
        t = pl.col("departement").replace_strict(
            {k: v for k, v in transfos.items()}, default=None, return_dtype=pl.List(pl.Float64)
        )
        return cadre.with_columns(
            pl.when(t.is_not_null())
            .then(t.list.get(0) * pl.col("longitude") + t.list.get(1))
            .otherwise(pl.col("longitude"))
            .alias("longitude"),
            pl.when(t.is_not_null())
            .then(t.list.get(2) * pl.col("latitude") + t.list.get(3))
            .otherwise(pl.col("latitude"))
            .alias("latitude"),
        )

    return dataclasses.replace(
        vue,
        pre=deplacer(vue.pre),
        qpv=deplacer(vue.qpv),
        ecoles=deplacer(vue.ecoles),
        cites=deplacer(vue.cites),
        departements=vue.departements.with_columns(
            pl.when(pl.col("encart").is_not_null())
            .then(pl.col("encart"))
            .otherwise(pl.col("geom"))
            .alias("geom")
        ),
    )


def donnees_carte(vue: territoires.Vue) -> dict:
    """What the map draws, as plain JSON: its size is the page's size."""
    detail = vue.niveau == "departement"
    if vue.niveau == "france":
        vue = _en_encarts(vue)
    surfaces, points, legende = [], [], []
    fonds = [
        _feature(r["geom"], 0, e(r["nom"]) if r["drom"] and vue.niveau == "france" else "")
        for r in vue.departements.iter_rows(named=True)
        if r["geom"] is not None
    ]
    # The overseas insets of the national map are named above their outline.
    etiquettes, cadres = [], []
    if vue.niveau == "france" and "encart" in vue.departements.columns:
        for r in vue.departements.filter(pl.col("encart").is_not_null()).iter_rows(named=True):
            x0, y0, x1, y1 = shapely.from_wkb(r["encart"]).bounds
            # Frames wide enough for the markers drawn near an inset's edge, names above them.
            etiquettes.append([round(y1 + 0.4, 3), round((x0 + x1) / 2, 3), e(r["nom"])])
            cadres.append(
                {
                    "type": "Feature",
                    "properties": {"s": 0, "t": e(r["nom"])},
                    "geometry": shapely.geometry.mapping(
                        shapely.box(x0 - 0.18, y0 - 0.18, x1 + 0.18, y1 + 0.18)
                    ),
                }
            )
    if fonds:
        surfaces.append(
            {
                "nom": "",
                "geojson": {"type": "FeatureCollection", "features": fonds},
                "styles": [{"color": GRIS, "weight": 1, "fill": False}],
            }
        )
    if cadres:  # a dashed frame around each inset: not part of the mainland
        surfaces.append(
            {
                "nom": "",
                "geojson": {"type": "FeatureCollection", "features": cadres},
                "styles": [{"color": GRIS, "weight": 1, "dashArray": "4 3", "fill": False}],
            }
        )
    texte_qpv = lambda r: (  # noqa: E731
        f"<strong>{e(r['nom'])}</strong> ({r['code_qp']})<br>{e(r['noms_communes'])}<br>"
        + (e(r["couverture"]) if r["pre"] else "<strong>Aucun PRE dans ses communes</strong>")
        + (f"<br>Cité éducative : {e(r['noms_cites'])}" if r["cites"] else "")
    )
    if detail and vue.qpv.filter(pl.col("geom").is_not_null()).height:
        surfaces.append(
            {
                "nom": "Quartiers prioritaires 2024",
                "geojson": {
                    "type": "FeatureCollection",
                    "features": [
                        _feature(r["geom"], 0 if r["pre"] else 1, texte_qpv(r))
                        for r in vue.qpv.iter_rows(named=True)
                        if r["geom"] is not None
                    ],
                },
                "styles": [
                    {
                        "color": BLEU_CLAIR,
                        "weight": 1.5,
                        "fillColor": BLEU_CLAIR,
                        "fillOpacity": 0.4,
                    },
                    {"color": ROUGE, "weight": 2, "fillColor": ROUGE, "fillOpacity": 0.45},
                ],
            }
        )
    else:
        points.append(
            {
                "nom": "Quartiers prioritaires 2024",
                "styles": [_rond(3, BLEU_CLAIR, BLEU_CLAIR), _rond(3.5, ROUGE, ROUGE)],
                "points": _points(vue.qpv, lambda r: 0 if r["pre"] else 1, texte_qpv),
            }
        )
    legende.append(
        (
            "Quartiers prioritaires 2024",
            [
                (
                    _carre(BLEU_CLAIR, BLEU_CLAIR)
                    if detail
                    else _pastille(BLEU_CLAIR, BLEU_CLAIR, 3),
                    "QPV couvert par un PRE (commune ou EPCI porteur)",
                ),
                (_carre(ROUGE, ROUGE) if detail else _pastille(ROUGE, ROUGE, 3), "QPV sans PRE"),
            ],
        )
    )
    if detail:
        ecoles = vue.ecoles
        nom_ecoles = "Écoles et collèges REP et REP+"
        texte_ecole = lambda r: (  # noqa: E731
            f"<strong>{e(r['nom'])}</strong> ({r['uai']})<br>{r['education_prioritaire']} · "
            f"{e(r['commune'])}" + ("" if r["pre"] else "<br><strong>Commune sans PRE</strong>")
        )
        points.append(
            {
                "nom": nom_ecoles,
                "styles": [_rond(2.5, VERT, "#FFFFFF", 1.5), _rond(3, ORANGE, ORANGE, 1)],
                "points": _points(
                    ecoles.sort("education_prioritaire"),
                    lambda r: 1 if r["education_prioritaire"] == "REP+" else 0,
                    texte_ecole,
                ),
            }
        )
        legende.append(
            (
                nom_ecoles,
                [
                    (_pastille(ORANGE, ORANGE, 3), "École ou collège REP+"),
                    (_pastille(VERT, "#FFFFFF", 3), "École ou collège REP"),
                ],
            )
        )
    else:
        reseaux = territoires.reseaux_du_territoire(vue)
        positions = vue.ecoles.select(
            pl.col("uai").alias("uai_tete_reseau"), "longitude", "latitude"
        )
        reseaux = reseaux.join(positions, on="uai_tete_reseau", how="inner")
        points.append(
            {
                "nom": "Réseaux REP et REP+ (collège tête de réseau)",
                "styles": [_rond(2.5, VERT, "#FFFFFF", 1.5), _rond(3, ORANGE, ORANGE, 1)],
                "points": _points(
                    reseaux.sort("education_prioritaire"),
                    lambda r: 1 if r["education_prioritaire"] == "REP+" else 0,
                    lambda r: (
                        f"<strong>{e(r['tete'])}</strong><br>{r['education_prioritaire']} · "
                        f"{e(r['commune'])} · {r['ecoles']} écoles et collèges"
                    ),
                ),
            }
        )
        legende.append(
            (
                "Réseaux REP et REP+ (collège tête de réseau)",
                [
                    (_pastille(ORANGE, ORANGE, 3), "Réseau REP+"),
                    (_pastille(VERT, "#FFFFFF", 3), "Réseau REP"),
                ],
            )
        )
    points.append(
        {
            "nom": "Cités éducatives",
            "styles": [_rond(9, VIOLET, VIOLET, 2.5, 0.08)],
            "points": _points(
                vue.cites,
                lambda _r: 0,
                lambda r: f"<strong>Cité éducative {e(r['nom'])}</strong><br>{e(r['communes'])}",
            ),
        }
    )
    legende.append(
        ("Cités éducatives", [(_pastille(VIOLET, "#FFFFFF", 6), "Cité éducative (commune)")])
    )
    points.append(
        {
            "nom": "Communes avec un PRE",
            "styles": [_rond(5, "#FFFFFF", BLEU, 1.5)],
            "points": _points(
                vue.pre,
                lambda _r: 0,
                lambda r: (
                    f"<strong>PRE de {e(r['nom'])}</strong><br>{e(r['porteurs'])}"
                    + (f"<br>Intercommunal : {e(r['epci'])}" if r["epci"] else "")
                ),
            ),
        }
    )
    legende.insert(
        0,
        (
            "Communes avec un PRE",
            [(_pastille("#FFFFFF", BLEU, 5), "Commune avec un PRE (liste ANCT)")],
        ),
    )
    return {
        "emprise": _emprise(vue),
        "surfaces": surfaces,
        "points": points,
        "etiquettes": etiquettes,
        # Each layer with its box (shows or hides it) and its symbols; folded on a narrow map.
        "legende": [
            {"nom": nom, "lignes": [list(ligne) for ligne in lignes]} for nom, lignes in legende
        ],
        "attribution": "PRE : ANCT 2024 · QPV : ANCT · écoles : Éducation nationale · "
        "Cités éducatives : ANCT",
    }


# Metropolitan France: the national view opens on it (overseas: their own département view).
EMPRISE_FRANCE = [[41.3, -5.2], [51.1, 9.6]]  # also holds the overseas insets (lon -4.7 to -1.7)


def _emprise(vue: territoires.Vue) -> list[list[float]]:
    if vue.niveau == "france":
        return EMPRISE_FRANCE
    lats = [v for cadre in (vue.qpv, vue.pre) for v in cadre["latitude"].to_list() if v is not None]
    lons = [
        v for cadre in (vue.qpv, vue.pre) for v in cadre["longitude"].to_list() if v is not None
    ]
    lats += [v for v in vue.ecoles["latitude"].to_list() if v is not None]
    lons += [v for v in vue.ecoles["longitude"].to_list() if v is not None]
    # The outlines drawn too (the Nord's coast above Dunkerque's points), and the QPV contours
    # a département's map draws (Mayotte's quartiers cover most of the island).
    contours = vue.departements["geom"].to_list()
    if vue.niveau == "departement":
        contours += vue.qpv["geom"].to_list()
    for geom in contours:
        if geom is not None:
            x0, y0, x1, y1 = shapely.from_wkb(geom).bounds
            lats += [y0, y1]
            lons += [x0, x1]
    if not lats:
        return EMPRISE_FRANCE
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def construire_carte(vue: territoires.Vue) -> folium.Map:
    carte = folium.Map(
        location=CENTRE_FRANCE,
        zoom_start=ZOOM_FRANCE,
        tiles=None,
        prefer_canvas=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    carte.default_js = [("leaflet", LEAFLET_JS)]
    carte.default_css = [("leaflet_css", LEAFLET_CSS)]
    _Couches(donnees_carte(vue)).add_to(carte)
    return carte


def taille_donnees(vue: territoires.Vue) -> int:
    """Bytes of the map's data (for the benchmark)."""
    return len(json.dumps(donnees_carte(vue), ensure_ascii=False).encode())
