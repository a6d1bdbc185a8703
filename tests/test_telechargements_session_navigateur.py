"""Real-browser test: a download asked for without a click is audited, and its file is served
only to the session that asked.

The server is started as pre_pilotage.serveur starts it (lanceur.py), on the hand-computed
fixture database (sign-in form shown). A signed-in coordinator's page is opened in Chromium; the
test reads the download buttons Streamlit sends over the websocket and, without clicking, sends
the deferred-file request itself on that same websocket, as an attacker's script would. The file
made must leave an `export` row in the audit log; its `/media/…` address must answer the owner,
and refuse another signed-in session and a request without cookie.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from pre_pilotage import comptes, sessions, telechargements
from pre_pilotage.administration import lire_journal
from tests.test_navigateur import attendre_rendu, se_connecter, serveur_streamlit

pytestmark = pytest.mark.navigateur

COMPTE, AUTRE, MOT_DE_PASSE = "coord.telechargement", "coord.voisine", "un mot de passe assez long"


@pytest.fixture(scope="module")
def site(chemin_fixture, tmp_path_factory):
    comptes.enregistrer_compte(COMPTE, "Coordinatrice qui exporte", "coordination", MOT_DE_PASSE)
    comptes.enregistrer_compte(AUTRE, "Coordinatrice voisine", "coordination", MOT_DE_PASSE)
    dossier = tmp_path_factory.mktemp("serveur_telechargements")
    with serveur_streamlit(chemin_fixture, dossier, script="lanceur.py") as url:
        yield url


class Espion:
    """The page's websocket, routed through the test: it sees every message and can send one."""

    def __init__(self, page) -> None:
        self.serveur = None
        self.session = ""
        self.boutons: dict[str, str] = {}  # label -> deferred file id (latest run)
        self.reponses: dict[str, ForwardMsg] = {}
        page.route_web_socket(re.compile(r"/_stcore/stream$"), self._router)

    def _router(self, ws) -> None:
        self.serveur = ws.connect_to_server()
        ws.on_message(lambda message: self.serveur.send(message))
        self.serveur.on_message(lambda message: (self._lire(message), ws.send(message)))

    def _lire(self, message) -> None:
        if isinstance(message, str):
            return
        msg = ForwardMsg()
        msg.ParseFromString(message)
        if msg.WhichOneof("type") == "new_session":
            self.session = msg.new_session.initialize.session_id
        elif msg.WhichOneof("type") == "backend_operation_response":
            self.reponses[msg.backend_operation_response.request_id] = msg
        elif msg.WhichOneof("type") == "delta" and msg.delta.HasField("new_element"):
            element = msg.delta.new_element
            if element.WhichOneof("type") == "download_button":
                bouton = element.download_button
                self.boutons[bouton.label] = bouton.deferred_file_id or bouton.url

    def demander(self, page, identifiant: str, numero: str) -> str:
        """Send the deferred-file request a click would send; the address of the file made."""
        demande = BackMsg()
        demande.backend_operation_request.request_id = numero
        demande.backend_operation_request.session_id = self.session
        demande.backend_operation_request.deferred_file.file_id = identifiant
        self.serveur.send(demande.SerializeToString())
        limite = time.monotonic() + 60
        while numero not in self.reponses:
            assert time.monotonic() < limite, "Pas de réponse à la demande de fichier."
            page.wait_for_timeout(200)
        reponse = self.reponses[numero].backend_operation_response
        assert not reponse.error_msg, reponse.error_msg
        return reponse.deferred_file.url


def _get(url: str, cookies: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
    entetes = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=entetes)) as reponse:
            return (
                reponse.status,
                reponse.read(),
                {k.lower(): v for k, v in reponse.headers.items()},
            )
    except urllib.error.HTTPError as erreur:
        return erreur.code, erreur.read(), {k.lower(): v for k, v in erreur.headers.items()}


def _cookies(contexte) -> dict[str, str]:
    return {c["name"]: c["value"] for c in contexte.cookies()}


def _connecte(navigateur, site: str, compte: str):
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = contexte.new_page()
    espion = Espion(page)
    page.goto(f"{site}/budget?annee=2025")
    attendre_rendu(page)
    se_connecter(page, compte, MOT_DE_PASSE)
    limite = time.monotonic() + 15
    while sessions.NOM_COOKIE not in _cookies(contexte):
        assert time.monotonic() < limite, "Cookie de session absent."
        page.wait_for_timeout(200)
    return contexte, page, espion


def _exports(compte: str) -> list[dict]:
    return [
        ligne
        for ligne in lire_journal(200)
        if ligne["action"] == "export" and ligne["identifiant"] == compte
    ]


def test_telechargement_sans_clic_journalise_et_reserve_a_sa_session(site, navigateur):
    contexte, page, espion = _connecte(navigateur, site, COMPTE)
    voisine, page_voisine, _ = _connecte(navigateur, site, AUTRE)
    try:
        # The page's last CSV menu: its table of fiches-action.
        libelle = "CSV pour Excel (séparateur point-virgule)"
        assert libelle in espion.boutons and "Télécharger le QR code (PNG)" in espion.boutons
        avant = len(_exports(COMPTE))

        adresse = espion.demander(page, espion.boutons[libelle], "demande-csv")
        assert adresse.startswith("/media/") and adresse.endswith(".csv")
        journal = _exports(COMPTE)
        assert len(journal) == avant + 1
        ligne = journal[0]
        assert ligne["objet"].endswith(".csv") and ligne["role"] == "coordination"
        assert json.loads(ligne["details"])["format"] == "csv"
        assert json.loads(ligne["filtres"])["annee"] == 2025

        # No download button carries a ready address: every file is made on request.
        assert all(
            re.fullmatch(r"[0-9a-f]{32}", identifiant) for identifiant in espion.boutons.values()
        ), espion.boutons
        # The QR code, whose bytes used to be in the page, is made and audited the same way.
        qr = espion.demander(page, espion.boutons["Télécharger le QR code (PNG)"], "demande-qr")
        assert _exports(COMPTE)[0]["objet"] == "qr-code-vue.png"
        assert len(_exports(COMPTE)) == avant + 2

        # The owner's browser gets the file; another signed-in session and no cookie do not.
        statut, corps, entetes = _get(site + adresse, _cookies(contexte))
        assert statut == 200 and corps.decode("utf-8-sig").startswith("Intitulé;Thématique;")
        assert entetes["content-disposition"] == f'attachment; filename="{ligne["objet"]}"'
        assert entetes["cache-control"] == "private, no-store"
        statut, corps, _ = _get(site + qr, _cookies(contexte))
        assert statut == 200 and corps.startswith(b"\x89PNG")
        for cookies in (_cookies(voisine), {}):
            for fichier in (adresse, qr):
                statut, corps, _ = _get(site + fichier, cookies)
                assert statut == 403, (fichier, cookies.keys())
                assert corps.decode() == telechargements.REFUS
        # The owner's own browser, through its page (same cookies as a click would send).
        assert page.evaluate(f"async () => (await fetch({adresse!r})).status") == 200
        assert page_voisine.evaluate(f"async () => (await fetch({adresse!r})).status") == 403
        # Reading the file does not write another row: one row per file made.
        assert len(_exports(COMPTE)) == avant + 2

        # A real click still downloads: the browser sends the session's cookie with it.
        page.get_by_role("button", name="Exporter le tableau").first.click()
        with page.expect_download(timeout=60_000) as attente:
            page.get_by_role("button", name=libelle).first.click()
        assert Path(attente.value.path()).read_bytes().startswith("\ufeff".encode())
        assert attente.value.suggested_filename.endswith(".csv")
        assert len(_exports(COMPTE)) == avant + 3
        page.keyboard.press("Escape")

        # Signed out: the session's files are refused even to its own browser.
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_function(
            "() => document.querySelector('h1')?.innerText === 'Connexion'", timeout=30_000
        )
        assert _get(site + adresse, _cookies(contexte))[0] == 403
    finally:
        contexte.close()
        voisine.close()


@pytest.fixture(scope="module")
def site_demo(chemin_demo, tmp_path_factory):
    dossier = tmp_path_factory.mktemp("serveur_telechargements_demo")
    with serveur_streamlit(chemin_demo, dossier, script="lanceur.py") as url:
        yield url


def test_sans_connexion_le_fichier_est_lie_au_navigateur(site_demo, navigateur):
    """Demonstration (no sign-in): the file is bound to the browser that asked for it."""
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    autre = navigateur.new_context()
    try:
        page = contexte.new_page()
        espion = Espion(page)
        page.goto(f"{site_demo}/synthese?annee=2025")
        attendre_rendu(page)
        cookies = _cookies(contexte)
        assert set(cookies) >= {telechargements.NOM_COOKIE_NAVIGATEUR}
        assert sessions.NOM_COOKIE not in cookies
        navigateur_cookie = next(
            c for c in contexte.cookies() if c["name"] == telechargements.NOM_COOKIE_NAVIGATEUR
        )
        assert navigateur_cookie["httpOnly"] is True and navigateur_cookie["sameSite"] == "Lax"
        avant = len(_exports("demonstration"))
        qr = espion.boutons["Télécharger le QR code (PNG)"]
        adresse = espion.demander(page, qr, "demande-qr")
        assert adresse.endswith(".png") and len(_exports("demonstration")) == avant + 1
        statut, corps, _ = _get(site_demo + adresse, cookies)
        assert statut == 200 and corps.startswith(b"\x89PNG")
        # Another browser (its own pre_navigateur cookie) and no cookie at all: refused.
        page_autre = autre.new_page()
        page_autre.goto(f"{site_demo}/synthese")
        assert telechargements.NOM_COOKIE_NAVIGATEUR in _cookies(autre)
        assert _get(site_demo + adresse, _cookies(autre))[0] == 403
        assert _get(site_demo + adresse)[0] == 403
    finally:
        contexte.close()
        autre.close()
