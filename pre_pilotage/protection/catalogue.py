"""Every child figure a user can select: the protected queries and their parameter values.

A view is one protected query (a `queries/<nom>.sql` whose `secret:` header declares counts) with
one value per parameter, as the pages, the map, the report and the survey workbook can ask for it:
each programme; all its communes or one; all its QPV, one, or one inside a chosen commune; each year
with data; each QPV geography loaded; the map's display level.
"""

from __future__ import annotations

import itertools
import json

import duckdb

from pre_pilotage import config
from pre_pilotage.requetes import charger

# The map's simplification level does not change any count; the pages use this one.
NIVEAUX_CARTE = ("territoire",)


def requetes_protegees() -> list[str]:
    """Names of the queries whose result holds counts of children (or parcours)."""
    noms = sorted(chemin.stem for chemin in config.DOSSIER_REQUETES.glob("*.sql"))
    return [nom for nom in noms if charger(nom).regles.counts]


def cle_parametres(params: dict) -> str:
    """Canonical text of a parameter set (the key of a stored view)."""
    return json.dumps(sorted(params.items()), ensure_ascii=False, default=str)


def _colonne(con: duckdb.DuckDBPyConnection, nom: str, colonne: str, **params) -> list:
    # On the connection itself, not a cursor: inside an import's transaction, a cursor would
    # not see the rows being written (a new year, a new programme).
    requete = charger(nom)
    if set(params) != set(requete.parametres):
        raise TypeError(f"Requête {nom} : paramètres attendus {sorted(requete.parametres)}")
    return con.sql(requete.sql, params=params).pl()[colonne].to_list()


def _territoires(con, pre_id: str, avec_commune: bool, avec_qpv: bool) -> list[dict]:
    """(commune, qpv) filter pairs offered by the sidebar (`ui.barre_laterale`)."""
    communes = _colonne(con, "communes_du_programme", "code_insee", pre_id=pre_id)
    paires: list[tuple[str | None, str | None]] = [(None, None)]
    if avec_commune:
        paires += [(c, None) for c in communes]
    if avec_qpv:
        tous = _colonne(con, "qpv_du_programme", "code_qp", pre_id=pre_id, commune=None)
        paires += [(None, q) for q in dict.fromkeys(tous)]
        if avec_commune:
            for c in communes:
                qpv = _colonne(con, "qpv_du_programme", "code_qp", pre_id=pre_id, commune=c)
                paires += [(c, q) for q in dict.fromkeys(qpv)]
    resultat = []
    for commune, qpv in paires:
        filtre = {}
        if avec_commune:
            filtre["commune"] = commune
        if avec_qpv:
            filtre["qpv"] = qpv
        resultat.append(filtre)
    return resultat


def programmes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every programme of the database (each an independent population)."""
    return _colonne(con, "programmes", "pre_id")


def vues(
    con: duckdb.DuckDBPyConnection, pre_ids: list[str] | None = None
) -> list[tuple[str, dict]]:
    """Every (query, parameters) a user can display, for every programme of the database (or
    those of `pre_ids`)."""
    resultat: list[tuple[str, dict]] = []
    protegees = requetes_protegees()
    for pre_id in programmes(con) if pre_ids is None else pre_ids:
        annees = [int(a) for a in _colonne(con, "annees_disponibles", "annee", pre_id=pre_id)]
        geographies = [
            int(g) for g in _colonne(con, "carte_geographies", "annee_geographie", pre_id=pre_id)
        ]
        quartiers = _colonne(con, "protection_quartiers", "code_qp", pre_id=pre_id)
        # The sidebar's filters depend on which of commune and QPV a query takes: read once
        # per programme and kind, not once per query.
        filtres: dict[tuple[bool, bool], list[dict]] = {}
        for nom in protegees:
            declares = set(charger(nom).parametres)
            inconnus = declares - {"pre_id", "commune", "qpv", "annee", "geographie", "niveau"}
            if inconnus:
                raise ValueError(
                    f"{nom}.sql : paramètre(s) {sorted(inconnus)} sans liste de valeurs "
                    "dans pre_pilotage/protection/catalogue.py"
                )
            if "qpv" in declares and "commune" not in declares:
                territoires = [{"qpv": q} for q in quartiers]
            else:
                sorte = ("commune" in declares, "qpv" in declares)
                if sorte not in filtres:
                    filtres[sorte] = _territoires(con, pre_id, *sorte)
                territoires = filtres[sorte]
            autres: list[list[tuple[str, object]]] = []
            if "annee" in declares:
                autres.append([("annee", a) for a in annees])
            if "geographie" in declares:
                autres.append([("geographie", g) for g in geographies])
            if "niveau" in declares:
                autres.append([("niveau", n) for n in NIVEAUX_CARTE])
            for territoire in territoires:
                for combinaison in itertools.product(*autres):
                    params = {"pre_id": pre_id} | territoire | dict(combinaison)
                    resultat.append((nom, params))
    return resultat
