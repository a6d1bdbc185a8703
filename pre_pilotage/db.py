"""DuckDB file access: numbered migrations and connections."""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import polars as pl

DOSSIER_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_NOM_MIGRATION = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations_disponibles() -> list[tuple[int, str, Path]]:
    """Numbered migration files, in order; a duplicate number is a packaging error.

    Numbers may leave gaps (parallel work reserves ranges); the runner applies every file whose
    number is not yet recorded, so a lower number landing later is still applied.
    """
    trouvees = []
    for chemin in sorted(DOSSIER_MIGRATIONS.glob("*.sql")):
        correspondance = _NOM_MIGRATION.match(chemin.name)
        if not correspondance:
            raise RuntimeError(f"Nom de migration invalide : {chemin.name}")
        trouvees.append((int(correspondance.group(1)), correspondance.group(2), chemin))
    numeros = [numero for numero, _, _ in trouvees]
    if len(set(numeros)) != len(numeros):
        raise RuntimeError(f"Numéros de migration en double : {numeros}")
    return trouvees


def versions_appliquees(con: duckdb.DuckDBPyConnection) -> set[int]:
    existe = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_version'"
    ).fetchone()[0]
    if not existe:
        return set()
    return {v for (v,) in con.execute("select version from schema_version").fetchall()}


def version_schema(con: duckdb.DuckDBPyConnection) -> int:
    return max(versions_appliquees(con), default=0)


def migrer(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied, each in its own transaction; return their numbers."""
    con.execute(
        "create table if not exists schema_version ("
        " version integer primary key, nom varchar not null,"
        " appliquee_le timestamp not null default current_timestamp)"
    )
    deja = versions_appliquees(con)
    appliquees = []
    for numero, nom, chemin in migrations_disponibles():
        if numero in deja:
            continue
        con.execute("begin transaction")
        try:
            con.execute(chemin.read_text(encoding="utf-8"))
            con.execute("insert into schema_version (version, nom) values (?, ?)", [numero, nom])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        appliquees.append(numero)
    return appliquees


def migrations_en_attente(chemin: Path) -> bool:
    """Whether the file's schema is behind the code's (read-only check, no write lock taken)."""
    with duckdb.connect(str(chemin), read_only=True) as con:
        deja = versions_appliquees(con)
    return any(numero not in deja for numero, _, _ in migrations_disponibles())


# A migration that erases values which must leave no trace (a child's name in a file name) says
# so with this line: DuckDB leaves overwritten values in free blocks of the file until reused,
# so the file is then rewritten table by table.
MARQUE_REECRITURE = "-- pre_pilotage: reecrire le fichier"


def migrer_fichier(chemin: Path) -> list[int]:
    """Bring the schema up to date, opening the file read-write only when something is pending.

    Readers (other app processes, a benchmark) keep working while the schema is current.
    """
    if chemin.is_dir():
        return []  # Parquet files (pre_pilotage.parquet): read-only, schema from the code
    chemin.parent.mkdir(parents=True, exist_ok=True)
    if chemin.exists() and not migrations_en_attente(chemin):
        return []
    nouveau = not chemin.exists()
    with duckdb.connect(str(chemin)) as con:
        appliquees = migrer(con)
    effacantes = {
        numero
        for numero, _, fichier in migrations_disponibles()
        if MARQUE_REECRITURE in fichier.read_text(encoding="utf-8")
    }
    if not nouveau and effacantes & set(appliquees):
        reecrire_fichier(chemin)
    return appliquees


def reecrire_fichier(chemin: Path) -> None:
    """Copy the whole database (schema, macros, constraints, rows) into a fresh file that then
    replaces it: no byte of an erased value survives in the file."""
    neuf = chemin.with_name(chemin.name + ".reecriture")
    neuf.unlink(missing_ok=True)
    # ATTACH takes no parameter: the paths are quoted as SQL string literals.
    ancien_sql = str(chemin).replace("'", "''")
    neuf_sql = str(neuf).replace("'", "''")
    try:
        with duckdb.connect() as con:
            con.execute(f"attach '{ancien_sql}' as ancienne (read_only)")
            con.execute(f"attach '{neuf_sql}' as neuve")
            con.execute("copy from database ancienne to neuve")
        os.replace(neuf, chemin)
    finally:
        neuf.unlink(missing_ok=True)


def ouvrir_lecture(chemin: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection to a DuckDB file, or to a folder of Parquet tables (partitioned by
    programme and year, see pre_pilotage.parquet)."""
    if chemin.is_dir():
        from pre_pilotage.parquet import ouvrir

        return ouvrir(chemin)
    return duckdb.connect(str(chemin), read_only=True)


def inserer_lignes(con: duckdb.DuckDBPyConnection, table: str, lignes: list[dict]) -> None:
    """Insert dict rows into `table` by column name (bulk, through Arrow); absent columns are NULL."""
    if not lignes:
        return
    colonnes = con.table(table).columns
    cadre = pl.DataFrame(lignes, infer_schema_length=None)
    manquantes = [pl.lit(None).alias(c) for c in colonnes if c not in cadre.columns]
    cadre = cadre.with_columns(manquantes).select(colonnes)
    con.from_arrow(cadre.to_arrow()).insert_into(table)
