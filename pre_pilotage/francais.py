"""French place names in generated sentences: the right preposition and article, or none.

Commune names carry their own article (« Le Havre », « Les Mureaux », « La Rochelle »), which
contracts with « de » and « à » (« du Havre », « aux Mureaux ») and elides before a vowel
(« d'Anzin »). Cité éducative and quartier names are official labels, often a commune name
(« Bron », « Rennes Le Blosne »): they take the noun, never a bare article (« la Cité éducative
de Bron », « le quartier Le Blosne », never « la Bron »).
"""

from __future__ import annotations

import re
import unicodedata

from pre_pilotage import formats

_VOYELLE = re.compile(r"^[aeiouyœæ]", re.IGNORECASE)


def _sans_accents(texte: str) -> str:
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()


def _elision(mot: str) -> bool:
    # « H » is left alone: muet (Hérouville) and aspiré (Hem, Le Havre) cannot be told apart.
    return bool(_VOYELLE.match(_sans_accents(mot)))


def de(nom: str) -> str:
    """`Bron` -> `de Bron`, `Anzin` -> `d'Anzin`, `Le Havre` -> `du Havre`, `Les Mureaux` ->
    `des Mureaux`, `La Rochelle` -> `de La Rochelle`, `L'Haÿ-les-Roses` -> `de L'Haÿ-les-Roses`."""
    nom = nom.strip()
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    if _elision(nom) and not nom.startswith("L'"):
        return "d'" + nom
    return "de " + nom


def a(nom: str) -> str:
    """`Bron` -> `à Bron`, `Le Havre` -> `au Havre`, `Les Mureaux` -> `aux Mureaux`,
    `La Rochelle` -> `à La Rochelle`."""
    nom = nom.strip()
    if nom.startswith("Le "):
        return "au " + nom[3:]
    if nom.startswith("Les "):
        return "aux " + nom[4:]
    return "à " + nom


def cite_educative(nom: str) -> str:
    """The Cité's name as a feminine noun phrase without article, to follow « la », « de la »,
    « par la »: `Bron` -> `Cité éducative de Bron`, `Le Havre Nord` -> `Cité éducative du Havre
    Nord`; a name that already says « Cité éducative » is kept."""
    nom = " ".join(nom.split())
    if _sans_accents(nom).lower().startswith("cite educative"):
        return nom
    return "Cité éducative " + de(nom)


def quartier(nom: str) -> str:
    """`Le Blosne` -> `le quartier Le Blosne` (the official label is kept as it is written)."""
    nom = " ".join(nom.split())
    if _sans_accents(nom).lower().startswith("quartier "):
        return "le " + nom[0].lower() + nom[1:]
    return "le quartier " + nom


def accord(n, singulier: str, pluriel: str | None = None) -> str:
    """The noun phrase agreeing with `n` (French: 0 and 1 take the singular): `accord(3,
    "quartier prioritaire", "quartiers prioritaires")` -> `quartiers prioritaires`; without
    `pluriel`, each word of `singulier` takes an « s »."""
    if n is not None and abs(n) < 2:
        return singulier
    return pluriel or " ".join(mot + "s" for mot in singulier.split())


def effectif(n, singulier: str, pluriel: str | None = None) -> str:
    """`3 quartiers prioritaires`, `1 école`, `0 école` (never « école(s) »)."""
    return f"{formats.nombre(n)} {accord(n, singulier, pluriel)}"
