"""The statistical protection of the whole database ("secret statistique"), stored in it.

`proteger(con)` computes, for every threshold in use, the protected result of every view a user
can select (`catalogue.vues`) and writes it to the `secret_*` tables, inside the caller's
transaction: called by the demo generator, the importer, the geography builder and the programme
editor before they commit, so that a failure leaves the data and the previous protection as they
were. Only the programmes whose data changed are recomputed (`empreintes_programmes`); a change
of the shared tables (geography, nomenclatures) or of the rules recomputes every programme. The app reads views with `lire_vue`; `etat(con, seuil)` says (in French) why a database
must not be shown: protection missing, stale (data changed after it) or made with other rules.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pre_pilotage import config
from pre_pilotage.db import DOSSIER_MIGRATIONS
from pre_pilotage.protection import catalogue, moteur
from pre_pilotage.protection.catalogue import cle_parametres, requetes_protegees

VERSION = "1"
SEUIL_LECTURE = 11
_TABLES_IGNOREES = {
    "secret_protection",
    "secret_vue",
    "secret_cellule",
    "secret_empreinte",
    "schema_version",
}
# Tables without a pre_id column whose rows belong to one programme through a parent's key: the
# statement giving each programme's row count and hash (a row attached to no programme counts
# with the shared tables). Any other table without pre_id is shared by every programme.
_RATTACHEES = {
    "action_parcours": "select p.pre_id, count(*), sum(hash(t)) from action_parcours as t "
    "left join parcours as p using (parcours_id) group by 1",
    "parcours_motif": "select p.pre_id, count(*), sum(hash(t)) from parcours_motif as t "
    "left join parcours as p using (parcours_id) group by 1",
    "financement": "select p.pre_id, count(*), sum(hash(t)) from financement as t "
    "left join fiche_action as p using (fiche_id) group by 1",
    "eps_reunion": "select p.pre_id, count(*), sum(hash(t)) from eps_reunion as t "
    "left join eps as p using (eps_id) group by 1",
    "eps_reunion_partenaire": "select p.pre_id, count(*), sum(hash(t)) "
    "from eps_reunion_partenaire as t left join eps_reunion as r using (reunion_id) "
    "left join eps as p using (eps_id) group by 1",
}
PARTAGEES = ""  # secret_empreinte.pre_id of the shared tables' fingerprint
# Programmes protected together (`proteger`): a few hundred MiB of views and cells at most.
PROGRAMMES_PAR_LOT = 25
_STATUTS = {moteur.VISIBLE: "visible", moteur.PRIMAIRE: "primaire", moteur.SECONDAIRE: "secondaire"}


class ProtectionIndisponible(RuntimeError):
    """The database's protection is missing, stale or from other rules (message in French)."""


def seuils_en_usage() -> list[int]:
    """The lecture role's threshold (never below 11) and the coordination one, if different."""
    configure = config.seuil_secret()
    return sorted({configure, max(configure, SEUIL_LECTURE)})


def valeurs_min() -> int:
    """Integer values that must remain possible for a masked small count (PRE_SECRET_VALEURS_MIN)."""
    brut = os.environ.get("PRE_SECRET_VALEURS_MIN", str(moteur.VALEURS_MIN_DEFAUT))
    try:
        valeur = int(brut)
    except ValueError as exc:
        raise ValueError(f"PRE_SECRET_VALEURS_MIN doit être un entier, reçu « {brut} »") from exc
    if valeur < 2:
        raise ValueError("PRE_SECRET_VALEURS_MIN doit valoir au moins 2")
    return valeur


def empreinte_regles(seuil: int) -> str:
    """What the protection depends on apart from the data: queries, macros, engine, rules."""
    h = hashlib.sha256(f"{VERSION}|{seuil}|{valeurs_min()}".encode())
    for nom in requetes_protegees():
        h.update((config.DOSSIER_REQUETES / f"{nom}.sql").read_bytes())
    for chemin in sorted(DOSSIER_MIGRATIONS.glob("*.sql")):
        h.update(chemin.name.encode())
        h.update(chemin.read_bytes())
    for module in ("moteur.py", "catalogue.py"):
        h.update((Path(__file__).parent / module).read_bytes())
    return h.hexdigest()[:32]


def _lignes(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    """Every row of a statement, fully fetched (a shared connection is left with no pending
    result; inside a transaction the connection itself must be used, not a cursor)."""
    return con.execute(sql, params or []).fetchall()


def empreinte_donnees(con: duckdb.DuckDBPyConnection) -> str:
    """Hash of every table's rows (except the protection's own): changes with any data change.

    Views count as tables: a folder of Parquet files (`pre_pilotage.parquet`) is read as views
    with the same names and rows as the DuckDB file it was exported from.
    """
    tables = [
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'main' and table_type in ('BASE TABLE', 'VIEW') "
            "order by table_name"
        ).fetchall()
        if t not in _TABLES_IGNOREES
    ]
    h = hashlib.sha256()
    for table in tables:
        # Table names come from the catalogue, not from a user.
        ligne = _lignes(con, f'select count(*), sum(hash(t)) from "{table}" as t')[0]  # noqa: S608
        h.update(f"{table}:{ligne[0]}:{ligne[1]}|".encode())
    return h.hexdigest()[:32]


def _tables_principales(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[str]]]:
    """Tables of schema main (except the protection's own) with their columns."""
    return [
        (t, colonnes)
        for t, colonnes in con.execute(
            "select table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns join information_schema.tables "
            "using (table_schema, table_name) "
            "where table_schema = 'main' and table_type = 'BASE TABLE' "
            "group by table_name order by table_name"
        ).fetchall()
        if t not in _TABLES_IGNOREES
    ]


def empreintes_programmes(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Hash of each programme's rows, and of the shared tables' rows (key `PARTAGEES`).

    A programme's rows: those of tables with a pre_id column, and of the tables attached to them
    (`_RATTACHEES`). Rows attached to no programme (an orphan) count as shared: safe, a change
    there recomputes every programme.
    """
    parties: dict[str, list[str]] = {}
    for table, colonnes in _tables_principales(con):
        # Table names come from the catalogue, not from a user.
        if "pre_id" in colonnes:
            sql = f'select pre_id, count(*), sum(hash(t)) from "{table}" as t group by 1'  # noqa: S608
        elif table in _RATTACHEES:
            sql = _RATTACHEES[table]
        else:
            sql = f'select null, count(*), sum(hash(t)) from "{table}" as t'  # noqa: S608
        for pre_id, nombre, somme in _lignes(con, sql):
            if nombre:
                parties.setdefault(pre_id or PARTAGEES, []).append(f"{table}:{nombre}:{somme}")
    parties.setdefault(PARTAGEES, [])
    return {
        pre_id: hashlib.sha256("|".join(morceaux).encode()).hexdigest()[:32]
        for pre_id, morceaux in parties.items()
    }


def _a_recalculer_par_programme(
    con: duckdb.DuckDBPyConnection, seuils: list[int], empreintes: dict[str, str]
) -> tuple[list[str], list[str]] | None:
    """(programmes to recompute, programmes gone) when the stored protection of every threshold
    can be kept for the other programmes; None when everything must be recomputed."""
    tous = [p for p in empreintes if p != PARTAGEES]
    a_faire: set[str] = set()
    partis: set[str] = set()
    for seuil in seuils:
        ligne = _lignes(
            con, "select empreinte_regles from secret_protection where seuil = ?", [seuil]
        )
        if not ligne or ligne[0][0] != empreinte_regles(seuil):
            return None
        stockees = dict(
            _lignes(con, "select pre_id, empreinte from secret_empreinte where seuil = ?", [seuil])
        )
        if stockees.get(PARTAGEES) != empreintes[PARTAGEES]:
            return None
        a_faire |= {p for p in tous if stockees.get(p) != empreintes[p]}
        partis |= set(stockees) - set(empreintes)
    return sorted(a_faire), sorted(partis)


def _en_ipc(cadre: pl.DataFrame) -> bytes:
    tampon = io.BytesIO()
    cadre.write_ipc_stream(tampon)
    return tampon.getvalue()


def proteger(
    con: duckdb.DuckDBPyConnection,
    seuils: list[int] | None = None,
    collecte: tuple | None = None,
) -> dict[int, dict]:
    """Compute and store the protection for each threshold; no commit (caller's transaction).

    Programmes are independent populations (a child belongs to one programme, every view to
    one programme): only those whose data changed since the stored protection are recomputed
    (all of them when the shared tables or the rules changed), by groups of
    `PROGRAMMES_PAR_LOT`, so that memory stays bounded at national scale, each group's per-year
    models solved in threads. `collecte` (tests, `proteger_fichier`): the views already
    collected, all programmes at once (everything is recomputed).

    Returns, per threshold, a summary of the whole stored protection (views, cells, primary,
    secondary), the seconds this computation took and the programmes it recomputed.
    """
    seuils = seuils or seuils_en_usage()
    minimum = valeurs_min()
    empreinte = empreinte_donnees(con)
    empreintes = empreintes_programmes(con)
    tous = catalogue.programmes(con)
    partiel = None if collecte is not None else _a_recalculer_par_programme(con, seuils, empreintes)
    if partiel is None:
        a_faire = tous
        for seuil in seuils:
            for table in ("secret_vue", "secret_cellule", "secret_empreinte"):
                con.execute(f"delete from {table} where seuil = ?", [seuil])  # noqa: S608
    else:
        a_faire, partis = partiel
        retires = [*a_faire, *partis]
        for seuil in seuils:
            for table in ("secret_vue", "secret_cellule", "secret_empreinte"):
                con.execute(
                    f"delete from {table} where seuil = ? and pre_id in (select unnest(?))",  # noqa: S608
                    [seuil, retires],
                )
    for seuil in seuils:
        con.execute("delete from secret_protection where seuil = ?", [seuil])
    if collecte is not None:
        lots = [collecte]
    else:
        lots = (
            moteur.collecter(con, pre_ids=a_faire[k : k + PROGRAMMES_PAR_LOT])
            for k in range(0, len(a_faire), PROGRAMMES_PAR_LOT)
        )
    secondes = dict.fromkeys(seuils, 0.0)
    for lot in lots:
        for seuil in seuils:
            resultat = moteur.calculer(con, seuil, minimum, lot)
            (suivante,) = _lignes(
                con,
                "select coalesce(max(cellule) + 1, 0) from secret_cellule where seuil = ?",
                [seuil],
            )[0]
            _ecrire(con, resultat, decalage=suivante)
            secondes[seuil] += resultat.duree
    bilans = {}
    for seuil in seuils:
        lignes = pl.DataFrame(
            {
                "seuil": seuil,
                "pre_id": [PARTAGEES, *a_faire],
                "empreinte": [empreintes[PARTAGEES], *(empreintes.get(p, "") for p in a_faire)],
            }
        )
        con.register("_empreintes", lignes.to_arrow())
        con.execute(
            "insert or replace into secret_empreinte (seuil, pre_id, empreinte) "
            "select seuil, pre_id, empreinte from _empreintes"
        )
        con.unregister("_empreintes")
        ((vues,),) = _lignes(con, "select count(*) from secret_vue where seuil = ?", [seuil])
        cellules, primaires, secondaires = _lignes(
            con,
            "select count(*), count(*) filter (statut = 'primaire'), "
            "count(*) filter (statut = 'secondaire') from secret_cellule where seuil = ?",
            [seuil],
        )[0]
        bilans[seuil] = {
            "vues": vues,
            "cellules": cellules,
            "primaires": primaires,
            "secondaires": secondaires,
            "secondes": secondes[seuil],
            "programmes_recalcules": len(a_faire),
        }
        con.execute(
            "insert into secret_protection values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                seuil,
                VERSION,
                empreinte_regles(seuil),
                empreinte,
                datetime.now().replace(microsecond=0),
                round(secondes[seuil], 3),
                minimum,
                vues,
                cellules,
                primaires,
                secondaires,
            ],
        )
    return bilans


def _raison(resultat: moteur.Resultat, u: int) -> str:
    etat = int(resultat.etats[u])
    valeur = resultat.cellules.valeur[u]
    if etat == moteur.VISIBLE:
        return "diffusé"
    if etat == moteur.PRIMAIRE:
        return f"moins de {resultat.seuil} enfants"
    if 1 <= valeur < resultat.seuil:
        return f"moins de {resultat.seuil} enfants, intervalle élargi pour le protéger"
    return "masqué pour qu'un petit effectif ne puisse pas être recalculé"


def _ecrire(con, resultat: moteur.Resultat, decalage: int) -> None:
    """Append one group of programmes' protected views and cells (cells numbered from
    `decalage`)."""
    seuil = resultat.seuil
    vues = pl.DataFrame(
        {
            "seuil": [seuil] * len(resultat.cadres),
            "requete": [nom for nom, _ in resultat.cadres],
            "parametres": [cle for _, cle in resultat.cadres],
            "cadre": [_en_ipc(c) for c in resultat.cadres.values()],
            "pre_id": [dict(json.loads(cle))["pre_id"] for _, cle in resultat.cadres],
        },
        schema={
            "seuil": pl.Int32,
            "requete": pl.String,
            "parametres": pl.String,
            "cadre": pl.Binary,
            "pre_id": pl.String,
        },
    )
    con.register("_vues_protegees", vues.to_arrow())
    con.execute(
        "insert into secret_vue (seuil, requete, parametres, cadre, pre_id) "
        "select seuil, requete, parametres, cadre, pre_id from _vues_protegees"
    )
    con.unregister("_vues_protegees")
    cellules = resultat.cellules
    exemples = []
    for occ in cellules.occurrences:
        v, i, colonne = occ[0]
        vue = resultat.vues[v]
        exemples.append(f"{vue.nom} {vue.cle} ligne {i + 1} {colonne}")
    bas = [resultat.intervalles.get(u, (None, None))[0] for u in range(len(cellules))]
    haut = [resultat.intervalles.get(u, (None, None))[1] for u in range(len(cellules))]
    lignes = pl.DataFrame(
        {
            "seuil": [seuil] * len(cellules),
            "cellule": list(range(decalage, decalage + len(cellules))),
            "pre_id": cellules.pre_id,
            "annee": cellules.annee,
            "valeur": cellules.valeur,
            "statut": [_STATUTS[int(e)] for e in resultat.etats],
            "raison": [_raison(resultat, u) for u in range(len(cellules))],
            "vues": [len(o) for o in cellules.occurrences],
            "exemple": exemples,
            "bas": [None if b is None or not np.isfinite(b) else int(b) for b in bas],
            "haut": [None if b is None or not np.isfinite(b) else int(b) for b in haut],
        },
        schema_overrides={"annee": pl.Int32, "bas": pl.Int64, "haut": pl.Int64},
    )
    con.register("_cellules_protegees", lignes.to_arrow())
    con.execute("insert into secret_cellule select * from _cellules_protegees")
    con.unregister("_cellules_protegees")


def proteger_fichier(chemin: Path, seuils: list[int] | None = None) -> dict[int, dict]:
    """`proteger` on a DuckDB file, in one transaction (nothing changes on failure)."""
    with duckdb.connect(str(chemin)) as con:
        con.execute("begin transaction")
        try:
            bilans = proteger(con, seuils)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return bilans


def mettre_a_jour_fichier(chemin: Path) -> bool:
    """Recompute the protection of a DuckDB file if it is missing or stale; whether it did."""
    if Path(chemin).is_dir():
        return False  # Parquet folders are read-only copies: protected before export
    with duckdb.connect(str(chemin), read_only=True) as con:
        perimee = a_recalculer(con)
    if perimee:
        proteger_fichier(chemin)
    return perimee


def etat(con: duckdb.DuckDBPyConnection, seuil: int) -> str | None:
    """None when the stored protection for `seuil` matches the data and rules; else why not."""
    existe = _lignes(
        con, "select count(*) from information_schema.tables where table_name = 'secret_protection'"
    )[0][0]
    if not existe:
        return "La protection statistique de cette base n'a jamais été calculée."
    lignes = _lignes(
        con,
        "select empreinte_regles, empreinte_donnees from secret_protection where seuil = ?",
        [seuil],
    )
    ligne = lignes[0] if lignes else None
    if ligne is None:
        return (
            f"La protection statistique n'a pas été calculée pour le seuil de {seuil} enfants "
            "en usage sur ce serveur."
        )
    if ligne[0] != empreinte_regles(seuil):
        return (
            "La protection statistique a été calculée avec d'autres règles (version du tableau "
            "de bord ou réglages du secret) : elle doit être recalculée."
        )
    if ligne[1] != empreinte_donnees(con):
        return (
            "Les données ont changé depuis le calcul de la protection statistique : elle doit "
            "être recalculée."
        )
    return None


def a_recalculer(con: duckdb.DuckDBPyConnection) -> bool:
    return any(etat(con, seuil) for seuil in seuils_en_usage())


def lire_vue(con: duckdb.DuckDBPyConnection, nom: str, params: dict, seuil: int) -> pl.DataFrame:
    """The stored protected result of one view."""
    curseur = con.cursor()
    try:
        ligne = curseur.execute(
            "select cadre from secret_vue where seuil = ? and requete = ? and parametres = ?",
            [seuil, nom, cle_parametres(params)],
        ).fetchone()
    finally:
        curseur.close()
    if ligne is None:
        raise ProtectionIndisponible(
            "Ce chiffre n'a pas de protection statistique calculée pour les filtres choisis "
            f"({nom}, {json.dumps(params, ensure_ascii=False, default=str)}) : il n'est pas affiché."
        )
    return pl.read_ipc_stream(io.BytesIO(ligne[0]))
