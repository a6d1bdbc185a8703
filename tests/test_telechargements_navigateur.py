"""Real-browser test: files leave the app only through the audited « Exporter » menus.

No Plotly toolbar (its camera button downloads a PNG outside the audit log), no table toolbar
(« Download as CSV », and English tooltips), for the lecture and the coordination roles; the
« Exporter » menus are there for coordination only.
"""

from __future__ import annotations

import re

import pytest

from tests.test_navigateur import capturer, ouvrir, serveur_streamlit

pytestmark = pytest.mark.navigateur

# Page -> whether it has a table (Synthèse and Publics have key figures and charts only).
PAGES = {"synthese": False, "publics": False, "budget": True, "cite": True}
# What Plotly's modebar and Streamlit's table toolbar would put on screen, in English.
TELECHARGEMENTS = (
    '[data-title="Download plot as a png"], [title="Download plot as a png"], '
    '[aria-label="Download as CSV"], [title="Download as CSV"], '
    '[data-title*="Download" i], [aria-label*="Download" i], [title*="Download" i]'
)
LIBELLES_ANGLAIS = re.compile(
    r"download|search|show/hide|fullscreen|zoom|pan\b|autoscale|reset axes|plotly|"
    r"add row|delete",
    re.IGNORECASE,
)


@pytest.fixture(scope="module", params=["lecture", "coordination"])
def serveur_role(request, chemin_demo, tmp_path_factory):
    role = request.param
    dossier = tmp_path_factory.mktemp(f"telechargements-{role}")
    with serveur_streamlit(chemin_demo, dossier, {"PRE_ROLE_DEMO": role}) as url:
        yield role, url


def _libelles_visibles(page, selecteur: str) -> list[str]:
    """Titles and accessible names of the visible elements inside the charts and tables."""
    return page.locator(selecteur).evaluate_all(
        """conteneurs => conteneurs.flatMap(c => [...c.querySelectorAll(
                '[title], [aria-label], [data-title]')])
            .filter(e => e.checkVisibility())
            .map(e => [e.getAttribute('title'), e.getAttribute('aria-label'),
                       e.getAttribute('data-title')].filter(Boolean).join(' | '))"""
    )


@pytest.mark.parametrize("chemin", PAGES)
def test_aucun_telechargement_hors_des_menus_exporter(serveur_role, navigateur, chemin):
    role, url = serveur_role
    contexte, page, erreurs = ouvrir(navigateur, f"{url}/{chemin}?annee=2025")
    try:
        assert f"rôle {role}" in page.locator('[data-testid="stSidebar"]').inner_text()
        graphiques = page.locator(".stPlotlyChart")
        tableaux = page.locator('[data-testid="stDataFrame"]')
        assert graphiques.count() >= 1
        assert (tableaux.count() >= 1) == PAGES[chemin]
        # Plotly shows its toolbar and Streamlit the table's toolbar on hover: hover both.
        for element in (graphiques.first, tableaux.first) if PAGES[chemin] else (graphiques.first,):
            element.scroll_into_view_if_needed()
            element.hover()
            page.wait_for_timeout(800)
            assert page.locator(TELECHARGEMENTS).count() == 0
            assert page.locator(".modebar, .modebar-btn").count() == 0
            assert [
                b
                for b in page.locator('[data-testid="stElementToolbarButton"]').all()
                if b.is_visible()
            ] == []
            libelles = _libelles_visibles(page, '.stPlotlyChart, [data-testid="stDataFrame"]')
            assert [lib for lib in libelles if LIBELLES_ANGLAIS.search(lib)] == []
        if chemin == "cite":
            capturer(page, f"telechargements-{role}-cite")
        menus = page.get_by_role("button", name=re.compile("^Exporter (le graphique|le tableau)"))
        if role == "coordination":
            assert menus.count() >= 2
        else:
            assert menus.count() == 0
            assert page.get_by_role("button", name=re.compile("^Exporter")).count() == 0
        assert erreurs == []
    finally:
        contexte.close()
