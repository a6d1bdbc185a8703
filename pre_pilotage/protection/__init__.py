"""The statistical protection of the whole database ("secret statistique"), stored in it.

`proteger(con)` computes, for every threshold in use, the protected result of every view a user
can select (`catalogue.vues`) and writes it to the `secret_*` tables, inside the caller's
transaction: called by the demo generator, the importer, the geography builder and the programme
editor before they commit, so that a failure leaves the data and the previous protection as they
were. The app reads views with `lire_vue`; `etat(con, seuil)` says (in French) why a database
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
_TABLES_IGNOREES = {"secret_protection", "secret_vue", "secret_cellule", "schema_version"}
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
    one programme): they are protected by groups of `PROGRAMMES_PAR_LOT`, so that memory stays
    bounded at national scale, each group's per-year models solved in threads. `collecte`
    (tests, `proteger_fichier`): the views already collected, all programmes at once.

    Returns, per threshold, a summary (views, cells, primary, secondary, seconds).
    """
    seuils = seuils or seuils_en_usage()
    minimum = valeurs_min()
    empreinte = empreinte_donnees(con)
    if collecte is not None:
        lots = [collecte]
    else:
        tous = catalogue.programmes(con)
        lots = (
            moteur.collecter(con, pre_ids=tous[k : k + PROGRAMMES_PAR_LOT])
            for k in range(0, len(tous), PROGRAMMES_PAR_LOT)
        )
    for seuil in seuils:
        for table in ("secret_vue", "secret_cellule", "secret_protection"):
            con.execute(f"delete from {table} where seuil = ?", [seuil])  # noqa: S608
    bilans = {
        seuil: {"vues": 0, "cellules": 0, "primaires": 0, "secondaires": 0, "secondes": 0.0}
        for seuil in seuils
    }
    for lot in lots:
        for seuil in seuils:
            resultat = moteur.calculer(con, seuil, minimum, lot)
            bilan = bilans[seuil]
            _ecrire(con, resultat, decalage=bilan["cellules"])
            etats = resultat.etats
            bilan["vues"] += len(resultat.vues)
            bilan["cellules"] += len(etats)
            bilan["primaires"] += int((etats == moteur.PRIMAIRE).sum())
            bilan["secondaires"] += int((etats == moteur.SECONDAIRE).sum())
            bilan["secondes"] += resultat.duree
    for seuil, bilan in bilans.items():
        con.execute(
            "insert into secret_protection values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                seuil,
                VERSION,
                empreinte_regles(seuil),
                empreinte,
                datetime.now().replace(microsecond=0),
                round(bilan["secondes"], 3),
                minimum,
                bilan["vues"],
                bilan["cellules"],
                bilan["primaires"],
                bilan["secondaires"],
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
        },
        schema={
            "seuil": pl.Int32,
            "requete": pl.String,
            "parametres": pl.String,
            "cadre": pl.Binary,
        },
    )
    con.register("_vues_protegees", vues.to_arrow())
    con.execute("insert into secret_vue select * from _vues_protegees")
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
