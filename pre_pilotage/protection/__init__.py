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
import sys
import types
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pre_pilotage import confidentialite, config
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
# Programmes protected together (`proteger`, `_lots`). A group's memory, in the caller reading
# it and in the worker protecting it, grows with its views times their children (results with
# their lineage, cells, models): about 150 MiB per programme of the national benchmark (3,874
# views, 413 parcours), where groups of 6 peaked at 4,191 MiB together (target 4 GiB) and
# groups of 5 at 3,716 MiB (docs/performance.md). A group takes programmes until
# `VOLUME_PAR_LOT` views × parcours, five such programmes: many more small ones (most real PRE
# are small, and every group reads each query once), a large one alone.
VOLUME_PAR_LOT = 5 * 3_874 * 413
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
    h = hashlib.sha256(
        f"{VERSION}|{seuil}|{valeurs_min()}|{confidentialite.ENFANTS_MIN_REPARTITIONS}".encode()
    )
    # With the query telling which parcours stands for its child in the cells.
    for nom in [*requetes_protegees(), "protection_parcours_enfants"]:
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


class EchecProtection(RuntimeError):
    """The protection could not be computed (message in French). Every caller runs it in the
    transaction of the change it protects and rolls back: the data and the previous protection
    stay as they were."""


def proteger(
    con: duckdb.DuckDBPyConnection,
    seuils: list[int] | None = None,
    collecte: tuple | None = None,
) -> dict[int, dict]:
    """`_proteger`; any failure becomes `EchecProtection`, told in French (an outside test met
    a Python trace in English at an import when a linear program failed)."""
    try:
        return _proteger(con, seuils, collecte)
    except EchecProtection:
        raise
    except Exception as erreur:
        if isinstance(erreur, moteur.EchecSolveur):
            cause = str(erreur)
        else:
            cause = f"erreur interne {type(erreur).__name__}"
        raise EchecProtection(
            f"La protection statistique n'a pas pu être calculée ({cause}). Rien n'a été "
            "modifié : les données et la protection précédentes restent en place. Réessayez ; "
            "si l'erreur revient, transmettez ce message à l'administrateur de l'outil."
        ) from erreur


def _proteger(
    con: duckdb.DuckDBPyConnection,
    seuils: list[int] | None = None,
    collecte: tuple | None = None,
) -> dict[int, dict]:
    """Compute and store the protection for each threshold; no commit (caller's transaction).

    Programmes are independent populations (a child belongs to one programme, every view to
    one programme): only those whose data changed since the stored protection are recomputed
    (all of them when the shared tables or the rules changed), by groups (`_lots`), so that
    memory stays bounded at national scale. With more than one
    group, worker processes (`_en_processus`) protect the groups while this connection reads
    the next one; with one group, it is protected here, its per-year models solved in threads.
    `collecte` (tests): the views already collected, all programmes at once (everything is
    recomputed).

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
    secondes = dict.fromkeys(seuils, 0.0)

    def ecrire(tables: dict[int, tuple[pl.DataFrame, pl.DataFrame, float]]) -> None:
        for seuil, (vues_, cellules_, duree) in tables.items():
            (suivante,) = _lignes(
                con,
                "select coalesce(max(cellule) + 1, 0) from secret_cellule where seuil = ?",
                [seuil],
            )[0]
            _inserer(con, vues_, cellules_, suivante)
            secondes[seuil] += duree

    if collecte is not None:
        ecrire(_proteger_collecte(collecte, seuils, minimum))
    else:
        groupes = _lots(con, a_faire)
        processus = min(moteur.fils_de_protection(), len(groupes))
        if processus <= 1:
            for groupe in groupes:
                ecrire(_proteger_lot(*requeter(con, groupe), seuils, minimum))
        else:
            _en_processus(con, groupes, seuils, minimum, processus, ecrire)
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


def _lots(con: duckdb.DuckDBPyConnection, pre_ids: list[str]) -> list[list[str]]:
    """The programmes in consecutive groups of at most `VOLUME_PAR_LOT` views × parcours (a
    larger programme is a group alone) and `PROGRAMMES_PAR_LOT` programmes."""
    if len(pre_ids) <= 1:
        return [list(pre_ids)] if pre_ids else []  # an import of one programme: nothing to weigh
    parcours = dict(con.execute("select pre_id, count(*) from parcours group by 1").fetchall())
    lots: list[list[str]] = []
    volume = 0
    for pre_id in pre_ids:
        n = len(catalogue.vues(con, [pre_id])) * max(1, parcours.get(pre_id, 0))
        if not lots or volume + n > VOLUME_PAR_LOT or len(lots[-1]) >= PROGRAMMES_PAR_LOT:
            lots.append([])
            volume = 0
        lots[-1].append(pre_id)
        volume += n
    return lots


def requeter(
    con: duckdb.DuckDBPyConnection, pre_ids: list[str]
) -> tuple[list[tuple[str, dict]], list[pl.DataFrame], pl.DataFrame]:
    """Every view of these programmes, unmasked with its lineage, and the parcours that stand
    for their child (`moteur.identifier` makes the cells of them): the only step of the
    protection that reads the database."""
    demandes = catalogue.vues(con, pre_ids)
    return (
        demandes,
        moteur._bruts(con, demandes, parallele=False),
        moteur.parcours_des_enfants(con, pre_ids),
    )


def _proteger_collecte(
    collecte: tuple[list[moteur.Vue], moteur.Cellules], seuils: list[int], minimum: int
) -> dict[int, tuple[pl.DataFrame, pl.DataFrame, float]]:
    """Per threshold: the rows of `secret_vue` and `secret_cellule` (numbered from 0) of one
    group of programmes, and the seconds it took."""
    tables = {}
    for seuil in seuils:
        resultat = moteur.calculer(None, seuil, minimum, collecte)
        tables[seuil] = (*_tables(resultat), resultat.duree)
    return tables


def _proteger_lot(
    demandes: list[tuple[str, dict]],
    bruts: list[pl.DataFrame],
    enfants: pl.DataFrame,
    seuils: list[int],
    minimum: int,
) -> dict[int, tuple[pl.DataFrame, pl.DataFrame, float]]:
    """`_proteger_collecte` from what `requeter` read: run in a worker process at national
    scale (no database: the caller's connection may hold an import not yet committed)."""
    return _proteger_collecte(moteur.identifier(demandes, bruts, enfants), seuils, minimum)


def _emballer(bruts: list[pl.DataFrame]) -> list[tuple[list[int], list[int], pl.DataFrame]]:
    """The results to ship to a worker, as few contiguous frames: a result cut from a batched
    one still holds the whole batch's buffers, and would be pickled with them (a group of 25
    national programmes then weighs tens of GiB). Results of one schema are stacked: (their
    positions, their row counts, the stack)."""
    par_schema: dict[tuple, list[int]] = {}
    for k, cadre in enumerate(bruts):
        par_schema.setdefault(tuple(cadre.schema.items()), []).append(k)
    return [
        (
            indices,
            [bruts[k].height for k in indices],
            pl.concat([bruts[k] for k in indices], rechunk=True),
        )
        for indices in par_schema.values()
    ]


def _deballer(paquets: list[tuple[list[int], list[int], pl.DataFrame]]) -> list[pl.DataFrame]:
    """`_emballer`'s results back, in their order."""
    bruts: dict[int, pl.DataFrame] = {}
    for indices, hauteurs, pile in paquets:
        debut = 0
        for k, hauteur in zip(indices, hauteurs, strict=True):
            bruts[k] = pile.slice(debut, hauteur)
            debut += hauteur
    return [bruts[k] for k in range(len(bruts))]


def _proteger_paquets(
    demandes: list[tuple[str, dict]],
    paquets: list[tuple[list[int], list[int], pl.DataFrame]],
    enfants: pl.DataFrame,
    seuils: list[int],
    minimum: int,
) -> dict[int, tuple[pl.DataFrame, pl.DataFrame, float]]:
    """`_proteger_lot` in a worker process, from `_emballer`'s results."""
    return _proteger_lot(demandes, _deballer(paquets), enfants, seuils, minimum)


def _processus_pret() -> None:
    # Each worker protects its group on one thread: the processes share the cores.
    os.environ["PRE_PROTECTION_FILS"] = "1"
    # The solvers' modules, imported while the caller reads the first group (about 1 s, once
    # per worker) rather than inside the first group's computation.
    import highspy  # noqa: F401
    import scipy.optimize  # noqa: F401
    import scipy.sparse  # noqa: F401


@contextmanager
def _sans_script_principal():
    """While worker processes start, `__main__` is an empty module.

    A spawned child first re-imports its parent's `__main__` by path. Inside the app that
    module is the page script that Streamlit installs as `__main__` for each run (and under
    the tests, the script an `AppTest` ran last): each worker would run the whole app before
    protecting anything, and die when it cannot open the database the script names. The
    previous module is put back unless a Streamlit run replaced it meanwhile (Streamlit sets
    `sys.modules["__main__"]` at every run, from every session's thread, without a lock)."""
    principal = sys.modules.get("__main__")
    neutre = types.ModuleType("__main__")
    sys.modules["__main__"] = neutre
    try:
        yield
    finally:
        if sys.modules.get("__main__") is neutre:
            sys.modules["__main__"] = principal


def _en_processus(con, groupes, seuils, minimum, processus, ecrire) -> None:
    """Groups of programmes protected in worker processes while the caller reads the next
    group from the database; results written in the groups' order (cells numbered the same
    way as in one process). At most one group per worker waits, so memory stays bounded. A
    failure in a worker is raised here: the caller's transaction is rolled back."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # "spawn": a forked child would inherit the DuckDB connection and the threads of the server.
    contexte = multiprocessing.get_context("spawn")
    executeur = ProcessPoolExecutor(processus, mp_context=contexte, initializer=_processus_pret)
    en_cours: deque = deque()
    try:
        for groupe in groupes:
            demandes, bruts, enfants = requeter(con, groupe)
            paquet = _emballer(bruts)
            # A spawn executor starts its processes inside `submit`, one per call until full.
            with _sans_script_principal():
                en_cours.append(
                    executeur.submit(_proteger_paquets, demandes, paquet, enfants, seuils, minimum)
                )
            del paquet
            del bruts
            while len(en_cours) > processus:
                ecrire(en_cours.popleft().result())
        while en_cours:
            ecrire(en_cours.popleft().result())
    finally:
        executeur.shutdown(wait=True, cancel_futures=True)


def _raison(resultat: moteur.Resultat, u: int) -> str:
    etat = int(resultat.etats[u])
    valeur = resultat.cellules.valeur[u]
    if etat == moteur.VISIBLE:
        return "diffusé"
    if resultat.cellules.cachee[u]:
        return (
            "répartition non publiée (territoire de moins de "
            f"{confidentialite.ENFANTS_MIN_REPARTITIONS} enfants ou à l'effectif masqué)"
        )
    if etat == moteur.PRIMAIRE:
        return f"moins de {resultat.seuil} enfants"
    if 1 <= valeur < resultat.seuil:
        return f"moins de {resultat.seuil} enfants, intervalle élargi pour le protéger"
    return "masqué pour qu'un petit effectif ne puisse pas être recalculé"


def _tables(resultat: moteur.Resultat) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One group of programmes' protected views and cells, as rows of `secret_vue` and of
    `secret_cellule` (cells numbered from 0)."""
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
            "cellule": list(range(len(cellules))),
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
    return vues, lignes


def _inserer(con, vues: pl.DataFrame, cellules: pl.DataFrame, decalage: int) -> None:
    """Append `_tables`' rows, the cells numbered from `decalage`."""
    con.register("_vues_protegees", vues.to_arrow())
    con.execute(
        "insert into secret_vue (seuil, requete, parametres, cadre, pre_id) "
        "select seuil, requete, parametres, cadre, pre_id from _vues_protegees"
    )
    con.unregister("_vues_protegees")
    cellules = cellules.with_columns(pl.col("cellule") + decalage)
    con.register("_cellules_protegees", cellules.to_arrow())
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
