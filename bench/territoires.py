"""Benchmark of the « Territoires » page on the real national files: reference build, map HTML size,
map drawing time in Chromium, page rerun time (server side) for France, a région, the Nord, a DROM.

    python bench/territoires.py [--dossier ../shared/data]      (or `make bench`)

The reference is built from the official files of `--dossier` (../shared/data by default) into a
temporary file; the page runs through AppTest on the demo database (built in a temporary folder).
The figures go into docs/performance.md, between the markers of its "Territoires" section.

`--agregats-seulement`: only the figures across programmes (the page's « Programmes dont les
données sont dans l'outil » section) on the national benchmark database of bench/national.py
(530 programmes), written to their own section.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
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
DEBUT_AGREGATS, FIN_AGREGATS = (
    "<!-- territoires-agregats:debut -->",
    "<!-- territoires-agregats:fin -->",
)
# Views of the whole-database protection of the demo programme (docs/secret-statistique.md):
# the national database would store about this many per programme.
VUES_PAR_PROGRAMME = 3_874
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


def base_agregats(dossier: Path) -> tuple[Path, float]:
    """A copy of the national benchmark database with stand-in protected cells; (path, seconds).

    bench/national.py builds it without protection (the whole-database protection of 530
    programmes is beyond a benchmark's time). The page reads two stored views per programme
    and year (`agregats.PROGRAMME`, `agregats.EQUIPE`): they are stored here as the per-query
    masking gives them (`requetes.executer`, same columns and tokens as the protection's frames),
    with filler rows for every other view (VUES_PAR_PROGRAMME per programme), so that the
    statement scans a `secret_vue` of the national size, and a `secret_protection` row whose
    fingerprints match, so that the page shows the figures. Timing only: not a protection.
    """
    import duckdb

    from bench import national
    from pre_pilotage import agregats, protection, requetes
    from pre_pilotage.protection.catalogue import cle_parametres

    source, _ = national.base_nationale(reutiliser=True)
    copie = dossier / "national-agregats.duckdb"
    shutil.copy(source, copie)
    debut = time.perf_counter()
    seuil = protection.SEUIL_LECTURE
    with duckdb.connect(str(copie)) as con:
        lignes = []
        for (pre_id,) in con.execute("select pre_id from programme order by pre_id").fetchall():
            for annee in requetes.executer(con, "annees_disponibles", seuil, pre_id=pre_id)[
                "annee"
            ]:
                for nom, params in (
                    (agregats.PROGRAMME, agregats._parametres_programme(pre_id, int(annee))),
                    (agregats.EQUIPE, {"pre_id": pre_id, "annee": int(annee)}),
                ):
                    tampon = io.BytesIO()
                    requetes.executer(con, nom, seuil, **params).write_ipc_stream(tampon)
                    lignes.append((seuil, nom, cle_parametres(params), tampon.getvalue(), pre_id))
        programmes = con.execute("select count(*) from programme").fetchone()[0]
        con.execute("delete from secret_vue")
        con.execute("delete from secret_protection")
        con.executemany("insert into secret_vue values (?, ?, ?, ?, ?)", lignes)
        con.execute(
            "insert into secret_vue select ?, 'vue_de_remplissage', '[[\"n\", ' || i || ']]',"
            " '\\x00'::blob, null from range(?) as t(i)",
            [seuil, programmes * VUES_PAR_PROGRAMME - len(lignes)],
        )
        con.execute(
            "insert into secret_protection values (?, ?, ?, ?, now(), 0, ?, ?, 0, 0, 0)",
            [
                seuil,
                protection.VERSION,
                protection.empreinte_regles(seuil),
                protection.empreinte_donnees(con),
                protection.valeurs_min(),
                programmes * VUES_PAR_PROGRAMME,
            ],
        )
        con.execute("checkpoint")
    return copie, time.perf_counter() - debut


def mesurer_agregats(dossier: Path, reference: Path, repetitions: int) -> str:
    """The page with the figures across programmes on the national benchmark database."""
    base, preparation_s = base_agregats(dossier)
    lignes = []
    for code, libelle in (("FR", "France (530 programmes)"), ("D59", "Nord (59)")):
        premier, rerun = rerun_ms(base, reference, code, repetitions)
        lignes.append(f"| {libelle} | {premier:,.0f} ms | {rerun:,.0f} ms |")
        print(lignes[-1], flush=True)
    return "\n".join(
        [
            DEBUT_AGREGATS,
            "### Territoires: figures across programmes",
            "",
            "The « Programmes dont les données sont dans l'outil » section of the Territoires "
            "page on the national benchmark database (`bench/national.py`, 530 programmes, "
            "85,000 children a year), measured by `bench/territoires.py --agregats-seulement` "
            "(also run by `make bench`). That database is built without the whole-database "
            "protection (beyond a benchmark's time at this size), so the two stored views the "
            "section reads per programme and year were written in "
            f"{preparation_s:,.0f} s from the per-query masking, beside "
            f"{VUES_PAR_PROGRAMME:,} filler views per programme (the demo programme's count), "
            "for a `secret_vue` table of the national size. The section reads every programme's "
            "cells of a year in one statement, cached by the protection's data fingerprint; a "
            "rerun reads one row (the fingerprint) and filters the cached frame. The national "
            "database's programmes have fictional communes: they are all in « France entière » "
            "and none in the Nord, whose figures show the page without programme. AppTest, "
            f"lecture account, first run of the page and median of {repetitions} reruns "
            "(server time, target ≤ 1 s).",
            "",
            "| view | page, first run | page rerun |",
            "|---|---|---|",
            *lignes,
            FIN_AGREGATS,
        ]
    )


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--dossier", type=Path, default=RACINE.parent / "shared" / "data")
    analyseur.add_argument("--repetitions", type=int, default=5)
    analyseur.add_argument("--base", type=Path, default=None, help="base DuckDB (démo sinon)")
    analyseur.add_argument("--sans-ecrire", action="store_true", help="print only")
    analyseur.add_argument(
        "--agregats-seulement",
        action="store_true",
        help="only the figures across programmes (national benchmark database)",
    )
    arguments = analyseur.parse_args()
    if arguments.agregats_seulement:
        with tempfile.TemporaryDirectory() as temporaire:
            reference = Path(temporaire) / "territoires.duckdb"
            nationale.ecrire(nationale.construire(nationale.trouver(arguments.dossier)), reference)
            texte = mesurer_agregats(Path(temporaire), reference, arguments.repetitions)
        print(texte)
        if not arguments.sans_ecrire:
            rapport.ecrire(texte, DEBUT_AGREGATS, FIN_AGREGATS)
        return 0
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
        agregats_texte = mesurer_agregats(dossier, reference, arguments.repetitions)
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
    print(agregats_texte)
    if not arguments.sans_ecrire:
        rapport.ecrire(texte, DEBUT, FIN)
        rapport.ecrire(agregats_texte, DEBUT_AGREGATS, FIN_AGREGATS)
        print(f"\nÉcrit dans {rapport.RAPPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
