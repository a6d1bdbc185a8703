"""Real-browser tests of the Import and administration pages, on a copy of the demo database."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pre_pilotage import comptes
from pre_pilotage.administration import lire_journal
from pre_pilotage.importation import Fichier, importer
from pre_pilotage.importation.exemples import ecrire_exemples
from tests.test_import import TABLES_PROGRAMME
from tests.test_navigateur import capturer, ouvrir, se_connecter, serveur_streamlit

pytestmark = pytest.mark.navigateur

CLE = "cle-de-pseudonymisation-du-test-import"
COMPTE, MOT_DE_PASSE = "admin.import", "un mot de passe assez long"


@pytest.fixture(scope="module")
def base_copie(chemin_demo, tmp_path_factory):
    """The demo's geography and programme, with its 2025 data imported from the example files.

    Not the demo itself: its example files carry the demo's pseudonyms as identifiers, which an
    import pseudonymises again, so importing them into the demo would add 590 new children.
    """
    dossier = tmp_path_factory.mktemp("import-navigateur")
    chemin = dossier / "demo.duckdb"
    shutil.copy(chemin_demo, chemin)
    with duckdb.connect(str(chemin)) as con:
        for table in TABLES_PROGRAMME:
            con.execute("delete from " + table)  # noqa: S608 - fixed table names
        # A real programme's base (the demo's refuses imports): sign-in, a real key.
        con.execute("delete from meta where cle = 'donnees_demo'")
    exemples = dossier / "exemples"
    ecrire_exemples(chemin_demo, exemples, "pre-90001", [2025])
    fichiers = [Fichier(f.name, f.read_bytes()) for f in sorted(exemples.glob("2025_*.csv"))]
    assert importer(chemin, fichiers, "pre-90001", 2025, CLE.encode()).ecrit
    comptes.enregistrer_compte(COMPTE, "Administratrice du PRE", "administration", MOT_DE_PASSE)
    return chemin, exemples, dossier


@pytest.fixture(scope="module")
def serveur_import(base_copie):
    chemin, _, dossier = base_copie
    # As in production (lanceur.py): the sign-in holds across the page reloads below.
    with serveur_streamlit(
        chemin, dossier, {"PRE_CLE_PSEUDONYMISATION": CLE}, script="lanceur.py"
    ) as url:
        yield url


def ouvrir_connecte(navigateur, url: str):
    """Open a page of the (real, not demo) base: sign in first."""
    contexte, page, erreurs = ouvrir(navigateur, url)
    se_connecter(page, COMPTE, MOT_DE_PASSE)
    return contexte, page, erreurs


def _importer(page, fichiers) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(f) for f in fichiers]
    )
    page.wait_for_timeout(1_500)
    page.get_by_role("button", name="Contrôler et importer").click()
    page.wait_for_selector('[data-testid="stAlert"]', timeout=600_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=600_000
    )
    page.wait_for_timeout(1_000)


def lignes_du_tableau(page, rang: int = 0) -> list[list[str]]:
    """Header and rows of a st.dataframe, read from the grid's accessible table."""
    tableau = page.locator('[data-testid="stDataFrame"]').nth(rang)
    return [
        [
            c.strip()
            for c in ligne.locator('[role="columnheader"], [role="gridcell"]').all_inner_texts()
        ]
        for ligne in tableau.locator('[role="row"]').all()
    ]


def test_import_reussi_puis_refuse(serveur_import, navigateur, base_copie, tmp_path):
    _, exemples, _ = base_copie
    # 2025 is imported again, with one governance meeting less: the page shows what would change.
    gouvernance = tmp_path / "2025_gouvernance.csv"
    lignes = (exemples / "2025_gouvernance.csv").read_text(encoding="utf-8-sig").splitlines()
    gouvernance.write_text("\n".join(lignes[:-1]), encoding="utf-8")
    fichiers = [
        gouvernance if f.name == gouvernance.name else f
        for f in sorted(exemples.glob("2025_*.csv"))
    ]
    contexte, page, erreurs = ouvrir_connecte(navigateur, f"{serveur_import}/import?annee=2025")
    try:
        assert page.locator("h1").first.inner_text() == "Import des données du programme"
        _importer(page, fichiers)
        texte = page.locator("body").inner_text()
        assert (
            "Cet import remplacerait des données déjà importées pour 2025. Voici ce qui "
            "changerait (avant → après) ; rien n'a encore été écrit." in texte
        )
        assert "Import réussi" not in texte
        capturer(page, "import-confirmation")
        assert lignes_du_tableau(page, 0) == [
            ["Contenu", "Mesure", "Avant", "Après"],
            ["Enfants et parcours", "parcours actifs en 2025", "590", "590"],
            ["Actions des parcours", "actions commencées en 2025", "516", "516"],
            ["Réunions des EPS", "réunions", "112", "112"],
            ["Réunions des EPS", "situations examinées", "521", "521"],
            ["Fiches-action", "fiches-action", "30", "30"],
            ["Financements", "lignes de financement", "78", "78"],
            ["Financements", "budget programmé", "692\u202f734\u00a0€", "692\u202f734\u00a0€"],
            ["Réunions de gouvernance", "réunions", "11", "10"],
            ["Équipe", "personnes", "10", "10"],
            ["Équipe", "équivalents temps plein", "9,7 ETP", "9,7 ETP"],
        ]
        page.get_by_role("button", name="Confirmer et remplacer").click()
        page.get_by_text("Import réussi pour 2025").wait_for(timeout=600_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=600_000
        )
        page.wait_for_timeout(1_000)
        texte = page.locator("body").inner_text()
        assert (
            "Import réussi pour 2025 : 1\u202f346 lignes enregistrées (2025_actions.csv : 516, "
            "2025_beneficiaires.csv : 590, 2025_eps.csv : 112, 2025_equipe.csv : 10, "
            "2025_fiches_action.csv : 30, 2025_financements.csv : 78, "
            "2025_gouvernance.csv : 10)." in texte
        )
        assert "Ce qui a changé (avant → après)" in texte
        # The question is gone once answered: one table of changes, no second confirmation.
        assert "Cet import remplacerait" not in texte
        assert page.get_by_role("button", name="Confirmer et remplacer").count() == 0
        assert lignes_du_tableau(page, 0)[8] == ["Réunions de gouvernance", "réunions", "11", "10"]
        assert "Fichiers déjà importés" in texte
        capturer(page, "import-reussi")

        mauvais = tmp_path / "2025_fiches_action.csv"
        lignes = (exemples / "2025_fiches_action.csv").read_text(encoding="utf-8-sig").splitlines()
        morceaux = lignes[2].split(";")
        morceaux[3] = "bricolage"
        lignes[2] = ";".join(morceaux)
        lignes.insert(3, lignes[1])
        mauvais.write_text("\n".join(lignes), encoding="utf-8")
        page.reload()
        page.wait_for_selector("h1")
        page.wait_for_timeout(1_500)
        _importer(page, [mauvais])
        texte = page.locator("body").inner_text()
        assert "Import refusé : 2 erreurs" in texte
        assert "Rien n'a été enregistré" in texte
        assert "Télécharger la liste des erreurs (CSV)" in texte
        capturer(page, "import-erreurs")
        assert erreurs == []
    finally:
        contexte.close()


def test_page_administration(serveur_import, navigateur, base_copie):
    contexte, page, erreurs = ouvrir_connecte(navigateur, f"{serveur_import}/administration")
    try:
        texte = page.locator("body").inner_text()
        assert "Journal d'audit" in texte and "Comptes" in texte
        capturer(page, "administration")
        assert erreurs == []
    finally:
        contexte.close()
    journal = lire_journal()
    assert any(j["action"] == "import" and j["identifiant"] == COMPTE for j in journal)
    assert any(j["action"] == "connexion" for j in journal)
