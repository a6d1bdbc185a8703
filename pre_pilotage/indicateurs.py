"""Indicator registry, read from docs/indicateurs.md: an indicator without a definition cannot be shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pre_pilotage import config

FICHIER_DEFINITIONS = config.DOSSIER_DOCS / "indicateurs.md"
_TITRE = re.compile(r"^### (.+)$")
_CHAMP = re.compile(r"^- \*\*(.+?)\*\* : (.+)$")
CHAMPS_OBLIGATOIRES = ("Code", "Unité", "Définition", "Formule", "Période", "Masquage")


@dataclass(frozen=True)
class Indicateur:
    code: str
    libelle: str
    unite: str
    definition: str
    formule: str
    periode: str
    masquage: str
    reference_nationale: str | None
    # Why a card shows « – » (no value, not a masked one), e.g. « aucun budget programmé cette
    # année » for a share of the budget: said under the card.
    sans_valeur: str | None = None


@cache
def definitions(fichier: Path = FICHIER_DEFINITIONS) -> dict[str, Indicateur]:
    """Every indicator defined in the documentation, by code."""
    sections: list[tuple[str, dict[str, str]]] = []
    for ligne in fichier.read_text(encoding="utf-8").splitlines():
        if titre := _TITRE.match(ligne):
            sections.append((titre.group(1).strip(), {}))
        elif (champ := _CHAMP.match(ligne)) and sections:
            sections[-1][1][champ.group(1)] = champ.group(2).strip()
    registre = {}
    for libelle, champs in sections:
        manquants = [c for c in CHAMPS_OBLIGATOIRES if c not in champs]
        if manquants:
            raise ValueError(f"{fichier.name}, « {libelle} » : champs manquants {manquants}")
        code = champs["Code"].strip("`")
        if code in registre:
            raise ValueError(f"{fichier.name} : code d'indicateur en double « {code} »")
        registre[code] = Indicateur(
            code=code,
            libelle=libelle,
            unite=champs["Unité"],
            definition=champs["Définition"],
            formule=champs["Formule"],
            periode=champs["Période"],
            masquage=champs["Masquage"],
            reference_nationale=champs.get("Référence nationale"),
            sans_valeur=champs.get("Sans valeur"),
        )
    return registre


def indicateur(code: str) -> Indicateur:
    try:
        return definitions()[code]
    except KeyError:
        raise KeyError(f"Indicateur « {code} » sans définition dans docs/indicateurs.md") from None
