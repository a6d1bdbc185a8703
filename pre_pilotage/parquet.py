"""The database as Parquet files partitioned by programme and year, and read back by DuckDB.

    python -m pre_pilotage.parquet exporter --base data/pre.duckdb --sortie /srv/pre/parquet
    python -m pre_pilotage.parquet exporter --base import.duckdb --sortie /srv/pre/parquet \
        --programme pre-059
    python -m pre_pilotage.parquet consolider --dossier /srv/pre/parquet --sortie national.duckdb

A consolidated deployment (a département, the ANCT) serves many programmes from read-only files
that batch jobs replace programme by programme (docs/deploiement.md). Layout, one folder per table:

    <dossier>/parcours/pre_id=<programme>/data_0.parquet
    <dossier>/fiche_action/pre_id=<programme>/annee=<année>/data_0.parquet
    <dossier>/commune/data_0.parquet                       (reference tables: not partitioned)

`PRE_BASE=<dossier>` makes the app read them (`db.ouvrir_lecture`): an in-memory DuckDB whose
tables are views over the files (hive partitions), with the columns, types and macros of the
code's migrations, so that every query of queries/ runs unchanged. Tables that only reach their
programme through a parent (a parcours' actions, a fiche's financing lines, a meeting's partners)
are partitioned by that parent's programme (and year); the partition columns are not part of
their views. Thousands of small files (530 programmes, 5 years) are slow to scan: `consolider`
gathers them into one read-only DuckDB file for national serving (docs/deploiement.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb

from pre_pilotage import formats

# Tables holding one programme's rows: their partition columns.
PARTITIONS = {
    "programme": ("pre_id",),
    "programme_commune": ("pre_id",),
    "programme_annee": ("pre_id",),
    "beneficiaire": ("pre_id",),
    "parcours": ("pre_id",),
    "eps": ("pre_id",),
    "equipe": ("pre_id", "annee"),
    "fiche_action": ("pre_id", "annee"),
    "lot_import": ("pre_id", "annee"),
    "gouvernance_participation": ("pre_id",),
    "parcours_motif": ("pre_id",),
    "action_parcours": ("pre_id", "annee"),
    "financement": ("pre_id", "annee"),
    "eps_reunion": ("pre_id", "annee"),
    "eps_reunion_partenaire": ("pre_id", "annee"),
}
# Partition columns of the tables that do not hold them: from their parent row.
_DERIVEES = {
    "parcours_motif": "select t.*, p.pre_id from parcours_motif as t"
    " left join parcours as p using (parcours_id)",
    "action_parcours": "select t.*, p.pre_id, coalesce(year(t.date_debut), 0) as annee"
    " from action_parcours as t left join parcours as p using (parcours_id)",
    "financement": "select t.*, f.pre_id, f.annee from financement as t"
    " left join fiche_action as f using (fiche_id)",
    "eps_reunion": "select t.*, e.pre_id, year(t.date_reunion) as annee from eps_reunion as t"
    " left join eps as e using (eps_id)",
    "eps_reunion_partenaire": "select t.*, e.pre_id, year(r.date_reunion) as annee"
    " from eps_reunion_partenaire as t left join eps_reunion as r using (reunion_id)"
    " left join eps as e using (eps_id)",
}
# Tables the migrations fill (nomenclatures, national references): emptied before consolidation.
_VIDER_TABLES_DE_REFERENCE = {
    "nomenclature": "delete from nomenclature",
    "reference_nationale": "delete from reference_nationale",
}
# Written by the migration runner of a DuckDB file; a Parquet folder takes its schema from the
# code's migrations instead.
_NON_EXPORTEES = {"schema_version"}
# Columns that files written before the migration adding them lack (a programme's batch job
# not re-run since the upgrade): filled from another column, as the migration filled them.
_COLONNES_AJOUTEES = {("fiche_action", "numero"): "fiche_id"}  # 061_fiche_numero.sql


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        nom
        for (nom,) in con.execute(
            "select table_name from information_schema.tables"
            " where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        if nom not in _NON_EXPORTEES
    ]


def _relation(con: duckdb.DuckDBPyConnection, table: str, programmes: list[str] | None):
    relation = con.sql(_DERIVEES[table]) if table in _DERIVEES else con.table(table)
    if programmes is not None and table in PARTITIONS:
        relation = relation.filter(
            duckdb.ColumnExpression("pre_id").isin(
                *(duckdb.ConstantExpression(p) for p in programmes)
            )
        )
    return relation


def exporter(base: Path, sortie: Path, programmes: list[str] | None = None) -> dict[str, int]:
    """Write the database's tables as Parquet under `sortie`; rows written per table.

    With `programmes`, only those programmes' partitions are replaced (and the reference tables
    rewritten): the other programmes' files are left as they are. Files are written in a
    temporary folder beside `sortie`, then moved into place table by table.
    """
    sortie.mkdir(parents=True, exist_ok=True)
    lignes: dict[str, int] = {}
    with (
        tempfile.TemporaryDirectory(dir=sortie.parent, prefix=".parquet-") as provisoire,
        duckdb.connect(str(base), read_only=True) as con,
    ):
        provisoire = Path(provisoire)
        for table in _tables(con):
            relation = _relation(con, table, programmes)
            lignes[table] = relation.count("*").fetchall()[0][0]
            dossier = provisoire / table
            if table in PARTITIONS:
                relation.write_parquet(
                    str(dossier), partition_by=list(PARTITIONS[table]), overwrite=True
                )
            else:
                dossier.mkdir()
                relation.write_parquet(str(dossier / "data_0.parquet"))
        for table in lignes:
            cible = sortie / table
            nouveau = provisoire / table
            if table in PARTITIONS and programmes is not None:
                cible.mkdir(exist_ok=True)
                for programme in programmes:
                    shutil.rmtree(cible / f"pre_id={programme}", ignore_errors=True)
                for partition in nouveau.iterdir() if nouveau.exists() else []:
                    shutil.move(str(partition), cible / partition.name)
            else:
                shutil.rmtree(cible, ignore_errors=True)
                if nouveau.exists():
                    shutil.move(str(nouveau), cible)
    return lignes


def est_parquet(chemin: Path) -> bool:
    """Whether PRE_BASE names a folder of Parquet tables rather than a DuckDB file."""
    return chemin.is_dir()


def ouvrir(dossier: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection whose tables are views over the Parquet files of `dossier`."""
    from pre_pilotage.db import migrer

    con = duckdb.connect(":memory:")
    migrer(con)  # the tables' columns and types, and the macros the queries use
    for table in _tables(con):
        fichiers = sorted((dossier / table).glob("**/*.parquet"))
        if not fichiers:
            continue  # nothing exported (an empty table): keep the empty table
        colonnes = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'main' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
        # By name: partitions written by different versions of the code may differ in columns.
        relation = con.read_parquet(
            str(dossier / table / "**" / "*.parquet"),
            hive_partitioning=table in PARTITIONS,
            union_by_name=True,
        )
        presentes = set(relation.columns)
        expressions = []
        for nom, type_ in colonnes:
            valeur = (
                duckdb.ColumnExpression(nom)
                if nom in presentes
                else duckdb.ConstantExpression(None)
            )
            source = _COLONNES_AJOUTEES.get((table, nom))
            if source is not None:
                valeur = duckdb.CoalesceOperator(valeur, duckdb.ColumnExpression(source))
            expressions.append(valeur.cast(type_).alias(nom))
        con.execute("drop table " + _identifiant(table))
        relation.select(*expressions).to_view(table, replace=True)
    return con


def _identifiant(nom: str) -> str:
    if not nom.replace("_", "").isalnum():
        raise ValueError(f"Nom de table inattendu : {nom}")
    return f'"{nom}"'


def consolider(dossier: Path, base: Path) -> dict[str, int]:
    """One read-only DuckDB file from the Parquet folder (national serving: a few hundred
    programmes make thousands of small files, slower to scan than one file); rows per table.
    The file is written beside `base`, then moved into place."""
    from pre_pilotage.db import migrer

    provisoire = base.with_name(base.name + ".consolidation")
    provisoire.unlink(missing_ok=True)
    lignes: dict[str, int] = {}
    source = ouvrir(dossier)
    try:
        with duckdb.connect(str(provisoire)) as con:
            migrer(con)
            for table in _tables(con):
                colonnes = con.table(table).columns
                cadre = source.table(table).select(*colonnes).to_arrow_table()
                lignes[table] = cadre.num_rows
                if con.table(table).count("*").fetchall()[0][0]:
                    # The files hold every row, the reference rows of the migrations included.
                    con.execute(_VIDER_TABLES_DE_REFERENCE[table])
                if cadre.num_rows:
                    con.from_arrow(cadre).insert_into(table)
            con.execute("checkpoint")
    finally:
        source.close()
    provisoire.replace(base)
    return lignes


def main(argv: list[str] | None = None) -> int:
    analyseur = argparse.ArgumentParser(
        prog="python -m pre_pilotage.parquet",
        description="Fichiers Parquet partitionnés par programme et par année.",
    )
    commandes = analyseur.add_subparsers(dest="commande", required=True)
    exporter_ = commandes.add_parser("exporter", help="écrit une base DuckDB en fichiers Parquet")
    exporter_.add_argument("--base", type=Path, required=True, help="fichier DuckDB à exporter")
    exporter_.add_argument("--sortie", type=Path, required=True, help="dossier des fichiers")
    exporter_.add_argument(
        "--programme",
        action="append",
        help="ne remplacer que les partitions de ce programme (répétable)",
    )
    consolider_ = commandes.add_parser(
        "consolider", help="rassemble les fichiers Parquet en une base DuckDB en lecture seule"
    )
    consolider_.add_argument("--dossier", type=Path, required=True, help="dossier des fichiers")
    consolider_.add_argument("--sortie", type=Path, required=True, help="fichier DuckDB à écrire")
    arguments = analyseur.parse_args(argv)
    if arguments.commande == "exporter":
        if not arguments.base.is_file():
            print(f"Base introuvable : {arguments.base}", file=sys.stderr)
            return 1
        lignes = exporter(arguments.base, arguments.sortie, arguments.programme)
        destination = arguments.sortie
    else:
        if not arguments.dossier.is_dir():
            print(f"Dossier introuvable : {arguments.dossier}", file=sys.stderr)
            return 1
        lignes = consolider(arguments.dossier, arguments.sortie)
        destination = arguments.sortie
    total = formats.nombre(sum(lignes.values()))
    print(f"{len(lignes)} tables, {total} lignes écrites dans {destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
