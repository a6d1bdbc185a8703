"""Reference geography from the official files: communes, EPCI, QPV, schools, Cités éducatives.

    python -m pre_pilotage geographie --epci 245901160

reads the files (geodata/sources/, or downloaded from the addresses of geodata/sources.toml),
validates and repairs geometry, reprojects it to WGS84, simplifies it at two levels, computes the
derived facts (schools inside or near a QPV, QPV ↔ REP/REP+ schools, Cités éducatives' QPV and
schools) and replaces the territory's rows in the DuckDB database in one transaction.
File formats and recognised property names: docs/geographie.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from pre_pilotage.db import migrer
from pre_pilotage.geographie.construction import (
    OBLIGATOIRES,
    TYPES_FICHIERS,
    Geographie,
    RemplacementAConfirmer,
    completer,
    construire,
    ecrire,
    lignes_tables,
    resume,
)
from pre_pilotage.geographie.lecture import ErreurGeographie

__all__ = [
    "OBLIGATOIRES",
    "TYPES_FICHIERS",
    "RemplacementAConfirmer",
    "ErreurGeographie",
    "Geographie",
    "completer",
    "construire",
    "construire_base",
    "ecrire",
    "lignes_tables",
    "resume",
]


def construire_base(
    chemin_base: Path,
    fichiers: dict[str, list[Path]],
    siren: str | None = None,
    communes: list[str] | None = None,
    annonce: Callable[[str], None] = lambda _message: None,
    remplacer: bool = False,
) -> Geographie:
    """Build the geography, then write it into the database (created if absent).

    Files are all read and checked before the database is opened: a bad file leaves it as it was.
    Quartiers, schools or Cités already in the base that the new build lacks are removed only
    with `remplacer` (else `RemplacementAConfirmer` says which, and nothing changes).
    """
    geo = construire(fichiers, siren=siren, communes=communes, annonce=annonce)
    chemin_base = Path(chemin_base)
    chemin_base.parent.mkdir(parents=True, exist_ok=True)
    annonce(f"Écriture dans {chemin_base}")
    try:
        with duckdb.connect(str(chemin_base)) as con:
            migrer(con)
            ecrire(con, geo, remplacer=remplacer)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise ErreurGeographie(
                f"La base {chemin_base} ne peut pas être ouverte en écriture (droits, disque "
                "plein, fichier qui n'est pas une base DuckDB ?)"
            ) from exc
        # (Imported here: the importer's package is heavier than the geography's.)
        from pre_pilotage.importation import message_base_occupee

        raise ErreurGeographie(
            message_base_occupee(chemin_base, exc, dans_l_application=False)
        ) from exc
    return geo
