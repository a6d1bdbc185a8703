"""Reading programme files as French tools produce them: CSV (`;` or `,`, UTF-8 with or without BOM,
Windows-1252) and XLSX; headers normalised, trailing empty rows dropped."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

TAILLE_MAX_OCTETS = 50 * 1024 * 1024


class FichierIllisible(Exception):
    """The file cannot be read at all (its message is French and names the file)."""


@dataclass
class Tableau:
    """A file's rows as text, with the line number each row has in the file (header = line 1)."""

    fichier: str
    entetes: list[str]  # normalised header names, in file order
    entetes_originaux: list[str]
    lignes: list[tuple[int, list[str]]]
    ligne_entetes: int = 1  # the header's line in the file
    # Non-empty rows above the header (a title, a date…), told to the user, never imported.
    avant_entetes: tuple[tuple[int, tuple[str, ...]], ...] = ()


def normaliser_entete(texte: str) -> str:
    """`Date d'entrée ` -> `date_d_entree`: case, accents, spaces and punctuation ignored."""
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", sans_accents.lower()).strip("_")


def _decoder(fichier: str, contenu: bytes) -> tuple[str, str]:
    if contenu.startswith(b"\xef\xbb\xbf"):
        return contenu[3:].decode("utf-8"), "UTF-8 avec BOM"
    try:
        return contenu.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        texte = contenu.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FichierIllisible(
            f"{fichier} : encodage non reconnu (ni UTF-8 ni Windows-1252, octet illisible en "
            f"position {exc.start}). Enregistrez le fichier en CSV UTF-8."
        ) from None
    return texte, "Windows-1252"


def _separateur(premiere_ligne: str) -> str:
    comptes = {sep: premiere_ligne.count(sep) for sep in (";", ",", "\t")}
    meilleur = max(comptes, key=comptes.get)
    return meilleur if comptes[meilleur] else ";"


def _lire_csv(fichier: str, contenu: bytes) -> tuple[list[list[str]], str]:
    if contenu.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FichierIllisible(
            f"{fichier} : encodage UTF-16 non accepté. Enregistrez le fichier en « CSV UTF-8 » "
            "ou en « CSV (séparateur : point-virgule) »."
        )
    if b"\x00" in contenu[:4096]:
        raise FichierIllisible(
            f"{fichier} : ce n'est pas un fichier texte (contenu binaire). Exportez les données "
            "en CSV ou en XLSX depuis votre tableur."
        )
    texte, encodage = _decoder(fichier, contenu)
    controles = sum(1 for c in texte[:4096] if ord(c) < 32 and c not in "\r\n\t")
    if controles > 8:
        raise FichierIllisible(f"{fichier} : contenu binaire ou corrompu, illisible comme CSV.")
    premiere = texte.split("\n", 1)[0]
    try:
        lignes = list(csv.reader(io.StringIO(texte, newline=""), delimiter=_separateur(premiere)))
    except csv.Error as exc:
        raise FichierIllisible(f"{fichier} : CSV mal formé ({exc}).") from None
    return lignes, encodage


def _lire_xlsx(fichier: str, contenu: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FichierIllisible(
            f"{fichier} : classeur XLSX illisible ou tronqué (fichier incomplet ou abîmé). "
            "Enregistrez-le à nouveau depuis votre tableur."
        ) from None
    feuille = classeur.worksheets[0]
    lignes = []
    for ligne in feuille.iter_rows(values_only=True):
        lignes.append(["" if v is None else _texte_cellule(v) for v in ligne])
    classeur.close()
    return lignes


def _texte_cellule(valeur) -> str:
    import datetime as dt

    if isinstance(valeur, dt.datetime):
        return valeur.date().isoformat() if valeur.time() == dt.time() else valeur.isoformat()
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur)


# Rows looked at for the header when the first one names no known column (a title above it).
LIGNES_AVANT_ENTETES = 10


def _ligne_entetes(numerotees: list[tuple[int, list[str]]], connues: frozenset[str]) -> int:
    """Index of the header among the non-empty rows: the first row, unless it names no known
    column while a row below (among the first `LIGNES_AVANT_ENTETES`) names two or more (a
    spreadsheet with a title or a date above its table)."""

    def reconnues(cellules: list[str]) -> int:
        return sum(1 for c in cellules if normaliser_entete(c) in connues)

    if reconnues(numerotees[0][1]):
        return 0
    meilleur, score = 0, 1
    for k, (_, cellules) in enumerate(numerotees[1:LIGNES_AVANT_ENTETES], start=1):
        if (n := reconnues(cellules)) > score:
            meilleur, score = k, n
    return meilleur


def lire_tableau(
    fichier: str,
    contenu: bytes,
    taille_max: int = TAILLE_MAX_OCTETS,
    entetes_connues: frozenset[str] | None = None,
) -> Tableau:
    """Rows of a CSV or XLSX file; raises FichierIllisible with a French message.

    `entetes_connues` (normalised names of the format's columns): the header may then be below
    a few rows of title, which are reported (`avant_entetes`), not read as data."""
    if len(contenu) > taille_max:
        raise FichierIllisible(
            f"{fichier} : fichier trop volumineux ({len(contenu) / 1_048_576:.1f} Mo ; "
            f"limite {taille_max / 1_048_576:.0f} Mo). Découpez-le par année.".replace(".", ",")
        )
    if not contenu.strip():
        raise FichierIllisible(f"{fichier} : le fichier est vide.")
    if contenu.startswith(b"PK\x03\x04"):
        brutes = _lire_xlsx(fichier, contenu)
    elif fichier.lower().endswith((".xlsx", ".xlsm")):
        raise FichierIllisible(f"{fichier} : ce fichier n'est pas un classeur XLSX valide.")
    else:
        brutes, _ = _lire_csv(fichier, contenu)
    # Trailing empty rows (and empty rows anywhere) are ignored; line numbers stay those of the file.
    numerotees = []
    for numero, ligne in enumerate(brutes, start=1):
        cellules = [c.strip() for c in ligne]
        if any(cellules):
            numerotees.append((numero, cellules))
    if not numerotees:
        raise FichierIllisible(f"{fichier} : le fichier est vide.")
    debut = _ligne_entetes(numerotees, entetes_connues) if entetes_connues else 0
    avant = tuple((n, tuple(c)) for n, c in numerotees[:debut])
    numerotees = numerotees[debut:]
    if len(numerotees) == 1:
        # Importing it would empty the year: refuse rather than erase.
        raise FichierIllisible(
            f"{fichier} : le fichier ne contient que la ligne d'en-tête, aucune donnée."
        )
    ligne_entetes, entetes_originaux = numerotees[0]
    while entetes_originaux and not entetes_originaux[-1]:
        entetes_originaux = entetes_originaux[:-1]
    return Tableau(
        fichier=fichier,
        entetes=[normaliser_entete(e) for e in entetes_originaux],
        entetes_originaux=entetes_originaux,
        lignes=numerotees[1:],
        ligne_entetes=ligne_entetes,
        avant_entetes=avant,
    )
