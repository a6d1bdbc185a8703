"""One query for every filter of a view: the protection's collection, batched.

The protection computes each `.sql` file for every filter a user can select (programme, each
commune and QPV, each year): thousands of small statements, each costing far more to plan than to
run (≈ 6 ms of planning for 0,3 ms of work on the demo). Here a file is run once for all its
parameter sets: the parameters become the columns of a table `prm` and the statement a LATERAL
subquery over it, so DuckDB decorrelates it into one set-based plan.

Row order is part of a view (pages show rows in the file's order), and ORDER BY inside a
subquery is not kept: the statement's final ORDER BY becomes a `row_number()` over the same keys,
and the batch is ordered by parameter set, then that rank. Statements whose shape does not allow
the rewrite (a top-level UNION, DISTINCT or LIMIT, no final ORDER BY) return None here and are
run one by one by the caller; so does a batch that DuckDB refuses. The test suite checks that the
batch gives exactly the one-by-one frames, row order and types included, for every view of the
fixture and demo databases.
"""

from __future__ import annotations

import re

import duckdb
import polars as pl

_MOT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RANG = "__rang_lot"
_CLE = "__cle_lot"
# Parameter types of the .sql headers, as the typed frame of `executer` holds them.
_TYPES: dict[str, pl.DataType] = {"VARCHAR": pl.Utf8, "INTEGER": pl.Int32, "BIGINT": pl.Int64}


def _sans_commentaires(sql: str) -> str:
    """The statement without `--` comments (outside quoted strings)."""
    sortie, i, dans_chaine = [], 0, False
    while i < len(sql):
        c = sql[i]
        if dans_chaine:
            sortie.append(c)
            if c == "'":
                dans_chaine = False
        elif c == "'":
            dans_chaine = True
            sortie.append(c)
        elif sql.startswith("--", i):
            fin = sql.find("\n", i)
            i = len(sql) if fin < 0 else fin
            continue
        else:
            sortie.append(c)
        i += 1
    return "".join(sortie)


def _mots_de_surface(sql: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-case word) of every keyword or name outside parentheses and strings."""
    mots, profondeur, i, dans_chaine = [], 0, 0, False
    while i < len(sql):
        c = sql[i]
        if dans_chaine:
            dans_chaine = c != "'"
        elif c == "'":
            dans_chaine = True
        elif c == "(":
            profondeur += 1
        elif c == ")":
            profondeur -= 1
        elif (
            profondeur == 0 and (c.isalpha() or c == "_") and (i == 0 or not _continue(sql[i - 1]))
        ):
            m = _MOT.match(sql, i)
            mots.append((m.start(), m.end(), m.group(0).lower()))
            i = m.end()
            continue
        i += 1
    return mots


def _continue(c: str) -> bool:
    return c.isalnum() or c in "_$."


def sql_groupee(sql: str) -> str | None:
    """The statement run for every row of a table `prm` (columns named after the parameters),
    with `__cle_lot` first and the rows in the statement's order within each key; or None."""
    sql = _sans_commentaires(sql).strip().rstrip(";").strip()
    mots = _mots_de_surface(sql)
    noms = [m for _, _, m in mots]
    if any(m in ("union", "intersect", "except", "limit", "offset") for m in noms):
        return None
    selects = [k for k, m in enumerate(noms) if m == "select"]
    ordres = [k for k in range(len(mots) - 1) if noms[k] == "order" and noms[k + 1] == "by"]
    if not selects or not ordres or ordres[-1] < selects[-1]:
        return None
    principal = mots[selects[-1]]
    if selects[-1] + 1 < len(mots) and noms[selects[-1] + 1] in ("distinct", "all"):
        return None
    debut_ordre, fin_by = mots[ordres[-1]][0], mots[ordres[-1] + 1][1]
    cles = sql[fin_by:].strip()
    corps = (
        sql[: principal[1]]
        + f" row_number() over (order by {cles}) as {_RANG},"
        + sql[principal[1] : debut_ordre]
    )
    corps = re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", r"prm.\1", corps)
    # The statement is one of the project's own .sql files, not user input.
    lot = f"select prm.{_CLE}, q.* exclude ({_RANG}) from prm, lateral ({corps}) as q "  # noqa: S608
    return lot + f"order by prm.{_CLE}, q.{_RANG}"


def executer(
    con: duckdb.DuckDBPyConnection, sql: str, types: dict[str, str], liste: list[dict]
) -> list[pl.DataFrame] | None:
    """The statement's frame for each parameter set of `liste`, in one query on `con`; None
    when the statement cannot be batched (the caller then runs it set by set)."""
    groupee = sql_groupee(sql)
    if groupee is None or not liste:
        return None
    colonnes: dict[str, list] = {_CLE: list(range(len(liste)))}
    schema: dict[str, pl.DataType] = {_CLE: pl.Int64}
    for nom, type_sql in types.items():
        if type_sql.upper() not in _TYPES:
            return None  # a parameter type the typed frame does not know: run set by set
        schema[nom] = _TYPES[type_sql.upper()]
        colonnes[nom] = [p[nom] for p in liste]
    try:
        valeurs = pl.DataFrame(colonnes, schema=schema, strict=True)
    except (TypeError, pl.exceptions.PolarsError):
        return None
    con.register("prm_cadre", valeurs)
    try:
        # A temp table (not the registered frame) so that the lateral join reads typed columns.
        con.execute("create or replace temp table prm as select * from prm_cadre")
        try:
            cadre = con.sql(groupee).pl()
        except duckdb.Error:
            return None
        finally:
            con.execute("drop table if exists prm")
    finally:
        con.unregister("prm_cadre")
    sortie = {c: t for c, t in cadre.schema.items() if c != _CLE}
    vide = pl.DataFrame(schema=sortie)
    resultat = [vide.clone() for _ in liste]
    morceaux = cadre.partition_by(_CLE, as_dict=True, maintain_order=True, include_key=False)
    for (k,), morceau in morceaux.items():
        resultat[k] = morceau
    return resultat
