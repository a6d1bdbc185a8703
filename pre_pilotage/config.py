"""Runtime settings, read from the environment (Streamlit secrets are not needed for these)."""

from __future__ import annotations

import os
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_REQUETES = RACINE / "queries"
DOSSIER_DOCS = RACINE / "docs"
BASE_PAR_DEFAUT = RACINE / "data" / "pre_demo.duckdb"

SEUIL_PAR_DEFAUT = 11


def chemin_base() -> Path:
    """DuckDB file the app reads; PRE_BASE overrides the demo database."""
    return Path(os.environ.get("PRE_BASE", str(BASE_PAR_DEFAUT)))


def seuil_secret() -> int:
    """Confidentiality threshold: counts strictly below it are masked."""
    brut = os.environ.get("PRE_SEUIL_SECRET", str(SEUIL_PAR_DEFAUT))
    try:
        seuil = int(brut)
    except ValueError as exc:
        raise ValueError(
            f"PRE_SEUIL_SECRET doit être un nombre entier (valeur reçue : « {brut} »)."
        ) from exc
    if seuil < 5:
        raise ValueError(
            f"PRE_SEUIL_SECRET doit valoir au moins 5 (valeur reçue : {seuil}) : "
            "un seuil plus bas ne protège pas les familles."
        )
    return seuil


def fond_de_carte_ign() -> bool:
    """Whether maps draw the IGN Plan background (internet tiles): off unless PRE_FOND_IGN=oui."""
    return os.environ.get("PRE_FOND_IGN", "non").strip().lower() in ("oui", "1", "true")
