"""Benchmark of the Carte page's map: HTML size and build time for the whole demo territory.

    python bench/carte.py            (or `make bench`)

Builds the demo database in a temporary folder (same seed, so the same territory every time),
runs the map's queries through the masking choke point, builds the map at both simplification
levels and writes the figures into docs/performance.md, between the markers of its "Carte"
section (other sections of that file are left as they are).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench import rapport  # noqa: E402
from pre_pilotage import cartes  # noqa: E402
from pre_pilotage.db import ouvrir_lecture  # noqa: E402
from pre_pilotage.demo import generer_base  # noqa: E402
from pre_pilotage.requetes import executer  # noqa: E402

DEBUT, FIN = "<!-- carte:debut -->", "<!-- carte:fin -->"


def mesurer(con, pre_id: str, annee: int, niveau: str, repetitions: int) -> dict:
    territoire = {"pre_id": pre_id, "commune": None, "annee": annee}
    durees, html = [], ""
    for _ in range(repetitions):
        debut = time.perf_counter()
        qpv = executer(con, "carte_qpv", **territoire, geographie=2024, niveau=niveau)
        etablissements = executer(con, "carte_etablissements", **territoire)
        contours = executer(con, "carte_contours", pre_id=pre_id, niveau=niveau)
        cites = executer(con, "carte_cites", pre_id=pre_id, geographie=2024, niveau=niveau)
        carte = cartes.construire_carte(
            qpv, etablissements, contours, cites, "beneficiaires", annee=annee
        )
        html = cartes.html_carte(carte)
        durees.append(time.perf_counter() - debut)
    return {
        "octets": len(html.encode("utf-8")),
        "duree_ms": 1000 * statistics.median(durees),
        "qpv": qpv.height,
        "etablissements": etablissements.height,
        "communes": contours.filter(contours["nature"] == "commune").height,
    }


def section(resultats: dict[str, dict], annee: int) -> str:
    territoire = resultats["territoire"]
    lignes = [
        DEBUT,
        "## Carte",
        "",
        f"Whole demo territory ({territoire['communes']} communes, {territoire['qpv']} QPV, "
        f"{territoire['etablissements']} schools, 2 Cités éducatives), year {annee}, measured by "
        "`make bench` (`bench/carte.py`): the map's queries (masking included), the folium map "
        "and its rendering to one standalone HTML page.",
        "",
        "| geometry level | HTML size | build and render time (median of 5) |",
        "|---|---|---|",
    ]
    for niveau, libelle in (("territoire", "territory (10 m)"), ("national", "national (100 m)")):
        r = resultats[niveau]
        lignes.append(f"| {libelle} | {r['octets'] / 1024:,.1f} KiB | {r['duree_ms']:,.0f} ms |")
    lignes += [
        "",
        "The page draws the territory level. The map is cached per territory, year, measure and "
        "layers (`st.cache_data` on the masked frames), and `st_folium` returns only the last "
        "clicked feature, so panning or zooming never reruns the page.",
        FIN,
    ]
    return "\n".join(lignes)


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--repetitions", type=int, default=5)
    analyseur.add_argument("--sans-ecrire", action="store_true", help="print only")
    arguments = analyseur.parse_args()
    with tempfile.TemporaryDirectory() as dossier:
        base = generer_base(Path(dossier) / "demo.duckdb")
        con = ouvrir_lecture(base)
        annee = con.execute("select max(annee) from fiche_action").fetchone()[0]
        pre_id = con.execute("select min(pre_id) from programme").fetchone()[0]
        resultats = {
            niveau: mesurer(con, pre_id, annee, niveau, arguments.repetitions)
            for niveau in ("territoire", "national")
        }
        con.close()
    texte = section(resultats, annee)
    print(texte)
    if not arguments.sans_ecrire:
        rapport.ecrire(texte, DEBUT, FIN)
        print(f"\nÉcrit dans {rapport.RAPPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
