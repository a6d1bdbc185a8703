"""Real-browser tests of exports, presentation mode, shareable links and accessibility.

Screenshots in tests/captures/: presentation-synthese.png and presentation-budget.png (1280×720,
what a projector shows), partage.png (the « Partager » menu). axe-core (npm, copied to
tests/vendor/ by `make assets`) audits every page against WCAG 2.2 A and AA.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from pre_pilotage import config
from pre_pilotage.administration import lire_journal
from tests.test_navigateur import (
    CAPTURES,
    PAGES,
    attendre_rendu,
    chiffres_cles,
    ouvrir,
    serveur_streamlit,
)

pytestmark = pytest.mark.navigateur

AXE = config.RACINE / "tests" / "vendor" / "axe.min.js"
NORMES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Findings of the audit that come from Streamlit itself and that our code cannot change; each
# entry: rule id -> why. Empty: every finding so far was ours and is fixed.
EXCEPTIONS_STREAMLIT: dict[str, str] = {}


@pytest.fixture(scope="module")
def site(chemin_demo, tmp_path_factory):
    with serveur_streamlit(chemin_demo, tmp_path_factory.mktemp("serveur_diffusion")) as url:
        yield url


def audit(page) -> list[dict]:
    """axe-core's WCAG A/AA violations on the page as it is now (rule, impact, elements)."""
    if not AXE.exists():
        pytest.fail(f"axe-core introuvable ({AXE}) : lancez `make assets` (ou `make test`).")
    page.add_script_tag(path=str(AXE))
    resultats = page.evaluate(
        """async (normes) => {
            const r = await axe.run(document, {runOnly: {type: "tag", values: normes}});
            return r.violations.map(v => ({
                regle: v.id, impact: v.impact, aide: v.help,
                elements: v.nodes.map(n => n.target.join(" ") + " : " + n.html.slice(0, 120)),
            }));
        }""",
        NORMES,
    )
    return [v for v in resultats if v["regle"] not in EXCEPTIONS_STREAMLIT]


def ouvrir_en(navigateur, url: str, largeur: int = 1280, hauteur: int = 720, **options):
    contexte = navigateur.new_context(
        viewport={"width": largeur, "height": hauteur}, locale="fr-FR", **options
    )
    page = contexte.new_page()
    erreurs: list[str] = []
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    page.goto(url)
    attendre_rendu(page)
    return contexte, page, erreurs


def parametres(url: str) -> tuple[str, dict]:
    morceaux = urlsplit(url)
    return morceaux.path, parse_qs(morceaux.query)


@pytest.mark.parametrize(
    ("chemin", "nom"),
    [("synthese?qpv=QN09610N&presentation=1", "synthese"), ("budget?presentation=1", "budget")],
)
def test_mode_presentation_a_1280x720(site, navigateur, chemin, nom):
    contexte, page, erreurs = ouvrir_en(navigateur, f"{site}/{chemin}")
    try:
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.get_by_role("switch", name="Mode présentation").is_checked()
        assert "Données fictives de démonstration" in page.locator("body").inner_text()
        # Large text: key figures and title.
        taille = page.locator('[data-testid="stMetricValue"]').first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert taille >= 40
        # « Partager » on one line (it broke into « Partage / r », outside test).
        menu = page.get_by_test_id("stPopover").get_by_role("button")
        assert menu.locator("p").inner_text() == "Partager"
        assert menu.bounding_box()["height"] < 56  # 64 px on two lines
        # No export menu on a shared screen; one chart per row, the whole width.
        assert page.get_by_role("button", name="Exporter le graphique").count() == 0
        largeurs = [
            boite["width"]
            for graphique in page.locator(".stPlotlyChart").all()
            if (boite := graphique.bounding_box())
        ]
        assert largeurs and min(largeurs) > 1100
        if nom == "synthese":
            # In the demo, « Les Coteaux » has 6 exits in 2025: still masked on the projector.
            assert chiffres_cles(page)["Sorties du programme"] == "< 11"
            page.screenshot(path=str(CAPTURES / "presentation-synthese.png"))
        else:
            page.locator("h3", has_text="Qui finance").evaluate(
                "e => e.scrollIntoView({block: 'start'})"
            )
            page.wait_for_timeout(800)
            page.screenshot(path=str(CAPTURES / "presentation-budget.png"))
        assert erreurs == []
    finally:
        contexte.close()


def test_mode_presentation_navigation_entre_les_pages(site, navigateur):
    """In front of the comité, the pages are tabs at the top: the mode and the year follow."""
    contexte, page, erreurs = ouvrir_en(navigateur, f"{site}/synthese?annee=2024&presentation=1")
    try:
        navigation = page.locator('[data-testid="stTopNavLinkContainer"], header nav')
        assert navigation.first.is_visible()
        for titre, chemin in (("Carte", "carte"), ("Publics et parcours", "publics")):
            page.get_by_role("link", name=titre).first.click()
            page.wait_for_url(re.compile(rf"/{chemin}\?"), timeout=15_000)
            attendre_rendu(page)
            assert "presentation=1" in page.url and "annee=2024" in page.url
            assert page.locator("h1").first.inner_text() == titre
            assert page.get_by_role("switch", name="Mode présentation").is_checked()
            assert not page.locator('[data-testid="stSidebar"]').is_visible()
            if chemin == "carte":
                # The map first, its settings below: it fills the first screen, full width.
                carte = page.locator('iframe[title="streamlit_folium.st_folium"]')
                carte.wait_for(timeout=30_000)
                boite = carte.bounding_box()
                assert boite["y"] < 400 and boite["width"] > 1150
                page.screenshot(path=str(CAPTURES / "presentation-carte.png"))
        page.screenshot(path=str(CAPTURES / "presentation-navigation.png"))
        # Leaving the mode brings the sidebar back, on the same page.
        page.get_by_text("Mode présentation", exact=True).click()
        page.wait_for_function("() => !location.search.includes('presentation=1')", timeout=15_000)
        attendre_rendu(page)
        assert page.locator('[data-testid="stSidebar"]').is_visible()
        assert page.locator("h1").first.inner_text() == "Publics et parcours"
        assert erreurs == []
    finally:
        contexte.close()


def test_lien_partage_qr_code_et_clavier(site, navigateur):
    contexte, page, erreurs = ouvrir_en(
        navigateur,
        f"{site}/carte?annee=2024",
        1440,
        1000,
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        # Map state and presentation mode, set with the keyboard only.
        page.get_by_role("radio", name="Part des enfants du programme").focus()
        page.keyboard.press("Space")
        page.wait_for_url(re.compile(r"mesure=part"), timeout=15_000)
        attendre_rendu(page)
        page.get_by_role("switch", name="Mode présentation").focus()
        page.keyboard.press("Space")
        page.wait_for_url(re.compile(r"presentation=1"), timeout=15_000)
        attendre_rendu(page)
        page.get_by_role("button", name="Partager").focus()
        page.keyboard.press("Enter")
        menu = page.locator('[data-testid="stPopoverBody"]')
        menu.wait_for(timeout=10_000)
        lien = menu.get_by_role("link").first.get_attribute("href")
        assert parametres(lien) == parametres(page.url)
        chemin, reglages = parametres(lien)
        assert chemin == "/carte"
        assert reglages["mesure"] == ["part"] and reglages["presentation"] == ["1"]
        assert reglages["annee"] == ["2024"]
        qr = menu.get_by_role("img", name=re.compile("QR code du lien"))
        assert qr.get_attribute("src").startswith("data:image/png;base64,")
        menu.get_by_role("button", name="Copier le lien").click()
        menu.get_by_text("Lien copié dans le presse-papiers.").wait_for(timeout=5_000)
        copie = page.evaluate("() => navigator.clipboard.readText()")
        assert parametres(copie) == parametres(page.url)
        page.screenshot(path=str(CAPTURES / "partage.png"))
        assert audit(page) == []
        assert erreurs == []
    finally:
        contexte.close()
    # The link, in a fresh browser: same page, same year, same measure, presentation mode.
    nouveau, page2, erreurs2 = ouvrir_en(navigateur, copie, 1440, 1000)
    try:
        assert parametres(page2.url)[1]["mesure"] == ["part"]
        assert not page2.locator('[data-testid="stSidebar"]').is_visible()
        titres = " ".join(page2.locator("h4").all_inner_texts())
        assert "Part des enfants du programme par quartier" in titres and "2024" in titres
        assert erreurs2 == []
    finally:
        nouveau.close()


def test_export_d_un_graphique_et_d_un_tableau(site, navigateur, tmp_path):
    contexte, page, erreurs = ouvrir(navigateur, f"{site}/budget?annee=2025")
    try:
        page.get_by_role("button", name="Exporter le graphique").first.click()
        with page.expect_download(timeout=60_000) as attente:
            page.get_by_role("button", name="Image PNG (impression, 300 dpi)").click()
        fichier = attente.value
        assert fichier.suggested_filename == (
            "budget-par-financeur-pre-de-l-agglomeration-de-demonstration-2025.png"
        )
        chemin = tmp_path / fichier.suggested_filename
        fichier.save_as(chemin)
        with Image.open(chemin) as image:
            assert image.size[0] == 1890 and round(image.info["dpi"][0]) == 300
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Exporter le tableau").first.click()
        with page.expect_download(timeout=60_000) as attente:
            page.get_by_role("button", name="CSV pour Excel (séparateur point-virgule)").click()
        contenu = Path(attente.value.path()).read_bytes()
        assert contenu.startswith("\ufeff".encode())
        entete = contenu.decode("utf-8-sig").splitlines()[0]
        assert entete.startswith("Financeur;Prévu (€);Part du total (%)")
        assert erreurs == []
    finally:
        contexte.close()
    journal = [ligne for ligne in lire_journal(50) if ligne["action"] == "export"]
    objets = [ligne["objet"] for ligne in journal]
    assert fichier.suggested_filename in objets
    ligne = journal[objets.index(fichier.suggested_filename)]
    assert json.loads(ligne["details"])["format"] == "png"
    assert json.loads(ligne["filtres"])["annee"] == 2025


@pytest.mark.parametrize("chemin", PAGES)
def test_audit_d_accessibilite(site, navigateur, chemin):
    contexte, page, _ = ouvrir(navigateur, f"{site}/{chemin}")
    try:
        assert audit(page) == []
        # Every chart has a text alternative: its title and its definition.
        for graphique in page.locator(".stPlotlyChart").all():
            assert len(graphique.get_attribute("aria-label") or "") > 30
    finally:
        contexte.close()


def test_audit_des_menus_ouverts(site, navigateur):
    contexte, page, _ = ouvrir(navigateur, f"{site}/synthese")
    try:
        page.get_by_role("button", name="Exporter le graphique").first.click()
        page.get_by_role("button", name="Document PDF").wait_for()
        assert audit(page) == []
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Partager").click()
        page.get_by_role("button", name="Copier le lien").wait_for()
        assert audit(page) == []
    finally:
        contexte.close()
    contexte, page, _ = ouvrir(navigateur, f"{site}/publics?presentation=1")
    try:
        assert audit(page) == []
    finally:
        contexte.close()


@pytest.fixture(scope="module")
def serveur_lecture(chemin_demo, tmp_path_factory):
    with serveur_streamlit(
        chemin_demo, tmp_path_factory.mktemp("lecture"), {"PRE_ROLE_DEMO": "lecture"}
    ) as url:
        yield url


def test_role_lecture_sans_export(serveur_lecture, navigateur):
    contexte, page, _ = ouvrir(navigateur, f"{serveur_lecture}/budget")
    try:
        texte = page.locator("body").inner_text()
        assert "rôle lecture" in texte
        assert page.get_by_role("button", name=re.compile("^Exporter")).count() == 0
        assert "Rapport" not in page.locator('[data-testid="stSidebarNav"]').inner_text()
        # Sharing a link is not an export: it stays.
        assert page.get_by_role("button", name="Partager").count() == 1
    finally:
        contexte.close()
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        # Refused before the page title is written: wait for the refusal itself.
        page.goto(f"{serveur_lecture}/rapport")
        page.get_by_text("Accès refusé").wait_for(timeout=30_000)
        assert page.get_by_role("button", name=re.compile("Télécharger le rapport")).count() == 0
    finally:
        contexte.close()


def test_page_rapport_telecharge_le_docx(site, navigateur, tmp_path):
    import docx

    contexte, page, erreurs = ouvrir(navigateur, f"{site}/rapport?sections=synthese,budgets")
    try:
        texte = page.locator("body").inner_text()
        assert "Aperçu du texte" in texte and "Synthèse" in texte and "Budgets" in texte
        # Two LibreOffice passes give the Word table of contents its page numbers.
        with page.expect_download(timeout=300_000) as attente:
            page.get_by_role("button", name="Télécharger le rapport (Word, DOCX)").click()
        fichier = attente.value
        assert fichier.suggested_filename.endswith(".docx")
        document = docx.Document(io.BytesIO(Path(fichier.path()).read_bytes()))
        titres = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
        assert titres == [
            "Synthèse",
            "Budgets",
            "Perspectives",
            "Définitions et sources",
            "Confidentialité",
        ]
        assert erreurs == []
    finally:
        contexte.close()


def test_export_de_la_carte(site, navigateur, tmp_path):
    contexte, page, erreurs = ouvrir(navigateur, f"{site}/carte?mesure=part&annee=2025")
    try:
        page.get_by_role("button", name="Exporter la carte").click()
        with page.expect_download(timeout=60_000) as attente:
            page.get_by_role("button", name="Image PNG (impression, 300 dpi)").click()
        fichier = attente.value
        assert fichier.suggested_filename == (
            "part-des-enfants-du-programme-par-quartier-pre-de-l-agglomeration-de-demonstration-"
            "2025.png"
        )
        chemin = tmp_path / fichier.suggested_filename
        fichier.save_as(chemin)
        with Image.open(chemin) as image:
            assert image.size[0] == 1890 and round(image.info["dpi"][0]) == 300
        (CAPTURES / "export-carte-navigateur.png").write_bytes(chemin.read_bytes())
        assert erreurs == []
    finally:
        contexte.close()
