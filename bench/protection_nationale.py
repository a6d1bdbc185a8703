"""Whole-database protection at national scale: a sample of programmes of the national database.

    python bench/protection_nationale.py [--programmes 10]     (run by `make bench`)

Protects (collect every view, per-view pass, per-year linear programs in threads; nothing
written) the first N programmes of data/bench/national.duckdb (built by bench/national.py, which
`make bench` runs first) as one group, the way `protection.proteger` does group by group, then
the demo database's one programme for comparison, in one run. Reports the time per programme,
the national time it implies (530 programmes, groups of `PROGRAMMES_PAR_LOT`), the peak memory,
and writes its section of docs/performance.md. Machines here are shared: compare the ratios.
"""

from __future__ import annotations

import argparse
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
from bench.national import DOSSIER_BANC, PROGRAMMES, machine  # noqa: E402
from pre_pilotage import protection  # noqa: E402
from pre_pilotage.demo import generer_base  # noqa: E402
from pre_pilotage.protection import catalogue, moteur  # noqa: E402

DEBUT, FIN = "<!-- protection-nationale:debut -->", "<!-- protection-nationale:fin -->"
OBJECTIF_NATIONAL_S = 15 * 60
OBJECTIF_DEMO_S = 30
# Measured apart on 01/12/2026 (one national programme, 2 cores, calm machine); not rewritten
# by this script.
POURQUOI = (
    "Where a national programme's time goes (measured apart on 01/12/2026, one programme, one "
    "thread): collecting its views about 3 s, the per-view pass about 2.5 s, the linear "
    "programs about 10 s. A programme has one model per year of about 470 record classes and "
    "1,070 rows (cells and identities); about 70 % of its cells are small counts, so about "
    "3,800 solves (minimum and maximum of each cell not proven by the optima already met), of "
    "about 55 primal simplex iterations each at about 40 µs, plus about 0.5 ms per call. Tried "
    "on the same models without gain: dual simplex from the previous basis (60 times slower "
    "on the audit's model), presolve with a cold start (40 times slower), interior point (10 "
    "times slower), the primal simplex's Dantzig, Devex or steepest-edge pricing (same to 3 "
    "times slower), no scaling, another price strategy (same); skipping a minimisation "
    "whose bound an optimum already met reaches (23 % fewer solves, same time: the next solve "
    "starts further away). What is left to try: worker processes per group of programmes (at "
    "most twice as fast on 2 cores) and a cheaper certificate per cell."
)


def mesurer(chemin: Path, pre_ids: list[str] | None) -> dict:
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


def _n(x: float) -> str:
    return f"{x:,.0f}".replace(",", "\u202f")


def _s(x: float) -> str:
    return _n(x) + " s"


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--programmes", type=int, default=10)
    analyseur.add_argument("--sans-ecrire", action="store_true")
    options = analyseur.parse_args()
    nationale = DOSSIER_BANC / "national.duckdb"
    if not nationale.exists():
        print(f"{nationale} absent : lancez d'abord bench/national.py (make bench le fait).")
        return 1
    with duckdb.connect(str(nationale), read_only=True) as con:
        tous = catalogue.programmes(con)
    echantillon = tous[: options.programmes]
    charge_avant = os.getloadavg()[0]
    national = mesurer(nationale, echantillon)
    with tempfile.TemporaryDirectory() as dossier:
        demo = generer_base(Path(dossier) / "demo.duckdb", proteger=False)
        d = mesurer(demo, None)
    memoire = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    par_programme = national["total_s"] / national["programmes"]
    extrapole = par_programme * len(tous)
    fils = moteur.fils_de_protection()
    texte = "\n".join(
        [
            DEBUT,
            "## Protection statistique à l'échelle nationale (bench/protection_nationale.py)",
            "",
            f"{time.strftime('%d/%m/%Y')} — {machine()}; {fils} threads "
            f"(`PRE_PROTECTION_FILS`), load average {charge_avant:.1f} at start "
            f"→ {os.getloadavg()[0]:.1f} at the end.",
            "",
            "| database | programmes protected | views | cells | collect | per-view pass + "
            "linear programs | total | per programme |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| national ({len(tous)} programmes, first {national['programmes']}) | "
            f"{national['programmes']} | {_n(national['vues'])} | {_n(national['cellules'])} | "
            f"{_s(national['collecte_s'])} | {_s(national['calcul_s'])} | "
            f"{_s(national['total_s'])} | {_s(par_programme)} |",
            f"| demo | 1 | {_n(d['vues'])} | {_n(d['cellules'])} | {_s(d['collecte_s'])} | "
            f"{_s(d['calcul_s'])} | {_s(d['total_s'])} | {_s(d['total_s'])} |",
            "",
            f"- Demo programme: {_s(d['total_s'])} (target {OBJECTIF_DEMO_S} s: "
            + ("met" if d["total_s"] <= OBJECTIF_DEMO_S else "**not met**")
            + ").",
            f"- National database ({PROGRAMMES} programmes expected, {len(tous)} found), "
            f"by groups of {protection.PROGRAMMES_PAR_LOT}: ≈ {_s(extrapole)} implied by the "
            f"sample (target {OBJECTIF_NATIONAL_S // 60} minutes: "
            + ("met" if extrapole <= OBJECTIF_NATIONAL_S else "**not met**")
            + f"); peak memory of this run {_n(memoire)} MiB.",
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
