"""One protection for the whole database: every child figure of every view, chosen jointly.

1. **Cells.** Every view of the catalogue is computed unmasked, with the record lineage of each
   count (`x__ids`: the identifiers of the children or parcours the cell counts). A cell is a set
   of records of one programme and one year: the same set met in two views (a QPV on the map and
   the same QPV inside a Cité perimeter) is one cell, with one state everywhere. A count without
   lineage (a number typed in a file, such as a fiche-action's planned beneficiaries) is a cell of
   its own view.
2. **Per-view pass.** Counts from 1 to seuil − 1 are primary (« < 11 »). Each view is protected
   by `confidentialite.proteger` with the states already decided for its cells forced, until no
   view changes any cell (its declared partitions, row sums and stock-flow identities get their
   complementary suppression, « s »).
3. **Joint pass.** For each programme, a linear program over record classes (records that belong to
   exactly the same cells) holds every published cell, the known range of the masked ones and the
   declared identities between views and years. Each sensitive masked cell is minimised and
   maximised (HiGHS), unless the optima already met in the model give it `valeurs_min` values
   (each is a feasible point, and stays one as suppression grows); while fewer than
   `valeurs_min` integers remain possible, the « < seuil » cells that bind it (non-zero dual)
   become « s » together, or else the published cell that binds it with the smallest value
   is suppressed too, programme totals last. Minimisations and maximisations are solved in
   two copies of the model (`Solveur`), each warm from its own last optimum.
4. Each view's protected frame is rebuilt with the final states: what the pages read.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
import warnings
import zlib
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np
import polars as pl

from pre_pilotage.confidentialite import (
    ENFANTS_MIN_REPARTITIONS,
    SUFFIXE_SECRET,
    Regles,
    _cadre_protege,
    _Etat,
    _etat_modele,
    _etat_protege,
    _groupes,
)
from pre_pilotage.protection import groupees
from pre_pilotage.protection.catalogue import cle_parametres, programmes, vues
from pre_pilotage.requetes import charger

SUFFIXE_IDS = "__ids"
VISIBLE, PRIMAIRE, SECONDAIRE = 0, 1, 2
# What a reader knows of an « s » cell: at least one child. A zero is « 0 » in every view (it
# is not a cell, `identifier`; `_montrer_zeros`), so every masked count is at least 1. An outside
# test recomputed a small count to 4 values by adding « s » ≥ 1 to a partition whose « s » part
# the models let fall to 0.
BAS_SECONDAIRE = 1
VALEURS_MIN_DEFAUT = 5
# Up to this many record classes, a programme's model of all years is asked about every small
# count; above, only about those its year models with their neighbours' envelopes and its
# three-year windows do not prove (`passe_grands`). Measured on 02/12/2026 on a programme of
# the national benchmark database (1,632 classes, 5 years): 250 s the first way, 83 s the
# second, the same figures shown (2 of its 2,257 « < 11 » cells « s » instead); the fixture's
# programme (67 classes) keeps the first.
VARIABLES_MODELE_COMPLET = 500
# Consecutive years in the intermediate models of `passe_grands`.
ANNEES_FENETRE = 3
# Optimisations of weighted sums of the sensitive cells a model starts with: all counted
# positively, all negatively, then random signs. `passe_grands`'s larger models take the first
# two only: there a random one costs about as much as ten cells' solves and proved fewer
# (demo, with the first solve by interior point: 59 s with two, 65 s with six).
ECHANTILLONS = 6
ECHANTILLONS_GRANDS = 2
# Tasks sharing the cells of one large model of all years in `passe_grands`.
PARTS_MODELE_COMPLET = 2
VARIABLES_EN_PARTS = 4_000
# From this many record classes a model's first solve is HiGHS's interior point method with
# crossover (a basis for the warm primal simplex solves after it): on the demo's model of all
# years (6,618 classes) 1.6 s instead of 15 s for the primal simplex from the slack basis, on
# its three-year models 0.4 s instead of 2.2 s; below about 1,000 classes the two are even.
VARIABLES_POINT_INTERIEUR = 1_000

# A « < seuil » cell that binds a small count's range is made « s » together with the others
# that bind it when fewer views than this show it (`_passe_bloc`): one re-solve instead of one
# per cell (on the demo's year models, 85 % of the cells masked to protect others were « < 11 »
# cells made « s »; converting them together halved the year pass). A cell shown in more
# views (a quartier's children on the map, in its Cité, its commune) keeps « < 11 » unless it
# is the cheapest cell left to mask.
VUES_CONVERSION_GROUPEE = 8

# Breakdowns of one commune's or QPV's children published only from
# `ENFANTS_MIN_REPARTITIONS` children in the year (`confidentialite`).
REPARTITIONS = frozenset(
    {
        "beneficiaires_par_tranche_age",
        "publics_duree_parcours",
        "publics_indicateurs",
        "publics_motifs_orientation",
        "publics_motifs_sortie",
        "publics_par_niveau_scolaire",
        "publics_par_orienteur",
        "publics_par_profil",
        "publics_par_residence",
        "publics_par_sexe",
        "publics_par_tranche_age",
        "publics_types_action",
    }
)

# Cells of these columns, in views without a commune or QPV filter, are the programme's headline
# figures: suppressed last.
_TOTAUX = {"actifs", "entrees", "sorties", "beneficiaires", "enfants_programme", "effectif"}


@dataclass
class Vue:
    nom: str
    params: dict
    regles: Regles
    cadre: pl.DataFrame  # unmasked, without lineage columns
    cellules: dict[tuple[int, str], int] = field(default_factory=dict)  # (row, column) -> cell
    modeles: dict[int, _Etat] = field(
        default_factory=dict, repr=False
    )  # seuil -> values, relations
    # share column -> (rows of a partition group, the cell its total is, when its rows count
    # distinct records whose union is a cell of the database).
    totaux: dict[str, list[tuple[list[int], int]]] = field(default_factory=dict)
    # Rows of a territory's breakdown not published (`ENFANTS_MIN_REPARTITIONS`): all « s »;
    # their cells shown nowhere else are hidden cells (`cacher`).
    non_diffusees: set[int] = field(default_factory=set)
    # seuil -> the declared identities over its cells (`_relations_declarees`).
    declarees: dict[int, list] = field(default_factory=dict, repr=False)

    def modele(self, seuil: int) -> _Etat:
        """The frame's values and relations for the per-view protection, computed once."""
        if seuil not in self.modeles:
            self.modeles[seuil] = _etat_modele(self.cadre, self.regles, seuil)
        return self.modeles[seuil]

    @property
    def cle(self) -> str:
        return cle_parametres(self.params)


@dataclass
class Cellules:
    """The distinct cells of the database and where each one is shown."""

    valeur: list[int] = field(default_factory=list)
    pre_id: list[str] = field(default_factory=list)
    annee: list[int | None] = field(default_factory=list)
    records: list[tuple[int, ...] | None] = field(default_factory=list)  # None: no lineage
    occurrences: list[list[tuple[int, int, str]]] = field(default_factory=list)  # (view, row, col)
    total: list[bool] = field(default_factory=list)
    # Shown only in rows not published (`Vue.non_diffusees`): never shown, protected as any
    # masked cell (`cacher`).
    cachee: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.valeur)


def _brut(con: duckdb.DuckDBPyConnection, nom: str, params: dict, curseur: bool) -> pl.DataFrame:
    """Unmasked result of a query with its lineage columns: only for this module."""
    sql = charger(nom).sql
    if not curseur:
        return con.sql(sql, params=params).pl()
    cur = con.cursor()
    try:
        return cur.sql(sql, params=params).pl()
    finally:
        cur.close()


def _litteral(valeur: object) -> str:
    """SQL literal of a parameter value (from the catalogue: codes, years, None)."""
    if valeur is None:
        return "null"
    if isinstance(valeur, bool) or not isinstance(valeur, (int, str)):
        raise TypeError(f"Paramètre de type inattendu : {valeur!r}")
    if isinstance(valeur, int):
        return str(int(valeur))
    return "'" + valeur.replace("'", "''") + "'"


def _bruts(
    con: duckdb.DuckDBPyConnection,
    demandes: list[tuple[str, dict]],
    parallele: bool,
    groupe: bool = True,
) -> list[pl.DataFrame]:
    """`_brut` of every request: each query run once for all its parameter sets
    (`groupees`), or, when it cannot be batched (or `groupe` is False), prepared once and run
    set by set (planning costs more than running).

    The requests of one query run in one task, on one connection: the connection itself, or with
    `parallele` a cursor per task, three tasks at once.
    """
    par_requete: dict[str, list[int]] = defaultdict(list)
    for k, (nom, _) in enumerate(demandes):
        par_requete[nom].append(k)
    resultats: list[pl.DataFrame | None] = [None] * len(demandes)

    def executer(connexion: duckdb.DuckDBPyConnection, nom: str, indices: list[int]) -> None:
        requete = charger(nom)
        if groupe:
            lot = groupees.executer(
                connexion, requete.sql, requete.parametres, [demandes[k][1] for k in indices]
            )
            if lot is not None:
                for k, cadre in zip(indices, lot, strict=True):
                    resultats[k] = cadre
                return
        prepare = f"_protection_{nom}"
        connexion.execute(f"prepare {prepare} as {charger(nom).sql}")
        try:
            for k in indices:
                args = ", ".join(f"{c} := {_litteral(v)}" for c, v in demandes[k][1].items())
                resultats[k] = connexion.sql(f"execute {prepare}({args})").pl()
        finally:
            connexion.execute(f"deallocate {prepare}")

    def tache(nom: str, indices: list[int]) -> None:
        curseur = con.cursor()
        try:
            executer(curseur, nom, indices)
        finally:
            curseur.close()

    # Largest groups first, so that the three tasks end together.
    groupes = sorted(par_requete.items(), key=lambda g: -len(g[1]))
    if parallele:
        with ThreadPoolExecutor(max_workers=3) as fils:
            list(fils.map(lambda g: tache(*g), groupes))
    else:
        for nom, indices in groupes:
            executer(con, nom, indices)
    return resultats  # type: ignore[return-value]


def collecter(
    con: duckdb.DuckDBPyConnection, parallele: bool = False, pre_ids: list[str] | None = None
) -> tuple[list[Vue], Cellules]:
    """Compute every view unmasked (of every programme, or of those of `pre_ids`) and identify
    its cells.

    `parallele`: three cursors at once (DuckDB releases the GIL); only outside a transaction,
    since a cursor does not see the uncommitted rows of its connection.
    """
    demandes = vues(con, pre_ids)
    return identifier(
        demandes, _bruts(con, demandes, parallele), parcours_des_enfants(con, pre_ids)
    )


def parcours_des_enfants(
    con: duckdb.DuckDBPyConnection, pre_ids: list[str] | None = None
) -> pl.DataFrame:
    """For each programme (all, or those of `pre_ids`), year and child with an active parcours:
    the parcours counted as the child's own record (`identifier`). Columns annee, parcours,
    enfant (lineage identifiers, `p:` and `b:`)."""
    requete = charger("protection_parcours_enfants")
    cadres = [
        con.sql(requete.sql, params={"pre_id": pre_id}).pl()
        for pre_id in (programmes(con) if pre_ids is None else pre_ids)
    ]
    vide = pl.DataFrame(schema={"annee": pl.Int64, "parcours": pl.String, "enfant": pl.String})
    return pl.concat([vide, *[c.cast(vide.schema) for c in cadres]])


def identifier(
    demandes: list[tuple[str, dict]], bruts: list[pl.DataFrame], enfants: pl.DataFrame
) -> tuple[list[Vue], Cellules]:
    """The views and their cells from the unmasked results (with lineage) of the requests:
    no database needed (a worker process of `protection.proteger` runs it).

    `enfants` (`parcours_des_enfants`): a child and one of its parcours active in a year are the
    same person, so that parcours is recorded as the child's record of that year: a count of
    parcours and a count of children over the same people are then one cell (measured: « parcours
    actifs » published beside a masked number of children of the same territory gave it away,
    one parcours per child being the common case and visible on screen). A child's other
    parcours of the year stay records of their own.
    """
    liste_vues: list[Vue] = []
    cellules = Cellules()
    index: dict[tuple, int] = {}
    cles_lignes: dict[tuple[int, int, str], tuple] = {}
    records: dict[tuple, int] = {}
    alias = {
        (annee, parcours): enfant
        for annee, parcours, enfant in enfants.select("annee", "parcours", "enfant").iter_rows()
    }
    # Children of each territory (programme, commune, QPV) and year: what decides whether its
    # breakdowns of that year are published.
    effectifs: dict[tuple, int] = {}
    for (nom, params), brut in zip(demandes, bruts, strict=True):
        if nom == "beneficiaires_par_annee":
            for annee, actifs in zip(
                brut["annee"].to_list(), brut["actifs"].to_list(), strict=True
            ):
                effectifs[(*_territoire(params), annee)] = int(actifs or 0)
    for (nom, params), brut in zip(demandes, bruts, strict=True):
        regles = charger(nom).regles
        lignage = {c: c + SUFFIXE_IDS for c in regles.counts if c + SUFFIXE_IDS in brut.columns}
        cadre = brut[[c for c in brut.columns if not c.endswith(SUFFIXE_IDS)]]
        vue = Vue(nom, params, regles, cadre)
        v = len(liste_vues)
        liste_vues.append(vue)
        annees = cadre.get_column("annee").to_list() if "annee" in cadre.columns else None
        sans_filtre = params.get("commune") is None and params.get("qpv") is None
        if _repartition(vue):
            for i, annee in enumerate(annees):
                if effectifs.get((*_territoire(vue.params), annee), 0) < ENFANTS_MIN_REPARTITIONS:
                    vue.non_diffusees.add(i)
        for colonne in regles.counts:
            valeurs = cadre.get_column(colonne).to_list()
            ids = brut.get_column(lignage[colonne]).to_list() if colonne in lignage else None
            for i, valeur in enumerate(valeurs):
                if valeur is None:
                    continue
                valeur = int(valeur)
                annee = annees[i] if annees is not None else params.get("annee")
                membres = ids[i] if ids is not None else None
                if membres is not None:
                    if len(membres) != valeur:
                        raise ValueError(
                            f"{nom}.sql, colonne {colonne}, ligne {i + 1} : {valeur} compté(s) "
                            f"mais {len(membres)} identifiant(s) dans {colonne}{SUFFIXE_IDS}"
                        )
                    if valeur == 0:
                        continue  # zero children: shown as 0 everywhere, nothing to protect
                    if membres[0].startswith("p:"):
                        membres = _en_enfants(membres, annee, alias)
                    cle = ("L", params["pre_id"], annee, tuple(sorted(membres)))
                else:
                    cle = ("V", nom, vue.cle, i, colonne)
                u = index.get(cle)
                if u is None:
                    u = len(cellules)
                    index[cle] = u
                    cellules.valeur.append(valeur)
                    cellules.pre_id.append(params["pre_id"])
                    cellules.annee.append(annee)
                    cellules.occurrences.append([])
                    cellules.total.append(False)
                    cellules.cachee.append(False)
                    if membres is None:
                        cellules.records.append(None)
                    else:
                        numeros = []
                        for ident in cle[3]:
                            r = records.setdefault((params["pre_id"], annee, ident), len(records))
                            numeros.append(r)
                        cellules.records.append(tuple(numeros))
                cellules.occurrences[u].append((v, i, colonne))
                if sans_filtre and colonne in _TOTAUX:
                    cellules.total[u] = True
                vue.cellules[(i, colonne)] = u
                if membres is not None:
                    cles_lignes[(v, i, colonne)] = cle
    for v, vue in enumerate(liste_vues):
        for part, (colonne,) in vue.regles.shares:
            valeurs = vue.cadre[colonne].to_list()
            for groupe in _groupes(vue.cadre, vue.regles.partition):
                cle = _cle_union([(cles_lignes.get((v, i, colonne)), valeurs[i]) for i in groupe])
                if cle is not None and cle in index:
                    vue.totaux.setdefault(part, []).append((groupe, index[cle]))
    cacher(liste_vues, cellules, range(len(liste_vues)))
    return liste_vues, cellules


def _territoire(params: dict) -> tuple:
    """A view's territory: programme, commune, QPV (None when not filtered)."""
    return (params["pre_id"], params.get("commune"), params.get("qpv"))


def _repartition(vue: Vue) -> bool:
    """A breakdown of one commune's or QPV's children by year (`REPARTITIONS`)."""
    return (
        vue.nom in REPARTITIONS
        and (vue.params.get("commune") is not None or vue.params.get("qpv") is not None)
        and "annee" in vue.cadre.columns
    )


def cacher(vues_: list[Vue], cellules: Cellules, a_voir) -> list[int]:
    """The cells of the unpublished rows (`Vue.non_diffusees`) of the views `a_voir`.

    A cell also shown in a published row leaves the unpublished ones (its figure is out anyway;
    the row shows « s »). A cell shown only there is hidden (`Cellules.cachee`): never shown,
    and protected like any masked cell, since the published figures around it can give it away
    (measured: in a programme of two communes, the girls of the smaller one, whose breakdowns
    are not published, were the programme's girls minus the larger commune's). Returns the
    cells newly hidden."""
    candidates = set()
    for v in a_voir:
        vue = vues_[v]
        if vue.non_diffusees:
            candidates.update(u for (i, _), u in vue.cellules.items() if i in vue.non_diffusees)
    nouvelles = []
    for u in sorted(candidates):
        occurrences = cellules.occurrences[u]
        publiees = [(v, i, c) for v, i, c in occurrences if i not in vues_[v].non_diffusees]
        if publiees:
            for v, i, c in occurrences:
                if i in vues_[v].non_diffusees:
                    del vues_[v].cellules[(i, c)]
                    vues_[v].declarees.clear()  # they name the view's cells
            cellules.occurrences[u] = publiees
        elif not cellules.cachee[u]:
            cellules.cachee[u] = True
            nouvelles.append(u)
    return nouvelles


def retirer_non_diffusees(
    vues_: list[Vue], cellules: Cellules, montre: Callable[[Vue, int], int | None]
) -> list[int]:
    """The final publication rule of breakdowns: a commune's or QPV's breakdown rows of a year
    are published only when that year's number of children of the territory
    (`beneficiaires_par_annee`, column actifs) is shown and at least `ENFANTS_MIN_REPARTITIONS`.

    `identifier` hides the rows of territories below the threshold (on the raw count); the
    protection treats the others as published, and this hides those whose count it masked:
    publishing fewer figures only widens what a reader can recompute, so every proof holds. The
    rule then depends only on shown figures and tells a reader nothing more. `montre(vue, i)`:
    the shown value of row i's count in that view, None when masked (the protection's states,
    or the stored tokens for the audit). Rows hidden become `Vue.non_diffusees`, their cells
    go through `cacher`. Returns the cells newly hidden (the caller masks them)."""
    effectifs: dict[tuple, tuple[Vue, int]] = {}
    for vue in vues_:
        if vue.nom == "beneficiaires_par_annee":
            for i, annee in enumerate(vue.cadre["annee"].to_list()):
                effectifs[(*_territoire(vue.params), annee)] = (vue, i)
    touchees = set()
    for v, vue in enumerate(vues_):
        if not _repartition(vue):
            continue
        for i, annee in enumerate(vue.cadre["annee"].to_list()):
            if i in vue.non_diffusees:
                continue
            source = effectifs.get((*_territoire(vue.params), annee))
            valeur = None if source is None else montre(*source)
            if valeur is not None and valeur >= ENFANTS_MIN_REPARTITIONS:
                continue
            vue.non_diffusees.add(i)
            touchees.add(v)
    return cacher(vues_, cellules, touchees)


def _cle_union(lignes: list[tuple[tuple | None, int | None]]) -> tuple | None:
    """Key of the cell that a partition group's total would be: the union of its rows' records,
    when every non-zero row has its records, all of one year, and no record is in two rows
    (then the sum of the rows, the shares' denominator, is the number of records of the union)."""
    membres: list[str] = []
    annees = set()
    for cle, valeur in lignes:
        if cle is None:
            if valeur:
                return None
            continue
        annees.add(cle[2])
        membres.extend(cle[3])
    if len(annees) != 1 or len(set(membres)) != len(membres):
        return None
    premiere = next(c for c, _ in lignes if c is not None)
    return ("L", premiere[1], premiere[2], tuple(sorted(membres)))


def totaux_publics(vue: Vue, etats: np.ndarray) -> dict[str, set[int]]:
    """Per share column, the rows of the partition groups whose total is a shown cell: there a
    share of a shown count is that count over a shown figure, and it is shown (masked only where
    its own count is)."""
    return {
        part: {i for groupe, u in groupes if etats[u] == VISIBLE for i in groupe}
        for part, groupes in vue.totaux.items()
    }


def _en_enfants(membres: list[str], annee: int | None, alias: dict) -> list[str]:
    """A cell's parcours with those that stand for their child replaced by the child."""
    remplaces = [alias.get((annee, m), m) for m in membres]
    # Only one parcours per child and year stands for the child: a record is never counted
    # twice in a cell, unless a list mixes children and parcours (then left as it is).
    return remplaces if len(set(remplaces)) == len(remplaces) else membres


def _forcees(vue: Vue, etats: np.ndarray) -> dict[tuple[int, str], int]:
    forcees = {cell: int(etats[u]) for cell, u in vue.cellules.items() if etats[u] != VISIBLE}
    if vue.non_diffusees:
        for colonne in vue.regles.counts:
            valeurs = vue.cadre.get_column(colonne).to_list()
            for i in vue.non_diffusees:
                if valeurs[i] is not None:
                    forcees[(i, colonne)] = SECONDAIRE
    return forcees


def _etats_vue(vue: Vue, etats: np.ndarray, seuil: int) -> pl.DataFrame:
    decision = _etat_protege(vue.cadre, vue.regles, seuil, _forcees(vue, etats), vue.modele(seuil))
    return _cadre_protege(_montrer_zeros(decision, vue.non_diffusees), totaux_publics(vue, etats))


def _montrer_zeros(decision: _Etat, non_diffusees: set[int] | frozenset = frozenset()) -> _Etat:
    """A view's decision with its counts of zero shown, even where its own protection chose
    one as a complementary cell: a zero is « 0 » in every view (not a cell, `identifier`), so
    masking it in one hides nothing (a quartier without a child was « 0 » on the map and « s »
    on the Publics page); the joint pass, which counts every zero as known, masks what the
    small counts need instead."""
    for (i, k), etat in decision.etat.items():
        # A row not published (`non_diffusees`) shows no zero: « s » like its other counts.
        if etat == SECONDAIRE and decision.valeurs[k][i] == 0 and i not in non_diffusees:
            decision.etat[(i, k)] = VISIBLE
    return decision


def passe_par_vue(
    vues_: list[Vue],
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
    a_faire: set[int] | None = None,
    decisions: dict[int, tuple[dict, _Etat]] | None = None,
) -> int:
    """Protect each view with its cells' states forced, until nothing changes; cells changed.

    `a_faire`: the views to protect first (default: all). A view whose forced states did not
    change since it was last protected gives the same result (the protection of one view is
    deterministic), so only the views of changed cells need protecting again. `decisions`
    receives, per view, the forced states and the per-view decision last computed.
    """
    a_faire = set(range(len(vues_))) if a_faire is None else set(a_faire)
    changees = 0
    while a_faire:
        suivantes: set[int] = set()
        for v in sorted(a_faire):
            vue = vues_[v]
            if not vue.cellules:
                continue
            forcees = _forcees(vue, etats)
            if decisions is not None and v in decisions and decisions[v][0] == forcees:
                decision = decisions[v][1]
            else:
                modele = vue.modele(seuil)
                if not modele.poids:
                    # A cell shown in many views is masked last (information loss), the
                    # programme's headline figures after any other.
                    modele.poids = {
                        (i, modele.index_count[colonne]): float(len(cellules.occurrences[u]))
                        * (1_000_000 if cellules.total[u] else 1)
                        for (i, colonne), u in vue.cellules.items()
                    }
                decision = _montrer_zeros(
                    _etat_protege(vue.cadre, vue.regles, seuil, forcees, modele),
                    vue.non_diffusees,
                )
                if decisions is not None:
                    decisions[v] = (forcees, decision)
            index = decision.index_count
            for (i, colonne), u in vue.cellules.items():
                etat = decision.etat.get((i, index[colonne]), VISIBLE)
                if etat > etats[u]:
                    etats[u] = etat
                    changees += 1
                    suivantes.update(w for w, _, _ in cellules.occurrences[u] if w != v)
        a_faire = suivantes
    return changees


# --------------------------------------------------------------------------- joint pass


@dataclass
class Programme:
    """The linear model of one programme: cells as sums of record-class variables."""

    cellules: list[int]  # global cell numbers
    lignes: dict[int, int]  # global cell -> model row
    colonnes_cellule: list[np.ndarray]  # per model cell row: variable indices
    relations: list[tuple[list[tuple[int, int]], float]]  # ([(cell, coef)], constant)
    variables: int
    # Each variable's value on the real data (records per class): a feasible integer point.
    vrai: np.ndarray | None = None
    # The cells the passes look at in this model (None: all of them).
    centre: frozenset[int] | None = None
    # Per neighbouring year (`enveloppes`): the indices in `relations` of the identities
    # linking it to this model's year, and the values their neighbouring-year terms take at
    # points of that year's model (one row per point): those terms range over the convex
    # hull of these values.
    enveloppe: list[tuple[list[int], np.ndarray]] | None = None


def _relations_declarees(vue: Vue, seuil: int) -> list[tuple[list[tuple[int, int]], float]]:
    """The view's declared row sums and stock-flow identities, over its cells.

    Partition totals are not declared: a share of a group total is masked on the whole group as
    soon as one of its cells is (`share=`), unless the total is a shown cell (`totaux_publics`),
    and a total shown elsewhere is a cell of its own.
    """
    if not vue.regles.sums and vue.regles.stock_flow is None:
        return []
    if seuil not in vue.declarees:
        vue.declarees[seuil] = _declarees(vue, seuil)
    return vue.declarees[seuil]


def _declarees(vue: Vue, seuil: int) -> list[tuple[list[tuple[int, int]], float]]:
    regles = Regles(
        counts=vue.regles.counts, sums=vue.regles.sums, stock_flow=vue.regles.stock_flow
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an identity off on the data is kept with its offset
        etat = _Etat(vue.cadre, regles, seuil)
    resultat = []
    for rel in etat.relations:
        termes = []
        for (i, k), coef in zip(rel.cells, rel.coefs, strict=True):
            u = vue.cellules.get((i, regles.counts[k]))
            if u is None:  # a zero cell: its value is known
                continue
            termes.append((u, coef))
        constante = float(rel.constante) - sum(
            coef * vue.cadre[regles.counts[k]][i]
            for (i, k), coef in zip(rel.cells, rel.coefs, strict=True)
            if (i, regles.counts[k]) not in vue.cellules
        )
        if termes:
            resultat.append((termes, constante))
    return resultat


def modeles(
    vues_: list[Vue], cellules: Cellules, seuil: int, par_annee: bool = True
) -> tuple[dict[tuple, Programme], list[tuple[list[tuple[int, int]], float]]]:
    """One linear model per (programme, year); the identities that link years, apart.

    Records are children or parcours of one year, so no record class spans two years: the years
    are linked only by the declared stock-flow identities, checked by `passe_inter_annees`.
    With `par_annee=False` (the audit), one model per programme holds every year and identity.
    """

    def bloc_de(u: int) -> tuple:
        return (cellules.pre_id[u], cellules.annee[u] if par_annee else None)

    par_bloc: dict[tuple, list[int]] = defaultdict(list)
    for u in range(len(cellules)):
        par_bloc[bloc_de(u)].append(u)
    relations_par_bloc: dict[tuple, dict[tuple, float]] = defaultdict(dict)
    liantes: dict[tuple, float] = {}
    for vue in vues_:
        for termes, constante in _relations_declarees(vue, seuil):
            cle = tuple(sorted(termes))
            blocs = {bloc_de(u) for u, _ in termes}
            if len(blocs) == 1:
                relations_par_bloc[blocs.pop()][cle] = constante
            else:
                liantes[cle] = constante
                # Also in each year's model, the other years' cells as bounded terms.
                for bloc in blocs:
                    relations_par_bloc[bloc][cle] = constante
    resultat = {}
    for bloc, liste in par_bloc.items():
        # Records that belong to the same cells form one class (one variable).
        signature: dict[int, list[int]] = defaultdict(list)
        for u in liste:
            if cellules.records[u] is not None:
                for r in cellules.records[u]:
                    signature[r].append(u)
        classes: dict[tuple[int, ...], int] = {}
        classe_record = {}
        for r, us in signature.items():
            classe_record[r] = classes.setdefault(tuple(us), len(classes))
        n = len(classes)
        vrai = np.bincount(
            np.fromiter(classe_record.values(), dtype=np.int64, count=len(classe_record)),
            minlength=n,
        ).astype(float)
        colonnes = []
        lignes = {}
        seules = []
        for j, u in enumerate(liste):
            lignes[u] = j
            if cellules.records[u] is None:
                colonnes.append(np.array([n], dtype=np.int64))
                seules.append(float(cellules.valeur[u]))
                n += 1
            else:
                colonnes.append(
                    np.unique(np.array([classe_record[r] for r in cellules.records[u]]))
                )
        relations = [(list(termes), c) for termes, c in relations_par_bloc[bloc].items()]
        resultat[bloc] = Programme(
            liste, lignes, colonnes, relations, n, np.concatenate([vrai, np.array(seules)])
        )
    return resultat, [(list(t), c) for t, c in liantes.items()]


class EchecSolveur(RuntimeError):
    """A linear program of the protection that HiGHS could not solve (message in French)."""


def _statut_sur(hs, h):
    """The model status of a solve, re-solved when the warm start ended anywhere but at an
    optimum or an unbounded ray. The true data are a point of every model, so « infeasible »
    is a numerical failure of the warm start: measured on an outside test's two-year import,
    the primal simplex from the previous basis declared a year model infeasible that the same
    model solved from the slack basis found optimal. Cold start first, then with presolve;
    a model that still fails raises `EchecSolveur`."""
    ok = (hs.HighsModelStatus.kOptimal, hs.HighsModelStatus.kUnbounded)
    statut = h.getModelStatus()
    if statut in ok:
        return statut
    for presolve in ("off", "on"):
        h.clearSolver()
        h.setOptionValue("presolve", presolve)
        try:
            h.run()
        finally:
            h.setOptionValue("presolve", "off")
        statut = h.getModelStatus()
        if statut in ok:
            return statut
    raise EchecSolveur(
        "un programme linéaire de la protection n'a pas pu être résolu "
        f"(HiGHS : {h.modelStatusToString(statut)})"
    )


class Solveur:
    """HiGHS model of one programme; cells' ranges follow their states; warm re-solves.

    Two copies of the model, one for the minimisations and one for the maximisations: each
    re-solve starts from the optimal basis of the last solve in the same direction. Going from
    a cell's minimum to its maximum crosses the polytope (about 300 primal simplex iterations
    on a demo year model); a neighbouring cell's optimum in the same direction, or the same
    cell's after a complementary cell is suppressed, is a few iterations away.
    """

    def __init__(
        self,
        modele: Programme,
        cellules: Cellules,
        etats: np.ndarray,
        seuil: int,
        intervalles: dict[int, tuple[float, float]] | None = None,
        externes_fixes: bool = False,
    ):
        """`externes_fixes`: the other years' cells met in identities between years are
        constants at their true values (a point of this model, completed by the true data of
        the other years, is then a point of the model of all years)."""
        import highspy

        self.hs = highspy
        self.modele, self.cellules, self.seuil = modele, cellules, seuil
        h = self._highs()
        self.h = h
        n = modele.variables
        inf = highspy.kHighsInf
        # Cells of other years met in an identity between years: a constant when shown, else a
        # variable within the range known for it (its own year's analysis, or its token's).
        enveloppees = {r for rels, _ in modele.enveloppe or [] for r in rels}
        externes: dict[int, int] = {}
        bornes_externes: list[tuple[float, float]] = []
        for r, (termes, _) in enumerate(modele.relations):
            if r in enveloppees:
                continue
            for u, _ in termes:
                if (
                    u not in modele.lignes
                    and etats[u] != VISIBLE
                    and u not in externes
                    and not externes_fixes
                ):
                    externes[u] = n + len(externes)
                    if intervalles and u in intervalles:
                        lo, hi = intervalles[u]
                        bornes_externes.append((lo, hi if math.isfinite(hi) else inf))
                    else:
                        bornes_externes.append(self._bornes(u, etats[u]))
        total = n + len(externes)
        self.externes = externes
        # One weight per point of each neighbouring year (`Programme.enveloppe`).
        poids_points: list[int] = []
        for _, points in modele.enveloppe or []:
            poids_points.append(total)
            total += points.shape[0]
        bas_v = np.zeros(total)
        haut_v = np.full(total, inf)
        for j, (lo, hi) in enumerate(bornes_externes):
            bas_v[n + j], haut_v[n + j] = lo, hi
        for debut, (_, points) in zip(poids_points, modele.enveloppe or [], strict=True):
            haut_v[debut : debut + points.shape[0]] = 1.0
        h.addVars(total, bas_v, haut_v)
        # A hidden cell (`Cellules.cachee`) has no row: never shown, not even as « s » beside
        # shown zeros, it tells a reader nothing (its row would be a sum of non-negative
        # variables, at least 0). It stays a target, through its columns.
        self.avec_ligne = [u for u in modele.cellules if not cellules.cachee[u]]
        self.rang = {u: j for j, u in enumerate(self.avec_ligne)}
        bas, haut, debuts, indices, valeurs = [], [], [], [], []
        for u in self.avec_ligne:
            lo, hi = self._bornes(u, etats[u])
            colonnes = modele.colonnes_cellule[modele.lignes[u]]
            bas.append(lo)
            haut.append(hi)
            debuts.append(len(indices))
            indices.extend(colonnes.tolist())
            valeurs.extend([1.0] * len(colonnes))
        enveloppe_de = {
            r: (debut, q, points)
            for debut, (rels, points) in zip(poids_points, modele.enveloppe or [], strict=True)
            for q, r in enumerate(rels)
        }
        for r, (termes, constante) in enumerate(modele.relations):
            coefs: dict[int, float] = defaultdict(float)
            if r in enveloppe_de:
                debut, q, points = enveloppe_de[r]
                for i, valeur in enumerate(points[:, q]):
                    coefs[debut + i] += float(valeur)
            for u, coef in termes:
                if u in modele.lignes:
                    for k in modele.colonnes_cellule[modele.lignes[u]]:
                        coefs[int(k)] += coef
                elif r in enveloppe_de:
                    continue  # the neighbouring year's terms: in the points' weights
                elif u in externes:
                    coefs[externes[u]] += coef
                else:
                    constante -= coef * cellules.valeur[u]
            coefs = {k: c for k, c in coefs.items() if abs(c) > 1e-12}
            if not coefs:
                continue
            bas.append(constante)
            haut.append(constante)
            debuts.append(len(indices))
            indices.extend(coefs)
            valeurs.extend(coefs.values())
        for debut, (_, points) in zip(poids_points, modele.enveloppe or [], strict=True):
            bas.append(1.0)
            haut.append(1.0)
            debuts.append(len(indices))
            indices.extend(range(debut, debut + points.shape[0]))
            valeurs.extend([1.0] * points.shape[0])
        h.addRows(
            len(bas),
            np.array(bas, dtype=float),
            np.array(haut, dtype=float),
            len(indices),
            np.array(debuts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(valeurs, dtype=float),
        )
        # Direction (-1 minimise, +1 maximise) -> its copy of the model, and the columns
        # whose cost that copy's objective set.
        self.copies: dict[int, object] = {+1: h}
        self.objectifs: dict[int, np.ndarray | None] = {+1: None}
        self.premiere = True
        self.entiere = False

    def _highs(self):
        """An empty HiGHS instance with the options of the model's copies."""
        h = self.hs.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        # Primal simplex: after a change of objective the previous basis stays feasible.
        h.setOptionValue("simplex_strategy", 4)
        return h

    def _copie(self, sens: int):
        """The model's copy for one direction; the other direction's copy is made on first
        use, with the current bounds and the last optimal basis of the first copy."""
        if sens not in self.copies:
            source = self.copies[-sens]
            h = self._highs()
            lp = source.getLp()
            lp.col_cost_ = np.zeros(lp.num_col_)
            h.passModel(lp)
            base = source.getBasis()
            if base.valid:
                h.setBasis(base)
            self.copies[sens] = h
            self.objectifs[sens] = None
        return self.copies[sens]

    def _bornes(self, u: int, etat: int) -> tuple[float, float]:
        if etat == VISIBLE:
            v = float(self.cellules.valeur[u])
            return v, v
        if etat == PRIMAIRE:
            return 1.0, float(self.seuil - 1)
        if self.cellules.cachee[u]:
            return 0.0, self.hs.kHighsInf  # « s » for its zeros too
        return float(BAS_SECONDAIRE), self.hs.kHighsInf

    def changer_etat(self, u: int, etat: int) -> None:
        lo, hi = self._bornes(u, etat)
        for h in self.copies.values():
            h.changeRowBounds(self.rang[u], lo, hi)

    def _optimiser(self, u: int, sens: int) -> tuple[float, np.ndarray]:
        colonnes = self.modele.colonnes_cellule[self.modele.lignes[u]].astype(np.int32)
        return self._resoudre(colonnes, np.ones(len(colonnes)), sens)

    def deux_sens(self, u: int) -> tuple[tuple[float, np.ndarray], tuple[float, np.ndarray]]:
        """(minimum, duals), (maximum, duals) of a cell, both copies solving at once (HiGHS
        releases the GIL): for a pass with a single model, where the cores would idle."""
        self._copie(-1)  # made from the other copy before the threads start
        with ThreadPoolExecutor(max_workers=2) as fils:
            bas, haut = fils.map(lambda sens: self._optimiser(u, sens), (-1, +1))
        self.h = self.copies[+1]
        return bas, haut

    def valeurs_cellules(self, cellules_: list[int]) -> np.ndarray:
        """Values of the given cells at the current solution."""
        x = np.asarray(self.h.getSolution().col_value)
        return np.array(
            [x[self.modele.colonnes_cellule[self.modele.lignes[u]]].sum() for u in cellules_]
        )

    def echantillon(self, poids: dict[int, float]) -> None:
        """Optimise a weighted sum of cells (maximise), leaving the solution in the solver.
        Weights all negative are a minimisation (solved in the minimisations' copy)."""
        couts: dict[int, float] = defaultdict(float)
        for u, w in poids.items():
            for k in self.modele.colonnes_cellule[self.modele.lignes[u]]:
                couts[int(k)] += w
        valeurs = np.array(list(couts.values()), dtype=float)
        sens = -1 if valeurs.size and np.all(valeurs < 0) else +1
        self._resoudre(np.array(list(couts), dtype=np.int32), sens * valeurs, sens)

    def _resoudre(self, colonnes: np.ndarray, couts: np.ndarray, sens: int):
        h = self._copie(sens)
        self.h = h
        objectif = self.objectifs[sens]
        if objectif is not None:
            h.changeColsCost(len(objectif), objectif, np.zeros(len(objectif)))
        h.changeColsCost(len(colonnes), colonnes, couts.astype(float))
        self.objectifs[sens] = colonnes
        h.changeObjectiveSense(
            self.hs.ObjSense.kMaximize if sens > 0 else self.hs.ObjSense.kMinimize
        )
        if self.premiere and self.modele.variables >= VARIABLES_POINT_INTERIEUR:
            self._point_interieur(h)
        else:
            h.run()
        self.premiere = False
        statut = _statut_sur(self.hs, h)
        if statut == self.hs.HighsModelStatus.kUnbounded:
            return math.inf, np.zeros(0)
        return h.getInfo().objective_function_value, np.asarray(h.getSolution().row_dual)

    def _point_interieur(self, h) -> None:
        """The first solve of a large model: interior point, then crossover to an optimal
        basis. If it ends without one (an unbounded objective, say), the primal simplex solves
        it from the start, as for a small model."""
        h.setOptionValue("solver", "ipm")
        try:
            h.run()
        finally:
            h.setOptionValue("solver", "simplex")
        if h.getModelStatus() != self.hs.HighsModelStatus.kOptimal or not h.getBasis().valid:
            h.clearSolver()
            h.run()

    def intervalle(self, u: int) -> tuple[int, float, np.ndarray, np.ndarray]:
        """(lowest integer, highest integer or inf, duals at min, duals at max).

        Linear relaxation; `self.entiere` tells whether both optima were integral solutions,
        in which case the range is also the integer one.
        """
        bas, duaux_bas = self._optimiser(u, -1)
        entiere = self._solution_entiere()
        haut, duaux_haut = self._optimiser(u, +1)
        self.entiere = entiere and (not math.isfinite(haut) or self._solution_entiere())
        haut_entier = math.floor(haut + 1e-6) if math.isfinite(haut) else math.inf
        return math.ceil(bas - 1e-6), haut_entier, duaux_bas, duaux_haut

    def _solution_entiere(self) -> bool:
        if self.modele.enveloppe:
            return False  # a neighbouring year's point of an envelope need not be integral
        x = np.asarray(self.h.getSolution().col_value)
        return bool(np.all(np.abs(x - np.round(x)) < 1e-6))


def intervalle_entier(
    solveur: Solveur, u: int, bas_lp: float, haut_lp: float, valeurs_min: int, limite: float = 10
) -> tuple[float, float, bool]:
    """Integer range of ``u`` in the solver's model, as far as the rule needs it:
    (low, high, concluded).

    The real data are a feasible integer point: HiGHS's branch and bound starts from it, so
    every bound it returns, even out of time, comes with an integer point that reaches it.
    Each side stops as soon as its integer points span the rule (`mip_abs_gap` set from the
    linear range `bas_lp`..`haut_lp`, which holds every integer point): then (low, high) are
    values reached by integer points, at least `valeurs_min` apart. When they cannot span the
    rule, both sides are solved to optimality within `limite` seconds each, and (low, high) is
    the exact integer range. `concluded` is False when the `limite` seconds (all solves of
    this cell together) ran out before either was known.
    """
    import highspy

    modele = solveur.modele
    vrai = _point_reel(solveur)
    colonnes = modele.colonnes_cellule[modele.lignes[u]].astype(np.int32)
    valeur = float(vrai[colonnes].sum())
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    debut = time.perf_counter()
    lp = solveur.h.getLp()
    n = lp.num_col_
    lp.col_cost_ = np.zeros(n)
    h.passModel(lp)
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    h.changeColsCost(len(colonnes), colonnes, np.ones(len(colonnes)))
    ecart = valeurs_min - 1

    def borne(sens: int, cible: float) -> tuple[float, float, bool]:
        """(value of the best integer point found, bound on the optimum, optimum proven)."""
        h.changeObjectiveSense(
            highspy.ObjSense.kMaximize if sens > 0 else highspy.ObjSense.kMinimize
        )
        # Stop once a point reaches `cible`: the gap to the bound is then at most this.
        extreme = haut_lp if sens > 0 else bas_lp
        reste = limite - (time.perf_counter() - debut)
        if reste <= 0:  # out of time: the real data, and the linear bound
            return valeur, extreme, False
        h.setOptionValue("time_limit", reste)
        h.setOptionValue(
            "mip_abs_gap", max(0.0, abs(extreme - cible)) if math.isfinite(cible) else 0.0
        )
        depart = highspy.HighsSolution()
        depart.col_value = vrai
        depart.value_valid = True
        h.setSolution(depart)
        if h.run() == highspy.HighsStatus.kError:
            raise RuntimeError(f"HiGHS (entiers) : {h.modelStatusToString(h.getModelStatus())}")
        statut = h.getModelStatus()
        if statut == highspy.HighsModelStatus.kUnbounded:
            return math.inf, math.inf, True
        info = h.getInfo()
        if info.primal_solution_status != 2:  # kSolutionStatusFeasible
            trouve = valeur
        else:
            trouve = info.objective_function_value
        limite_ = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else extreme
        return (
            trouve,
            limite_,
            statut == highspy.HighsModelStatus.kOptimal and abs(trouve - limite_) < 0.5,
        )

    if not math.isfinite(haut_lp):  # unbounded: safe whatever the lowest value
        return bas_lp, math.inf, True
    bas, _, _ = borne(-1, haut_lp - ecart)
    haut, _, _ = borne(+1, bas + ecart)
    if haut - bas >= ecart - 1e-6:
        return round(bas), round(haut), True
    # The points found do not span the rule: exact range, or out of time.
    bas, borne_bas, exact_bas = borne(-1, -math.inf)
    haut, borne_haut, exact_haut = borne(+1, math.inf)
    if haut - bas >= ecart - 1e-6:
        return round(bas), round(haut), True
    if exact_bas and exact_haut:
        return round(bas), round(haut), True
    # Out of time: proven unsafe only if the bounds themselves are too close.
    bas_sur, haut_sur = math.ceil(borne_bas - 1e-6), _plancher(borne_haut)
    return bas_sur, haut_sur, possibles(bas_sur, haut_sur) < valeurs_min


def _point_reel(solveur: Solveur) -> np.ndarray:
    """The real data as a point of the solver's columns (classes, then other years' cells)."""
    vrai = np.zeros(solveur.modele.variables + len(solveur.externes))
    vrai[: solveur.modele.variables] = solveur.modele.vrai
    for u, k in solveur.externes.items():
        vrai[k] = float(solveur.cellules.valeur[u])
    return vrai


def _plancher(x: float) -> float:
    """Largest integer of a range's upper end (an unbounded end stays unbounded)."""
    return math.floor(x + 1e-6) if math.isfinite(x) else math.inf


def sensible(cellules: Cellules, etats: np.ndarray, u: int, seuil: int) -> bool:
    return etats[u] != VISIBLE and 1 <= cellules.valeur[u] <= seuil - 1


def possibles(bas: float, haut: float) -> float:
    return haut - bas + 1 if math.isfinite(haut) else math.inf


class _Points:
    """Lowest and highest values of some cells over the optima met in one model.

    Each optimum is a feasible point of the linear relaxation, and stays feasible as cells are
    suppressed (ranges only widen): the values met form a range the cell can take.
    """

    def __init__(self, modele: Programme, cellules_: list[int]):
        from scipy.sparse import csr_matrix

        colonnes = [modele.colonnes_cellule[modele.lignes[u]] for u in cellules_]
        debuts = np.zeros(len(colonnes) + 1, dtype=np.int64)
        debuts[1:] = np.cumsum([len(c) for c in colonnes])
        indices = np.concatenate(colonnes) if colonnes else np.zeros(0, dtype=np.int64)
        self.matrice = csr_matrix(
            (np.ones(len(indices)), indices, debuts), shape=(len(colonnes), modele.variables)
        )
        self.bas = np.full(len(colonnes), np.inf)
        self.haut = np.full(len(colonnes), -np.inf)

    def noter(self, solveur: Solveur, sens: int | None = None) -> None:
        """Widen the ranges with the solver's current solution (of its copy for `sens`)."""
        h = solveur.h if sens is None else solveur.copies[sens]
        x = np.asarray(h.getSolution().col_value)[: self.matrice.shape[1]]
        valeurs = self.matrice @ x
        np.minimum(self.bas, valeurs, out=self.bas)
        np.maximum(self.haut, valeurs, out=self.haut)

    def intervalle(self, j: int) -> tuple[int, int]:
        return math.ceil(self.bas[j] - 1e-6), math.floor(self.haut[j] + 1e-6)

    def possibles(self, j: int) -> float:
        if not math.isfinite(self.bas[j]):
            return 0
        return possibles(*self.intervalle(j))


def passe_jointe(
    modeles_: dict[tuple, Programme],
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
    valeurs_min: int,
    surs: set[int],
    intervalles: dict[int, tuple[float, float]],
    graine: int = 0,
    cibles: set[int] | None = None,
    exactes: set[int] | None = None,
    ajouter: bool = True,
    externes_fixes: bool = False,
    parts: int = 1,
    echantillons: int = ECHANTILLONS,
) -> int:
    """Suppress published cells until every sensitive cell keeps `valeurs_min` values.

    `surs` holds cells already proven safe: more suppression never narrows a range, so a proof
    stays valid. A few optimisations of weighted sums of the sensitive cells give feasible points
    that already prove most cells safe; the others are minimised and maximised one by one, unless
    the optima met so far already prove them. `exactes`: cells whose range other models use
    (cells of identities between years), always minimised and maximised when not proven by the
    first optimisations, as their range bounds them elsewhere. `cibles`: only these cells are
    looked at. `ajouter=False`: proofs only, nothing suppressed. `parts`: each model's cells
    are shared out between this many tasks (threads), each solving its own copy of the model
    (for a single large model on several cores); their suppressions are merged.
    """
    exactes = exactes or set()
    avant = etats.copy()
    connus = dict(intervalles)

    def tache(cle: tuple, modele: Programme) -> tuple[int, np.ndarray, set[int], dict]:
        # Jacobi: every block reads the states and ranges as they were when the pass began, so
        # that the result does not depend on the order (nor on the thread) blocks run in.
        locaux = avant.copy()
        prouves: set[int] = set()
        bornes: dict[int, tuple[float, float]] = {}
        # Seeded by the model's key (programme, year): a programme gets the same protection
        # whatever the other programmes protected with it (per-programme recomputation).
        hasard = np.random.default_rng([graine, zlib.crc32(repr(cle).encode())])
        a_voir = cibles if parts == 1 else _part(modele, cibles, cle[-1], parts)
        n = _passe_bloc(
            modele,
            cellules,
            locaux,
            seuil,
            valeurs_min,
            surs,
            prouves,
            connus,
            bornes,
            hasard,
            exactes,
            a_voir,
            ajouter,
            externes_fixes,
            echantillons,
            simultane,
        )
        return n, locaux, prouves, bornes

    blocs = list(modeles_.items())
    if parts > 1:
        blocs = [((*cle, k), modele) for cle, modele in blocs for k in range(parts)]
    # A pass of a single model solves each cell's minimum and maximum at once (set by the
    # data, not by the machine's cores: the protection must not depend on the machine).
    simultane = len(blocs) == 1
    # Largest models first, so that the threads end together (HiGHS releases the GIL).
    blocs.sort(key=lambda kb: -len(kb[1].cellules))
    fils = min(fils_de_protection(), len(blocs))
    if fils > 1:
        with ThreadPoolExecutor(max_workers=fils) as executeur:
            resultats = list(executeur.map(lambda kb: (kb[1], tache(*kb)), blocs))
    else:
        resultats = [(modele, tache(k, modele)) for k, modele in blocs]
    ajoutees = 0
    for modele, (n, locaux, prouves, bornes) in resultats:
        ajoutees += n
        # States only grow (more suppression): a model solved in parts keeps each part's.
        lignes = np.asarray(modele.cellules)
        etats[lignes] = np.maximum(etats[lignes], locaux[lignes])
        surs |= prouves
        intervalles.update(bornes)
    return ajoutees


def _part(modele: Programme, cibles: set[int] | None, k: int, parts: int) -> set[int]:
    """The `k`-th of `parts` shares of a model's cells (of `cibles`, when given)."""
    liste = [u for u in modele.cellules if cibles is None or u in cibles]
    return set(liste[k::parts])


def sous_modele(complet: Programme, liste: list[int]) -> Programme:
    """The model of some cells of a programme's model of all years (e.g. a few consecutive
    years): their record classes, and every identity one of them is in; the other cells of
    those identities are left to the solver (constants at their true values with
    `externes_fixes`)."""
    ensemble = set(liste)
    colonnes = [complet.colonnes_cellule[complet.lignes[u]] for u in liste]
    utilisees = np.unique(np.concatenate(colonnes)) if colonnes else np.zeros(0, dtype=np.int64)
    numero = np.full(complet.variables, -1, dtype=np.int64)
    numero[utilisees] = np.arange(len(utilisees))
    relations = [(t, c) for t, c in complet.relations if any(u in ensemble for u, _ in t)]
    return Programme(
        list(liste),
        {u: j for j, u in enumerate(liste)},
        [numero[c] for c in colonnes],
        relations,
        len(utilisees),
        None if complet.vrai is None else complet.vrai[utilisees],
    )


def fenetres(
    grands: dict[tuple, Programme], cellules: Cellules, largeur: int = ANNEES_FENETRE
) -> dict[tuple, Programme]:
    """For each year of each programme that has more than `largeur` years, the model of
    `largeur` consecutive years around it (shifted at the ends), asked about that year's cells
    only (each cell is looked at in one window, the one it is most central in)."""
    resultat = {}
    for cle, modele in grands.items():
        annees = sorted({cellules.annee[u] for u in modele.cellules} - {None})
        if len(annees) <= largeur:
            continue
        for k, annee in enumerate(annees):
            debut = min(max(0, k - largeur // 2), len(annees) - largeur)
            dedans = set(annees[debut : debut + largeur])
            liste = [u for u in modele.cellules if cellules.annee[u] in dedans]
            fenetre = sous_modele(modele, liste)
            fenetre.centre = frozenset(u for u in liste if cellules.annee[u] == annee)
            resultat[(cle[0], annee)] = fenetre
    return resultat


# How far a neighbouring year's identity terms are pushed from their true value (`enveloppes`):
# enough to span any small count's rule, and finite when a term is unbounded.
ECART_ENVELOPPE = 50.0


def enveloppes(
    annuels: dict[tuple, Programme], cellules: Cellules, etats: np.ndarray, seuil: int
) -> dict[tuple, Programme]:
    """Each year model with, for each neighbouring year it shares identities with, the values
    those identities' terms of that year take at a few points of that year's model.

    The points are the real data and optima of the neighbouring year's model, with the years
    beyond it fixed at their true values and its identities with this year left out,
    pushing one identity's terms down and up at a time (the others' at their true value). Any
    point of the returned model is a point of the model of all years: its year, each
    neighbouring year at the matching convex combination of its points (a point of that
    year's model, whose identities with this year hold by construction), the other years at
    their true values. So what it proves is proven, and it proves more than the year model
    with the other years fixed (the real data is one of the points).

    That argument needs every identity between years to link two consecutive years (the
    stock-flow identities do): otherwise an identity could tie two neighbouring years, or a
    neighbouring year to one fixed beyond it, where the points do not hold it. The models are
    then returned without envelopes (the other years fixed: sound, proving less)."""
    for modele in annuels.values():
        for termes, _ in modele.relations:
            annees_ = {cellules.annee[u] for u, _ in termes}
            if annees_ == {None}:
                continue  # cells without a year: no identity between years
            if None in annees_ or max(annees_) - min(annees_) > 1:
                return dict(annuels)
    taches = []
    for cle, modele in annuels.items():
        annee = cle[1]
        if annee is None:
            continue
        for voisine in (annee - 1, annee + 1):
            if (cle[0], voisine) not in annuels:
                continue
            liens = [
                r
                for r, (termes, _) in enumerate(modele.relations)
                if any(cellules.annee[u] == voisine for u, _ in termes)
            ]
            if liens:
                taches.append((cle, (cle[0], voisine), liens))

    def points(tache: tuple) -> np.ndarray:
        cle, voisine, liens = tache
        termes = [annuels[cle].relations[r][0] for r in liens]
        return _points_voisins(annuels[voisine], termes, cle[1], cellules, etats, seuil)

    # The neighbouring years' optimisations are independent: in threads (HiGHS releases the
    # GIL), each task's result the same whatever the thread.
    fils = min(fils_de_protection(), max(1, len(taches)))
    with ThreadPoolExecutor(max_workers=fils) as executeur:
        tous = list(executeur.map(points, taches))
    cotes: dict[tuple, list] = defaultdict(list)
    for (cle, _, liens), valeurs in zip(taches, tous, strict=True):
        cotes[cle].append((liens, valeurs))
    return {
        cle: dataclasses.replace(modele, enveloppe=cotes.get(cle) or None)
        for cle, modele in annuels.items()
    }


def _points_voisins(
    voisin: Programme,
    liens: list[list[tuple[int, int]]],
    annee: int,
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
) -> np.ndarray:
    """Values of each identity's terms of the neighbouring year (`liens`) at points of its
    model (`enveloppes`): one row per distinct point, the real data among them."""
    propres = [
        (r, c) for r, c in voisin.relations if not any(cellules.annee[u] == annee for u, _ in r)
    ]
    modele = dataclasses.replace(voisin, relations=propres, centre=None, enveloppe=None)
    solveur = Solveur(modele, cellules, etats, seuil, externes_fixes=True)
    h = solveur.copies[+1]
    vrais, lignes, masques = [], [], []
    debuts, indices, valeurs = [], [], []
    for termes in liens:
        coefs: dict[int, float] = defaultdict(float)
        vrai, masque = 0.0, False
        for u, coef in termes:
            if u not in voisin.lignes:
                continue
            vrai += coef * cellules.valeur[u]
            masque = masque or etats[u] != VISIBLE
            for k in voisin.colonnes_cellule[voisin.lignes[u]]:
                coefs[int(k)] += coef
        vrais.append(vrai)
        masques.append(masque)
        lignes.append(coefs)
        debuts.append(len(indices))
        indices.extend(coefs)
        valeurs.extend(coefs.values())
    premiere = h.getNumRow()
    vrais_ = np.array(vrais)
    h.addRows(
        len(vrais),
        vrais_,
        vrais_,
        len(indices),
        np.array(debuts, dtype=np.int32),
        np.array(indices, dtype=np.int32),
        np.array(valeurs, dtype=float),
    )
    rangs = np.arange(premiere, premiere + len(vrais), dtype=np.int32)
    points = [vrais_]
    for q, coefs in enumerate(lignes):
        if not masques[q]:
            continue
        # This identity's terms pushed down then up, the others' at their true value.
        bas, haut = vrais_.copy(), vrais_.copy()
        bas[q], haut[q] = vrais_[q] - ECART_ENVELOPPE, vrais_[q] + ECART_ENVELOPPE
        h.changeRowsBounds(len(rangs), rangs, bas, haut)
        colonnes = np.array(list(coefs), dtype=np.int32)
        couts = np.array(list(coefs.values()))
        # Minimised as the maximum of its opposite: every solve in the one copy holding the
        # rows added here, each warm from the last.
        for signe in (-1.0, 1.0):
            solveur._resoudre(colonnes, signe * couts, +1)
            points.append(np.asarray(h.getSolution().row_value)[premiere:].copy())
    return np.unique(np.round(np.array(points), 9), axis=0)


def passe_grands(
    grands: dict[tuple, Programme],
    blocs: dict[tuple, Programme],
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
    valeurs_min: int,
    surs_fixes: set[int],
    surs_grands: set[int],
) -> int:
    """The whole-model check of the programmes too large to protect in one model of all years.

    Their year models see the other years' cells only through each cell's own range, which
    lets an attacker combine more than they allow (measured on the demo: 50 small counts left
    with fewer than `valeurs_min` values in the model of all years). What a year's model
    proves with its neighbouring years' terms of identities between years over the convex hull
    of points of their models, the years beyond fixed at their true values (`enveloppes`), is
    proven in the whole model (each of its points makes one of the whole model; more
    suppression only widens ranges, so the proofs are kept in `surs_fixes`). Fixing the other
    years' cells at their true values instead (one point) proved fewer: on the demo, 5,510 of
    5,997 cells instead of 5,723, for about the same time (02/12/2026). Models of
    `ANNEES_FENETRE` consecutive years, the years around them fixed the same way, prove most of
    the others at a lower cost per cell than the model of all years (on the demo: 185 of the
    274 left in about 30 s, with 2 threads; the envelopes of the years around a window proved
    6 more for 6 s more: not used). The cells they do not prove are then protected in the
    model of all years of their programme, which may suppress more (suppressing in the smaller
    models instead is sound too, but measured on the demo it masked 30 times more cells).
    Returns how many cells."""

    def restantes(modeles_: dict[tuple, Programme]) -> set[int]:
        prouvees = surs_fixes | surs_grands
        return {
            u
            for modele in modeles_.values()
            for u in modele.cellules
            if sensible(cellules, etats, u, seuil) and u not in prouvees
        }

    annuels = {k: m for k, m in blocs.items() if (k[0], None) in grands}
    for construire in (
        lambda: enveloppes(annuels, cellules, etats, seuil),
        lambda: fenetres(grands, cellules),
    ):
        if not restantes(annuels):
            break  # nothing left to prove: no model to build
        modeles_ = construire()
        passe_jointe(
            modeles_,
            cellules,
            etats.copy(),
            seuil,
            valeurs_min,
            surs_fixes,
            {},
            cibles=restantes(modeles_),
            ajouter=False,
            externes_fixes=True,
            echantillons=ECHANTILLONS_GRANDS,
        )
    # A model of all years above `VARIABLES_EN_PARTS` classes is solved in
    # `PARTS_MODELE_COMPLET` parts, which can run on several cores. Set by the model's size,
    # not by the number of cores: the protection must not depend on the machine computing it.
    cibles = restantes(grands)
    ajoutees = 0
    for parts in (1, PARTS_MODELE_COMPLET):
        modeles_ = {
            k: m for k, m in grands.items() if (m.variables > VARIABLES_EN_PARTS) == (parts > 1)
        }
        if modeles_:
            ajoutees += passe_jointe(
                modeles_,
                cellules,
                etats,
                seuil,
                valeurs_min,
                surs_grands,
                {},
                cibles=cibles,
                parts=parts,
                echantillons=ECHANTILLONS_GRANDS,
            )
    return ajoutees


def fils_de_protection() -> int:
    """Threads solving the joint pass's models (`PRE_PROTECTION_FILS`, the cores by default)."""
    valeur = os.environ.get("PRE_PROTECTION_FILS", "").strip()
    if valeur:
        try:
            return max(1, int(valeur))
        except ValueError as erreur:
            raise ValueError(
                f"PRE_PROTECTION_FILS : « {valeur} » n'est pas un nombre entier de fils"
            ) from erreur
    return os.cpu_count() or 1


def _passe_bloc(
    modele: Programme,
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
    valeurs_min: int,
    surs: set[int],
    prouves: set[int],
    intervalles: dict[int, tuple[float, float]],
    bornes: dict[int, tuple[float, float]],
    hasard: np.random.Generator,
    exactes: set[int],
    cibles: set[int] | None = None,
    ajouter: bool = True,
    externes_fixes: bool = False,
    echantillons: int = ECHANTILLONS,
    simultane: bool = False,
) -> int:
    """`passe_jointe` on one model: cells it proves go to `prouves`, their ranges to `bornes`;
    `etats` (the block's own copy) gets its new secondary cells. Returns how many."""
    ajoutees = 0
    a_voir = [
        u
        for u in modele.cellules
        if sensible(cellules, etats, u, seuil)
        and u not in surs
        and (cibles is None or u in cibles)
        and (modele.centre is None or u in modele.centre)
    ]
    if not a_voir:
        return 0
    solveur = Solveur(modele, cellules, etats, seuil, intervalles, externes_fixes)
    vus = _Points(modele, a_voir)
    for essai in range(echantillons):
        if essai < 2:
            poids = {u: (1.0 if essai == 0 else -1.0) for u in a_voir}
        else:
            poids = {
                u: float(w)
                for u, w in zip(a_voir, hasard.choice([-1.0, 1.0], len(a_voir)), strict=True)
            }
        solveur.echantillon(poids)
        vus.noter(solveur)
    for j, u in enumerate(a_voir):
        if vus.possibles(j) >= valeurs_min:
            prouves.add(u)
            bornes[u] = vus.intervalle(j)
    for j, u in enumerate(a_voir):
        if u in prouves:
            continue
        essais = 0
        while True:
            # Every optimum met in this model stays feasible as suppression grows: the
            # values they give the cell may already prove it, without solving for it.
            raccourci = u not in exactes
            if raccourci and vus.possibles(j) >= valeurs_min:
                prouves.add(u)
                bornes[u] = vus.intervalle(j)
                break
            if simultane:
                (bas, duaux_bas), (haut, duaux_haut) = solveur.deux_sens(u)
                vus.noter(solveur, -1)
                if math.isfinite(haut):
                    vus.noter(solveur, +1)
            else:
                bas, duaux_bas = solveur._optimiser(u, -1)
                vus.noter(solveur)
                if raccourci and vus.possibles(j) >= valeurs_min:
                    prouves.add(u)
                    bornes[u] = vus.intervalle(j)
                    break
                haut, duaux_haut = solveur._optimiser(u, +1)
                if math.isfinite(haut):
                    vus.noter(solveur)
            bas, haut = math.ceil(bas - 1e-6), _plancher(haut)
            bornes[u] = (bas, haut)
            if possibles(bas, haut) >= valeurs_min:
                # Range of the linear relaxation; both optima integral makes it the integer
                # range too. The audit checks the narrow ones with integer variables.
                prouves.add(u)
                break
            if not ajouter:
                break
            # Every « < seuil » cell that binds either optimum becomes « s » at once (no
            # figure lost: it was masked already), unless many views show it (a quartier's
            # children on the map: « < 11 » tells more than « s »); then one cell at a time,
            # the cheapest first.
            candidats = _primaires_liantes(
                solveur.avec_ligne, cellules, etats, duaux_bas, duaux_haut
            )
            if not candidats:
                candidat = _candidat(solveur.avec_ligne, cellules, etats, duaux_bas, duaux_haut)
                # A year's model whose other years' masked cells are bounded variables
                # (`Solveur.externes`) can be held by those bounds, which no dual of a row
                # shows: the cell is left to the model of all years, where they are cells.
                # Masking its neighbours here instead masked, on a programme of 7 QPV, 33 of
                # the programme's own figures for a quartier's 1-child count, its children of
                # the year (396) and entries (177) last.
                if candidat is None and not solveur.externes:
                    candidat = _voisine(modele, cellules, etats, u)
                candidats = [] if candidat is None else [candidat]
            essais += 1
            if not candidats or essais > 500:
                break
            for candidat in candidats:
                etats[candidat] = SECONDAIRE
                solveur.changer_etat(candidat, SECONDAIRE)
            ajoutees += len(candidats)
    return ajoutees


def republier(
    blocs: dict[tuple, Programme],
    liantes: list[tuple[list[tuple[int, int]], float]],
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
    vues_: list[Vue] | None = None,
) -> int:
    """Show again the secondary cells that published figures already give exactly.

    A declared row sum of one year (`sum=`: a total and its parts, true by definition) whose
    other terms are all shown gives its last term to any reader: masking it hides nothing and
    costs a figure (« s » beside its own parts). Identities between years are left out: their
    offset on the data (children against parcours) is not known to a reader, and records are
    modelled year by year, so a figure they would give is not one the reader already has.
    Only complementary cells of at least `seuil` are shown again, never a small count; repeated
    until no sum gives one more. With `vues_`, a cell is shown again only if every view showing
    it keeps its other cells' states under its own rules (a share masked on its whole group
    stays so). Returns how many."""

    def coherente(u: int) -> bool:
        if vues_ is None:
            return True
        for v in {v for v, _, _ in cellules.occurrences[u]}:
            vue = vues_[v]
            protege = _etats_vue(vue, etats, seuil)
            for (i, colonne), w in vue.cellules.items():
                attendu = {VISIBLE: None, PRIMAIRE: f"< {seuil}", SECONDAIRE: "s"}[int(etats[w])]
                if protege[colonne + SUFFIXE_SECRET][i] != attendu:
                    return False
        return True

    relations = []
    for termes, constante in [r for m in blocs.values() for r in m.relations] + list(liantes):
        coefs: dict[int, float] = defaultdict(float)
        for u, coef in termes:
            coefs[u] += coef
        coefs = {u: c for u, c in coefs.items() if abs(c) > 1e-12}
        if constante == 0 and len({cellules.annee[u] for u in coefs}) == 1:
            relations.append(list(coefs))
    if vues_ is not None:
        relations += _partitions(vues_, cellules)
    montrees = 0
    change = True
    while change:
        change = False
        for termes in relations:
            masques = [u for u in termes if etats[u] != VISIBLE]
            if len(masques) != 1:
                continue
            u = masques[0]
            if etats[u] == SECONDAIRE and cellules.valeur[u] >= seuil and not cellules.cachee[u]:
                etats[u] = VISIBLE
                if not coherente(u):
                    etats[u] = SECONDAIRE
                    continue
                montrees += 1
                change = True
    return montrees


def _partitions(vues_: list[Vue], cellules: Cellules) -> list[list[int]]:
    """The additive groups of the views (`partition=`: rows of a year by sex, age band…) whose
    children make up a cell shown elsewhere (the territory's children on the same page): the
    cell and its parts, as relations `republier` reads (« Filles » masked beside « Garçons »
    and the children of the quartier gave itself away: an outside test). Only groups whose parts
    hold disjoint children, each part a cell with its children known; the models already know
    these identities (cells are sums of record classes)."""
    par_records: dict[tuple, int] = {}
    for u, records in enumerate(cellules.records):
        if records is not None:
            par_records.setdefault(
                (cellules.pre_id[u], cellules.annee[u], tuple(sorted(records))), u
            )
    relations: list[list[int]] = []
    for vue in vues_:
        if vue.regles.partition is None or not vue.cellules:
            continue
        groupes: dict[tuple, list[int]] = defaultdict(list)
        cles = vue.regles.partition
        valeurs_cles = [vue.cadre[c].to_list() for c in cles]
        for (i, colonne), u in vue.cellules.items():
            groupes[(colonne, *(v[i] for v in valeurs_cles))].append(u)
        for parts in groupes.values():
            if len(parts) < 2 or any(cellules.records[u] is None for u in parts):
                continue
            if len({(cellules.pre_id[u], cellules.annee[u]) for u in parts}) != 1:
                continue
            tous = [r for u in parts for r in cellules.records[u]]
            union = tuple(sorted(set(tous)))
            if len(union) != len(tous):
                continue  # not disjoint: a child in two parts (several types of action)
            total = par_records.get((cellules.pre_id[parts[0]], cellules.annee[parts[0]], union))
            if total is not None and total not in parts:
                relations.append([total, *parts])
    return relations


def passe_inter_annees(
    liantes: list[tuple[list[tuple[int, int]], float]],
    cellules: Cellules,
    etats: np.ndarray,
    seuil: int,
    valeurs_min: int,
    intervalles: dict[int, tuple[float, float]],
) -> int:
    """Identities between years (stock-flow): interval arithmetic over each cell's own range.

    A sensitive cell left with fewer than `valeurs_min` values by one identity gets the smallest
    published term of that identity suppressed.
    """

    def domaine(u: int) -> tuple[float, float]:
        if etats[u] == VISIBLE:
            return cellules.valeur[u], cellules.valeur[u]
        if u in intervalles:
            return intervalles[u]
        if etats[u] == PRIMAIRE:
            return 1, seuil - 1
        return (0 if cellules.cachee[u] else BAS_SECONDAIRE), math.inf

    ajoutees = 0
    change = True
    while change:
        change = False
        for termes, constante in liantes:
            for u, coef in termes:
                if not sensible(cellules, etats, u, seuil):
                    continue
                bas = haut = 0.0
                for autre, c in termes:
                    if autre == u:
                        continue
                    a, b = domaine(autre)
                    bas += min(c * a, c * b)
                    haut += max(c * a, c * b)
                lo, hi = sorted(((constante - haut) / coef, (constante - bas) / coef))
                a, b = domaine(u)
                lo, hi = max(lo, a), min(hi, b)
                if possibles(math.ceil(lo - 1e-6), _plancher(hi)) >= valeurs_min:
                    continue
                visibles = [v for v, _ in termes if etats[v] == VISIBLE]
                if not visibles:
                    continue
                choix = min(visibles, key=lambda v: (cellules.total[v], cellules.valeur[v]))
                etats[choix] = SECONDAIRE
                ajoutees += 1
                change = True
    return ajoutees


def _voisine(modele: Programme, cellules: Cellules, etats: np.ndarray, u: int) -> int | None:
    """A cell sharing records with ``u``, the cheapest to mask (when no range binds)."""
    classes = set(modele.colonnes_cellule[modele.lignes[u]].tolist())
    meilleur, cout_min = None, math.inf
    for j, v in enumerate(modele.cellules):
        if v == u or etats[v] == SECONDAIRE:
            continue
        if not classes.intersection(modele.colonnes_cellule[j].tolist()):
            continue
        cout = _cout(cellules, etats, v)
        if cout < cout_min:
            meilleur, cout_min = v, cout
    return meilleur


def _cout(cellules: Cellules, etats: np.ndarray, u: int) -> float:
    """Information lost by masking ``u`` more: widening a « < seuil » cell to « s » first, then
    the smallest published cells, the programme's headline figures last. (Weighting by the
    number of views showing the cell, as the per-view pass does, led the fixture to mask a
    programme total here: not done.)"""
    if etats[u] == PRIMAIRE:
        return cellules.valeur[u]
    return 1_000 + cellules.valeur[u] + (1_000_000 if cellules.total[u] else 0)


def _primaires_liantes(
    avec_ligne: list[int], cellules: Cellules, etats: np.ndarray, *duaux: np.ndarray
) -> list[int]:
    """The « < seuil » cells shown in fewer than `VUES_CONVERSION_GROUPEE` views whose range
    binds an optimum (non-zero dual), in model order. `avec_ligne`: the cells of the model's
    first rows (`Solveur.avec_ligne`)."""
    lignes: set[int] = set()
    for d in duaux:
        if d.size:
            lignes.update(np.nonzero(np.abs(d[: len(avec_ligne)]) > 1e-9)[0].tolist())
    return [
        u
        for u in (avec_ligne[j] for j in sorted(lignes))
        if etats[u] == PRIMAIRE and len(cellules.occurrences[u]) < VUES_CONVERSION_GROUPEE
    ]


def _candidat(
    avec_ligne: list[int],
    cellules: Cellules,
    etats: np.ndarray,
    *duaux: np.ndarray,
) -> int | None:
    """Among the cells whose range binds the optimum (non-zero dual), the cheapest to mask
    (`avec_ligne` as in `_primaires_liantes`)."""
    meilleur, cout_min = None, math.inf
    for d in duaux:
        if d.size == 0:
            continue
        for j in np.nonzero(np.abs(d[: len(avec_ligne)]) > 1e-9)[0]:
            u = avec_ligne[j]
            if etats[u] == SECONDAIRE:
                continue
            cout = _cout(cellules, etats, u)
            if cout < cout_min:
                meilleur, cout_min = u, cout
    return meilleur


@dataclass
class Resultat:
    seuil: int
    vues: list[Vue]
    cellules: Cellules
    etats: np.ndarray
    cadres: dict[tuple[str, str], pl.DataFrame]
    intervalles: dict[int, tuple[float, float]]
    duree: float
    secondaires_jointes: int


def calculer(
    con: duckdb.DuckDBPyConnection,
    seuil: int,
    valeurs_min: int = VALEURS_MIN_DEFAUT,
    collecte: tuple[list[Vue], Cellules] | None = None,
) -> Resultat:
    debut = time.perf_counter()
    vues_, cellules = collecte or collecter(con)
    etats = np.array(
        [PRIMAIRE if 1 <= v <= seuil - 1 else VISIBLE for v in cellules.valeur], dtype=np.int8
    )
    if seuil == 2:
        etats[etats == PRIMAIRE] = SECONDAIRE
    etats[np.array(cellules.cachee, dtype=bool)] = SECONDAIRE
    decisions: dict[int, tuple[dict, _Etat]] = {}
    passe_par_vue(vues_, cellules, etats, seuil, decisions=decisions)
    # Per-year models do the bulk of the work (fast); the cells that identities between years
    # (stock-flow) tie together are then checked in the model of all years of their programme.
    blocs, liantes = modeles(vues_, cellules, seuil)
    complets, _ = modeles(vues_, cellules, seuil, par_annee=False)
    # The all-years model is solved for every small count of programmes of modest size; larger
    # ones go through `passe_grands` once the cheaper passes are stable (whole-model check of
    # the cells their years' models with tied cells fixed do not prove).
    grands = {k: m for k, m in complets.items() if m.variables > VARIABLES_MODELE_COMPLET}
    complets = {k: m for k, m in complets.items() if m.variables <= VARIABLES_MODELE_COMPLET}
    lies = {u for termes, _ in liantes for u, _ in termes}
    total_ajoutees = 0
    surs: set[int] = set()
    surs_complets: set[int] = set()
    surs_fixes: set[int] = set()
    surs_grands: set[int] = set()
    intervalles: dict[int, tuple[float, float]] = {}
    while True:
        avant = etats.copy()
        ajoutees = passe_jointe(
            blocs, cellules, etats, seuil, valeurs_min, surs, intervalles, exactes=lies
        )
        ajoutees += passe_inter_annees(liantes, cellules, etats, seuil, valeurs_min, intervalles)
        ajoutees += passe_jointe(
            complets,
            cellules,
            etats,
            seuil,
            valeurs_min,
            surs_complets,
            intervalles,
            exactes=lies,
        )
        if not ajoutees and grands:
            ajoutees += passe_grands(
                grands, blocs, cellules, etats, seuil, valeurs_min, surs_fixes, surs_grands
            )
        total_ajoutees += ajoutees
        # Only the views showing a cell the joint pass changed can change.
        sales = {v for u in np.nonzero(etats != avant)[0] for v, _, _ in cellules.occurrences[u]}
        if not passe_par_vue(vues_, cellules, etats, seuil, sales, decisions) and not ajoutees:
            break
    republier(blocs, liantes, cellules, etats, seuil, vues_)

    def montre(vue: Vue, i: int) -> int | None:
        u = vue.cellules.get((i, "actifs"))
        return None if u is None or etats[u] != VISIBLE else cellules.valeur[u]

    etats[retirer_non_diffusees(vues_, cellules, montre)] = SECONDAIRE
    cadres = {}
    for v, vue in enumerate(vues_):
        if v in decisions and decisions[v][0] == _forcees(vue, etats):
            protege = _cadre_protege(decisions[v][1], totaux_publics(vue, etats))
        else:
            protege = _etats_vue(vue, etats, seuil)
        jetons = {c: protege.get_column(c + SUFFIXE_SECRET).to_list() for c in vue.regles.counts}
        for (i, colonne), u in vue.cellules.items():
            attendu = {VISIBLE: None, PRIMAIRE: f"< {seuil}", SECONDAIRE: "s"}[int(etats[u])]
            if jetons[colonne][i] != attendu:
                raise RuntimeError(
                    f"Protection incohérente : {vue.nom} {vue.cle} ligne {i + 1} {colonne}"
                )
        cadres[(vue.nom, vue.cle)] = protege
    return Resultat(
        seuil,
        vues_,
        cellules,
        etats,
        cadres,
        intervalles,
        time.perf_counter() - debut,
        total_ajoutees,
    )
