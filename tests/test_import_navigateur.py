"""Real-browser tests of the Import and administration pages, on a copy of the demo database."""

from __future__ import annotations

import shutil

import pytest

from pre_pilotage.administration import lire_journal
from pre_pilotage.importation.exemples import ecrire_exemples
from tests.test_navigateur import capturer, ouvrir, serveur_streamlit

pytestmark = pytest.mark.navigateur


@pytest.fixture(scope="module")
def base_copie(chemin_demo, tmp_path_factory):
    dossier = tmp_path_factory.mktemp("import-navigateur")
    chemin = dossier / "demo.duckdb"
    shutil.copy(chemin_demo, chemin)
    exemples = dossier / "exemples"
    ecrire_exemples(chemin_demo, exemples, "pre-90001", [2025])
    return chemin, exemples, dossier


@pytest.fixture(scope="module")
def serveur_import(base_copie):
    chemin, _, dossier = base_copie
    with serveur_streamlit(chemin, dossier) as url:
        yield url


def _importer(page, fichiers) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(f) for f in fichiers]
    )
    page.wait_for_timeout(1_500)
    page.get_by_role("button", name="Contrôler et importer").click()
    page.wait_for_selector('[data-testid="stAlert"]', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1_000)


def test_import_reussi_puis_refuse(serveur_import, navigateur, base_copie, tmp_path):
    _, exemples, _ = base_copie
    contexte, page, erreurs = ouvrir(navigateur, f"{serveur_import}/import?annee=2025")
    try:
        assert page.locator("h1").first.inner_text() == "Import des données du programme"
        _importer(page, sorted(exemples.glob("2025_*.csv")))
        texte = page.locator("body").inner_text()
        assert "Import réussi pour 2025" in texte
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
        assert "Import refusé : 2 erreur(s)" in texte
        assert "Rien n'a été enregistré" in texte
        assert "Télécharger la liste des erreurs (CSV)" in texte
        capturer(page, "import-erreurs")
        assert erreurs == []
    finally:
        contexte.close()


def test_page_administration(serveur_import, navigateur, base_copie):
    contexte, page, erreurs = ouvrir(navigateur, f"{serveur_import}/administration")
    try:
        texte = page.locator("body").inner_text()
        assert "Journal d'audit" in texte and "Comptes" in texte
        capturer(page, "administration")
        assert erreurs == []
    finally:
        contexte.close()
    journal = lire_journal()
    assert any(j["action"] == "import" and j["identifiant"] == "demonstration" for j in journal)
    assert any(j["action"] == "connexion" for j in journal)
