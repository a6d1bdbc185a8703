"""Cité éducative articulation: scorecard, three-level reading and French sentences, from frames.

Pure functions: the page runs the six `queries/cite_*.sql` (one row per Cité and year, already
masked) and hands the frames here. Each indicator is read on a three-level scale whose thresholds
are shown on screen; there is deliberately no overall score.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from pre_pilotage import formats
from pre_pilotage.indicateurs import indicateur

NIVEAUX = ("À renforcer", "En progrès", "Solide")
REQUETES = (
    "cite_scolarisation_residence",
    "cite_couverture_eps",
    "cite_cofinancement",
    "cite_gouvernance",
    "cite_orientations",
    "cite_etablissements_eps",
)


@dataclass(frozen=True)
class Mesure:
    code: str
    requete: str
    colonne: str
    unite: str  # "pourcentage", "nombre", "euros" or "oui_non"
    # Value from which the reading is "En progrès", then "Solide"; None: no reading (amounts).
    seuils: tuple[float, float] | None
    # (formatted value, raw value, Cité name) -> the end of the sentence after "En <année>, ".
    phrase: Callable[[str, object, str], str]


def _pluriel(n, singulier: str, pluriel: str) -> str:
    """French: 0 and 1 take the singular."""
    return singulier if n is not None and n <= 1 else pluriel


MESURES = (
    Mesure(
        "cite_part_scolarises",
        "cite_scolarisation_residence",
        "part_scolarises_cite",
        "pourcentage",
        (25, 50),
        lambda v, _, c: (
            f"{v} des enfants accompagnés par le PRE sont scolarisés dans une école "
            f"ou un collège de la {c}"
        ),
    ),
    Mesure(
        "cite_part_residant_qpv",
        "cite_scolarisation_residence",
        "part_residant_qpv_cite",
        "pourcentage",
        (25, 50),
        lambda v, _, c: (
            f"{v} des enfants accompagnés par le PRE habitent un quartier prioritaire de la {c}"
        ),
    ),
    Mesure(
        "cite_part_qpv_eps",
        "cite_couverture_eps",
        "part_qpv_couverts",
        "pourcentage",
        (50, 100),
        lambda v, _, c: (
            f"{v} des quartiers prioritaires de la {c} sont couverts par une équipe "
            "pluridisciplinaire de soutien réunie dans l'année"
        ),
    ),
    Mesure(
        "cite_fiches_cofinancees",
        "cite_cofinancement",
        "fiches_cofinancees",
        "nombre",
        (1, 3),
        lambda v, n, c: (
            f"{v} "
            + _pluriel(
                n, "fiche-action du PRE est cofinancée", "fiches-action du PRE sont cofinancées"
            )
            + f" par la {c}"
        ),
    ),
    Mesure(
        "cite_montant_cofinance",
        "cite_cofinancement",
        "montant_cite",
        "euros",
        None,
        lambda v, _, c: f"la {c} apporte {v} aux fiches-action du PRE",
    ),
    Mesure(
        "cite_part_programmation",
        "cite_cofinancement",
        "part_programmation_cite",
        "pourcentage",
        (5, 15),
        lambda v, _, c: (
            f"les fiches-action cofinancées par la {c} représentent {v} de la programmation du PRE"
        ),
    ),
    Mesure(
        "cite_reunions_conjointes",
        "cite_gouvernance",
        "reunions_conjointes",
        "nombre",
        (1, 2),
        lambda v, n, c: (
            f"le PRE et la {c} ont tenu {v} "
            + _pluriel(n, "comité de pilotage conjoint", "comités de pilotage conjoints")
        ),
    ),
    Mesure(
        "cite_presence_copil",
        "cite_gouvernance",
        "pre_present_copil_cite",
        "oui_non",
        (1, 1),
        lambda _, present, c: (
            f"le PRE a participé au comité de pilotage de la {c}"
            if present
            else f"le PRE n'a participé à aucun comité de pilotage de la {c}"
        ),
    ),
    Mesure(
        "cite_part_orientations",
        "cite_orientations",
        "part_orientations_cite",
        "pourcentage",
        (10, 25),
        lambda v, _, c: (
            f"{v} des orientations vers le PRE d'enfants habitant les communes de la "
            f"{c} viennent d'acteurs de la Cité éducative"
        ),
    ),
    Mesure(
        "cite_part_etablissements_eps",
        "cite_etablissements_eps",
        "part_etablissements_eps",
        "pourcentage",
        (50, 80),
        lambda v, _, c: (
            f"{v} des écoles et collèges de la {c} ont été représentés en réunion "
            "d'équipe pluridisciplinaire de soutien"
        ),
    ),
)


def formater(valeur, unite: str) -> str:
    if unite == "oui_non":
        return formats.VIDE if valeur is None else ("oui" if valeur else "non")
    return formats.selon_unite(valeur, unite)


def lecture(valeur, mesure: Mesure) -> str | None:
    """Three-level reading of a value; None when there is no value or no scale (amounts)."""
    if valeur is None or mesure.seuils is None:
        return None
    valeur = float(valeur)
    bas, haut = mesure.seuils
    if valeur >= haut:
        return NIVEAUX[2]
    if valeur >= bas:
        return NIVEAUX[1]
    return NIVEAUX[0]


def texte_seuils(mesure: Mesure) -> str:
    """The thresholds as they are written on screen."""
    if mesure.seuils is None:
        return "Pas d'échelle : montant donné pour information."
    if mesure.unite == "oui_non":
        return "À renforcer : non ; solide : oui."
    if mesure.unite == "pourcentage":
        bas, haut = (formats.pourcentage(s, 0) for s in mesure.seuils)
    else:
        bas, haut = (formater(s, mesure.unite) for s in mesure.seuils)
    if mesure.seuils[0] == mesure.seuils[1] - 1 and mesure.unite == "nombre":
        return f"À renforcer : moins de {bas} ; en progrès : {bas} ; solide : {haut} ou plus."
    return (
        f"À renforcer : moins de {bas} ; en progrès : de {bas} à moins de {haut} ; "
        f"solide : {haut} ou plus."
    )


def _cellule(cadre: pl.DataFrame, cite_id: str, annee: int, colonne: str):
    """(value, secret token) of one Cité and year; (None, None) when the row is missing."""
    ligne = cadre.filter((pl.col("cite_id") == cite_id) & (pl.col("annee") == annee))
    if ligne.is_empty():
        return None, None
    jeton = ligne[f"{colonne}__secret"][0] if f"{colonne}__secret" in ligne.columns else None
    return ligne[colonne][0], jeton


def _evolution(valeur, precedente, mesure: Mesure) -> str | None:
    if mesure.unite == "pourcentage":
        return formats.ecart_points(valeur, precedente)
    if mesure.unite == "oui_non":
        if valeur is None or precedente is None or bool(valeur) == bool(precedente):
            return "inchangé" if valeur is not None and precedente is not None else None
        return f"{formater(precedente, 'oui_non')} → {formater(valeur, 'oui_non')}"
    if valeur is None or precedente is None:
        return None
    ecart = valeur - precedente
    signe = "+" if ecart > 0 else ("−" if ecart < 0 else "")
    return f"{signe}{formater(abs(ecart), mesure.unite)}"


def phrase(mesure: Mesure, nom_cite: str, annee: int, valeur, jeton, precedente, jeton_prec) -> str:
    """A sentence a committee can paste into its minutes."""
    libelle = indicateur(mesure.code).libelle
    libelle = libelle[0].lower() + libelle[1:]
    if jeton:
        return (
            f"En {annee}, l'indicateur « {libelle} » de la {nom_cite} n'est pas diffusé : il "
            "porte sur trop peu d'enfants (secret statistique)."
        )
    if valeur is None:
        return f"En {annee}, l'indicateur « {libelle} » n'est pas calculable pour la {nom_cite}."
    texte = f"En {annee}, " + mesure.phrase(formater(valeur, mesure.unite), valeur, nom_cite)
    if jeton_prec is None and precedente is not None and mesure.unite != "oui_non":
        texte += f", contre {formater(precedente, mesure.unite)} en {annee - 1}"
    elif mesure.unite == "oui_non" and precedente is not None and not jeton_prec:
        texte += f" ({'oui' if precedente else 'non'} en {annee - 1})"
    return texte + "."


def cites(cadres: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """(cite_id, name) of the Cités, in the order of the queries (by name)."""
    premier = cadres[REQUETES[0]]
    return list(dict.fromkeys(zip(premier["cite_id"], premier["nom"], strict=True)))


def tableau_de_bord(cadres: dict[str, pl.DataFrame], cite_id: str, nom: str, annee: int):
    """One row per indicator of a Cité: value, change, reading, thresholds and sentence."""
    lignes = []
    for mesure in MESURES:
        cadre = cadres[mesure.requete]
        valeur, jeton = _cellule(cadre, cite_id, annee, mesure.colonne)
        precedente, jeton_prec = _cellule(cadre, cite_id, annee - 1, mesure.colonne)
        masque = jeton is not None
        lignes.append(
            {
                "code": mesure.code,
                "indicateur": indicateur(mesure.code).libelle,
                "valeur": jeton if masque else formater(valeur, mesure.unite),
                "evolution": None
                if masque or jeton_prec
                else _evolution(valeur, precedente, mesure),
                "lecture": None if masque else lecture(valeur, mesure),
                "seuils": texte_seuils(mesure),
                "phrase": phrase(mesure, nom, annee, valeur, jeton, precedente, jeton_prec),
            }
        )
    # A table shows text: an empty cell is the dash, never "None".
    return pl.DataFrame(lignes).with_columns(pl.col("evolution", "lecture").fill_null(formats.VIDE))


def comparaison(cadres: dict[str, pl.DataFrame], annee: int) -> pl.DataFrame:
    """One row per indicator, one column per Cité (formatted value and reading)."""
    colonnes: dict[str, list] = {"indicateur": [indicateur(m.code).libelle for m in MESURES]}
    for cite_id, nom in cites(cadres):
        tableau = tableau_de_bord(cadres, cite_id, nom, annee)
        colonnes[nom] = [
            valeur if lect == formats.VIDE else f"{valeur} ({lect.lower()})"
            for valeur, lect in zip(tableau["valeur"], tableau["lecture"], strict=True)
        ]
    return pl.DataFrame(colonnes)
