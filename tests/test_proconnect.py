"""ProConnect's userinfo answer, checked without a browser: a real HTTP server on 127.0.0.1 serves
a discovery document, a JWKS and a userinfo answer; the app must accept only a JWT signed by a
key of that JWKS, for this client, this issuer and this subject.

The browser test of the whole flow is tests/test_proconnect_navigateur.py.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from pre_pilotage import comptes, proconnect
from pre_pilotage.administration import Utilisateur

CLIENT = "tableau-pre"
SUJET = "sub-0123456789"
REVENDICATIONS = {
    "sub": SUJET,
    "email": "camille.martin@ville-essai.fr",
    "given_name": "Camille",
    "usual_name": "Martin",
    "siret": "21590350100017",
    "organization_label": "Commune d'Essai",
}


class Serveur:
    """Discovery, JWKS and userinfo of a provider; the userinfo answer is set by each test."""

    def __init__(self):
        self.cle = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "alg": "RS256"})
        self.reponse: tuple[int, str, str] = (200, "application/json", "{}")
        serveur = self

        class Gestion(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                base = f"http://127.0.0.1:{self.server.server_port}/api/v2"
                if self.path == "/api/v2/.well-known/openid-configuration":
                    code, type_, corps = (
                        200,
                        "application/json",
                        json.dumps(
                            {
                                "issuer": base,
                                "jwks_uri": f"{base}/jwks",
                                "userinfo_endpoint": f"{base}/userinfo",
                            }
                        ),
                    )
                elif self.path == "/api/v2/jwks":
                    code, type_ = 200, "application/json"
                    corps = json.dumps({"keys": [serveur.cle.as_dict(private=False)]})
                elif self.path == "/api/v2/userinfo":
                    assert self.headers["Authorization"] == "Bearer jeton-d-acces"
                    code, type_, corps = serveur.reponse
                else:
                    code, type_, corps = 404, "text/plain", "introuvable"
                self.send_response(code)
                self.send_header("Content-Type", type_)
                self.end_headers()
                self.wfile.write(corps.encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gestion)
        self.issuer = f"http://127.0.0.1:{self.httpd.server_port}/api/v2"
        self.config = {
            "client_id": CLIENT,
            "server_metadata_url": f"{self.issuer}/.well-known/openid-configuration",
        }

    def signer(self, revendications: dict, cle=None, alg: str = "RS256") -> str:
        cle = cle or self.cle
        return jwt.encode({"alg": alg, "kid": cle.kid}, revendications, cle)

    def repondre_jwt(self, revendications: dict, **options) -> None:
        self.reponse = (200, "application/jwt", self.signer(revendications, **options))


@pytest.fixture
def fournisseur():
    serveur = Serveur()
    fil = threading.Thread(target=serveur.httpd.serve_forever, daemon=True)
    fil.start()
    proconnect._CACHE.clear()
    yield serveur
    serveur.httpd.shutdown()
    proconnect._CACHE.clear()


def userinfo(fournisseur) -> dict:
    return proconnect.infos_utilisateur("jeton-d-acces", SUJET, fournisseur.config)


def test_userinfo_signe_accepte(fournisseur):
    fournisseur.repondre_jwt(REVENDICATIONS | {"iss": fournisseur.issuer, "aud": CLIENT})
    assert userinfo(fournisseur) == REVENDICATIONS | {"iss": fournisseur.issuer, "aud": CLIENT}


ECHEC_VERIFICATION = (
    "La réponse de ProConnect n'a pas pu être vérifiée (signature ou destinataire incorrects) : "
    "la connexion est refusée."
)


@pytest.mark.parametrize(
    "defaut",
    ["autre cle", "autre client", "autre emetteur", "autre sujet", "signature alteree", "HS256"],
)
def test_userinfo_refuse_si_la_verification_echoue(fournisseur, defaut):
    revendications = REVENDICATIONS | {"iss": fournisseur.issuer, "aud": CLIENT}
    options = {}
    if defaut == "autre cle":
        # Same kid, another key: an attacker's signature.
        options["cle"] = RSAKey.generate_key(2048, parameters={"kid": "cle-1", "alg": "RS256"})
    elif defaut == "autre client":
        revendications["aud"] = "un-autre-service"
    elif defaut == "autre emetteur":
        revendications["iss"] = "https://faux-proconnect.example/api/v2"
    elif defaut == "autre sujet":
        revendications["sub"] = "sub-de-quelqu-un-d-autre"
    fournisseur.repondre_jwt(revendications, **options)
    if defaut == "signature alteree":
        entete, charge, signature = fournisseur.reponse[2].split(".")
        autre = fournisseur.signer(revendications | {"email": "intrus@ailleurs.fr"})
        fournisseur.reponse = (
            200,
            "application/jwt",
            ".".join([entete, autre.split(".")[1], signature]),
        )
    if defaut == "HS256":
        from joserfc.jwk import OctKey

        cle = OctKey.import_key(b"secret-partage-connu-de-tous-0123456789")
        fournisseur.reponse = (
            200,
            "application/jwt",
            jwt.encode({"alg": "HS256"}, revendications, cle, algorithms=["HS256"]),
        )
    with pytest.raises(proconnect.RefusProConnect) as refus:
        userinfo(fournisseur)
    assert str(refus.value) == ECHEC_VERIFICATION


def test_userinfo_en_json_non_signe_refuse(fournisseur):
    fournisseur.reponse = (200, "application/json", json.dumps(REVENDICATIONS))
    with pytest.raises(proconnect.RefusProConnect) as refus:
        userinfo(fournisseur)
    assert str(refus.value) == (
        "ProConnect n'a pas renvoyé d'informations signées sur votre compte : la connexion est "
        "refusée."
    )


def test_jeton_d_acces_expire(fournisseur):
    fournisseur.reponse = (401, "application/json", '{"error": "invalid_token"}')
    with pytest.raises(proconnect.RefusProConnect) as refus:
        userinfo(fournisseur)
    assert str(refus.value) == (
        "Votre connexion ProConnect a expiré : reconnectez-vous avec le bouton ProConnect."
    )


def test_fournisseur_injoignable():
    proconnect._CACHE.clear()
    with pytest.raises(proconnect.RefusProConnect) as refus:
        proconnect.infos_utilisateur(
            "jeton",
            SUJET,
            {"client_id": CLIENT, "server_metadata_url": "http://127.0.0.1:9/.well-known/x"},
        )
    assert str(refus.value) == (
        "ProConnect ne répond pas pour l'instant : réessayez dans quelques minutes."
    )


def test_identite_et_sirets_autorises():
    personne = proconnect.identite(REVENDICATIONS, {"sirets_autorises": ["215 903 501 00017"]})
    assert (
        personne.email,
        personne.siret,
        personne.organisation,
        personne.prenom,
        personne.nom,
    ) == (
        "camille.martin@ville-essai.fr",
        "21590350100017",
        "Commune d'Essai",
        "Camille",
        "Martin",
    )
    # Without a list, any organisation of the person is accepted.
    assert proconnect.identite(REVENDICATIONS | {"siret": "1"}, {}).siret == "1"
    with pytest.raises(proconnect.RefusProConnect) as refus:
        proconnect.identite(REVENDICATIONS, {"sirets_autorises": ["77567227200024"]})
    assert str(refus.value).startswith(
        "Vous vous êtes connecté·e à ProConnect pour l'organisation « Commune d'Essai » "
        "(SIRET 21590350100017), qui n'a pas accès à ce tableau de bord."
    )
    with pytest.raises(proconnect.RefusProConnect, match="adresse électronique"):
        proconnect.identite({"sub": SUJET}, {})


def test_compte_proconnect_par_adresse_sans_casse(tmp_path):
    chemin = tmp_path / "administration.sqlite"
    comptes.enregistrer_compte(
        "camille.martin@ville-essai.fr", "Camille Martin", "lecture", None, "oidc", chemin
    )
    comptes.enregistrer_compte(
        "sacha@ville-essai.fr", "Sacha", "administration", "un mot de passe long", chemin=chemin
    )
    assert comptes.compte_oidc(" Camille.Martin@Ville-Essai.fr", chemin) == Utilisateur(
        "camille.martin@ville-essai.fr", "Camille Martin", "lecture"
    )
    # A password account is never opened by ProConnect, even at the same address.
    assert comptes.compte_oidc("sacha@ville-essai.fr", chemin) is None


def test_state_et_nonce_de_43_caracteres():
    from authlib.common.security import generate_token
    from authlib.integrations.base_client import sync_app
    from authlib.oauth2 import client

    proconnect.allonger_jetons()
    proconnect.allonger_jetons()  # idempotent
    assert len(client.generate_token()) == 43  # state (Authlib: 30)
    assert len(sync_app.generate_token(20)) == 43  # nonce (Authlib: 20)
    assert len(sync_app.generate_token(48)) == 48  # PKCE code verifier, unchanged
    assert generate_token() != generate_token()
