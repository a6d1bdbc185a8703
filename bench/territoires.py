"""Benchmark of the « Territoires » page on the real national files: reference build, map HTML size,
map drawing time in Chromium, page rerun time (server side) for France, a région, the Nord, a DROM.

    python bench/territoires.py [--dossier ../shared/data]      (or `make bench`)

The reference is built from the official files of `--dossier` (../shared/data by default) into a
temporary file; the page runs through AppTest on the demo database (built in a temporary folder).
The figures go into docs/performance.md, between the markers of its "Territoires" section.
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
from pre_pilotage import carte_territoires, territoires  # noqa: E402
from pre_pilotage.geographie import nationale  # noqa: E402

DEBUT, FIN = "<!-- territoires:debut -->", "<!-- territoires:fin -->"
VUES = {
    "FR": "France",
    "R32": "Hauts-de-France",
    "D59": "Nord (59)",
    "D974": "La Réunion (974)",
}
CHROMIUM = Path(os.environ.get("PRE_CHROMIUM", "/usr/bin/chromium"))


def dessin_ms(html: str, dossier: Path, repetitions: int) -> float:
    """Median time from navigation to the map drawn (two animation frames after the load)."""
    from playwright.sync_api import sync_playwright

    leaflet = (RACINE / "static" / "leaflet").as_uri()
    fichier = dossier / "carte.html"
    fichier.write_text(html.replace("/app/static/leaflet", leaflet), encoding="utf-8")
    durees = []
    with sync_playwright() as p:
        navigateur = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        for _ in range(repetitions):
            page = navigateur.new_page(viewport={"width": 700, "height": 620})
            page.goto(fichier.as_uri())
            durees.append(
                page.evaluate(
                    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                    "() => r(performance.now()))))"
                )
            )
            assert page.locator("canvas").count() >= 1
            page.close()
        navigateur.close()
    return statistics.median(durees)


def rerun_ms(base: Path, reference: Path, code: str, repetitions: int) -> tuple[float, float]:
    """(first run, median rerun) of the page in ms, server side, through AppTest."""
    from streamlit.testing.v1 import AppTest

    from pre_pilotage.administration import Utilisateur

    os.environ["PRE_BASE"] = str(base)
    os.environ["PRE_TERRITOIRES"] = str(reference)
    at = AppTest.from_file(str(RACINE / "app.py"), default_timeout=300)
    at.session_state["utilisateur"] = Utilisateur("bench", "Banc d'essai", "lecture")
    at.query_params["territoire"] = code
    at.run()
    debut = time.perf_counter()
    at.switch_page("pages/territoires.py").run()
    premier = 1000 * (time.perf_counter() - debut)
    assert not at.exception, at.exception
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        at.run()
        durees.append(1000 * (time.perf_counter() - debut))
    return premier, statistics.median(durees)


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--dossier", type=Path, default=RACINE.parent / "shared" / "data")
    analyseur.add_argument("--repetitions", type=int, default=5)
    analyseur.add_argument("--base", type=Path, default=None, help="base DuckDB (démo sinon)")
    analyseur.add_argument("--sans-ecrire", action="store_true", help="print only")
    arguments = analyseur.parse_args()
    with tempfile.TemporaryDirectory() as temporaire:
        dossier = Path(temporaire)
        reference = dossier / "territoires.duckdb"
        debut = time.perf_counter()
        nationale.ecrire(nationale.construire(nationale.trouver(arguments.dossier)), reference)
        construction_s = time.perf_counter() - debut
        tables = nationale.lire(reference)
        if arguments.base is None:
            from pre_pilotage.demo import generer_base

            base = generer_base(dossier / "demo.duckdb")
        else:
            base = arguments.base
        lignes = []
        for code, libelle in VUES.items():
            vue = territoires.selectionner(tables, code)
            durees, html = [], ""
            for _ in range(arguments.repetitions):
                debut = time.perf_counter()
                html = carte_territoires.construire_carte(vue).get_root().render()
                durees.append(1000 * (time.perf_counter() - debut))
            premier, rerun = rerun_ms(base, reference, code, arguments.repetitions)
            lignes.append(
                f"| {libelle} | {vue.pre.height} | {vue.qpv.height} | {vue.ecoles.height} | "
                f"{len(html.encode()) / 1024:,.0f} KiB | {statistics.median(durees):,.0f} ms | "
                f"{dessin_ms(html, dossier, arguments.repetitions):,.0f} ms | {premier:,.0f} ms | "
                f"{rerun:,.0f} ms |"
            )
            print(lignes[-1], flush=True)
    texte = "\n".join(
        [
            DEBUT,
            "## Territoires",
            "",
            "National reference built from the real files of `../shared/data` (ANCT list of "
            "PRE, 1,609 QPV 2024, 8,501 rows of `fr-en-etablissements-ep`, 208 Cités "
            f"éducatives) in {construction_s:,.1f} s; measured by `make bench` "
            "(`bench/territoires.py`). Map: the standalone HTML page (Leaflet served locally) and "
            "its drawing in Debian's Chromium (navigation to two animation frames after load, "
            "700 × 620 px); page: AppTest on the demo database, first run of the page (reference "
            "read, map built and cached) and median rerun (server time). Medians of "
            f"{arguments.repetitions}.",
            "",
            "| view | PRE communes | QPV | REP/REP+ schools | map HTML | map build | map drawn "
            "| page, first run | page rerun |",
            "|---|---|---|---|---|---|---|---|---|",
            *lignes,
            "",
            "France and régions draw points (QPV at a point inside their contour, each REP/REP+ "
            "network at its collège tête de réseau, PRE communes, Cités); a département draws "
            "its QPV contours (simplified at about 30 m once, at build time) and every REP/REP+ "
            "school. All layers are arrays drawn by Leaflet on one canvas.",
            FIN,
        ]
    )
    print(texte)
    if not arguments.sans_ecrire:
        rapport.ecrire(texte, DEBUT, FIN)
        print(f"\nÉcrit dans {rapport.RAPPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
