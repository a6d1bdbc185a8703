"""The « Enquête nationale PRE » workbook, opened with openpyxl: sheets, exact values on the
fixture database (tests/fixture_base.py), masking, number formats, formula neutralisation."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pre_pilotage import config, enquete
from pre_pilotage.exports import neutraliser
from pre_pilotage.indicateurs import definitions
from pre_pilotage.requetes import executer
from tests.fixture_base import PRE, QPV_BETA

FEUILLES = [
    "Bénéficiaires",
    "Orientation",
    "Parcours",
    "Équipe et EPS",
    "Budget",
    "Sources et définitions",
]


def cadres(con, annee: int, commune=None, qpv=None) -> dict[str, pl.DataFrame]:
    return enquete.lire(lambda nom, **p: executer(con, nom, 11, **p), PRE, commune, qpv, annee)


def classeur(con, annee: int = 2024, qpv=None, **modifications) -> openpyxl.Workbook:
    frames = cadres(con, annee, qpv=qpv) | modifications
    contenu = enquete.classeur(
        frames,
        annee=annee,
        territoire="QPV Beta Sud (QN09691N)" if qpv else "PRE de test",
        date_donnees="2025-12-31",
        seuil=11,
    )
    return openpyxl.load_workbook(io.BytesIO(contenu))


def bloc(feuille, titre: str) -> list[tuple]:
    """Rows of the table titled `titre` (header included), up to the next empty row."""
    lignes = [
        tuple(v for v in ligne if v is not None) for ligne in feuille.iter_rows(values_only=True)
    ]
    debut = lignes.index((titre,)) + 1
    fin = lignes.index((), debut) if () in lignes[debut:] else len(lignes)
    return lignes[debut:fin]


@pytest.fixture(scope="module")
def livre_2024(con_fixture):
    return classeur(con_fixture, 2024)


def test_feuilles_et_en_tete(livre_2024):
    assert livre_2024.sheetnames == FEUILLES
    feuille = livre_2024["Bénéficiaires"]
    assert feuille["A1"].value == "Enquête nationale PRE – Bénéficiaires"
    assert feuille["A2"].value == "PRE de test · année 2024 · données au 31/12/2025"
    assert feuille["A3"].value.startswith("« < 11 » : moins de 11 enfants ; « s » :")


def test_classeur_interne_le_dit_sur_chaque_feuille(con_fixture):
    contenu = enquete.classeur(
        cadres(con_fixture, 2024),
        annee=2024,
        territoire="PRE de test",
        date_donnees="2025-12-31",
        seuil=5,
        interne=True,
    )
    livre = openpyxl.load_workbook(io.BytesIO(contenu))
    mention = (
        "Document interne à l'équipe du PRE, établi au seuil de 5 enfants : à ne pas diffuser "
        "aux élus, aux comités ni aux partenaires."
    )
    for nom in FEUILLES[:-1]:
        assert livre[nom]["A4"].value == mention, nom
    assert mention in [c.value for ligne in livre[FEUILLES[-1]].iter_rows() for c in ligne]


def test_beneficiaires(livre_2024):
    feuille = livre_2024["Bénéficiaires"]
    assert bloc(feuille, "Enfants accompagnés, entrées et sorties") == [
        ("Indicateur", "Valeur"),
        ("Enfants accompagnés", 54),
        ("Entrées dans le programme", 34),
        ("Sorties du programme", 27),
        ("Part résidant en QPV", 72.2),
    ]
    assert bloc(feuille, "Répartition par sexe") == [
        ("Sexe", "Enfants", "Part", "Part nationale"),
        ("Filles", 19, 35.2, 41.8),
        ("Garçons", 35, 64.8, 58.2),
        ("Part nationale : ANCT, enquête nationale PRE 2022 (données 2021)",),
    ]
    assert bloc(feuille, "Répartition par tranche d'âge")[1:5] == [
        ("2 à 5 ans", "s", "s", 14.6),
        ("6 à 10 ans", 20, "s", 52.4),
        ("11 à 16 ans", 19, "s", 31.5),
        ("17 ans et plus", "< 11", "s", 1.5),
    ]
    assert bloc(feuille, "Répartition par profil")[1:4] == [
        ("Profil 1", "< 11", "s", 23),
        ("Profil 2", "s", "s", "–"),
        ("Profil 3", 32, "s", "–"),
    ]
    assert bloc(feuille, "Répartition par niveau scolaire")[1:6] == [
        ("Non scolarisé", "s", "s", "–"),
        ("Maternelle", 12, "s", 38),
        ("Élémentaire", 20, "s", 43),
        ("Collège", 19, "s", 16),
        ("Lycée", "< 11", "s", 3),
    ]
    # Beta Sud has 4 children in 2024: its cell shows the token, never 4 (and with it every
    # share of the year: a group's shares are masked together when one of its cells is).
    assert bloc(feuille, "Répartition par lieu de résidence") == [
        ("Lieu de résidence", "Enfants", "Part"),
        ("Alpha Nord", 35, "s"),
        ("Beta Sud", "< 11", "s"),
        ("Quartier de veille active", "s", "s"),
        ("Hors quartier prioritaire", 15, "s"),
    ]


def test_orientation(livre_2024):
    feuille = livre_2024["Orientation"]
    assert bloc(feuille, "Motifs d'orientation") == [
        ("Motif d'orientation", "Parcours", "Part"),
        ("Résultats scolaires insuffisants", 35, 64.8),
        ("Isolement social", 18, 33.3),
        ("Comportement", 20, 37),
        ("Santé", 0, 0),
        ("Santé mentale", "< 11", "s"),
        ("Langage", 12, 22.2),
        ("Parentalité", 0, 0),
        ("Absentéisme", "< 11", "s"),
        ("Autre", 0, 0),
        ("Ensemble des parcours actifs (plusieurs réponses possibles)", 54),
    ]
    assert bloc(feuille, "Qui oriente les enfants")[1:6] == [
        ("École (Éducation nationale)", 24, "s"),
        ("Service social départemental", 15, "s"),
        ("CCAS", "< 11", "s"),
        ("PMI", 12, "s"),
        ("Santé", "s", "s"),
    ]


def test_parcours(livre_2024):
    feuille = livre_2024["Parcours"]
    assert bloc(
        feuille, "Durée, actions, délai d'examen, transitions et protection de l'enfance"
    ) == [
        ("Indicateur", "Valeur"),
        ("Durée médiane des parcours", 10),
        ("Durée moyenne des parcours", 9.8),
        ("Actions par parcours", 0.9),
        ("Délai avant 1re EPS (jours)", 35),
        ("Enfants en CP ou CE1", 20),
        ("Enfants en CM2 ou 6e", 15),
        ("Enfants suivis par l'ASE", "< 11"),
        ("Part suivie par l'ASE", "s"),
    ]
    assert bloc(feuille, "Durée des parcours clos")[:3] == [
        ("Durée du parcours", "Parcours clos", "Part"),
        ("Moins de 6 mois", 0, 0),
        ("De 6 à moins de 12 mois", 27, 100),
    ]
    assert bloc(feuille, "Motifs de sortie")[1:6] == [
        ("Objectifs atteints", 20, "s"),
        ("Relais vers le droit commun", 0, "s"),
        ("Déménagement", "< 11", "s"),
        ("Fin de l'adhésion de la famille", 0, "s"),
        ("Limite d'âge", "< 11", "s"),
    ]
    actions = bloc(feuille, "Actions mobilisées dans les parcours")
    assert [ligne for ligne in actions if ligne[1:2] != (0,)] == [
        ("Type d'action", "Parcours", "Part"),
        ("Soutien scolaire", 20, 37),
        ("Psychologue", "< 11", "s"),
        ("Sport", 12, 22.2),
        ("Parentalité", 15, 27.8),
        ("Ensemble des parcours actifs (plusieurs réponses possibles)", 54),
    ]


def test_equipe_eps_et_budget(livre_2024):
    feuille = livre_2024["Équipe et EPS"]
    assert bloc(feuille, "Équipe du programme") == [
        ("Fonction", "Personnes", "Équivalents temps plein"),
        ("Responsable du programme", 0, 0),
        ("Coordination", 1, 1),
        ("Référents de parcours", 2, 1.8),
    ]
    assert bloc(
        feuille, "Enfants par référent et équipes pluridisciplinaires de soutien (EPS)"
    ) == [
        ("Indicateur", "Valeur"),
        ("Enfants par référent (ETP)", 30),
        ("Réunions d'EPS", 4),
        ("Professionnels par réunion", 7.5),
        ("Situations examinées en EPS", 22),
    ]
    feuille = livre_2024["Budget"]
    assert bloc(feuille, "Programmation de l'année") == [
        ("Indicateur", "Valeur"),
        ("Budget programmé", 25_000),
        ("Part cofinancée", 48),
    ]
    assert bloc(feuille, "Budget par financeur") == [
        ("Financeur", "Montant programmé", "Part du budget"),
        ("État – politique de la ville", 13_000, 52),
        ("EPCI", 10_000, 40),
        ("Communes", 1_500, 6),
        ("Cité éducative", 500, 2),
    ]


def test_formats_francais_des_cellules(livre_2024):
    feuille = livre_2024["Bénéficiaires"]
    cellules = {c.value: c for ligne in feuille.iter_rows() for c in ligne if c.value is not None}
    ligne_filles = cellules["Filles"].row
    assert feuille.cell(ligne_filles, 2).number_format == "#,##0"
    assert feuille.cell(ligne_filles, 3).number_format == '0.0" %"'
    budget = livre_2024["Budget"]
    montants = [c for ligne in budget.iter_rows() for c in ligne if c.value == 13_000]
    assert montants[0].number_format == '#,##0" €"'
    assert montants[0].data_type == "n"
    parcours = livre_2024["Parcours"]
    duree = [c for ligne in parcours.iter_rows() for c in ligne if c.value == 9.8]
    assert duree[0].number_format == '0.0" mois"'


def test_un_quartier_de_4_enfants_ne_montre_jamais_4(con_fixture):
    livre = classeur(con_fixture, 2024, qpv=QPV_BETA)
    assert livre["Bénéficiaires"]["A2"].value.startswith("QPV Beta Sud (QN09691N) · année 2024")
    assert bloc(livre["Bénéficiaires"], "Enfants accompagnés, entrées et sorties")[1:] == [
        ("Enfants accompagnés", "< 11"),
        ("Entrées dans le programme", "< 11"),
        ("Sorties du programme", "< 11"),
        ("Part résidant en QPV", "s"),
    ]
    assert bloc(livre["Bénéficiaires"], "Répartition par sexe")[1:3] == [
        ("Filles", "< 11", "s", 41.8),
        ("Garçons", 0, "s", 58.2),
    ]
    nombres = [
        (feuille.title, cellule.coordinate)
        for feuille in livre
        for ligne in feuille.iter_rows()
        for cellule in ligne
        if cellule.value == 4
    ]
    assert nombres == []
    jetons = [c.value for f in livre for ligne in f.iter_rows() for c in ligne if c.value == "< 11"]
    assert len(jetons) >= 10


def test_texte_pris_pour_une_formule_neutralise(con_fixture):
    residence = cadres(con_fixture, 2024)["part_residence"].with_columns(
        pl.Series("libelle", ['=HYPERLINK("x")', "+1", "-1", "@A1"] * 2)
    )
    livre = classeur(con_fixture, 2024, part_residence=residence)
    valeurs = [
        ligne[0] for ligne in bloc(livre["Bénéficiaires"], "Répartition par lieu de résidence")
    ]
    # Text, with Excel's quote prefix (a style): no apostrophe written in the text.
    assert valeurs[1:] == ['=HYPERLINK("x")', "+1", "-1", "@A1"]
    cellules = [c for ligne in livre["Bénéficiaires"].iter_rows() for c in ligne]
    assert all(c.data_type != "f" for c in cellules)
    prefixees = [c.value for c in cellules if c.quotePrefix]
    assert set(prefixees) >= {'=HYPERLINK("x")', "+1", "-1", "@A1"}
    assert neutraliser("< 11") == "< 11" and neutraliser("Beta") == "Beta"


def test_sources_et_definitions(livre_2024):
    feuille = livre_2024["Sources et définitions"]
    lignes = [
        tuple(v for v in ligne if v is not None) for ligne in feuille.iter_rows(values_only=True)
    ]
    entete = lignes.index(
        (
            "Feuille",
            "Indicateur",
            "Définition",
            "Formule",
            "Période",
            "Secret statistique",
            "Référence nationale",
            "Données utilisées",
        )
    )
    indicateurs = lignes[entete + 1 :]
    # The secrecy note says what the whole-database protection guarantees.
    note = next(ligne[0] for ligne in lignes[:entete] if ligne and "Secret" in str(ligne[0]))
    assert "à partir d'aucune combinaison des chiffres diffusés par le tableau de bord" in note
    registre = {d.libelle: d for d in definitions().values()}
    assert [ligne[:2] for ligne in indicateurs[:3]] == [
        ("Bénéficiaires", "Enfants accompagnés"),
        ("Bénéficiaires", "Entrées dans le programme"),
        ("Bénéficiaires", "Sorties du programme"),
    ]
    assert len(indicateurs) == 30
    for (
        feuille_,
        libelle,
        definition,
        formule,
        periode,
        masquage,
        reference,
        donnees,
    ) in indicateurs:
        attendu = registre[libelle]
        assert (definition, formule, periode, masquage) == (
            attendu.definition,
            attendu.formule,
            attendu.periode,
            attendu.masquage,
        )
        assert reference == (attendu.reference_nationale or "–")
        assert donnees.startswith("Données du programme : ") and feuille_ in FEUILLES
    sexe = next(ligne for ligne in indicateurs if ligne[1] == "Répartition par sexe")
    assert sexe[6].startswith("58,2 % de garçons")


def test_chaque_figure_est_documentee_dans_la_correspondance():
    """docs/enquete-nationale.md maps every figure of the workbook to our tables."""
    texte = (config.DOSSIER_DOCS / "enquete-nationale.md").read_text(encoding="utf-8")
    figures = []
    for blocs in enquete.FEUILLES.values():
        for b in blocs:
            figures += [c for _, c in b.chiffres] if hasattr(b, "chiffres") else [b.code]
    assert sorted(figures) == sorted(enquete.DONNEES)
    for code in figures:
        assert f"`{code}`" in texte, code
    for nom in re.findall(r"`queries/(\w+)\.sql`", texte):
        assert Path(config.DOSSIER_REQUETES, f"{nom}.sql").exists(), nom
