"""ProConnect tried for real: a browser signs in through a local OpenID Connect provider.

tests/oidc/fournisseur.mjs (the certified npm `oidc-provider`, a devDependency) stands in for
ProConnect on 127.0.0.1: discovery at /api/v2/.well-known/openid-configuration, code flow,
state and nonce of 32 characters at least (as ProConnect requires), ID token with the
authentication claims only, userinfo answered as a JWT signed RS256, access tokens of 60 s,
end_session. The dashboard is served as pre_pilotage.serveur serves it (lanceur.py), on the
fixture database (not demo data), with [auth] written in a secrets file of the test.

Checked: the button leads to the provider's page; back in the dashboard with the account's role
(matched by e-mail, source « ProConnect »), from the verified userinfo JWT; a reload keeps the
session without asking the provider again; « Se déconnecter » closes the session server-side
and calls the provider's end_session; an unknown address, an organisation whose SIRET is not
allowed, a password account at the same address, and a userinfo answer altered on the way (claiming
another person's address) are refused in French, without access.
Screenshots: tests/captures/proconnect-*.png.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from pre_pilotage import comptes, config, sessions
from pre_pilotage.administration import chemin_administration
from tests.test_navigateur import CAPTURES, _port_libre, attendre_rendu, serveur_streamlit

pytestmark = pytest.mark.navigateur

FOURNISSEUR = config.RACINE / "tests" / "oidc" / "fournisseur.mjs"
CLIENT_ID, CLIENT_SECRET = "tableau-pre-essai", "secret-du-client-essai-0123456789"
SIRET_PRE = "21590350100017"
COORDINATRICE = "Camille.Martin@ville-essai.fr"  # case differs from the account's on purpose
INCONNUE = "personne.inconnue@ville-essai.fr"
PARTENAIRE = "agent@asso-essai.fr"  # has an account, but signs in for another organisation
LOCALE = "compte.local@ville-essai.fr"  # a password account: not opened by ProConnect
# Its userinfo JWT is altered on the way to claim the coordinatrice's address.
INTRUS = "intrus@ailleurs-essai.fr"
COMPTES_FOURNISSEUR = {
    COORDINATRICE: {
        "given_name": "Camille",
        "usual_name": "Martin",
        "siret": SIRET_PRE,
        "organization_label": "Commune d'Essai",
    },
    INCONNUE: {
        "given_name": "Dominique",
        "usual_name": "Durand",
        "siret": SIRET_PRE,
        "organization_label": "Commune d'Essai",
    },
    PARTENAIRE: {
        "given_name": "Alex",
        "usual_name": "Petit",
        "siret": "77567227200024",
        "organization_label": "Association des Parents d'Essai",
    },
    INTRUS: {
        "given_name": "Claude",
        "usual_name": "Intrus",
        "siret": SIRET_PRE,
        "organization_label": "Commune d'Essai",
    },
    LOCALE: {
        "given_name": "Sacha",
        "usual_name": "Moreau",
        "siret": SIRET_PRE,
        "organization_label": "Commune d'Essai",
    },
}


class Fournisseur:
    """The local provider's process and the events it printed (authorization, userinfo...)."""

    def __init__(self, journal: Path, port: int):
        self.journal, self.port = journal, port
        self.issuer = f"http://127.0.0.1:{port}/api/v2"

    def evenements(self, nom: str | None = None) -> list[dict]:
        lignes = [json.loads(x) for x in self.journal.read_text().splitlines() if x.startswith("{")]
        return [e for e in lignes if nom is None or e.get("evenement") == nom]


@pytest.fixture(scope="module")
def site(chemin_fixture, tmp_path_factory):
    dossier = tmp_path_factory.mktemp("proconnect")
    port_app, port_fournisseur = _port_libre(), _port_libre()
    redirection = f"http://127.0.0.1:{port_app}/oauth2callback"
    (dossier / "fournisseur.json").write_text(
        json.dumps(
            {
                "port": port_fournisseur,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": redirection,
                "comptes": COMPTES_FOURNISSEUR,
                "falsifier": {INTRUS: COORDINATRICE},
            }
        )
    )
    if not (config.RACINE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider manque dans node_modules : lancez `make test` (npm ci).")
    journal = dossier / "fournisseur.log"
    with journal.open("w") as sortie:
        processus = subprocess.Popen(
            ["node", str(FOURNISSEUR), str(dossier / "fournisseur.json")],
            cwd=config.RACINE,
            stdout=sortie,
            stderr=subprocess.STDOUT,
        )
    fournisseur = Fournisseur(journal, port_fournisseur)
    # Node starts in a second alone, much later on a loaded machine (CI runs beside others).
    limite = time.monotonic() + 120
    while not any(e.get("pret") for e in fournisseur.evenements()):
        if processus.poll() is not None or time.monotonic() > limite:
            processus.kill()
            pytest.fail(f"Le fournisseur OpenID Connect n'a pas démarré :\n{journal.read_text()}")
        time.sleep(0.2)
    secrets = dossier / "secrets.toml"
    secrets.write_text(
        f"""[auth]
redirect_uri = "{redirection}"
cookie_secret = "secret-des-cookies-de-connexion-essai-0123456789"
expose_tokens = ["id", "access"]

[auth.proconnect]
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{fournisseur.issuer}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid email given_name usual_name siret organization_label uid idp_id", prompt = "login" }}
sirets_autorises = ["{SIRET_PRE}"]
""",
        encoding="utf-8",
    )
    comptes.enregistrer_compte(
        COORDINATRICE.lower(), "Camille Martin", "coordination", None, source="oidc"
    )
    comptes.enregistrer_compte(PARTENAIRE, "Alex Petit", "lecture", None, source="oidc")
    comptes.enregistrer_compte(LOCALE, "Sacha Moreau", "administration", "un mot de passe long")
    try:
        with serveur_streamlit(
            chemin_fixture,
            dossier,
            {"STREAMLIT_SECRETS_FILES": str(secrets)},
            script="lanceur.py",
            port=port_app,
        ) as url:
            yield url, fournisseur
    finally:
        processus.terminate()
        processus.wait(timeout=10)
    erreurs = fournisseur.evenements("erreur")
    assert not erreurs, erreurs


def sujet(courriel: str) -> str:
    """The provider's `sub` of an address (tests/oidc/fournisseur.mjs)."""
    return "sub-" + courriel.encode().hex()[:24]


def titre(page) -> str:
    return page.locator("h1").first.inner_text()


def attendre_titre(page, attendu: str) -> None:
    page.wait_for_function(
        f"() => document.querySelector('h1')?.innerText === {attendu!r}", timeout=60_000
    )
    attendre_rendu(page)


def passer_par_proconnect(page, site_url: str, fournisseur: Fournisseur, courriel: str) -> None:
    """From the sign-in page, through the provider's page, back to the dashboard."""
    page.goto(f"{site_url}/synthese?annee=2025")
    attendre_titre(page, "Connexion")
    page.get_by_role("button", name="Se connecter avec ProConnect").click()
    page.wait_for_url(f"http://127.0.0.1:{fournisseur.port}/interaction/**")
    assert page.locator("h1").inner_text() == "Connexion ProConnect (essai)"
    page.get_by_label("Adresse électronique professionnelle").fill(courriel)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(f"{site_url}/**", timeout=30_000)


def lignes_journal(action: str) -> list[tuple[str, str, dict]]:
    with sqlite3.connect(chemin_administration()) as con:
        lignes = con.execute(
            "select identifiant, objet, details from journal_audit where action = ? order by rowid",
            (action,),
        ).fetchall()
    return [(i, o, json.loads(d) if d else {}) for i, o, d in lignes]


def test_connexion_role_rechargement_et_deconnexion(site, navigateur):
    site_url, fournisseur = site
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    navigations: list[str] = []
    contexte.on("request", lambda r: r.is_navigation_request() and navigations.append(r.url))
    try:
        page = contexte.new_page()
        passer_par_proconnect(page, site_url, fournisseur, COORDINATRICE)
        attendre_titre(page, "Synthèse")
        texte = page.locator("body").inner_text()
        assert "Connecté·e : Camille Martin – rôle coordination (équipe du PRE)" in texte
        assert page.get_by_role("link", name="Rapport").count() == 1  # coordination
        assert page.get_by_role("link", name="Comptes et journal").count() == 0
        CAPTURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CAPTURES / "proconnect-connecte.png"))

        # What crossed the wire, as the provider saw it.
        (autorisation,) = fournisseur.evenements("autorisation")
        assert autorisation["state"] >= 32 and autorisation["nonce"] >= 32
        assert autorisation["code_challenge_method"] == "S256"
        assert autorisation["prompt"] == "login"
        assert autorisation["scope"].split() == [
            "openid", "email", "given_name", "usual_name", "siret", "organization_label",
            "uid", "idp_id",
        ]  # fmt: skip
        assert fournisseur.evenements("userinfo") == [
            {"evenement": "userinfo", "type": "application/jwt"}
        ]
        connexions = [ligne for ligne in lignes_journal("connexion") if ligne[2].get("mode")]
        assert connexions[-1] == (
            COORDINATRICE.lower(),
            None,
            {"mode": "ProConnect", "siret": SIRET_PRE, "organisation": "Commune d'Essai"},
        )

        # The dashboard's own session holds: a reload and a new tab need neither the provider
        # nor its access token (which lives 60 s).
        limite = time.monotonic() + 15
        while not any(c["name"] == sessions.NOM_COOKIE for c in contexte.cookies()):
            assert time.monotonic() < limite, "Cookie de session absent."
            time.sleep(0.2)
        page.reload()
        attendre_titre(page, "Synthèse")
        onglet = contexte.new_page()
        onglet.goto(f"{site_url}/budget?annee=2025")
        attendre_rendu(onglet)
        assert titre(onglet) != "Connexion"
        assert "rôle coordination" in onglet.locator("body").inner_text()
        onglet.close()
        assert len(fournisseur.evenements("userinfo")) == 1
        with sqlite3.connect(chemin_administration()) as con:
            ouvertes = con.execute(
                "select numero from session_connexion where identifiant = ? and fermee_le is null",
                (COORDINATRICE.lower(),),
            ).fetchall()
        assert len(ouvertes) == 1

        # « Se déconnecter »: session closed here, then ProConnect's end_session, then back.
        page.get_by_role("button", name="Se déconnecter").click()
        page.wait_for_function(
            "() => document.querySelector('h1')?.innerText === 'Connexion'"
            " && location.port === " + repr(site_url.rsplit(":", 1)[1]),
            timeout=60_000,
        )
        attendre_rendu(page)
        assert len(fournisseur.evenements("end_session")) == 1, "\n".join(navigations)
        with sqlite3.connect(chemin_administration()) as con:
            (fermee,) = con.execute(
                "select fermee_le from session_connexion where numero = ?", (ouvertes[0][0],)
            ).fetchone()
        assert fermee is not None
        page.goto(f"{site_url}/budget?annee=2025")
        attendre_titre(page, "Connexion")
        assert "Connecté·e" not in page.locator("body").inner_text()
        assert page.get_by_role("button", name="Se connecter avec ProConnect").count() == 1
        page.screenshot(path=str(CAPTURES / "proconnect-deconnecte.png"))
    finally:
        contexte.close()


@pytest.mark.parametrize(
    ("courriel", "attendu", "capture"),
    [
        (
            INCONNUE,
            f"Votre compte ProConnect ({INCONNUE}) n'est pas autorisé sur ce tableau de bord : "
            "demandez à son administrateur de créer un compte « ProConnect » à cette adresse.",
            "proconnect-refus-inconnu.png",
        ),
        (
            PARTENAIRE,
            "Vous vous êtes connecté·e à ProConnect pour l'organisation « Association des "
            "Parents d'Essai » (SIRET 77567227200024), qui n'a pas accès à ce tableau de bord.",
            "proconnect-refus-siret.png",
        ),
        (
            LOCALE,
            f"Votre compte ProConnect ({LOCALE}) n'est pas autorisé sur ce tableau de bord",
            "proconnect-refus-compte-local.png",
        ),
        (
            INTRUS,
            "La réponse de ProConnect n'a pas pu être vérifiée (signature ou destinataire "
            "incorrects) : la connexion est refusée.",
            "proconnect-refus-falsification.png",
        ),
    ],
)
def test_refus_en_francais_sans_acces(site, navigateur, courriel, attendu, capture):
    site_url, fournisseur = site
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        page = contexte.new_page()
        passer_par_proconnect(page, site_url, fournisseur, courriel)
        attendre_titre(page, "Connexion")
        alerte = page.locator('[data-testid="stAlertContentError"]').inner_text()
        assert attendu in alerte
        texte = page.locator("body").inner_text()
        assert "Connecté·e" not in texte
        assert page.get_by_role("link", name="Synthèse").count() == 0
        page.screenshot(path=str(CAPTURES / capture))
        # No session, no cookie: another page's address shows the sign-in page again.
        assert not any(c["name"] == sessions.NOM_COOKIE for c in contexte.cookies())
        page.goto(f"{site_url}/budget?annee=2025")
        attendre_titre(page, "Connexion")
        assert "Connecté·e" not in page.locator("body").inner_text()
        echecs = lignes_journal("echec_connexion")
        if courriel == INTRUS:
            # Altered twice: once per browser session (the sign-in, then the other address).
            assert fournisseur.evenements("falsification") == 2 * [
                {"evenement": "falsification", "email": COORDINATRICE}
            ]
        # An altered answer names nobody: the audit keeps the ID token's subject.
        assert echecs[-1][1] == (courriel if courriel != INTRUS else sujet(INTRUS))
        assert echecs[-1][2]["mode"] == "ProConnect"
        # « Se déconnecter de ProConnect » lets the person choose another account next time.
        avant = len(fournisseur.evenements("end_session"))
        page.get_by_role("button", name="Se déconnecter de ProConnect").click()
        page.wait_for_function(
            "() => document.querySelector('h1')?.innerText === 'Connexion'"
            " && location.port === "
            + repr(site_url.rsplit(":", 1)[1])
            + " && !document.body.innerText.includes('Se déconnecter de ProConnect')",
            timeout=60_000,
        )
        assert len(fournisseur.evenements("end_session")) == avant + 1
    finally:
        contexte.close()


def test_retour_forge_sans_effet(site, navigateur):
    """A callback this browser did not start (forged or replayed `state`) signs nobody in and
    costs no call to the provider's token endpoint."""
    site_url, fournisseur = site
    avant = len(fournisseur.evenements("requete_jetons"))
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    try:
        page = contexte.new_page()
        page.goto(f"{site_url}/oauth2callback?code=code-vole&state={'x' * 43}")
        attendre_titre(page, "Connexion")
        assert "Connecté·e" not in page.locator("body").inner_text()
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        assert len(fournisseur.evenements("requete_jetons")) == avant
    finally:
        contexte.close()
