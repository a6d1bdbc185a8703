"""The « Territoires » page in a real browser, on the national reference built from ../shared/data:
France, Hauts-de-France, Nord, La Réunion; map drawn from local files only, gaps beside the map,
French only. Screenshots: tests/captures/territoires-*.png.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from pre_pilotage import comptes
from tests.test_navigateur import (
    CAPTURES,
    attendre_rendu,
    capturer,
    chiffres_cles,
    se_connecter,
    serveur_streamlit,
)
from tests.test_territoires import fichiers_reels

pytestmark = pytest.mark.navigateur

CARTE = 'iframe[title="streamlit_folium.st_folium"]'
COMPTE, MOT_DE_PASSE = "anct", "mot de passe national"
# English words Streamlit or Leaflet could leave on screen.
ANGLAIS = re.compile(r"\b(Loading|Search|Download|Show|Layers|Zoom in|Zoom out|Leaflet)\b")


@pytest.fixture(scope="module")
def serveur(chemin_fixture, tmp_path_factory):
    from pre_pilotage.geographie import nationale

    dossier = tmp_path_factory.mktemp("serveur_territoires")
    reference = dossier / "territoires.duckdb"
    nationale.ecrire(nationale.construire(fichiers_reels()), reference)
    administration = dossier / "administration.sqlite"
    comptes.enregistrer_compte(
        COMPTE, "Chargée de mission ANCT", "lecture", MOT_DE_PASSE, chemin=administration
    )
    env = {"PRE_TERRITOIRES": str(reference), "PRE_ADMINISTRATION": str(administration)}
    with serveur_streamlit(chemin_fixture, dossier, env) as url:
        yield url


def ouvrir_territoire(navigateur, url: str):
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = contexte.new_page()
    requetes: list[str] = []
    erreurs: list[str] = []
    page.on("request", lambda r: requetes.append(r.url))
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    page.goto(url)
    page.wait_for_selector("h1", timeout=30_000)
    se_connecter(page, COMPTE, MOT_DE_PASSE)
    page.wait_for_selector(CARTE, timeout=60_000)
    cadre = page.frame_locator(CARTE)
    cadre.locator(".terr-legende").wait_for(timeout=30_000)
    attendre_rendu(page)
    return contexte, page, cadre, requetes, erreurs


@pytest.mark.parametrize(
    ("code", "nom", "attendus"),
    [
        ("FR", "france", {"Communes avec un PRE": "511", "QPV 2024": "1 609"}),
        ("R32", "hauts-de-france", {"Communes avec un PRE": "83"}),
        ("D59", "nord", {"Communes avec un PRE": "34", "QPV sans PRE": "21"}),
        ("D974", "la-reunion", {"Communes avec un PRE": "10", "QPV 2024": "57"}),
    ],
)
def test_territoire_carte_et_lacunes(serveur, navigateur, code, nom, attendus):
    contexte, page, cadre, requetes, erreurs = ouvrir_territoire(
        navigateur, f"{serveur}/territoires?territoire={code}"
    )
    try:
        capturer(page, f"territoires-{nom}")
        chiffres = {k: v.replace("\u202f", " ") for k, v in chiffres_cles(page).items()}
        assert attendus.items() <= chiffres.items()
        # Leaflet from the app itself, nothing from another machine.
        assert [u for u in requetes if urlparse(u).hostname not in ("127.0.0.1", "localhost")] == []
        assert cadre.locator("canvas").count() >= 1
        legende = cadre.locator(".terr-legende").inner_text()
        assert "Commune avec un PRE (liste ANCT)" in legende
        assert "QPV sans PRE" in legende
        couches = cadre.locator(".terr-legende .couche").all_inner_texts()
        couches = " ".join(couches)
        assert "Quartiers prioritaires 2024" in couches and "Cités éducatives" in couches
        texte = page.locator('[data-testid="stMain"]').inner_text()
        assert "Lacunes de couverture" in texte
        assert "Quartiers prioritaires sans PRE" in texte
        assert not ANGLAIS.search(texte + legende + couches), ANGLAIS.search(texte + legende)
        assert erreurs == []
    finally:
        contexte.close()


@pytest.mark.parametrize(("largeur", "hauteur"), [(1280, 720), (1440, 1000)])
@pytest.mark.parametrize(
    ("code", "nom"),
    [("FR", "france"), ("R32", "hauts-de-france"), ("D59", "nord"), ("D974", "la-reunion")],
)
def test_territoire_mise_en_page(serveur, navigateur, code, nom, largeur, hauteur):
    """The map takes most of the width; its legend covers none of its points at opening."""
    contexte, page, cadre, _requetes, erreurs = ouvrir_territoire(
        navigateur, f"{serveur}/territoires?territoire={code}"
    )
    try:
        page.set_viewport_size({"width": largeur, "height": hauteur})
        page.wait_for_timeout(1_500)
        carte = page.locator(CARTE).bounding_box()
        contenu = page.locator('[data-testid="stMainBlockContainer"]').evaluate(
            "e => e.clientWidth - parseFloat(getComputedStyle(e).paddingLeft)"
            " - parseFloat(getComputedStyle(e).paddingRight)"
        )
        assert carte["width"] >= 0.55 * contenu, (carte["width"], contenu)
        page.locator(CARTE).scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=str(CAPTURES / f"territoires-{nom}-{largeur}x{hauteur}.png"))
        # Every drawn point lies outside the legend panel (the map is fitted beside it).
        dedans = cadre.locator("body").evaluate(
            """() => {
                const l = document.querySelector('.terr-legende').getBoundingClientRect();
                const m = document.querySelector('.leaflet-container').getBoundingClientRect();
                return [l.left - m.left, l.bottom - m.top, m.width, m.height];
            }"""
        )
        gauche, bas, largeur_carte, _ = dedans
        assert gauche > largeur_carte * 0.5 or bas < 80
        assert erreurs == []
    finally:
        contexte.close()
