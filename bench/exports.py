"""Benchmark of chart exports: 10 charts in a row through the one warm Chromium of `rendu`.

    python bench/exports.py            (or `make bench`)

Builds the demo database in a temporary folder (same seed, so the same figures every time),
builds 10 charts of the pages from masked query results, then exports them as the « Exporter »
menus do (caption, PNG at 300 dpi, SVG, PDF): the first export pays for starting Chromium, the
next ones reuse it. Writes the figures into docs/performance.md, between the markers of its
"Exports" section (other sections of that file are left as they are).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench import rapport  # noqa: E402
from pre_pilotage import exports, graphiques, rendu  # noqa: E402
from pre_pilotage.db import ouvrir_lecture  # noqa: E402
from pre_pilotage.demo import generer_base  # noqa: E402
from pre_pilotage.requetes import executer  # noqa: E402

DEBUT, FIN = "<!-- exports:debut -->", "<!-- exports:fin -->"


def graphiques_du_demo(con, pre_id: str, annee: int) -> list:
    """Ten charts of the Synthèse, Publics and Budgets pages, as the pages build them."""
    territoire = {"pre_id": pre_id, "commune": None, "qpv": None, "annee": annee}
    sans_annee = {"pre_id": pre_id, "commune": None, "qpv": None}

    def run(nom, **parametres):
        return executer(con, nom, 11, **parametres)

    thematiques = run("budget_par_thematique", **territoire)
    return [
        graphiques.beneficiaires_par_annee(run("beneficiaires_par_annee", **sans_annee)),
        graphiques.tranches_age(run("beneficiaires_par_tranche_age", **territoire)),
        graphiques.budget_par_financeur(run("budget_par_financeur", **territoire)),
        graphiques.repartition(run("publics_par_sexe", **territoire), annee),
        graphiques.repartition(run("publics_motifs_orientation", **territoire), annee, "parcours"),
        graphiques.repartition(run("publics_par_orienteur", **territoire), annee, "parcours"),
        graphiques.execution_par_financeur(run("budget_execution_par_financeur", **territoire)),
        graphiques.budget_par_thematique(thematiques, annee),
        graphiques.cout_par_beneficiaire_thematique(thematiques),
        graphiques.evolution_budget(run("budget_par_annee", **sans_annee)),
    ]


LEGENDE = exports.Legende(
    "Graphique de démonstration – Agglomération, 2025",
    "Agglomération",
    "2025",
    "données du programme",
    "2025-12-31",
    exports.note_secret(11),
)


def demarrer(figure) -> float:
    """The first export of the process: it starts Chromium."""
    debut = time.perf_counter()
    exports.graphique(figure, LEGENDE, "svg")
    return time.perf_counter() - debut


def mesurer(figures: list, format_: str, series: int) -> dict:
    """`series` runs of the 10 exports in a row: median total and median export."""
    totaux, durees = [], []
    for _ in range(series):
        debut_serie = time.perf_counter()
        for figure in figures:
            debut = time.perf_counter()
            assert exports.graphique(figure, LEGENDE, format_), "export vide"
            durees.append(time.perf_counter() - debut)
        totaux.append(time.perf_counter() - debut_serie)
    return {"total": statistics.median(totaux), "unite": statistics.median(durees)}


def section(demarrage: float, resultats: dict[str, dict], demarrages: int, series: int) -> str:
    exports_faits = 1 + 3 * 10 * series
    lignes = [
        DEBUT,
        "## Exports",
        "",
        "Ten charts of the Synthèse, Publics and Budgets pages (demo database), exported one after "
        "the other with their caption, as the « Exporter » menus do, measured by `make bench` "
        "(`bench/exports.py`; median of "
        f"{series} series, machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "cores). One Chromium (kaleido) is started at the first export and reused by all the "
        f"others: {demarrages} browser start(s) for {exports_faits} exports. Starting it took "
        f"{demarrage:.1f} s.",
        "",
        "| format | one export (median) | 10 charts in a row |",
        "|---|---|---|",
    ]
    for format_, libelle in (
        ("png", "PNG, 300 dpi, 16 cm wide"),
        ("svg", "SVG"),
        ("pdf", "PDF"),
    ):
        r = resultats[format_]
        lignes.append(f"| {libelle} | {1000 * r['unite']:,.0f} ms | {r['total']:.1f} s |")
    lignes += [
        "",
        "A page renders no image until a download button is clicked (`st.download_button` with "
        "a callable), so exports cost nothing on ordinary reruns.",
        FIN,
    ]
    return "\n".join(lignes)


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--series", type=int, default=3)
    analyseur.add_argument("--sans-ecrire", action="store_true", help="print only")
    arguments = analyseur.parse_args()
    with tempfile.TemporaryDirectory() as dossier:
        base = generer_base(Path(dossier) / "demo.duckdb")
        con = ouvrir_lecture(base)
        annee = con.execute("select max(annee) from fiche_action").fetchone()[0]
        pre_id = con.execute("select min(pre_id) from programme").fetchone()[0]
        figures = graphiques_du_demo(con, pre_id, annee)
        con.close()
    rendu.arreter()
    demarrage = demarrer(figures[0])
    resultats = {f: mesurer(figures, f, arguments.series) for f in ("png", "svg", "pdf")}
    demarrages = rendu.demarrages()
    rendu.arreter()
    texte = section(demarrage, resultats, demarrages, arguments.series)
    print(texte)
    if not arguments.sans_ecrire:
        rapport.ecrire(texte, DEBUT, FIN)
        print(f"\nÉcrit dans {rapport.RAPPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
