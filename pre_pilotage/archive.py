"""« Toutes les pages en un fichier » (for a comité): one ZIP of the year's charts and tables.

From the report's sections (`rapport.contenu`: the pages' own queries, at the document's
threshold, every count already masked), one folder per section with each chart and map as a PNG
(300 dpi, with its title and caption: source, data date, secrecy note), each table and the key
figures as an XLSX workbook (French number formats, masked cells as their token, a sheet of
filters and sources), and a « lisez-moi » listing the files. `fichiers` gives the file names
before anything is drawn, so that the download's audit entry lists them. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment

from pre_pilotage import exports, formats, rapport, vue


@dataclass(frozen=True)
class Fichier:
    nom: str  # path inside the ZIP
    sorte: str  # "graphique", "tableau", "chiffres"
    objet: object  # rapport.Graphique, rapport.Tableau or rapport.Section


LISEZ_MOI = "00-lisez-moi.txt"


def _parties(section: rapport.Section):
    yield section
    for partie in section.sous_sections:
        yield from _parties(partie)


def fichiers(sections: list[rapport.Section]) -> list[Fichier]:
    """The files of the ZIP, section by section (`01-synthese/…`), in the report's order."""
    liste = []
    for numero, section in enumerate(sections, start=1):
        dossier = exports.nom_fichier(f"{numero:02d} {section.titre}", "")[:-1]
        rang = 0
        for partie in _parties(section):
            if partie.chiffres:
                rang += 1
                titre = f"chiffres clés {partie.titre}"
                liste.append(
                    Fichier(
                        f"{dossier}/{rang:02d}-{exports.nom_fichier(titre, 'xlsx')}",
                        "chiffres",
                        partie,
                    )
                )
            # A Cité's tables are named after it (two Cités have tables of the same title).
            prefixe = "" if partie is section else f"{partie.titre} "
            for graphique in partie.graphiques:
                if vue.sans_donnees(graphique.figure):
                    continue  # an empty chart is left out (an empty Sankey cannot be drawn)
                rang += 1
                nom = exports.nom_fichier(prefixe + graphique.titre, "png")
                liste.append(Fichier(f"{dossier}/{rang:02d}-{nom}", "graphique", graphique))
            for tableau in partie.tableaux:
                rang += 1
                nom = exports.nom_fichier(prefixe + tableau.titre, "xlsx")
                liste.append(Fichier(f"{dossier}/{rang:02d}-{nom}", "tableau", tableau))
    return liste


def noms(sections: list[rapport.Section]) -> list[str]:
    """Every file of the ZIP, the « lisez-moi » first (the audit entry lists them)."""
    return [LISEZ_MOI, *(f.nom for f in fichiers(sections))]


# A displayed French number: « 1 234 », « 12,5 % », « 850 € », « 5,9 mois », « −3 ».
_NOMBRE = re.compile(
    r"^(?P<signe>[+\-−]?)(?P<entier>\d{1,3}(?:[\u202f\u00a0 ]\d{3})*|\d+)(?:,(?P<decimales>\d+))?"
    r"(?:[\u00a0 ](?P<unite>€|%|mois))?$"
)
_UNITES = {"€": "euros", "%": "pourcentage", "mois": "mois"}


def valeur_de_cellule(texte: str) -> tuple[object, str | None, str]:
    """(value, token, unit) of a displayed cell: a number back from its French text, a masked
    cell as its token, anything else as text."""
    if formats.est_jeton(texte):
        return None, texte, "texte"
    trouve = _NOMBRE.match(texte.strip())
    if not trouve:
        return texte, None, "texte"
    entier = re.sub(r"\D", "", trouve["entier"])
    decimales = trouve["decimales"]
    valeur = float(f"{entier}.{decimales}") if decimales else int(entier)
    if trouve["signe"] in ("-", "−"):
        valeur = -valeur
    unite = _UNITES.get(trouve["unite"] or "", "decimal" if decimales else "nombre")
    if unite == "euros" and decimales:
        unite = "decimal"  # « 12,50 € » keeps its text format nowhere: a decimal number
    return valeur, None, unite


def _classeur(
    titre: str, entetes: list[str], lignes: list[list[str]], contexte: rapport.Contexte, note: str
) -> bytes:
    """A table as shown in the report, as a workbook: numbers as numbers, tokens as text."""
    from openpyxl.utils import get_column_letter

    livre = Workbook()
    feuille = livre.active
    feuille.title = "Tableau"
    largeurs = []
    for k, entete in enumerate(entetes, start=1):
        cellule = feuille.cell(row=1, column=k, value=exports.neutraliser(entete))
        cellule.font, cellule.fill = exports._GRAS, exports._ENTETE
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
        largeurs.append(min(max(len(entete), 8), 40))
    for i, ligne in enumerate(lignes, start=2):
        for k, texte in enumerate(ligne, start=1):
            valeur, jeton, unite = valeur_de_cellule(str(texte))
            largeurs[k - 1] = max(
                largeurs[k - 1], exports._ecrire(feuille, i, k, valeur, jeton, unite)
            )
    for k, largeur in enumerate(largeurs, start=1):
        feuille.column_dimensions[get_column_letter(k)].width = min(largeur + 3, 60)
    feuille.freeze_panes = "A2"
    notes = livre.create_sheet("Filtres et sources")
    notes.cell(row=1, column=1, value=exports.neutraliser(titre)).font = exports._TITRE
    informations = [
        ("Territoire", contexte.territoire),
        ("Année", str(contexte.annee)),
        ("Données au", formats.date(contexte.date_donnees) if contexte.date_donnees else "–"),
        ("Source", "données du programme (tableau de bord PRE)"),
        ("Exporté le", formats.date(dt.date.today())),
        ("Secret statistique", rapport.texte_confidentialite(contexte.seuil)),
    ]
    if note:
        informations.append(("Cases masquées", note.removeprefix(formats.PREFIXE_NOTE_SECRET)))
    if contexte.interne:
        informations.append(("Diffusion", rapport.mention_interne(contexte.seuil)))
    for n, (libelle, texte) in enumerate(informations, start=3):
        notes.cell(row=n, column=1, value=libelle).font = exports._GRAS
        notes.cell(row=n, column=2, value=exports.neutraliser(texte)).alignment = exports._RENVOI
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 22, 100
    tampon = io.BytesIO()
    livre.save(tampon)
    return tampon.getvalue()


def _chiffres_cles(section: rapport.Section, contexte: rapport.Contexte) -> bytes:
    entetes, lignes, note = rapport.tableau_des_chiffres(section, contexte)
    titre = f"{section.titre_chiffres} – {section.titre} – {contexte.territoire}, {contexte.annee}"
    return _classeur(titre, entetes, lignes, contexte, note)


def _image(graphique: rapport.Graphique, contexte: rapport.Contexte) -> bytes:
    legende = exports.Legende(
        titre=graphique.titre,
        territoire=contexte.territoire,
        periode=str(contexte.annee),
        # The report's caption (« Source : …. Données au …. Secret statistique … ») as is.
        source=graphique.legende.removeprefix("Source : "),
    )
    return exports.graphique(graphique.figure, legende, "png")


def lisez_moi(sections: list[rapport.Section], contexte: rapport.Contexte) -> str:
    lignes = [
        f"Programme de Réussite Éducative – graphiques et tableaux de l'année {contexte.annee}",
        "",
        f"Territoire : {contexte.territoire}",
        f"Année : {contexte.annee} (comparée à {contexte.annee - 1})",
        "Données : "
        + (f"au {formats.date(contexte.date_donnees)}" if contexte.date_donnees else "–"),
        f"Produit le {formats.date(dt.date.today())} par le tableau de bord de pilotage du PRE.",
    ]
    if contexte.interne:
        lignes.append(rapport.mention_interne(contexte.seuil))
    if contexte.demo:
        lignes.append(
            "Données fictives de démonstration : territoire, enfants, écoles et montants sont "
            "inventés."
        )
    lignes += [
        "",
        "Graphiques et cartes : images PNG à 300 dpi (16 cm de large), avec leur titre, leur "
        "source et leur note de secret statistique. Tableaux et chiffres clés : classeurs XLSX "
        "(une feuille « Filtres et sources » dans chacun). Les chiffres sont ceux du rapport "
        "annuel et des pages du tableau de bord.",
        "",
        rapport.texte_confidentialite(contexte.seuil),
        "",
        "Fichiers :",
        *(f"- {nom}" for nom in noms(sections)[1:]),
    ]
    # A chart with nothing drawn (every figure masked, or no data) has no image: said here, in
    # the report's words, so that no one looks for it.
    absents = [g for s in sections for p in _parties(s) for g in p.graphiques if not g.figure.data]
    if absents:
        lignes += ["", "Graphiques sans image :"]
        lignes += [f"- {g.titre} : {g.legende}" for g in absents]
    return "\r\n".join(lignes) + "\r\n"


def zip_des_pages(
    sections: list[rapport.Section],
    contexte: rapport.Contexte,
    image: Callable[[rapport.Graphique, rapport.Contexte], bytes] = _image,
) -> bytes:
    """The ZIP: the « lisez-moi », then each section's folder of PNG and XLSX files."""
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(LISEZ_MOI, ("\ufeff" + lisez_moi(sections, contexte)).encode("utf-8"))
        for fichier in fichiers(sections):
            if fichier.sorte == "graphique":
                donnees = image(fichier.objet, contexte)
            elif fichier.sorte == "chiffres":
                donnees = _chiffres_cles(fichier.objet, contexte)
            else:
                tableau = fichier.objet
                donnees = _classeur(
                    f"{tableau.titre} – {contexte.territoire}, {contexte.annee}",
                    tableau.entetes,
                    tableau.lignes,
                    contexte,
                    tableau.secret,
                )
            archive.writestr(fichier.nom, donnees)
    return tampon.getvalue()


def nom_fichier(contexte: rapport.Contexte) -> str:
    return exports.nom_fichier(
        f"graphiques et tableaux PRE {contexte.territoire} {contexte.annee}", "zip"
    )
