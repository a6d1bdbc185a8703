"""Statistical protection benchmark and audit: docs/secret-statistique.md.

Builds the fixture and the demo databases, times the whole-database protection of each (on this
machine, two cores), audits each by linear programming (the fixture fully; the demo fully unless
`--echantillon N`), and writes the report with the machine and the timings. Not part of
`make test` (the tests audit the fixture fully and the demo on a sample).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import duckdb

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from pre_pilotage import protection  # noqa: E402
from pre_pilotage.demo import generer_base  # noqa: E402
from pre_pilotage.protection import audit  # noqa: E402
from tests import fixture_base  # noqa: E402


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__)
    analyseur.add_argument("--echantillon", type=int, default=None)
    analyseur.add_argument("--sortie", type=Path, default=RACINE / "docs/secret-statistique.md")
    options = analyseur.parse_args()
    audits: dict[str, audit.Audit] = {}
    durees: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as dossier:
        fixture = fixture_base.construire(Path(dossier) / "fixture.duckdb")
        demo = generer_base(Path(dossier) / "demo.duckdb", proteger=False)
        for nom, chemin, echantillon in (
            ("Fixture database (tests/fixture_base.py)", fixture, None),
            ("Demo database (python -m pre_pilotage demo)", demo, options.echantillon),
        ):
            debut = time.perf_counter()
            protection.proteger_fichier(chemin, [11])
            durees[nom] = time.perf_counter() - debut
            with duckdb.connect(str(chemin), read_only=True) as con:
                # A sample is audited on the linear relaxation only (quick); the whole base
                # also checks narrow ranges with integer variables.
                audits[nom] = audit.auditer(
                    con,
                    11,
                    echantillon=echantillon,
                    graine=18,
                    entiers=echantillon is None,
                    budget_entiers=audit.BUDGET_ENTIERS,
                )
            print(f"{nom}: protection {durees[nom]:.0f} s, audit {audits[nom].secondes:.0f} s")
    texte = audit.rapport(audits, "make bench (bench/secret.py)")
    machine = (
        f"\n## Timings\n\nMachine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}.\n\n"
        "| database | protection (collect every view, per-view pass, linear programs, store) |\n"
        "|---|---:|\n" + "".join(f"| {nom} | {duree:.0f} s |\n" for nom, duree in durees.items())
    )
    options.sortie.write_text(texte + machine, encoding="utf-8")
    print(f"Écrit : {options.sortie}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
