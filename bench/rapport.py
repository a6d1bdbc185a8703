"""docs/performance.md is shared by the benchmark scripts: each writes its own section, between
its HTML comment markers, and leaves the others as they are."""

from __future__ import annotations

from pre_pilotage import config

RAPPORT = config.DOSSIER_DOCS / "performance.md"


def ecrire(texte: str, debut: str, fin: str) -> None:
    """Replace the section between `debut` and `fin` (markers included in `texte`), or append it."""
    existant = RAPPORT.read_text(encoding="utf-8") if RAPPORT.exists() else "# Performance\n"
    if debut in existant and fin in existant:
        avant, reste = existant.split(debut, 1)
        nouveau = avant + texte + reste.split(fin, 1)[1]
    else:
        nouveau = existant.rstrip("\n") + "\n\n" + texte + "\n"
    RAPPORT.write_text(nouveau, encoding="utf-8")
