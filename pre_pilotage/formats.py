"""French number, money, percentage and date formats (`1 234,5`, `12,3 %`, `23/11/2026`)."""

from __future__ import annotations

import datetime as dt
import math
import re

# Narrow no-break space, the French thousands separator; a no-break space before units.
ESPACE_MILLIERS = "\u202f"
ESPACE_UNITE = "\u00a0"
VIDE = "–"


# A name from a data file (« [lien](http://…) », « ![image](…) », « **gras** », « :red[…] »,
# « $…$ », « <a> ») must show as the text it is inside Markdown: the characters that make markup
# are backslash-escaped (CommonMark), and so is what would open a list or a quote at the start.
# GFM also turns bare addresses (« https://… », « www.… », « nom@domaine.fr ») into links in the
# parsed text, whatever the escapes: a word joiner (U+2060, invisible, not read aloud) breaks them.
_MARQUES = re.compile(r"[\\`*_\[\](){}<>#!|~$&:]")
_DEBUT_DE_BLOC = re.compile(r"^([-+=>])|^(\d+)([.)])")
_ADRESSES = ((re.compile(r"//"), "/\u2060/"), (re.compile(r"(?i)(www)\."), "\\1\u2060."))


def texte_md(valeur) -> str:
    """Data text (a name, a title, a sentence with names) made safe to put inside Markdown."""
    # Line breaks would end the paragraph or the list item: ASCII spaces only (no-break spaces
    # of French numbers stay).
    texte = re.sub(r"[ \t\r\n\f\v]+", " ", str("" if valeur is None else valeur)).strip()
    texte = _MARQUES.sub(lambda m: "\\" + m.group(0), texte)
    texte = _DEBUT_DE_BLOC.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), texte
    )
    for motif, remplacement in _ADRESSES:
        texte = motif.sub(remplacement, texte)
    return texte.replace("@", "@\u2060")


def _est_vide(valeur) -> bool:
    return valeur is None or (isinstance(valeur, float) and math.isnan(valeur))


def nombre(valeur, decimales: int = 0) -> str:
    """`1234.5` -> `1 234,5` (with `decimales` digits after the comma)."""
    if _est_vide(valeur):
        return VIDE
    texte = f"{valeur:,.{decimales}f}"
    if texte.startswith("-") and float(texte.replace(",", "")) == 0:
        texte = texte[1:]
    return texte.replace(",", ESPACE_MILLIERS).replace(".", ",")


def euros(valeur, decimales: int = 0) -> str:
    return VIDE if _est_vide(valeur) else f"{nombre(valeur, decimales)}{ESPACE_UNITE}€"


def pourcentage(valeur, decimales: int = 1) -> str:
    """A value already in percent: `12.34` -> `12,3 %`."""
    return VIDE if _est_vide(valeur) else f"{nombre(valeur, decimales)}{ESPACE_UNITE}%"


def variation(actuelle, precedente, decimales: int = 1) -> str | None:
    """Relative change as `+4,2 %`, or None when it cannot be computed."""
    if _est_vide(actuelle) or _est_vide(precedente) or precedente == 0:
        return None
    taux = 100 * (actuelle - precedente) / abs(precedente)
    signe = "+" if taux > 0 else ("−" if taux < 0 else "")
    return f"{signe}{pourcentage(abs(taux), decimales)}"


def evolution(valeur, decimales: int = 1) -> str:
    """A change already in percent, signed as in the report: `+4,2 %`, `−11,9 %`, `0,0 %`."""
    if _est_vide(valeur):
        return VIDE
    signe = "+" if valeur > 0 else ("−" if valeur < 0 else "")
    return f"{signe}{pourcentage(abs(valeur), decimales)}"


def ecart_points(actuelle, precedente, decimales: int = 1) -> str | None:
    """Difference between two percentages, in points: `+1,3 pt`."""
    if _est_vide(actuelle) or _est_vide(precedente):
        return None
    ecart = actuelle - precedente
    signe = "+" if ecart > 0 else ("−" if ecart < 0 else "")
    unite = "pt" if abs(ecart) < 2 else "pts"
    return f"{signe}{nombre(abs(ecart), decimales)}{ESPACE_UNITE}{unite}"


def date(valeur: dt.date | str | None) -> str:
    """`2025-12-31` -> `31/12/2025`."""
    if _est_vide(valeur):
        return VIDE
    if isinstance(valeur, str):
        valeur = dt.date.fromisoformat(valeur)
    return valeur.strftime("%d/%m/%Y")


def periode(annees) -> str:
    """`[2021, 2025]` -> `2021–2025`; a single year -> `2025` (never « 2025–2025 »)."""
    debut, fin = min(annees), max(annees)
    return str(debut) if debut == fin else f"{debut}–{fin}"


def date_heure(valeur: dt.datetime | None) -> str:
    """`2026-11-23 07:30:12` -> `23/11/2026 07:30`."""
    if _est_vide(valeur):
        return VIDE
    return valeur.strftime("%d/%m/%Y %H:%M")


def selon_unite(valeur, unite: str) -> str:
    """Format a value given the unit names used by the indicator registry."""
    formateurs = {
        "nombre": lambda v: nombre(v, 0),
        "decimal": lambda v: nombre(v, 1),
        "euros": euros,
        "pourcentage": pourcentage,
        "evolution": evolution,
        "mois": lambda v: f"{nombre(v, 1)}{ESPACE_UNITE}mois" if not _est_vide(v) else VIDE,
        "date": date,
        "date_heure": date_heure,
    }
    if unite not in formateurs:
        raise ValueError(f"Unité inconnue : {unite}")
    return formateurs[unite](valeur)


# ------------------------------------------------------------------- masked cells (tokens)

# The token of a cell hidden to protect another figure (complementary suppression); a cell
# hidden because it counts too few children carries « < seuil » (primary suppression).
JETON_SECONDAIRE = "s"
PREFIXE_NOTE_SECRET = "Secret statistique – "


def est_jeton(texte) -> bool:
    """Whether a displayed value is a masked cell's token (« < 11 », « s »), not a figure."""
    return texte == JETON_SECONDAIRE or (
        isinstance(texte, str) and texte.startswith("< ") and texte[2:].isdigit()
    )


def explication_jeton(jeton: str) -> str:
    """What a masked cell's token means: `< 11` -> « < 11 » : moins de 11 enfants, …"""
    if jeton == JETON_SECONDAIRE:
        return (
            "« s » : chiffre masqué pour qu'un petit effectif ne puisse pas être recalculé à "
            "partir des autres"
        )
    seuil = jeton.removeprefix("<").strip()
    return f"« {jeton} » : moins de {seuil} enfants, effectif non diffusé"


def note_secret(jetons) -> str:
    """The note explaining the tokens among `jetons` (primary first); empty when there is none.

    Other values are ignored, so a column of displayed values can be passed as it is."""
    presents = sorted({j for j in jetons if est_jeton(j)}, key=lambda j: (j == JETON_SECONDAIRE, j))
    if not presents:
        return ""
    return PREFIXE_NOTE_SECRET + " ; ".join(map(explication_jeton, presents)) + "."
