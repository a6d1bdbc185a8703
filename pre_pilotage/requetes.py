"""Query layer: one `queries/<nom>.sql` statement per result, masked before anyone sees it.

Every `.sql` file starts with a header:

    -- <what the result is>
    -- grain: one row per ...
    -- params: $annee INTEGER, $pre_id VARCHAR        (or: none)
    -- secret: counts=...; partition=...; rate=...    (or: none; see confidentialite.lire_regles)
    -- lineage: x=none (why)                           (optional; see below)

Record lineage: for every count column `x` of `counts=`, the statement also returns `x__ids`, the
sorted distinct identifiers of the records the cell counts (`'b:' || beneficiaire_id`,
`'p:' || parcours_id`; docs/architecture.md, « Record lineage »), so that `len(x__ids) == x`. A
count that is not a count of records (a sum of a number typed by the user) has a NULL list and is
named in the optional `lineage:` line with the reason: `-- lineage: x=none (why); y=none (why)`.
`executer` runs the statement with every lineage list replaced by a NULL list (pages do not pay
for lists they never see) and drops the `__ids` columns before masking; `executer_brut` runs it
whole and gives the unmasked frame with them, for the protection engine. A lineage list is written
`list_sort(list_distinct(list(<prefix> || <id>) [filter (where …)]))`, with no comment inside.

`run(nom, **params)` is the only way pages get data: it executes the statement on a cursor of one
cached read-only connection, then passes the frame through `confidentialite.proteger`.
`run.plusieurs({cle: (nom, params)})` gives several results at once: those not cached yet are
computed concurrently (DuckDB releases the GIL while a statement runs), each on its own cursor.
Modules that gather many frames (`enquete`, `rapport`) go through `lots.tous(run, demandes)`, which
uses `plusieurs` when the runner has it and calls the runner one query at a time otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from pre_pilotage import acces, config
from pre_pilotage.confidentialite import Regles, lire_regles, proteger
from pre_pilotage.db import ouvrir_lecture

_LIGNE_PARAMETRE = re.compile(r"^\$([a-z_][a-z0-9_]*)\s+([A-Z]+)$")
_SANS_LIGNAGE = re.compile(r"^([a-z_][a-z0-9_]*)=none \((.+)\)$")

# Suffix of the record-lineage columns (sorted distinct record identifiers of a count cell).
SUFFIXE_LIGNAGE = "__ids"
# How every lineage list of queries/ starts (see the module's docstring).
_DEBUT_LIGNAGE = "list_sort(list_distinct("


@dataclass(frozen=True)
class Requete:
    nom: str
    description: str
    grain: str
    parametres: dict[str, str]
    regles: Regles
    sql: str
    # The statement with every lineage list replaced by a NULL list: what `executer` runs.
    sql_sans_lignage: str
    # Count columns whose `__ids` list is NULL, with the reason (`-- lineage: x=none (why)`).
    sans_lignage: tuple[tuple[str, str], ...] = ()


def _entete(chemin: Path) -> dict[str, str]:
    lignes = chemin.read_text(encoding="utf-8").splitlines()
    entete: dict[str, str] = {}
    for numero, ligne in enumerate(lignes):
        if not ligne.startswith("--"):
            break
        texte = ligne[2:].strip()
        if numero == 0:
            entete["description"] = texte
            continue
        cle, separateur, valeur = texte.partition(":")
        if separateur and cle.strip() in ("grain", "params", "secret", "lineage"):
            entete[cle.strip()] = valeur.strip()
    return entete


def _parenthese_fermante(sql: str, ouvrante: int) -> int:
    """Index of the parenthesis closing the one at `ouvrante` (string literals skipped)."""
    profondeur, dans_chaine = 0, False
    for position in range(ouvrante, len(sql)):
        caractere = sql[position]
        if caractere == "'":
            dans_chaine = not dans_chaine
        elif not dans_chaine and caractere == "(":
            profondeur += 1
        elif not dans_chaine and caractere == ")":
            profondeur -= 1
            if profondeur == 0:
                return position
    raise ValueError("parenthèse non fermée")


def sans_lignage(sql: str) -> str:
    """`sql` with every lineage list (`list_sort(list_distinct(…))`) replaced by a NULL list."""
    morceaux, suite = [], 0
    while (debut := sql.find(_DEBUT_LIGNAGE, suite)) >= 0:
        fin = _parenthese_fermante(sql, debut + len("list_sort"))
        morceaux += [sql[suite:debut], "cast(null as varchar[])"]
        suite = fin + 1
    return "".join(morceaux) + sql[suite:]


@cache
def charger(nom: str, dossier: Path = config.DOSSIER_REQUETES) -> Requete:
    """Read and check `queries/<nom>.sql`; a missing header item is a programming error."""
    chemin = dossier / f"{nom}.sql"
    if not chemin.exists():
        raise FileNotFoundError(f"Requête inconnue : {nom} ({chemin})")
    entete = _entete(chemin)
    manquants = [c for c in ("description", "grain", "params", "secret") if not entete.get(c)]
    if manquants:
        raise ValueError(f"En-tête incomplet dans {chemin.name} : {', '.join(manquants)}")
    parametres: dict[str, str] = {}
    if entete["params"] != "none":
        for morceau in entete["params"].split(","):
            correspondance = _LIGNE_PARAMETRE.match(morceau.strip())
            if not correspondance:
                raise ValueError(f"Paramètre mal déclaré dans {chemin.name} : « {morceau} »")
            parametres[correspondance.group(1)] = correspondance.group(2)
    sql = chemin.read_text(encoding="utf-8")
    corps = "\n".join(ligne for ligne in sql.splitlines() if not ligne.lstrip().startswith("--"))
    utilises = set(re.findall(r"\$([a-z_][a-z0-9_]*)", corps))
    if utilises != set(parametres):
        raise ValueError(
            f"{chemin.name} : paramètres déclarés {sorted(parametres)} "
            f"mais utilisés {sorted(utilises)}"
        )
    regles = lire_regles(entete["secret"])
    sans_lignage_declare: list[tuple[str, str]] = []
    for morceau in filter(None, (m.strip() for m in entete.get("lineage", "").split(";"))):
        correspondance = _SANS_LIGNAGE.match(morceau)
        if not correspondance or correspondance.group(1) not in regles.counts:
            raise ValueError(
                f"Lignage mal déclaré dans {chemin.name} : « {morceau} » "
                "(attendu : <colonne de counts>=none (raison))"
            )
        sans_lignage_declare.append((correspondance.group(1), correspondance.group(2)))
    return Requete(
        nom=nom,
        description=entete["description"],
        grain=entete["grain"],
        parametres=parametres,
        regles=regles,
        sql=sql,
        sql_sans_lignage=sans_lignage(sql),
        sans_lignage=tuple(sans_lignage_declare),
    )


def _executer_sql(
    con: duckdb.DuckDBPyConnection, nom: str, params: dict, lignage: bool
) -> tuple[Requete, pl.DataFrame]:
    requete = charger(nom)
    if set(params) != set(requete.parametres):
        raise TypeError(
            f"Requête {nom} : paramètres attendus {sorted(requete.parametres)}, "
            f"reçus {sorted(params)}"
        )
    sql = requete.sql if lignage else requete.sql_sans_lignage
    curseur = con.cursor()
    try:
        return requete, curseur.sql(sql, params=params).pl()
    finally:
        curseur.close()


def executer_brut(con: duckdb.DuckDBPyConnection, nom: str, **params) -> pl.DataFrame:
    """Run one query on its own cursor and return the UNMASKED result, with its `__ids` columns.

    For the protection engine only (it needs the records behind every count cell); never for a
    page or an export, which go through `executer` / `run`.
    """
    return _executer_sql(con, nom, params, lignage=True)[1]


def executer(
    con: duckdb.DuckDBPyConnection, nom: str, seuil: int | None = None, **params
) -> pl.DataFrame:
    """Run one query on its own cursor and return the masked result (without `__ids` columns)."""
    requete, cadre = _executer_sql(con, nom, params, lignage=False)
    cadre = cadre.drop([c for c in cadre.columns if c.endswith(SUFFIXE_LIGNAGE)])
    return proteger(cadre, requete.regles, config.seuil_secret() if seuil is None else seuil)


def _fermer(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


# Closed when released, so that an import in this process can open the file read-write.
@st.cache_resource(show_spinner=False, on_release=_fermer)
def _connexion(chemin: str) -> duckdb.DuckDBPyConnection:
    return ouvrir_lecture(Path(chemin))


def lire_protege(
    con: duckdb.DuckDBPyConnection, nom: str, seuil: int | None = None, **params
) -> pl.DataFrame:
    """What a view shows: a query without counts runs; a child figure is read from the
    whole-database protection stored in the file (`pre_pilotage.protection`), never recomputed."""
    from pre_pilotage import protection

    requete = charger(nom)
    if set(params) != set(requete.parametres):
        raise TypeError(
            f"Requête {nom} : paramètres attendus {sorted(requete.parametres)}, "
            f"reçus {sorted(params)}"
        )
    seuil = config.seuil_secret() if seuil is None else seuil
    if not requete.regles.counts:
        cadre = executer(con, nom, seuil, **params)
    else:
        cadre = protection.lire_vue(con, nom, params, seuil)
    return sans_annee_vide(con, cadre, params)


def sans_annee_vide(con: duckdb.DuckDBPyConnection, cadre: pl.DataFrame, params: dict):
    """Blank the previous year's row of a result compared year on year when the programme has
    no data for that year (no team, programming nor imported file): its zeros are not figures,
    and « contre 0,0 % en 2024 » compared the year with nothing (outside test)."""
    pre_id, annee = params.get("pre_id"), params.get("annee")
    if pre_id is None or annee is None or "annee" not in cadre.columns or cadre.is_empty():
        return cadre
    precedente = int(annee) - 1
    if precedente not in set(cadre["annee"].to_list()):
        return cadre
    # The programme's years (no child count: nothing to protect, nothing recomputed).
    annees = _executer_sql(con, "annees_disponibles", {"pre_id": pre_id}, lignage=False)[1]
    annees = annees["annee"].to_list()
    if precedente in annees:
        return cadre
    vides = [
        c
        for c, type_ in cadre.schema.items()
        if c != "annee" and (type_.is_numeric() or type_ == pl.Boolean or c.endswith("__secret"))
    ]
    dans = pl.col("annee") == precedente
    return cadre.with_columns(
        [pl.when(dans).then(None).otherwise(pl.col(c)).alias(c) for c in vides]
    )


@st.cache_data(show_spinner=False, max_entries=1_000)
def _executer_en_cache(chemin: str, seuil: int, nom: str, params: tuple) -> pl.DataFrame:
    return lire_protege(_connexion(chemin), nom, seuil, **dict(params))


@st.cache_resource(show_spinner=False, max_entries=16)
def _etat_protection(chemin: str, seuil: int) -> str | None:
    from pre_pilotage import protection

    return protection.etat(_connexion(chemin), seuil)


def etat_protection() -> str | None:
    """Why the database must not be shown to the current user (French), or None."""
    return _etat_protection(str(config.chemin_base()), acces.seuil())


def run(nom: str, **params) -> pl.DataFrame:
    """Masked result of `queries/<nom>.sql`, cached per parameter values."""
    return _executer_en_cache(
        str(config.chemin_base()), acces.seuil(), nom, tuple(sorted(params.items()))
    )


def run_au_seuil(seuil: int) -> Callable[..., pl.DataFrame]:
    """`run` at a given threshold (documents for élus use their floor, whatever the role's)."""

    def lire(nom: str, **params) -> pl.DataFrame:
        return _executer_en_cache(
            str(config.chemin_base()), seuil, nom, tuple(sorted(params.items()))
        )

    return lire


def informations_base() -> dict[str, str]:
    """The database's `informations_base` key/value pairs (data date, demo flag…).

    Read by every chart's caption: kept as a dict (no copy per read), forgotten by
    `vider_caches` like the results.
    """
    return dict(_informations(str(config.chemin_base())))


@st.cache_resource(show_spinner=False, max_entries=16)
def _informations(chemin: str) -> tuple[tuple[str, str], ...]:
    cadre = _executer_en_cache(chemin, acces.seuil(), "informations_base", ())
    return tuple(zip(cadre["cle"], cadre["valeur"], strict=True))


# Two cores: three statements in flight keep both busy while Python masks the finished ones
# (bench/national.py measured 1, 2, 3 and 4 workers; docs/performance.md).
_FILS = ThreadPoolExecutor(max_workers=3, thread_name_prefix="requetes")


def plusieurs(demandes: dict[str, tuple[str, dict]]) -> dict[str, pl.DataFrame]:
    """`run` for several queries at once, by key: {cle: (nom, params)} -> {cle: masked frame}.

    The session's values (database, threshold) are read here, in the script's thread; the workers
    only call the cached function, which holds no session state.
    """
    chemin, seuil = str(config.chemin_base()), acces.seuil()
    _connexion(chemin)  # opened once, before the workers share it
    futurs = {
        cle: _FILS.submit(_executer_en_cache, chemin, seuil, nom, tuple(sorted(params.items())))
        for cle, (nom, params) in demandes.items()
    }
    return {cle: futur.result() for cle, futur in futurs.items()}


run.plusieurs = plusieurs  # type: ignore[attr-defined]


def seuil_agregats() -> int:
    """Figures across programmes (Territoires) use the lecture threshold whatever the role's:
    they are read by préfectures, départements and the ANCT, like documents for élus."""
    return max(config.seuil_secret(), acces.SEUIL_LECTURE)


def etat_protection_agregats() -> str | None:
    """Why the figures across programmes must not be shown (French), or None."""
    return _etat_protection(str(config.chemin_base()), seuil_agregats())


def _empreinte_protection(chemin: str, seuil: int) -> str:
    """The stored protection's data fingerprint and date: the cache key of the aggregates (one
    row read at every run; a new import or protection changes it)."""
    curseur = _connexion(chemin).cursor()
    try:
        ligne = curseur.execute(
            "select empreinte_donnees, calculee_le from secret_protection where seuil = ?",
            [seuil],
        ).fetchone()
    finally:
        curseur.close()
    return f"{ligne[0]}|{ligne[1]}" if ligne else ""


@st.cache_data(show_spinner=False, max_entries=8)
def _annees_agregats(chemin: str, seuil: int, empreinte: str) -> dict[int, list[str]]:
    from pre_pilotage import agregats

    return agregats.annees(_connexion(chemin), seuil)


@st.cache_data(show_spinner=False, max_entries=16)
def _cellules_agregats(chemin: str, seuil: int, empreinte: str, annee: int) -> pl.DataFrame:
    from pre_pilotage import agregats

    pre_ids = _annees_agregats(chemin, seuil, empreinte).get(annee, [])
    return agregats.cellules(_connexion(chemin), seuil, annee, pre_ids)


def annees_des_programmes() -> dict[int, list[str]]:
    """Years with data in the database -> its programmes with data that year."""
    chemin, seuil = str(config.chemin_base()), seuil_agregats()
    return _annees_agregats(chemin, seuil, _empreinte_protection(chemin, seuil))


def cellules_des_programmes(annee: int) -> pl.DataFrame:
    """Every programme's protected programme-level cells of `annee` (`agregats.cellules`), read
    at once and cached by the protection's data fingerprint."""
    chemin, seuil = str(config.chemin_base()), seuil_agregats()
    return _cellules_agregats(chemin, seuil, _empreinte_protection(chemin, seuil), annee)


def vider_caches() -> None:
    """Before and after a write to the database: close the read-only connection, forget results."""
    _executer_en_cache.clear()
    _annees_agregats.clear()
    _cellules_agregats.clear()
    _etat_protection.clear()
    _informations.clear()
    _connexion.clear()
