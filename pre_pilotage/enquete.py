"""« Enquête nationale PRE » export: masked query results in, one XLSX workbook out.

`lire(run, ...)` gathers the masked frames the national survey asks for (the same frames the
« Publics et parcours » page shows); `classeur(...)` writes them, one sheet per theme and a sheet
« Sources et définitions ». No Streamlit here: the page passes `requetes.run`, tests pass a runner
on the fixture database.

Every value written from a frame keeps its masking: a masked count or rate is written as its
token (« < 11 », « s »), never as a number (masked cells are already null in the frames). Numbers
stay numbers, with a cell format that a French spreadsheet shows as `1 234,5` or `12,3 %`; text
that a spreadsheet could take for a formula (starting with = + - @) is neutralised.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from pre_pilotage import formats, lots
from pre_pilotage.confidentialite import SUFFIXE_SECRET
from pre_pilotage.exports import texte_xlsx
from pre_pilotage.indicateurs import indicateur

FEUILLE_SOURCES = "Sources et définitions"
# The block that says who answers, on the « Sources et définitions » sheet: the ANCT's
# consolidation (pre_pilotage.enquete_lecture) finds the programme by these labels.
TITRE_IDENTIFICATION = "Identification du programme"
IDENTIFIANT, NOM, COMMUNES, PERIMETRE, ANNEE, SEUIL = (
    "Identifiant du programme",
    "Programme",
    "Communes du programme (codes INSEE)",
    "Périmètre des chiffres",
    "Année",
    "Seuil de secret statistique",
)
PROGRAMME_ENTIER = "programme entier"
# Cell formats by indicator unit; a spreadsheet set to French shows them as `1 234,5`.
FORMATS = {
    "nombre": "#,##0",
    "decimal": "#,##0.0",
    "euros": '#,##0" €"',
    "pourcentage": '0.0" %"',
    "mois": '0.0" mois"',
}


def lire(
    run: Callable[..., pl.DataFrame], pre_id: str, commune: str | None, qpv: str | None, annee: int
) -> dict[str, pl.DataFrame]:
    """Masked frames of the survey (and of the « Publics et parcours » page), by name.

    Distribution frames are named after their indicator code; each holds the year and the one
    before. `run(nom, **params)` is `requetes.run` or any runner with the same contract.
    """
    territoire = {"pre_id": pre_id, "commune": commune, "qpv": qpv, "annee": annee}
    return lots.tous(
        run,
        {
            "publics": ("synthese_publics", territoire),
            "indicateurs": ("publics_indicateurs", territoire),
            "eps": ("publics_eps", territoire),
            "equipe": ("synthese_equipe", {"pre_id": pre_id, "annee": annee}),
            "equipe_etp": ("enquete_equipe", {"pre_id": pre_id, "annee": annee}),
            "budget": ("synthese_budget", territoire),
            "budget_par_financeur": ("budget_par_financeur", territoire),
            "part_sexe": ("publics_par_sexe", territoire),
            "part_tranche_age": ("publics_par_tranche_age", territoire),
            "part_niveau_scolaire": ("publics_par_niveau_scolaire", territoire),
            "part_profil": ("publics_par_profil", territoire),
            "part_residence": ("publics_par_residence", territoire),
            "part_motif_orientation": ("publics_motifs_orientation", territoire),
            "part_orienteur": ("publics_par_orienteur", territoire),
            "part_duree_parcours": ("publics_duree_parcours", territoire),
            "part_motif_sortie": ("publics_motifs_sortie", territoire),
            "part_type_action": ("publics_types_action", territoire),
        },
    )


@dataclass(frozen=True)
class Programme:
    """Who answers the survey: its identifiers, written in the workbook."""

    pre_id: str
    nom: str
    communes: tuple[str, ...]  # INSEE codes
    perimetre: str = PROGRAMME_ENTIER  # or the commune or QPV the figures are limited to


# ------------------------------------------------------------------------------ what goes where


@dataclass(frozen=True)
class _Chiffres:
    """Key figures, one line each: (frame name, indicator code) pairs of per-year frames."""

    titre: str
    chiffres: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Repartition:
    """A distribution frame (named after its indicator code), rows of the chosen year."""

    code: str
    modalite: str
    effectif: str


@dataclass(frozen=True)
class _Tableau:
    """Any frame (named after its indicator code) with explicit columns: (header, unit)."""

    code: str
    colonnes: tuple[tuple[str, str, str], ...]


FEUILLES: dict[str, tuple[_Chiffres | _Repartition | _Tableau, ...]] = {
    "Bénéficiaires": (
        _Chiffres(
            "Enfants accompagnés, entrées et sorties",
            (
                ("publics", "actifs"),
                ("publics", "entrees"),
                ("publics", "sorties"),
                ("publics", "part_qpv"),
            ),
        ),
        _Repartition("part_sexe", "Sexe", "Enfants"),
        _Repartition("part_tranche_age", "Tranche d'âge", "Enfants"),
        _Repartition("part_profil", "Profil", "Parcours"),
        _Repartition("part_niveau_scolaire", "Niveau scolaire", "Enfants"),
        _Repartition("part_residence", "Lieu de résidence", "Enfants"),
    ),
    "Orientation": (
        _Repartition("part_motif_orientation", "Motif d'orientation", "Parcours"),
        _Repartition("part_orienteur", "Partenaire ayant orienté l'enfant", "Parcours"),
    ),
    "Parcours": (
        _Chiffres(
            "Durée, actions, délai d'examen, transitions et protection de l'enfance",
            (
                ("publics", "duree_mediane_mois"),
                ("indicateurs", "duree_moyenne_mois"),
                ("indicateurs", "actions_par_parcours"),
                ("indicateurs", "delai_orientation_eps"),
                ("indicateurs", "transition_cp_ce1"),
                ("indicateurs", "transition_cm2_6e"),
                ("indicateurs", "suivi_ase"),
                ("indicateurs", "part_suivi_ase"),
            ),
        ),
        _Repartition("part_duree_parcours", "Durée du parcours", "Parcours clos"),
        _Repartition("part_motif_sortie", "Motif de sortie", "Parcours clos"),
        _Repartition("part_type_action", "Type d'action", "Parcours"),
    ),
    "Équipe et EPS": (
        _Tableau(
            "equipe_etp",
            (
                ("libelle", "Fonction", "texte"),
                ("personnes", "Personnes", "nombre"),
                ("etp", "Équivalents temps plein", "decimal"),
            ),
        ),
        _Chiffres(
            "Enfants par référent et équipes pluridisciplinaires de soutien (EPS)",
            (
                ("equipe", "enfants_par_etp"),
                ("eps", "reunions_eps"),
                ("eps", "professionnels_par_reunion"),
                ("eps", "situations_examinees"),
            ),
        ),
    ),
    "Budget": (
        _Chiffres(
            "Programmation de l'année",
            (("budget", "budget_programme"), ("budget", "part_cofinancee")),
        ),
        _Tableau(
            "budget_par_financeur",
            (
                ("libelle", "Financeur", "texte"),
                ("montant_prevu", "Montant programmé", "euros"),
                ("part", "Part du budget", "pourcentage"),
            ),
        ),
    ),
}

# Which programme data each figure is computed from (the full mapping is docs/enquete-nationale.md).
_PARCOURS_DATES = "parcours : dates d'entrée et de sortie"
DONNEES = {
    "actifs": _PARCOURS_DATES,
    "entrees": "parcours : date d'entrée",
    "sorties": "parcours : date de sortie",
    "part_qpv": "bénéficiaire : zone de résidence (QPV ou non)",
    "part_sexe": "bénéficiaire : sexe",
    "part_tranche_age": "bénéficiaire : année de naissance",
    "part_profil": "parcours : profil",
    "part_niveau_scolaire": "bénéficiaire : niveau scolaire",
    "part_residence": "bénéficiaire : zone de résidence et code du QPV ; référentiel des QPV",
    "part_motif_orientation": "motifs d'orientation des parcours (plusieurs par parcours)",
    "part_orienteur": "parcours : partenaire ayant orienté l'enfant",
    "duree_mediane_mois": _PARCOURS_DATES,
    "duree_moyenne_mois": _PARCOURS_DATES,
    "part_duree_parcours": _PARCOURS_DATES,
    "part_motif_sortie": "parcours : motif de sortie",
    "part_type_action": "actions des parcours",
    "actions_par_parcours": "actions des parcours",
    "delai_orientation_eps": "parcours : dates d'orientation et de premier examen en EPS",
    "transition_cp_ce1": "bénéficiaire : niveau scolaire",
    "transition_cm2_6e": "bénéficiaire : niveau scolaire",
    "suivi_ase": "parcours : suivi par l'Aide sociale à l'enfance",
    "part_suivi_ase": "parcours : suivi par l'Aide sociale à l'enfance",
    "equipe_etp": "équipe du programme déclarée pour l'année (fonctions et ETP)",
    "enfants_par_etp": "équipe (ETP des référents) et parcours du programme entier",
    "reunions_eps": "réunions des EPS",
    "professionnels_par_reunion": "réunions des EPS : professionnels présents",
    "situations_examinees": "réunions des EPS : situations examinées",
    "budget_programme": "fiches-action et lignes de financement (montants prévus)",
    "part_cofinancee": "fiches-action et lignes de financement (montants prévus)",
    "budget_par_financeur": "fiches-action et lignes de financement (montants prévus)",
}


# ------------------------------------------------------------------------------------- writing

_GRAS = Font(bold=True)
_TITRE = Font(bold=True, size=14)
_SOUS_TITRE = Font(bold=True, size=12)
_NOTE = Font(italic=True, color="555555")
_ENTETE = PatternFill("solid", fgColor="E3E3FD")
_A_DROITE = Alignment(horizontal="right")
_RENVOI = Alignment(wrap_text=True, vertical="top")


def _nombre(valeur):
    return float(valeur) if isinstance(valeur, Decimal) else valeur


class _Redacteur:
    """Writes a sheet top to bottom, keeping the current line."""

    def __init__(self, feuille: Worksheet) -> None:
        self.feuille = feuille
        self.ligne = 1

    def texte(self, colonne: int, texte: str, police: Font | None = None) -> None:
        cellule = texte_xlsx(self.feuille.cell(row=self.ligne, column=colonne), texte)
        if police is not None:
            cellule.font = police

    def valeur(self, colonne: int, valeur, jeton: str | None, unite: str) -> None:
        """A number in its French format, or its masking token, or « – » when there is none."""
        if unite == "texte":
            self.texte(colonne, formats.VIDE if valeur is None else str(valeur))
            return
        if jeton or valeur is None:
            self.texte(colonne, jeton or formats.VIDE)
            self.feuille.cell(row=self.ligne, column=colonne).alignment = _A_DROITE
            return
        cellule = self.feuille.cell(row=self.ligne, column=colonne, value=_nombre(valeur))
        cellule.number_format = FORMATS[unite]

    def entetes(self, entetes: list[str]) -> None:
        for colonne, entete in enumerate(entetes, start=1):
            self.texte(colonne, entete, _GRAS)
            self.feuille.cell(row=self.ligne, column=colonne).fill = _ENTETE
        self.ligne += 1

    def saut(self, lignes: int = 1) -> None:
        self.ligne += lignes


def _cellule(cadre: pl.DataFrame, colonne: str, index: int):
    jetons = colonne + SUFFIXE_SECRET
    jeton = cadre[jetons][index] if jetons in cadre.columns else None
    return cadre[colonne][index], jeton


def _chiffres(redacteur: _Redacteur, bloc: _Chiffres, cadres, annee: int) -> list[str]:
    redacteur.texte(1, bloc.titre, _SOUS_TITRE)
    redacteur.saut()
    redacteur.entetes(["Indicateur", "Valeur"])
    for nom, code in bloc.chiffres:
        definition = indicateur(code)
        cadre = cadres[nom].filter(pl.col("annee") == annee)
        valeur, jeton = _cellule(cadre, code, 0) if cadre.height else (None, None)
        redacteur.texte(1, definition.libelle)
        redacteur.valeur(2, valeur, jeton, definition.unite)
        redacteur.saut()
    return [code for _, code in bloc.chiffres]


def _repartition(redacteur: _Redacteur, bloc: _Repartition, cadres, annee: int) -> list[str]:
    cadre = cadres[bloc.code].filter(pl.col("annee") == annee)
    nationale = cadre["part_nationale"].is_not_null().any()
    redacteur.texte(1, indicateur(bloc.code).libelle, _SOUS_TITRE)
    redacteur.saut()
    redacteur.entetes(
        [bloc.modalite, bloc.effectif, "Part"] + (["Part nationale"] if nationale else [])
    )
    for i in range(cadre.height):
        redacteur.texte(1, str(cadre["libelle"][i]))
        redacteur.valeur(2, *_cellule(cadre, "effectif", i), "nombre")
        redacteur.valeur(3, *_cellule(cadre, "part", i), "pourcentage")
        if nationale:
            redacteur.valeur(4, cadre["part_nationale"][i], None, "pourcentage")
        redacteur.saut()
    if "parcours_actifs" in cadre.columns and cadre.height:
        # Several values per parcours: the shares are over all active parcours, given here.
        redacteur.texte(1, "Ensemble des parcours actifs (plusieurs réponses possibles)")
        redacteur.valeur(2, *_cellule(cadre, "parcours_actifs", 0), "nombre")
        redacteur.saut()
    if nationale:
        sources = cadre.filter(pl.col("part_nationale").is_not_null())["source_nationale"]
        redacteur.texte(1, f"Part nationale : {sources[0]}", _NOTE)
        redacteur.saut()
    return [bloc.code]


def _tableau(redacteur: _Redacteur, bloc: _Tableau, cadres, annee: int) -> list[str]:
    cadre = cadres[bloc.code]
    redacteur.texte(1, indicateur(bloc.code).libelle, _SOUS_TITRE)
    redacteur.saut()
    redacteur.entetes([entete for _, entete, _ in bloc.colonnes])
    for i in range(cadre.height):
        for colonne, (nom, _, unite) in enumerate(bloc.colonnes, start=1):
            redacteur.valeur(colonne, *_cellule(cadre, nom, i), unite)
        redacteur.saut()
    return [bloc.code]


_ECRIRE = {_Chiffres: _chiffres, _Repartition: _repartition, _Tableau: _tableau}


def _en_tete(redacteur: _Redacteur, titre: str, contexte: list[str]) -> None:
    redacteur.texte(1, titre, _TITRE)
    redacteur.saut()
    for ligne in contexte:
        redacteur.texte(1, ligne)
        redacteur.saut()
    redacteur.saut()


def classeur(
    cadres: dict[str, pl.DataFrame],
    *,
    annee: int,
    territoire: str,
    date_donnees: str | None,
    seuil: int,
    interne: bool = False,
    programme: Programme | None = None,
) -> bytes:
    """The survey workbook for `annee` and `territoire`, from the frames of `lire` (XLSX bytes).

    `interne`: made below the élus' floor, for the PRE's team only; every sheet says so.
    `programme`: its identifiers, written on the sources sheet for the national consolidation.
    """
    from pre_pilotage.rapport import mention_interne

    contexte = [
        f"{territoire} · année {annee}"
        + (f" · données au {formats.date(date_donnees)}" if date_donnees else ""),
        f"« < {seuil} » : moins de {seuil} enfants ; « s » : valeur masquée pour qu'un petit "
        "effectif ne puisse pas être recalculé (secret statistique).",
    ] + ([mention_interne(seuil)] if interne else [])
    livre = Workbook()
    livre.remove(livre.active)
    utilises: list[tuple[str, str]] = []
    for nom_feuille, blocs in FEUILLES.items():
        feuille = livre.create_sheet(nom_feuille)
        redacteur = _Redacteur(feuille)
        _en_tete(redacteur, f"Enquête nationale PRE – {nom_feuille}", contexte)
        for bloc in blocs:
            for code in _ECRIRE[type(bloc)](redacteur, bloc, cadres, annee):
                utilises.append((nom_feuille, code))
            redacteur.saut()
        feuille.column_dimensions["A"].width = 58
        for lettre in "BCD":
            feuille.column_dimensions[lettre].width = 20
    _sources(livre.create_sheet(FEUILLE_SOURCES), utilises, contexte, seuil, programme, annee)
    tampon = io.BytesIO()
    livre.save(tampon)
    return tampon.getvalue()


def _identification(redacteur: _Redacteur, programme: Programme, annee: int, seuil: int) -> None:
    redacteur.texte(1, TITRE_IDENTIFICATION, _SOUS_TITRE)
    redacteur.saut()
    for libelle, valeur in (
        (IDENTIFIANT, programme.pre_id),
        (NOM, programme.nom),
        (COMMUNES, " ; ".join(programme.communes)),
        (PERIMETRE, programme.perimetre),
        (ANNEE, str(annee)),
        (SEUIL, str(seuil)),
    ):
        redacteur.texte(1, libelle, _GRAS)
        redacteur.texte(2, valeur)
        redacteur.saut()
    redacteur.saut()


def _sources(
    feuille: Worksheet,
    utilises,
    contexte: list[str],
    seuil: int,
    programme: Programme | None,
    annee: int,
) -> None:
    redacteur = _Redacteur(feuille)
    _en_tete(redacteur, "Enquête nationale PRE – sources et définitions", contexte)
    if programme is not None:
        _identification(redacteur, programme, annee, seuil)
    for ligne in (
        "Source : données du programme, pseudonymisées (tableau de bord de pilotage du PRE) ; "
        "références nationales : ANCT, enquête nationale PRE 2022 (données 2021), et CGET, "
        "enquêtes nationales antérieures à 2017.",
        f"Secret statistique : tout effectif de 1 à {seuil - 1} enfants ou parcours est remplacé "
        f"par « < {seuil} » ; d'autres cases sont masquées (« s ») lorsque c'est nécessaire pour "
        "qu'un petit effectif ne puisse être retrouvé à partir d'aucune combinaison des chiffres "
        "diffusés par le tableau de bord (ce classeur, toutes les pages, années et filtres ; "
        "vérifié par programmation linéaire) ; les taux, moyennes et médianes calculés sur un "
        "groupe masqué sont masqués.",
    ):
        redacteur.texte(1, ligne)
        feuille.merge_cells(
            start_row=redacteur.ligne, start_column=1, end_row=redacteur.ligne, end_column=8
        )
        feuille.cell(row=redacteur.ligne, column=1).alignment = _RENVOI
        feuille.row_dimensions[redacteur.ligne].height = 62
        redacteur.saut()
    redacteur.saut()
    redacteur.entetes(
        [
            "Feuille",
            "Indicateur",
            "Définition",
            "Formule",
            "Période",
            "Secret statistique",
            "Référence nationale",
            "Données utilisées",
        ]
    )
    for nom_feuille, code in utilises:
        definition = indicateur(code)
        for colonne, texte in enumerate(
            (
                nom_feuille,
                definition.libelle,
                definition.definition,
                definition.formule,
                definition.periode,
                definition.masquage,
                definition.reference_nationale or formats.VIDE,
                f"Données du programme : {DONNEES[code]}",
            ),
            start=1,
        ):
            redacteur.texte(colonne, texte)
            feuille.cell(row=redacteur.ligne, column=colonne).alignment = _RENVOI
        redacteur.saut()
    for lettre, largeur in zip("ABCDEFGH", (16, 30, 50, 45, 30, 45, 45, 35), strict=True):
        feuille.column_dimensions[lettre].width = largeur
