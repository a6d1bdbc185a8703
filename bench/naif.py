"""The naive baseline of bench/national.py: what the pages would cost without the query layer.

At every rerun, pandas reads the whole tables from the DuckDB file (no SQL filter pushed down, no
cache), filters and aggregates them in memory; maps draw the full-resolution geometry (`geom`)
with GeoPandas and folium's defaults. Its figures are checked against the unmasked query results,
so that both sides compute the same thing.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl

from pre_pilotage import cartes, requetes

# The queries the Synthèse page runs for a new filter (sidebar lists aside).
REQUETES_SYNTHESE = (
    "synthese_publics",
    "synthese_equipe",
    "synthese_budget",
    "beneficiaires_par_annee",
    "beneficiaires_par_tranche_age",
    "budget_par_financeur",
)


def _tables(chemin: Path, noms: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(chemin), read_only=True) as con:
        return {nom: con.table(nom).df() for nom in noms}


def synthese_naive(chemin: Path, pre_id: str, annee: int) -> dict:
    """The Synthèse page's figures computed in pandas from whole tables."""
    t = _tables(
        chemin,
        ("parcours", "beneficiaire", "fiche_action", "financement", "equipe", "nomenclature"),
    )
    p = t["parcours"][t["parcours"]["pre_id"] == pre_id].merge(
        t["beneficiaire"].drop(columns=["pre_id"]), on="beneficiaire_id"
    )
    entree = pd.to_datetime(p["date_entree"])
    sortie = pd.to_datetime(p["date_sortie"])
    figures: dict = {"par_annee": {}}
    for an in range(annee - 4, annee + 1):
        actif = (entree <= pd.Timestamp(an, 12, 31)) & (
            sortie.isna() | (sortie >= pd.Timestamp(an, 1, 1))
        )
        sorties = sortie.dt.year == an
        figures["par_annee"][an] = {
            "actifs": p.loc[actif, "beneficiaire_id"].nunique(),
            "entrees": int((entree.dt.year == an).sum()),
            "sorties": int(sorties.sum()),
            "qpv": p.loc[actif & (p["zone_residence"] == "qpv"), "beneficiaire_id"].nunique(),
            "duree_mediane_j": (sortie - entree)[sorties].dt.days.median(),
        }
        ages = an - p.loc[actif, "annee_naissance"]
        figures["par_annee"][an]["ages"] = pd.cut(
            ages, [-1, 5, 10, 16, 200], labels=["2-5", "6-10", "11-16", "17+"]
        ).value_counts()
    fiches = t["fiche_action"][
        (t["fiche_action"]["pre_id"] == pre_id) & (t["fiche_action"]["annee"] == annee)
    ]
    lignes = t["financement"].merge(fiches[["fiche_id"]], on="fiche_id")
    figures["budget"] = float(lignes["montant_prevu"].sum())
    figures["par_financeur"] = lignes.groupby("financeur")["montant_prevu"].sum()
    equipe = t["equipe"][(t["equipe"]["pre_id"] == pre_id) & (t["equipe"]["annee"] == annee)]
    figures["etp_referents"] = float(equipe.loc[equipe["fonction"] == "referent", "etp"].sum())
    return figures


def _couche(chemin: Path, pre_id: str, annee: int) -> None:
    with duckdb.connect(str(chemin), read_only=True) as con:
        for nom in REQUETES_SYNTHESE:
            parametres = {"pre_id": pre_id, "commune": None, "qpv": None, "annee": annee}
            requete = requetes.charger(nom)
            requetes.executer(con, nom, 11, **{k: parametres[k] for k in requete.parametres})


def comparer_synthese(chemin: Path, repetitions: int) -> dict:
    """Naive Synthèse vs the query layer (new connection each time, as a new filter would be
    uncached), and vs the query layer's cache (a view seen before)."""
    with duckdb.connect(str(chemin), read_only=True) as con:
        programmes = [
            p for (p,) in con.execute("select pre_id from programme order by 1").fetchall()
        ]
        annee = con.execute("select max(annee) from fiche_action").fetchall()[0][0]
        # Same figures on both sides (before masking): the baseline does the same work.
        brut = con.sql(
            requetes.charger("synthese_publics").sql,
            params={"pre_id": programmes[0], "commune": None, "qpv": None, "annee": annee},
        ).pl()
    attendu = synthese_naive(chemin, programmes[0], annee)["par_annee"][annee]
    ligne = brut.filter(pl.col("annee") == annee).row(0, named=True)
    for cle, colonne in (("actifs", "actifs"), ("entrees", "entrees"), ("sorties", "sorties")):
        if attendu[cle] != ligne[colonne]:
            raise AssertionError(f"baseline {cle} {attendu[cle]} != query {ligne[colonne]}")
    naif, couche = [], []
    for k in range(repetitions):
        pre_id = programmes[(k + 1) % len(programmes)]
        debut = time.perf_counter()
        synthese_naive(chemin, pre_id, annee)
        naif.append(time.perf_counter() - debut)
        debut = time.perf_counter()
        _couche(chemin, pre_id, annee)
        couche.append(time.perf_counter() - debut)
    # The query layer's cache: the same view again (st.cache_data outside a Streamlit run).
    parametres = {"pre_id": programmes[0], "commune": None, "qpv": None, "annee": annee}
    cles = []
    for nom in REQUETES_SYNTHESE:
        requete = requetes.charger(nom)
        cles.append((nom, tuple(sorted((k, parametres[k]) for k in requete.parametres))))
    for nom, params in cles:
        requetes._executer_en_cache(str(chemin), 11, nom, params)
    cache = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        for nom, params in cles:
            requetes._executer_en_cache(str(chemin), 11, nom, params)
        cache.append(time.perf_counter() - debut)
    requetes.vider_caches()
    return {
        "naif_ms": 1000 * statistics.median(naif),
        "couche_ms": 1000 * statistics.median(couche),
        "cache_ms": 1000 * statistics.median(cache),
    }


# ----------------------------------------------------------------------------------- maps


def _formes(cadre: pd.DataFrame):
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame(
        cadre.drop(columns=[c for c in cadre.columns if c.startswith("geom")]),
        geometry=shapely.from_wkb([bytes(g) for g in cadre["geom"]]),
        crs=4326,
    )


def _carte_naive(
    qpv: pd.DataFrame, contours: pd.DataFrame, cites: pd.DataFrame, ecoles: pd.DataFrame | None
) -> str:
    """Same layers as the app's map, drawn the obvious way: full geometry, folium defaults."""
    import folium

    carte = folium.Map(location=[46.6, 2.4], zoom_start=6, tiles=None)
    folium.GeoJson(_formes(contours[["nom", "geom"]]), name="contours").add_to(carte)
    folium.GeoJson(_formes(cites[["nom", "geom"]]), name="cites").add_to(carte)
    folium.GeoJson(
        _formes(qpv[["code_qp", "nom", "beneficiaires", "geom"]]),
        name="qpv",
        tooltip=folium.GeoJsonTooltip(fields=["nom", "code_qp", "beneficiaires"]),
    ).add_to(carte)
    for ecole in [] if ecoles is None else ecoles.itertuples():
        folium.CircleMarker(
            [ecole.latitude, ecole.longitude],
            radius=5,
            tooltip=f"{ecole.nom} ({ecole.education_prioritaire or 'hors EP'})",
        ).add_to(carte)
    return carte.get_root().render()


def _enfants_par_qpv(chemin: Path, annee: int, programmes: list[str]) -> pd.DataFrame:
    t = _tables(chemin, ("parcours", "beneficiaire"))
    p = t["parcours"][t["parcours"]["pre_id"].isin(programmes)]
    p = p.merge(t["beneficiaire"].drop(columns=["pre_id"]), on="beneficiaire_id")
    fin, debut = pd.Timestamp(annee, 12, 31), pd.Timestamp(annee, 1, 1)
    actif = (p["date_entree"] <= fin) & (p["date_sortie"].isna() | (p["date_sortie"] >= debut))
    return (
        p[actif & (p["zone_residence"] == "qpv")]
        .groupby("code_qp")["beneficiaire_id"]
        .nunique()
        .rename("beneficiaires")
        .reset_index()
    )


def carte_naive(chemin: Path, programmes: list[str], annee: int, ecoles: bool) -> dict:
    """The programmes' map from whole tables: QPV of their communes with their children,
    communes (one programme) or EPCI (several), Cités éducatives, schools (one programme)."""
    debut = time.perf_counter()
    t = _tables(
        chemin,
        (
            "qpv",
            "qpv_commune",
            "programme_commune",
            "programme",
            "commune",
            "epci",
            "cite_educative",
            "cite_educative_commune",
            "etablissement",
        ),
    )
    communes = t["programme_commune"][t["programme_commune"]["pre_id"].isin(programmes)]
    codes = t["qpv_commune"].merge(communes, on="code_insee")["code_qp"]
    qpv = t["qpv"][t["qpv"]["code_qp"].isin(codes)].merge(
        _enfants_par_qpv(chemin, annee, programmes), on="code_qp", how="left"
    )
    qpv["beneficiaires"] = qpv["beneficiaires"].fillna(0)
    if len(programmes) == 1:
        contours = t["commune"][t["commune"]["code_insee"].isin(communes["code_insee"])]
    else:
        sirens = t["programme"][t["programme"]["pre_id"].isin(programmes)]["siren_epci"]
        contours = t["epci"][t["epci"]["siren"].isin(sirens)]
    cites = t["cite_educative"][
        t["cite_educative"]["cite_id"].isin(
            t["cite_educative_commune"].merge(communes, on="code_insee")["cite_id"]
        )
    ]
    etablissements = (
        t["etablissement"][t["etablissement"]["code_insee"].isin(communes["code_insee"])]
        if ecoles
        else None
    )
    html = _carte_naive(qpv, contours, cites, etablissements)
    return {"octets": len(html.encode()), "ms": 1000 * (time.perf_counter() - debut)}


def _cadres_carte(con, pre_id: str, annee: int, niveau: str, ecoles: bool) -> dict:
    territoire = {"pre_id": pre_id, "commune": None, "annee": annee}
    cadres = {
        "qpv": requetes.executer(
            con, "carte_qpv", 11, **territoire, geographie=2024, niveau=niveau
        ),
        "contours": requetes.executer(con, "carte_contours", 11, pre_id=pre_id, niveau=niveau),
        "cites": requetes.executer(
            con, "carte_cites", 11, pre_id=pre_id, geographie=2024, niveau=niveau
        ),
    }
    if ecoles:
        cadres["ecoles"] = requetes.executer(con, "carte_etablissements", 11, **territoire)
    return cadres


def carte_couche(
    con: duckdb.DuckDBPyConnection,
    programmes: list[str],
    annee: int,
    niveau: str,
    memo: dict | None = None,
) -> dict:
    """The map as the app draws it, from the masked frames of the `carte_*` queries: one
    programme at territory zoom with every default layer; several programmes at national zoom
    (QPV, Cités éducatives, EPCI outlines: schools are left to the territory zoom, 30,000 REP
    and REP+ symbols being unreadable on a map of France). `memo` keeps each programme's frames
    for the next map at the same level; the time reported is the map's (queries excluded when
    they came from `memo`)."""
    memo = {} if memo is None else memo
    seul = len(programmes) == 1
    debut = time.perf_counter()
    cadres = []
    for pre_id in programmes:
        cle = (pre_id, niveau, seul)
        if cle not in memo:
            memo[cle] = _cadres_carte(con, pre_id, annee, niveau, seul)
        cadres.append(memo[cle])
    contours = [c["contours"] for c in cadres]
    if not seul:
        contours = [c.filter(pl.col("nature") == "epci") for c in contours]
    ecoles = (
        cadres[0]["ecoles"]
        if seul
        else requetes.executer(
            con, "carte_etablissements", 11, pre_id=programmes[0], commune=None, annee=annee
        ).clear()
    )
    carte = cartes.construire_carte(
        pl.concat([c["qpv"] for c in cadres], how="vertical_relaxed"),
        ecoles,
        pl.concat(contours, how="vertical_relaxed"),
        pl.concat([c["cites"] for c in cadres], how="vertical_relaxed"),
        couches=cartes.COUCHES_PAR_DEFAUT if seul else ("qpv", "cites", "epci"),
        annee=annee,
    )
    html = cartes.html_carte(carte)
    return {
        "octets": len(html.encode()),
        "ms": 1000 * (time.perf_counter() - debut),
        "qpv": sum(c["qpv"].height for c in cadres),
    }
