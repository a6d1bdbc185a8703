"""The import's shortcuts (national-scale files) give the same answers as the plain checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pre_pilotage.importation import controle
from pre_pilotage.importation.lecture import Tableau
from pre_pilotage.importation.schemas import FORMATS
from pre_pilotage.pseudonymisation import pseudonyme


def reference_donnee_personnelle(texte: str) -> str | None:
    """The checks as written before the shortcuts: every pattern, in order."""
    if controle._COURRIEL.search(texte):
        return "une adresse électronique"
    if controle._NIR.search(texte):
        return "un numéro de sécurité sociale"
    if controle._TELEPHONE.search(texte):
        return "un numéro de téléphone"
    if controle._ADRESSE.search(texte):
        return "une adresse postale"
    return None


MORCEAUX = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "6",
        "12",
        "33",
        "85",
        "+33",
        "06",
        " ",
        ".",
        "-",
        "@",
        "a",
        "B-",
        "x.y",
        "mairie.fr",
        " rue ",
        " avenue ",
        "bis",
        "résidence",
        "\u00a0",
        "٣",
    ]
)


@settings(max_examples=2_000, deadline=None)
@given(st.lists(MORCEAUX, max_size=14).map("".join))
def test_meme_detection_des_donnees_personnelles(texte):
    assert controle._donnee_personnelle(texte) == reference_donnee_personnelle(texte)


def test_exemples_de_donnees_personnelles():
    for texte, nature in (
        ("jean.dupont@mairie.fr", "une adresse électronique"),
        ("1 85 05 78 006 084 91", "un numéro de sécurité sociale"),
        ("+33 6 12 34 56 78", "un numéro de téléphone"),
        ("06.12.34.56.78", "un numéro de téléphone"),
        ("12 bis rue Jean-Jaurès", "une adresse postale"),
        ("B-3f2a9c1b0d8e7f6a5b4c3d2e", None),
        ("01/09/2024", None),
    ):
        assert controle._donnee_personnelle(texte) == nature, texte


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 9999))
def test_meme_lecture_des_dates(jour, mois, annee):
    texte = f"{jour:02d}/{mois:02d}/{annee:04d}"
    try:
        attendu = dt.datetime.strptime(texte, "%d/%m/%Y").date()
    except ValueError:
        attendu = None
    try:
        lu = controle.lire_date(texte)
    except ValueError:
        lu = None
    assert lu == attendu


def test_dates_a_annee_sur_deux_chiffres():
    """« 15/09/24 », as spreadsheets print short dates, gave one error per cell (outside
    test): read as 20AA; an impossible one stays an error."""
    assert controle.lire_date("15/09/24") == dt.date(2024, 9, 15)
    assert controle.lire_date("1/2/25") == dt.date(2025, 2, 1)
    assert controle.lire_date("03.11.23") == dt.date(2023, 11, 3)
    for faux in ("31/02/24", "15/13/24", "15/09/2"):
        with pytest.raises(ValueError):
            controle.lire_date(faux)


@given(st.text(max_size=40), st.sampled_from(["beneficiaire", "parcours", "personne"]))
def test_meme_pseudonyme(identifiant, espace):
    cle = b"une-cle-de-test-assez-longue"
    attendu = hmac.new(cle, f"{espace}\x1f{identifiant}".encode(), hashlib.sha256).hexdigest()
    assert pseudonyme(cle, espace, identifiant, "B-") == "B-" + attendu[:24]


def test_une_valeur_fausse_repetee_est_signalee_a_chaque_ligne():
    """Each distinct text is checked once per file, but every row that holds it is reported."""
    format_ = FORMATS["actions"]
    entetes = [c.nom for c in format_.colonnes]
    ligne = {nom: "" for nom in entetes} | {
        "identifiant_parcours": "P-1",
        "type_action": "soutien_scolaire",
        "date_debut": "31/02/2025",
    }
    lignes = [(numero, [ligne[nom] for nom in entetes]) for numero in (2, 3, 4)]
    lignes.append((5, [ligne[nom] if nom != "date_debut" else "06 12 34 56 78" for nom in entetes]))
    lignes.append((6, [ligne[nom] if nom != "date_debut" else "06 12 34 56 78" for nom in entetes]))
    reference = controle.Reference(
        pre_id="pre-test",
        annee=2025,
        nomenclatures={"type_action": {"soutien_scolaire": "soutien_scolaire"}},
        communes=set(),
        qpv={},
        uai=set(),
        cites=set(),
        fiches_annee=set(),
        parcours=set(),
    )
    resultat = controle.valider(
        Tableau("2025_actions.csv", entetes, entetes, lignes), format_, reference, "supprimer"
    )
    erreurs = [(e.ligne, e.colonne, e.valeur) for e in resultat.erreurs]
    assert erreurs == [
        (2, "date_debut", "31/02/2025"),
        (3, "date_debut", "31/02/2025"),
        (4, "date_debut", "31/02/2025"),
        (5, "date_debut", controle.VALEUR_MASQUEE),
        (6, "date_debut", controle.VALEUR_MASQUEE),
    ]
    assert resultat.lignes == []


def _dates_d_actions(dates: list[str]):
    """Validates an actions file whose rows differ only by their start date (line 2 onward)."""
    format_ = FORMATS["actions"]
    entetes = [c.nom for c in format_.colonnes]
    base = {nom: "" for nom in entetes} | {
        "identifiant_parcours": "P-1",
        "type_action": "soutien_scolaire",
    }
    lignes = [
        (numero, [(base | {"date_debut": date})[nom] for nom in entetes])
        for numero, date in enumerate(dates, start=2)
    ]
    reference = controle.Reference(
        pre_id="pre-test",
        annee=2025,
        nomenclatures={"type_action": {"soutien_scolaire": "soutien_scolaire"}},
        communes=set(),
        qpv={},
        uai=set(),
        cites=set(),
        fiches_annee=set(),
        parcours=set(),
    )
    return controle.valider(
        Tableau("2025_actions.csv", entetes, entetes, lignes), format_, reference, "supprimer"
    )


def test_une_date_impossible_est_nommee():
    """A date written in the right format but that does not exist says so, with the date."""
    resultat = _dates_d_actions(
        ["31/02/2025", "2025-02-29", "28/02/2025", "15/13/2025", "1er mars 2025"]
    )
    assert [(e.ligne, e.valeur, e.attendu) for e in resultat.erreurs] == [
        (
            2,
            "31/02/2025",
            "une date qui existe (31/02/2025 n'existe pas : février 2025 a 28 jours)",
        ),
        (
            3,
            "2025-02-29",
            "une date qui existe (29/02/2025 n'existe pas : février 2025 a 28 jours)",
        ),
        (
            5,
            "15/13/2025",
            "une date qui existe (15/13/2025 n'existe pas : il n'y a pas de mois 13)",
        ),
        (6, "1er mars 2025", "une date JJ/MM/AAAA ou AAAA-MM-JJ"),
    ]
    assert controle.date_impossible("31/04/2025") == (
        "31/04/2025 n'existe pas : avril 2025 a 30 jours"
    )
    assert controle.date_impossible("30/04/2025") is None
    assert controle.date_impossible("29/02/2024") is None  # a leap year


def test_numeros_de_jour_excel():
    """An outside test's spreadsheet: a date column formatted as numbers (« 45708 ») was refused;
    it is Excel's day number of 20/02/2025. Five-digit numbers outside 1990-2100 stay refused."""
    resultat = _dates_d_actions(["45708", "45658", "12345", "99999"])
    assert [r["date_debut"] for r in resultat.lignes] == [
        dt.date(2025, 2, 20),
        dt.date(2025, 1, 1),
    ]
    assert [(e.ligne, e.valeur, e.attendu) for e in resultat.erreurs] == [
        (4, "12345", "une date JJ/MM/AAAA ou AAAA-MM-JJ"),
        (5, "99999", "une date JJ/MM/AAAA ou AAAA-MM-JJ"),
    ]
