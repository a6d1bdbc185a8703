"""« PDF de la vue » in a real browser, on the demo database: the header's button downloads the
PDF of the page as shown (the Carte page: its map redrawn, its QPV fiche), and the download is in
the audit log. Its pages are turned into PNG (tests/captures/vue-carte-demo-page-*.png)."""

from __future__ import annotations

import io
import json
import subprocess
import time

import pytest
from pypdf import PdfReader

from pre_pilotage.administration import lire_journal
from tests.test_navigateur import CAPTURES, ouvrir, serveur_streamlit
from tests.test_rapport import _outils

pytestmark = pytest.mark.navigateur


@pytest.fixture(scope="module")
def site(chemin_demo, tmp_path_factory):
    with serveur_streamlit(chemin_demo, tmp_path_factory.mktemp("serveur_vue")) as url:
        yield url


def test_pdf_de_la_vue_carte_telecharge_et_journalise(site, navigateur, tmp_path):
    _outils()
    contexte, page, erreurs = ouvrir(navigateur, f"{site}/carte?annee=2025&quartier=QN09610N")
    try:
        bouton = page.get_by_role("button", name="PDF de la vue")
        debut = time.perf_counter()
        with page.expect_download(timeout=120_000) as attente:
            bouton.click()
        fichier = attente.value
        chemin = tmp_path / fichier.suggested_filename
        fichier.save_as(chemin)
        duree = time.perf_counter() - debut
        assert erreurs == []
    finally:
        contexte.close()
    assert fichier.suggested_filename == ("vue-carte-pre-de-l-agglomeration-de-demonstration.pdf")
    donnees = chemin.read_bytes()
    lecteur = PdfReader(io.BytesIO(donnees))
    # The pages as PNG first, to look at them whatever the checks below say.
    CAPTURES.mkdir(parents=True, exist_ok=True)
    for ancienne in CAPTURES.glob("vue-carte-demo-page-*.png"):
        ancienne.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(chemin), str(CAPTURES / "vue-carte-demo-page")],
        check=True,
        capture_output=True,
    )
    assert len(list(CAPTURES.glob("vue-carte-demo-page-*.png"))) == len(lecteur.pages)
    assert all(
        (round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1)) == (595.3, 841.9)
        for p in lecteur.pages
    )
    texte = " ".join(
        subprocess.run(
            ["pdftotext", "-raw", str(chemin), "-"], capture_output=True, check=True, text=True
        ).stdout.split()
    )
    (CAPTURES / "vue-carte-demo.txt").write_text(texte)
    for attendu in (
        "Carte",
        "Programme : PRE de l'Agglomération de démonstration",
        "Année : 2025",
        "Quartier prioritaire : tous les quartiers",
        "Fiche du quartier affichée : Les Coteaux (QN09610N)",
        "Données fictives de démonstration",
        "Lien de cette vue : http://",
        "/carte?annee=2025&quartier=QN09610N",
        "Tout effectif de 1 à 10 enfants est remplacé par « < 11 »",
        "Lacunes de couverture en 2025",
        f"Page {len(lecteur.pages)} sur {len(lecteur.pages)}",
    ):
        assert attendu in texte, attendu
    # The map is drawn in the document (an image on its first page besides the QR code).
    assert len(lecteur.pages[0].images) == 2
    # Audited once, with the view's link and its filters.
    journal = [ligne for ligne in lire_journal(50) if ligne["action"] == "export"]
    ligne = next(ligne for ligne in journal if ligne["objet"] == fichier.suggested_filename)
    details = json.loads(ligne["details"])
    assert details["format"] == "pdf" and details["objet"] == "vue Carte"
    assert "/carte?" in details["lien"]
    assert json.loads(ligne["filtres"])["annee"] == 2025
    assert duree < 90
