"""Whole-database protection at national scale: a sample of programmes of the national database.

    python bench/protection_nationale.py [--programmes 10]     (run by `make bench`)

Protects (collect every view, per-view pass, per-year linear programs in threads; nothing
written) the first N programmes of data/bench/national.duckdb (built by bench/national.py, which
`make bench` runs first) as one group, the way `protection.proteger` does group by group, then
the demo database's one programme for comparison, in one run. Reports the time per programme,
the national time it implies (530 programmes, groups of `protection._lots`), the peak memory,
and writes its section of docs/performance.md. Machines here are shared: compare the ratios.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

import duckdb  # noqa: E402

from bench import rapport  # noqa: E402
from bench.national import ENFANTS_PAR_AN, PROGRAMMES, base_nationale, machine  # noqa: E402
from pre_pilotage import protection  # noqa: E402
from pre_pilotage.demo import generer_base  # noqa: E402
from pre_pilotage.protection import catalogue, moteur  # noqa: E402

DEBUT, FIN = "<!-- protection-nationale:debut -->", "<!-- protection-nationale:fin -->"
# The real geography of the PRE (../shared/data, never in the repository): the ANCT list of the
# PRE by commune (January 2024: 522 programmes, each named by one commune) and the QPV 2024 by
# commune.
DONNEES = RACINE.parent / "shared" / "data"
LISTE_PRE = DONNEES / "pre_communes_anct_2024" / "pre_communes_2024.csv"
QPV_PAR_COMMUNE = DONNEES / "qpv2024_communes" / "qpv2024_par_commune.csv"
# QPV of a demo territory: a programme of more QPV is measured with these (its children spread
# over fewer quartiers).
QPV_TERRITOIRE = 15
OBJECTIF_NATIONAL_S = 15 * 60
OBJECTIF_DEMO_S = 30
# Measured apart on 01/12/2026 (one national programme, 2 cores); not rewritten by this script.
POURQUOI = (
    "Where a national programme's time goes (measured apart on 01/12/2026, one programme, "
    "one thread, about 47 s): collecting its views about 3 s; the per-view pass and the "
    "per-year linear programs about 9 s (one model per year of about 470 record classes and"
    " 1,070 rows; about 70 % of the cells are small counts; about 3,800 solves of about 55 "
    "primal simplex iterations each); then the check of the identities between years "
    "(`moteur.passe_grands`) about 35 s: each year's model with the other years' cells "
    "fixed at their true values proves about 3,000 of the 4,300 small counts (7.5 s), the "
    "model of the three years around each remaining cell's year, fixed the same way, 1,160 "
    "of the 1,236 left (about 1,340 solves of about 110 iterations, 12 to 15 ms each: 24 "
    "s), and the model of all years (2,442 classes) the last 76 (6 s). That check closed a "
    "measured leak (50 small counts of the demo pinned by combining years) and first took "
    "the programme from about 12 s to about 110 s; the three-year models brought it to "
    "about 50 s. A large model's first solve by interior point with crossover instead of "
    "the primal simplex from the slack basis (1.6 s instead of 15 s on the demo's model of "
    "all years, 0.3 s instead of 2.3 s on a national one) and two starting optimisations "
    "instead of six in those models took the demo from about 85 s to about 60 s, a national"
    " programme from 51 s to 47 s. Tried without gain: presolve and the dual simplex for a "
    "model's first solve (30,000 iterations instead of 16,000), HiGHS's crash strategies, a"
    " starting point at the real data (the columns split around it: the first solve no "
    "faster, the others twice slower), optimisations pushing every unproven cell towards "
    "the side where it has more room (each proves about 1 % of them: the cells are tied, "
    "their pushes cancel), HiGHS's `objective_target` (ignored by the simplex), a model per"
    " cell of its neighbourhood (the classes of the cells sharing one with it, the rest "
    "fixed: 159 of the 1,236 cells proven, four times slower, as the programme's totals "
    "share a class with every cell), masking more in the three-year models instead of "
    "solving the model of all years (sound, but 30 times more cells masked on the demo); "
    "earlier, on the year models: dual simplex from the previous basis (60 times slower), "
    "presolve with a cold start (40 times slower), interior point for every solve (10 times"
    " slower), other pricing or scaling (same to 3 times slower). Tried later the same day:"
    " solving each model through its explicit dual (a pair of variables per row of the "
    "model, so that a change of objective is a change of the dual's row bounds and the dual"
    " simplex goes on from the previous basis) needs half the iterations or fewer and is "
    "1.35 to 1.5 times faster per solve on the three-year and all-years models, but a "
    "little slower on the year models and on first solves: the demo's computation from 71 s"
    " to 62.5 s and a national programme's from 47 s to 44 s measured apart, but the demo's"
    " protection in `bench/secret.py` 73 s (64 s before) with 16 more cells masked (other "
    "optimal vertices, other cells chosen): not kept. Stopping each solve as soon as the "
    "cell reaches the value that proves it (iteration limits of 10): 11 % fewer iterations,"
    " the value is met only near the optimum. Starting each solve from the basis of the "
    "starting optimisation in the same direction: 10 % fewer iterations. Three-year models "
    "with the classes of the two outer years fixed except those of masked cells in "
    "identities between years: 998 cells proven instead of 1,160, for 17 % less time. A "
    "year's model whose other years' cells range over the convex hull of points of the "
    "model of all years (sound: each such point is one of it): with 8 points, 740 of the "
    "1,236 proven in 8 s, plus 5 s for the points; its own optima added as points prove "
    "none more (they keep the other years' identities at their true values). Exchanges of "
    "records between two classes that no shown figure tells apart prove 3 % of a year's "
    "small counts. The year models with the other years fixed checked before the year pass,"
    " so that it looks at fewer cells: the demo no faster (65 s; before that pass's "
    "suppressions they prove fewer cells). The national target asks for about 3 s of solver"
    " time per programme on two cores: a cheaper certificate per cell than its own linear "
    "solves is still to find (each remaining cell can move alone, not together with the "
    "others). Later on 01/12/2026, after the figures of this table: a child and its "
    "parcours active in a year became one record of the models (an outside test recomputed "
    "masked counts of children from the counts of parcours shown beside them). The models' "
    "record classes are finer and tied across the parcours and children views: measured "
    "apart, the demo's protection went from about 65 s to about 200 s (the per-year pass "
    "about 80 s instead of 16 s, with about 2,200 cells masked to protect others instead of"
    " about 950; 72 % of the cells masked instead of 71 %). The national figures of this "
    "table predate that change. On 02/12/2026 (demo, measured apart, 2 threads): 85 % of "
    "the year pass's solves were re-solves after one more complementary cell, each starting "
    "from the other direction's optimum (a cell's minimum, then its maximum, then its "
    "minimum again: about 300 iterations each). Two copies of each model, one for the "
    "minimisations and one for the maximisations, halved the largest year model's time "
    "(52 s to 29 s); making « s » at once every « < 11 » cell that binds the range (85 % "
    "of the complementary cells were such cells, converted one re-solve at a time) halved "
    "it again (14 s); a pass of a single model (the model of all years) solves each cell's "
    "minimum and maximum at once on two cores. The demo's protection went from about 200 s "
    "to about 130 s (year pass 56 s to 33 s, year models with the other years fixed 22 s to "
    "17 s, three-year models 48 s to 25-29 s, model of all years 61 s to 37-47 s); 4,013 "
    "« < 11 » and 2,589 « s » instead of 4,201 and 2,396 (« < 11 » cells made « s »), "
    "2,522 cells shown instead of 2,527. On 02/12/2026, later, on another machine (Intel "
    "Xeon, about 1.7 times slower than the AMD EPYC of the earlier figures: the demo's "
    "protection about 230 s instead of 130 s), the table above was measured on the engine "
    "before the envelopes below, partly while other profiling ran on the same cores (its "
    "times are inflated, perhaps by a third): about 160 s per national programme, 60 to 90 "
    "times the target's budget of about 3.4 s per programme (530 programmes in 15 minutes on"
    " two cores). Measured apart the same day on the demo: the model of all years costs "
    "about 1 ms per primal simplex iteration (300 to 400 iterations per solve), and neither "
    "fewer rows (the « s » cells' rows left out: the same time per solve, only the first "
    "solve by interior point twice faster) nor fewer non-zeros (each cell written as the sum"
    " of the cells it contains and its other classes: 2.5 times fewer non-zeros, 20 % "
    "slower) changes it. A year's model whose neighbouring years' terms of identities range"
    " over the convex hull of points of those years' models, the years beyond fixed "
    "(`moteur.enveloppes`; each point of it makes one of the model of all years), proves "
    "5,723 of the 5,997 cells that the year models with the other years fixed see, instead "
    "of 5,510, leaving 274 cells to the three-year models instead of 487: the demo's "
    "protection from 232 s to 202 s with exactly the same cells masked (the same envelopes "
    "around the three-year models proved 6 cells more for 6 s more: not used). The first "
    "programme of the national database (1,632 record classes, 5 years) was below the 2,000"
    " classes up to which the model of all years was asked about every small count: 250 s "
    "that way (228 s in that model), 83 s through the year models with envelopes (2,930 of "
    "3,762 cells proven), the three-year windows (757 of the 832 left) and the model of all"
    " years for the last 75, both measured while tests ran on the same cores, the same "
    "figures shown (2 of 2,257 « < 11 » cells « s » instead): the threshold is now 500 "
    "classes (`moteur.VARIABLES_MODELE_COMPLET`). The table's figures predate both changes; "
    "with them a national programme should take about a third of its time there, still "
    "about 20 times the target's budget: the target needs fewer small counts proven one by "
    "one by linear programs, not faster solves."
    " On 02/12/2026, on the AMD EPYC again (the demo measured apart, about 110 s: year pass "
    "32 s, envelopes 4 s and their proofs 17 s, three-year models 16.5 s, model of all years "
    "37 s): masking in the year models with envelopes instead of only proving there, so that "
    "neither the three-year models nor the model of all years are needed (sound: each point "
    "of them is one of the model of all years), took 56 s with the envelopes computed before "
    "the year pass but masked 1,436 more cells (« s »: a neighbouring year's points are "
    "narrow before its own suppressions), 78 s with them computed after it (1,286 more), 112 "
    "s with the three-year models proving first and the year models masking only for the 89 "
    "cells left (835 more, where the model of all years masks 28): not kept, the loss is too "
    "high. Four-year windows instead of three proved 193 cells instead of 185 for 30 s "
    "instead of 17 s; six starting optimisations instead of two in the year models with "
    "envelopes changed nothing."
    " On 04/12/2026 (Intel Xeon, the demo measured apart): the cells shown only in "
    "unpublished breakdowns (a commune's or QPV's below 50 children, `moteur.cacher`) became "
    "hidden cells, audited and protected (a programme's breakdown minus its larger commune's "
    "gave the smaller one's, 10 girls): 4,766 more cells, 3,787 of them small counts to "
    "prove. With a row for each in the linear models the demo's computation went from 48 s to"
    " 157 s (each solve twice slower, half as many again); without one (a hidden cell "
    "constrains nothing: its row would only say that a sum of non-negative classes is at "
    "least 0) 69 s, and the demo's protection in `bench/secret.py` 67 s instead of 62 s, "
    "1,930 figures shown instead of 1,948."
    " Programmes of the real geography's benchmark (same database, one run each): the "
    "computation of the 1, 2, 3, 7 and 8-QPV programmes 2.6, 1.6, 1.8, 7.4 and 11.2 s before,"
    " 3.1, 1.8, 2.2, 9.0 and 9.7 s after, with 280, 479, 592, 1,281 and 1,223 figures shown "
    "instead of 281, 478, 594, 1,290 and 1,223."
    " On 04/12/2026 (Intel Xeon), the whole ANCT list was generated (522 programmes, before "
    "only one per number of QPV, each protected alone) and protected through the national "
    "path with groups of at most 5 × 3,874 views (up to 20 programmes; 28 groups): 1,362 s "
    "of wall clock, the caller reading for 707 s and "
    "the workers computing for 2,245 s (both measured while the three processes shared the two "
    "cores); peak memory 4,184 MiB in the caller and 2,725 MiB in a worker (the largest PRE, "
    "up to 2,696 children a year, weigh far more than the generator's programmes of 160). "
    "Then: groups by views × parcours instead of views (`protection.VOLUME_PAR_LOT`: "
    "25 small programmes read together, a large one alone); `publics_indicateurs.sql` and "
    "`cite_dedans_dehors.sql` count a parcours' actions through a join instead of `IN "
    "(subquery)` (for 20 programmes of one QPV, 1,000 filters of `publics_indicateurs` batched "
    "in 0.39 s instead of 3.7 s; a page's single run unchanged, about 50 ms on this database); "
    "the sidebar's territories read once per programme instead of once per query "
    "(`catalogue.vues`); the workers import the solvers before their first group. A group of "
    "20 programmes of one QPV, measured alone on one thread: reading 5.5 s instead of 9 to 15 "
    "s, computing 32 s (identifying the cells 2.7 s, the linear programs 16 s: about 860 "
    "solves of 1 ms per programme, whose year pass masks about 300 of its 1,270 cells one at "
    "a time, 24 % of them shown in the end)."
    " The whole list again after these changes, while tests ran on the same cores "
    "(times not comparable): peak memory 2,837 MiB in the caller and 1,876 MiB in the "
    "largest worker instead of 4,184 and 2,725, at most 6,589 MiB together (target 4 "
    "GiB: **not met** on the real sizes; the generator's sample above stays at 3,206 "
    "MiB). The states are the same before and after these changes (checked on the "
    "demo, a programme of 15 QPV and 20 of one QPV). The programmes of 5 QPV and more "
    "show 13 to 18 % of their cells here against 22 to 27 % on the previous base of "
    "one programme per size: other generated data, same code (a loss to look into). "
    "The demo took 83 s in this run after the national sample, 58 to 68 s measured "
    "alone."
)


def mesurer(chemin: Path, pre_ids: list[str] | None) -> dict:
    """One group in this process (the demo's one programme): collect, then compute."""
    with duckdb.connect(str(chemin), read_only=True) as con:
        debut = time.perf_counter()
        collecte = moteur.collecter(con, pre_ids=pre_ids)
        collecte_s = time.perf_counter() - debut
        resultat = moteur.calculer(con, 11, collecte=collecte)
    total = time.perf_counter() - debut
    return {
        "programmes": len(pre_ids) if pre_ids else 1,
        "vues": len(collecte[0]),
        "cellules": len(collecte[1]),
        "collecte_s": collecte_s,
        "calcul_s": resultat.duree,
        "total_s": total,
    }


def mesurer_en_processus(chemin: Path, pre_ids: list[str]) -> dict:
    """The national path of `protection.proteger`: its groups of programmes (`protection._lots`)
    read here and protected in worker processes (nothing written)."""
    with duckdb.connect(str(chemin), read_only=True) as con:
        debut = time.perf_counter()
        groupes = protection._lots(con, pre_ids)
        lots_s = time.perf_counter() - debut
    processus = min(moteur.fils_de_protection(), len(groupes))
    bilan = {"vues": 0, "cellules": 0, "calcul_s": 0.0, "lecture_s": lots_s}
    # Per group, in order: (reading s, computing s, cells, cells shown).
    bilan["groupes_detail"] = []
    # Per programme: (cells, cells shown).
    bilan["programmes_detail"] = {}
    lectures: list[float] = []
    lire = protection.requeter

    def requeter(con, groupe):
        debut = time.perf_counter()
        try:
            return lire(con, groupe)
        finally:
            lectures.append(time.perf_counter() - debut)
            bilan["lecture_s"] += lectures[-1]

    def ecrire(tables) -> None:
        vues, cellules, duree = tables[11]
        bilan["vues"] += vues.height
        bilan["cellules"] += cellules.height
        bilan["calcul_s"] += duree
        k = len(bilan["groupes_detail"])
        montrees = cellules.filter(cellules["statut"] == "visible").height
        bilan["groupes_detail"].append((lectures[k], duree, cellules.height, montrees))
        for (pre_id,), lignes in cellules.group_by("pre_id"):
            bilan["programmes_detail"][pre_id] = (
                lignes.height,
                lignes.filter(lignes["statut"] == "visible").height,
            )

    protection.requeter = requeter
    try:
        with duckdb.connect(str(chemin), read_only=True) as con:
            debut = time.perf_counter()
            protection._en_processus(
                con, groupes, [11], protection.valeurs_min(), processus, ecrire
            )
            # Grouping the programmes is part of the national path's time.
            bilan["total_s"] = time.perf_counter() - debut + lots_s
    finally:
        protection.requeter = lire
    bilan.update(
        programmes=len(pre_ids),
        groupes=len(groupes),
        processus=processus,
        par_groupe=max(len(g) for g in groupes),
    )
    return bilan


def qpv_des_programmes() -> list[int]:
    """QPV of each PRE's commune in the ANCT list, sorted (at least 1: a commune of the list
    with no QPV of 2024 under its code, such as Paris 10e or a merged commune, still runs its
    PRE in one). A missing file stops the benchmark (never a silent default)."""
    for fichier in (LISTE_PRE, QPV_PAR_COMMUNE):
        if not fichier.exists():
            raise SystemExit(f"{fichier} absent: the real files of ../shared/data are needed")
    with open(QPV_PAR_COMMUNE, encoding="utf-8", newline="") as f:
        par_commune: dict[str, int] = {}
        for ligne in csv.DictReader(f):
            par_commune[ligne["insee_com"]] = par_commune.get(ligne["insee_com"], 0) + 1
    with open(LISTE_PRE, encoding="utf-8", newline="") as f:
        return sorted(
            max(1, par_commune.get(ligne["code_insee"].strip(), 0)) for ligne in csv.DictReader(f)
        )


def enfants_par_qpv(qpv: list[int]) -> float:
    """Children active a year per QPV of a programme: the national 85,000 shared out in
    proportion to the programmes' QPV (the list's programmes standing for the 530)."""
    return ENFANTS_PAR_AN / (sum(qpv) * PROGRAMMES / len(qpv))


def base_communale(chemin: Path, qpv: list[int], par_qpv: float) -> list[str]:
    """A database of one programme per value of `qpv`, each on one commune with that many QPV
    (at most `QPV_TERRITOIRE`) and children in proportion: the demo generator's agglomeration
    (11 communes, 15 QPV) gathered onto its ville-centre (its children, EPS and fiches-action
    there, the other communes out of the programme, the Cité of the ville-centre kept). Only
    the protection reads it (geometries are left as generated). Returns the programmes."""
    generer_base(
        chemin, proteger=False, actifs_par_programme=[max(20, round(par_qpv * n)) for n in qpv]
    )
    with duckdb.connect(str(chemin)) as con:
        pre_ids = catalogue.programmes(con)
        for pre_id, n in zip(pre_ids, qpv, strict=True):
            communes = [
                c
                for (c,) in con.execute(
                    "select code_insee from programme_commune where pre_id = ? order by 1",
                    [pre_id],
                ).fetchall()
            ]
            ville = communes[0]
            # The ville-centre's QPV first (numbered first), then the others moved into it.
            tous = [
                q
                for (q,) in con.execute(
                    "select code_qp from qpv_commune where list_contains(?, code_insee) order by 1",
                    [communes],
                ).fetchall()
            ]
            gardes = tous[: min(n, QPV_TERRITOIRE)]
            con.execute(
                "create or replace temp table correspondance as "
                "select unnest(?) as ancien, unnest(?) as nouveau",
                [tous, [gardes[k % len(gardes)] for k in range(len(tous))]],
            )
            con.execute(
                "update qpv_commune set code_insee = ? where list_contains(?, code_qp)",
                [ville, gardes],
            )
            for requete in (
                "update beneficiaire set code_insee_residence = $ville "
                "where pre_id = $pre_id and code_insee_residence is not null",
                "update eps set code_insee = $ville where pre_id = $pre_id and code_insee is not null",
                "update fiche_action set code_insee = $ville "
                "where pre_id = $pre_id and code_insee is not null",
            ):
                con.execute(requete, {"ville": ville, "pre_id": pre_id})
            for requete in (
                "update beneficiaire b set code_qp = c.nouveau from correspondance c "
                "where b.code_qp = c.ancien and b.pre_id = $pre_id",
                "update eps e set code_qp = c.nouveau from correspondance c "
                "where e.code_qp = c.ancien and e.pre_id = $pre_id",
            ):
                con.execute(requete, {"pre_id": pre_id})
            con.execute(
                "delete from programme_commune where pre_id = ? and code_insee <> ?",
                [pre_id, ville],
            )
            con.execute(
                "delete from cite_educative_commune where list_contains(?, code_insee) "
                "and code_insee <> ?",
                [communes, ville],
            )
            con.execute(
                "delete from cite_educative_qpv where list_contains(?, code_qp) "
                "and not list_contains(?, code_qp)",
                [tous, gardes],
            )
    return pre_ids


def mesurer_communale(dossier: Path) -> dict:
    """The national path on the real geography: one programme per PRE of the ANCT list, each
    with its number of QPV, protected the way `protection.proteger` does (groups read here,
    worker processes computing); the wall clock scaled to the 530 programmes."""
    qpv = qpv_des_programmes()
    par_qpv = enfants_par_qpv(qpv)
    chemin = dossier / "communale.duckdb"
    debut = time.perf_counter()
    pre_ids = base_communale(chemin, qpv, par_qpv)
    construction_s = time.perf_counter() - debut
    mesure = mesurer_en_processus(chemin, pre_ids)
    lignes = []
    for n in sorted(set(qpv)):
        details = [
            mesure["programmes_detail"][p] for p, q in zip(pre_ids, qpv, strict=True) if q == n
        ]
        lignes.append(
            {
                "qpv": n,
                "enfants": max(20, round(par_qpv * n)),
                "programmes": len(details),
                "cellules": sum(c for c, _ in details) / len(details),
                "montrees": sum(m for _, m in details) / len(details),
            }
        )
    return {
        "lignes": lignes,
        "liste": len(qpv),
        "par_qpv": par_qpv,
        "construction_s": construction_s,
        "mesure": mesure,
        "mur_s": mesure["total_s"] * PROGRAMMES / len(qpv),
    }


def section_communale(c: dict) -> list[str]:
    """The lines of the real-geography measurement (`mesurer_communale`)."""
    mesure = c["mesure"]
    lignes = [
        "### National database with the real geography of the PRE",
        "",
        f"The ANCT list of the PRE by commune (January 2024, {c['liste']} programmes, "
        "`../shared/data/pre_communes_anct_2024`) names each programme by one commune; the QPV "
        "2024 by commune (`../shared/data/qpv2024_communes`) give it its number of QPV (1 when "
        "its code has none: Paris 10e, merged communes). One programme was generated for each "
        "PRE of the list (the demo generator's agglomeration gathered onto its ville-centre, at "
        f"most {QPV_TERRITOIRE} QPV), with the national 85,000 children a year shared out in "
        f"proportion to the programmes' QPV ({c['par_qpv']:.0f} children per QPV, at least 20 "
        f"per programme; built in {_s(c['construction_s'])}), and the whole database protected "
        "through the national path: groups of programmes of at most "
        f"{_n(protection.VOLUME_PAR_LOT)} views × parcours (`protection._lots`; here "
        f"{mesure['groupes']} groups of up to {mesure['par_groupe']} programmes) read by the "
        f"caller while {mesure['processus']} worker processes protect the groups read before. "
        "The sizes are an assumption: no public figure gives the children of each PRE.",
        "",
        "| QPV | children a year | programmes | cells per programme | shown |",
        "|---:|---:|---:|---:|---:|",
    ]
    for ligne in c["lignes"]:
        part = 100 * ligne["montrees"] / ligne["cellules"] if ligne["cellules"] else 0
        lignes.append(
            f"| {ligne['qpv']} | {_n(ligne['enfants'])} | {ligne['programmes']} | "
            f"{_n(ligne['cellules'])} | {part:.0f} % |"
        )
    lignes += [
        "",
        f"- The {c['liste']} programmes: {_s(mesure['total_s'])} of wall clock; reading the "
        f"views {_s(mesure['lecture_s'])} (in the caller, grouping included), computing "
        f"{_s(mesure['calcul_s'])} (sum over the groups, in the workers).",
        f"- Scaled to {PROGRAMMES} programmes: ≈ {_s(c['mur_s'])} (target "
        f"{OBJECTIF_NATIONAL_S // 60} minutes: "
        + ("met" if c["mur_s"] <= OBJECTIF_NATIONAL_S else "**not met**")
        + ").",
    ]
    return lignes


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def _s(x: float) -> str:
    return _n(x) + " s"


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--programmes", type=int, default=25)
    analyseur.add_argument("--sans-ecrire", action="store_true")
    options = analyseur.parse_args()
    # The national database of bench/national.py (built here when it is not there yet).
    nationale, _ = base_nationale(reutiliser=True)
    with duckdb.connect(str(nationale), read_only=True) as con:
        tous = catalogue.programmes(con)
    echantillon = tous[: options.programmes]
    charge_avant = os.getloadavg()[0]
    # The national sample first: the peak memory of this process and of its worker processes
    # is then the national path's alone (the demo is protected in this process, the real
    # geography's programmes in workers of their own).
    national = mesurer_en_processus(nationale, echantillon)
    memoire = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    memoire_processus = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    memoire_totale = memoire + national["processus"] * memoire_processus
    with tempfile.TemporaryDirectory() as dossier:
        demo = generer_base(Path(dossier) / "demo.duckdb", proteger=False)
        d = mesurer(demo, None)
        memoire_demo = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        c = mesurer_communale(Path(dossier))
    par_programme = national["total_s"] / national["programmes"]
    extrapole = par_programme * len(tous)
    texte = "\n".join(
        [
            DEBUT,
            "## Protection statistique à l'échelle nationale (bench/protection_nationale.py)",
            "",
            f"{time.strftime('%d/%m/%Y')} — {machine()}; load average {charge_avant:.1f} at "
            f"start → {os.getloadavg()[0]:.1f} at the end.",
            "",
            "| database | programmes protected | views | cells | reading the views | "
            "per-view pass + linear programs (sum over groups) | total (wall clock) "
            "| per programme |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| national ({len(tous)} programmes, first {national['programmes']}: "
            f"{national['groupes']} groups of up to {national['par_groupe']}, "
            f"{national['processus']} worker processes) | "
            f"{national['programmes']} | {_n(national['vues'])} | {_n(national['cellules'])} | "
            f"{_s(national['lecture_s'])} | {_s(national['calcul_s'])} | "
            f"{_s(national['total_s'])} | {_s(par_programme)} |",
            f"| demo (one process, {moteur.fils_de_protection()} threads) | 1 | "
            f"{_n(d['vues'])} | {_n(d['cellules'])} | {_s(d['collecte_s'])} | "
            f"{_s(d['calcul_s'])} | {_s(d['total_s'])} | {_s(d['total_s'])} |",
            "",
            f"- Demo programme: {_s(d['total_s'])} (target {OBJECTIF_DEMO_S} s: "
            + ("met" if d["total_s"] <= OBJECTIF_DEMO_S else "**not met**")
            + (
                f"); peak memory {_n(memoire_demo)} MiB."
                if memoire_demo > memoire
                else "); peak memory below the national sample's reading process."
            ),
            f"- National database of the generator ({PROGRAMMES} programmes expected, "
            f"{len(tous)} found; each the demo's agglomeration of 11 communes and 15 QPV with "
            f"{ENFANTS_PAR_AN // PROGRAMMES} children a year: the worst case, see below): the "
            "caller reads each group's views while worker processes protect the groups read "
            f"before (`protection.proteger`): ≈ {_s(extrapole)} implied by the sample (target "
            f"{OBJECTIF_NATIONAL_S // 60} minutes: "
            + ("met" if extrapole <= OBJECTIF_NATIONAL_S else "**not met**")
            + f"); peak memory {_n(memoire)} MiB in the reading process, "
            f"{_n(memoire_processus)} MiB in the largest worker, at most "
            f"{_n(memoire_totale)} MiB together (target 4 GiB: "
            + ("met" if memoire_totale <= 4096 else "**not met**")
            + ").",
            "",
            *section_communale(c),
            "",
            POURQUOI,
            FIN,
        ]
    )
    print(texte)
    if not options.sans_ecrire:
        rapport.ecrire(texte, DEBUT, FIN)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
