"""No English on screen, nor in what a screen reader says, on every page and for every role.

Streamlit's front end has English strings of its own (hidden labels « Help for … », « Skip to main
content », its page-not-found dialog, toolbar tooltips); `ui._FRANCISATION` puts them into French
in the browser. This test signs in with each role on the fixture database (not demo: the sign-in
form is shown), opens every page and a page that does not exist, and reads every text node (except
icons' ligatures, hidden from screen readers) and every attribute a person reads or hears, in the
page and in its frames (the Leaflet map). It fails on a list of English words and phrases.
"""

from __future__ import annotations

import re

import pytest

from pre_pilotage import comptes
from tests.test_navigateur import (
    CAPTURES,
    PAGES,
    attendre_cookie_de_session,
    ouvrir,
    se_connecter,
    serveur_streamlit,
)

pytestmark = pytest.mark.navigateur

MOT_DE_PASSE = "un mot de passe assez long"
ROLES = ("lecture", "coordination", "administration")

# Whole words (case-sensitive) and phrases seen in Streamlit's, Plotly's and Leaflet's interfaces.
ANGLAIS = [
    "Help",
    "Skip to",
    "Upload",
    "Download",
    "Close",
    "Open",
    "Search",
    "Fullscreen",
    "Clear",
    "Show",
    "Hide",
    "Select",
    "Choose",
    "Running",
    "Stop",
    "Page not found",
    "does not seem to exist",
    "Connection",
    "Please wait",
    "Copy",
    "Copied",
    "Link to heading",
    "file upload",
    "No results",
    "Zoom in",
    "Zoom out",
    "Drag and drop",
    "Browse files",
    "per file",
    "Error",
    "Traceback",
    "None",
    "nan",
    "True",
    "False",
    "Loading",
    "Kaleido",
]
_MOTIF = re.compile(r"\b(" + "|".join(re.escape(m) for m in ANGLAIS) + r")\b")

# Every text node outside icons' ligatures (aria-hidden) and scripts, and every attribute read or
# heard by a person.
_LIRE = """() => {
  const out = [];
  const attributs = ["aria-label", "title", "placeholder", "alt", "data-title", "aria-description"];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, p = n.parentElement;
    if (!p || p.closest('[aria-hidden="true"], script, style, noscript')) continue;
    const t = n.nodeValue.trim();
    if (t) out.push(t);
  }
  document.querySelectorAll("*").forEach(e => {
    for (const a of attributs) {
      const v = e.getAttribute(a);
      if (v && v.trim()) out.push(a + " = " + v.trim());
    }
  });
  return out;
}"""


@pytest.fixture(scope="module")
def site(chemin_fixture, tmp_path_factory):
    for role in ROLES:
        comptes.enregistrer_compte(f"francais.{role}", f"Compte {role}", role, MOT_DE_PASSE)
    dossier = tmp_path_factory.mktemp("serveur_francais")
    with serveur_streamlit(chemin_fixture, dossier, script="lanceur.py") as url:
        yield url


def attendre(page) -> None:
    """The page has run (pages refused to a role have no title: wait for the main block)."""
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=\"stMainBlockContainer\"]')"
        "?.innerText ?? '').trim().length > 40",
        timeout=60_000,
    )
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(2_000)


def anglais_de_la_page(page) -> list[str]:
    trouves = []
    for cadre in page.frames:
        try:
            textes = cadre.evaluate(_LIRE)
        except Exception:  # noqa: BLE001 - a frame gone while reading: read the others
            continue
        trouves += [t for t in textes if _MOTIF.search(t)]
    return trouves


def attendre_page_introuvable(page, adresse: str, role: str) -> None:
    """Streamlit's own « page not found » dialog, in French.

    It is put into French once the first page's script has run (that script installs the
    translation): as long as a page load under load. Once in a full CI run the dialog never
    showed (the main page ran, no dialog in English either): the front end can close its dialog
    on its own (a rerun closes dialogs), so the address is opened a second time before failing.
    English on screen fails at once.
    """
    for essai in range(2):
        if essai:
            page.goto(adresse)
        try:
            page.get_by_text("Page introuvable").wait_for(timeout=60_000)
            return
        except Exception as erreur:  # noqa: BLE001 - say what was on screen instead
            corps = page.locator("body").inner_text()
            if "Page not found" in corps or essai:
                CAPTURES.mkdir(exist_ok=True)
                page.screenshot(path=str(CAPTURES / f"introuvable_{role}.png"))
                dialogues = [d.inner_text() for d in page.locator('[role="dialog"]').all()]
                raise AssertionError(
                    f"pas de dialogue « Page introuvable » ({erreur}); dialogues : "
                    f"{dialogues!r}; à l'écran : {corps[:1500]!r}"
                ) from None


@pytest.mark.parametrize("role", ROLES)
def test_aucun_mot_anglais_pour_chaque_role(site, navigateur, role):
    contexte, page, erreurs = ouvrir(navigateur, f"{site}/synthese")
    try:
        se_connecter(page, f"francais.{role}", MOT_DE_PASSE)
        attendre_cookie_de_session(page)
        trouves: dict[str, list[str]] = {}
        for chemin in [*PAGES, "page-qui-n-existe-pas"]:
            page.goto(f"{site}/{chemin}")
            if chemin == "page-qui-n-existe-pas":
                attendre_page_introuvable(page, f"{site}/{chemin}", role)
                assert page.get_by_text("La page demandée n'existe pas").count() == 1
            attendre(page)
            # Still signed in (the session cookie carried over): not the sign-in form.
            assert page.get_by_label("Mot de passe", exact=True).count() == 0, chemin
            # Tooltips of the help icons are drawn on hover: show the first one.
            aides = page.locator('[data-testid="stTooltipHoverTarget"]')
            if aides.count() and chemin != "page-qui-n-existe-pas":
                aides.first.hover()
                page.wait_for_timeout(500)
            anglais = anglais_de_la_page(page)
            if anglais:
                trouves[chemin] = sorted(set(anglais))
        assert trouves == {}
        # Streamlit also logs its page-not-found message to the console (not shown).
        assert [e for e in erreurs if "does not seem to exist" not in e] == []
    finally:
        contexte.close()
