"""Real-browser test of sessions that hold: signed in once, still signed in after a reload, in a
new tab and from a shared link; after « Se déconnecter », not, and the old cookie is refused.

The server is started as pre_pilotage.serveur starts it (lanceur.py), on the hand-computed
fixture database, which is not marked as demo data: the sign-in form is shown. Screenshots:
tests/captures/session-nouvel-onglet.png and session-deconnexion.png.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from pre_pilotage import comptes, sessions
from pre_pilotage.administration import chemin_administration
from tests.test_navigateur import CAPTURES, attendre_rendu, serveur_streamlit

pytestmark = pytest.mark.navigateur

COMPTE, MOT_DE_PASSE = "coordinatrice.session", "un mot de passe assez long"


@pytest.fixture(scope="module")
def site(chemin_fixture, tmp_path_factory):
    comptes.enregistrer_compte(COMPTE, "Coordinatrice du PRE", "coordination", MOT_DE_PASSE)
    dossier = tmp_path_factory.mktemp("serveur_sessions")
    with serveur_streamlit(chemin_fixture, dossier, script="lanceur.py") as url:
        yield url


def titre(page) -> str:
    return page.locator("h1").first.inner_text()


def formulaire_affiche(page) -> bool:
    return page.get_by_label("Mot de passe", exact=True).count() > 0


def cookie_de_session(contexte) -> dict | None:
    return next((c for c in contexte.cookies() if c["name"] == sessions.NOM_COOKIE), None)


def attendre_cookie(contexte, present: bool) -> dict | None:
    limite = time.monotonic() + 15
    while (cookie_de_session(contexte) is not None) is not present:
        if time.monotonic() > limite:
            pytest.fail(f"Cookie de session {'absent' if present else 'toujours là'}.")
        time.sleep(0.2)
    return cookie_de_session(contexte)


def aller(page, url: str) -> None:
    page.goto(url)
    attendre_rendu(page)


def test_la_session_tient_puis_se_ferme(site, navigateur):
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    requetes: list[tuple[str, str]] = []
    contexte.on("request", lambda r: requetes.append((r.method, r.url)))
    try:
        page = contexte.new_page()
        aller(page, f"{site}/synthese?annee=2025")
        assert titre(page) == "Connexion" and formulaire_affiche(page)
        page.get_by_label("Identifiant", exact=True).fill(COMPTE)
        page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_function(
            "() => document.querySelector('h1')?.innerText === 'Synthèse'", timeout=60_000
        )
        cookie = attendre_cookie(contexte, present=True)
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
        assert cookie["secure"] is False  # plain HTTP here; Secure behind HTTPS
        assert abs(cookie["expires"] - (time.time() + 8 * 3600)) < 120
        assert cookie["path"] == "/"
        # HttpOnly: the page's scripts cannot read it.
        assert sessions.NOM_COOKIE not in page.evaluate("() => document.cookie")
        # The one-time token went in a POST body, never in an address.
        envois = [(m, u) for m, u in requetes if sessions.CHEMIN_OUVRIR in u]
        assert envois and all(m == "POST" and "?" not in u for m, u in envois)

        # Reload: still signed in, no password asked.
        page.reload()
        attendre_rendu(page)
        assert titre(page) == "Synthèse" and not formulaire_affiche(page)
        assert "Connecté·e : Coordinatrice du PRE" in page.locator("body").inner_text()

        # A new tab on another page's address, and a shared link with its settings.
        onglet = contexte.new_page()
        aller(onglet, f"{site}/carte?annee=2024")
        assert titre(onglet) != "Connexion" and not formulaire_affiche(onglet)
        CAPTURES.mkdir(parents=True, exist_ok=True)
        onglet.screenshot(path=str(CAPTURES / "session-nouvel-onglet.png"))
        partage = contexte.new_page()
        aller(partage, f"{site}/budget?annee=2025&presentation=1")
        assert titre(partage) != "Connexion" and not formulaire_affiche(partage)
        partage.close()

        # The role is read again at every run: an administrator's change shows at the next one.
        with sqlite3.connect(chemin_administration()) as con:
            con.execute("update compte set role = 'lecture' where identifiant = ?", (COMPTE,))
        onglet.reload()
        attendre_rendu(onglet)
        assert "rôle lecture" in onglet.locator("body").inner_text()
        assert onglet.get_by_role("link", name="Rapport").count() == 0
        with sqlite3.connect(chemin_administration()) as con:
            con.execute("update compte set role = 'coordination' where identifiant = ?", (COMPTE,))

        # « Se déconnecter »: the password is asked again, even after a reload.
        ancien = cookie["value"]
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_function(
            "() => document.querySelector('h1')?.innerText === 'Connexion'", timeout=30_000
        )
        attendre_cookie(contexte, present=False)
        page.reload()
        attendre_rendu(page)
        assert titre(page) == "Connexion" and formulaire_affiche(page)
        page.screenshot(path=str(CAPTURES / "session-deconnexion.png"))
        onglet.reload()
        attendre_rendu(onglet)
        assert titre(onglet) == "Connexion"
    finally:
        contexte.close()

    # The old cookie, replayed in a fresh browser, is refused: the session is closed server-side.
    rejeu = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        rejeu.add_cookies([{"name": sessions.NOM_COOKIE, "value": ancien, "url": site}])
        page = rejeu.new_page()
        aller(page, f"{site}/synthese")
        assert titre(page) == "Connexion" and formulaire_affiche(page)
    finally:
        rejeu.close()


def connecter_puis_synthese(page) -> None:
    page.get_by_label("Identifiant", exact=True).fill(COMPTE)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_function(
        "() => document.querySelector('h1')?.innerText === 'Synthèse'", timeout=30_000
    )


def test_se_reconnecter_sans_recharger_apres_la_deconnexion(site, navigateur):
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        page = contexte.new_page()
        aller(page, f"{site}/synthese")
        for _ in range(2):
            assert titre(page) == "Connexion"
            connecter_puis_synthese(page)
            attendre_cookie(contexte, present=True)
            page.get_by_role("button", name="Se déconnecter").click()
            page.wait_for_function(
                "() => document.querySelector('h1')?.innerText === 'Connexion'", timeout=30_000
            )
            attendre_rendu(page)
        # A session idle for more than an hour: the next page run asks for the password again,
        # says why, and signing in again works.
        connecter_puis_synthese(page)
        attendre_cookie(contexte, present=True)
        with sqlite3.connect(chemin_administration()) as con:
            con.execute(
                "update session_connexion set vu_le = vu_le - 3700, cree_le = cree_le - 3700"
                " where fermee_le is null"
            )
        page.reload()
        attendre_rendu(page)
        assert titre(page) == "Connexion"
        assert "Session terminée (déconnexion, plus de 60 minutes sans activité" in (
            page.locator("body").inner_text()
        )
        page.screenshot(path=str(CAPTURES / "session-inactivite.png"))
        connecter_puis_synthese(page)
    finally:
        contexte.close()
