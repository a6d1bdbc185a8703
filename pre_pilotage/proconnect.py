"""ProConnect (OpenID Connect) after `st.login("proconnect")`: who signed in, checked, and their account.

Streamlit's `st.login` (Authlib) runs the authorization code flow: discovery document, `state`
(kept in Streamlit's signed session cookie), `nonce`, PKCE when the provider supports it, and the
ID token's signature, issuer, audience and nonce. But it reads the user from the ID token only,
and ProConnect puts the person's claims (email, siret, organization_label, names) in the userinfo
answer, a JWT signed with the algorithm registered for the service. This module fetches that
answer with the access token (`expose_tokens = ["id", "access"]` in [auth]), verifies its
signature against the provider's JWKS, its issuer, audience and subject (the ID token's `sub`),
then maps the e-mail address to an account of source « ProConnect ».

Settings: .streamlit/secrets.toml, [auth.proconnect] (see docs/connexion.md); optional
`sirets_autorises`, a list of SIRET numbers: a person signing in for another organisation is
refused even when the address matches an account.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

FOURNISSEUR = "proconnect"
# Signature algorithms accepted for the userinfo JWT (ProConnect offers RS256 and ES256 with its
# public keys, or HS256 with the client secret; the dashboard registers with RS256 or ES256).
ALGORITHMES = ("RS256", "ES256")
DELAI_SECONDES = 10
DUREE_CACHE_SECONDES = 600
# ProConnect asks for a state and a nonce of 32 characters at least; Authlib makes 30 and 20.
LONGUEUR_MIN_ALEA = 43


class RefusProConnect(Exception):
    """A ProConnect sign-in that does not open the dashboard; the message is French."""


@dataclass(frozen=True)
class IdentiteProConnect:
    email: str
    siret: str | None
    organisation: str | None
    prenom: str | None
    nom: str | None
    revendications: dict


def allonger_jetons() -> None:
    """Make Authlib's random `state` and `nonce` 43 characters long (it makes 30 and 20).

    ProConnect's documentation requires at least 32 characters for both; Streamlit gives no
    setting for them. Only the length changes: same generator (SystemRandom), same alphabet.
    """
    try:
        from authlib.common import security
        from authlib.integrations.base_client import sync_app
        from authlib.oauth2 import client
    except ModuleNotFoundError:  # st.login is unusable anyway without Authlib
        return
    if getattr(security.generate_token, "allonge", False):
        return
    origine = security.generate_token

    def generer(length: int = 30, chars: str = security.UNICODE_ASCII_CHARACTER_SET) -> str:
        return origine(max(length, LONGUEUR_MIN_ALEA), chars)

    generer.allonge = True
    for module in (security, sync_app, client):
        module.generate_token = generer


def configuration() -> dict:
    """[auth.proconnect] of .streamlit/secrets.toml, as a plain dict."""
    import streamlit as st

    section = st.secrets.get("auth", {}).get(FOURNISSEUR, {})
    return section.to_dict() if hasattr(section, "to_dict") else dict(section)


_CACHE: dict[str, tuple[float, dict]] = {}
_VERROU = threading.Lock()


def _document(url: str, recharger: bool = False) -> dict:
    """A JSON document of the provider (discovery, JWKS), kept 10 minutes."""
    import httpx

    with _VERROU:
        trouve = _CACHE.get(url)
    if trouve and not recharger and time.monotonic() - trouve[0] < DUREE_CACHE_SECONDES:
        return trouve[1]
    try:
        reponse = httpx.get(url, timeout=DELAI_SECONDES, follow_redirects=False)
        reponse.raise_for_status()
        contenu = reponse.json()
    except (httpx.HTTPError, ValueError) as erreur:
        raise RefusProConnect(
            "ProConnect ne répond pas pour l'instant : réessayez dans quelques minutes."
        ) from erreur
    with _VERROU:
        _CACHE[url] = (time.monotonic(), contenu)
    return contenu


def verifier_jwt(jeton: str, jwks: dict, emetteur: str, audience: str, sujet: str) -> dict:
    """Claims of a signed userinfo JWT; RefusProConnect unless signature and claims hold."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        decode = jwt.decode(jeton, KeySet.import_key_set(jwks), algorithms=list(ALGORITHMES))
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": emetteur},
            aud={"essential": True, "value": audience},
            sub={"essential": True, "value": sujet},
        ).validate(decode.claims)
    except (JoseError, ValueError) as erreur:
        raise RefusProConnect(
            "La réponse de ProConnect n'a pas pu être vérifiée (signature ou destinataire "
            "incorrects) : la connexion est refusée."
        ) from erreur
    return dict(decode.claims)


def infos_utilisateur(jeton_acces: str, sujet: str, config: dict | None = None) -> dict:
    """The userinfo answer of the provider for this access token, verified (signed JWT only)."""
    import httpx

    config = configuration() if config is None else config
    metadonnees = _document(config["server_metadata_url"])
    try:
        reponse = httpx.get(
            metadonnees["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {jeton_acces}", "Accept": "application/jwt"},
            timeout=DELAI_SECONDES,
        )
    except httpx.HTTPError as erreur:
        raise RefusProConnect(
            "ProConnect ne répond pas pour l'instant : réessayez dans quelques minutes."
        ) from erreur
    if reponse.status_code in (400, 401):
        raise RefusProConnect(
            "Votre connexion ProConnect a expiré : reconnectez-vous avec le bouton ProConnect."
        )
    type_contenu = reponse.headers.get("content-type", "").split(";")[0].strip().lower()
    if reponse.status_code != 200 or type_contenu != "application/jwt":
        raise RefusProConnect(
            "ProConnect n'a pas renvoyé d'informations signées sur votre compte : la connexion "
            "est refusée."
        )
    arguments = (reponse.text.strip(), metadonnees["issuer"], config["client_id"], sujet)
    jwks = _document(metadonnees["jwks_uri"])
    try:
        return verifier_jwt(arguments[0], jwks, *arguments[1:])
    except RefusProConnect:
        # The provider may have rotated its keys since the JWKS was cached: fetch it once more.
        return verifier_jwt(arguments[0], _document(metadonnees["jwks_uri"], True), *arguments[1:])


def identite(revendications: dict, config: dict | None = None) -> IdentiteProConnect:
    """The person of verified claims; RefusProConnect without e-mail or for another SIRET."""
    config = configuration() if config is None else config
    email = str(revendications.get("email") or "").strip()
    if not email:
        raise RefusProConnect(
            "ProConnect n'a pas transmis votre adresse électronique : la connexion est refusée "
            "(le service doit demander le scope « email »)."
        )
    siret = revendications.get("siret")
    siret = str(siret).replace(" ", "") if siret else None
    autorises = [str(s).replace(" ", "") for s in config.get("sirets_autorises") or []]
    if autorises and siret not in autorises:
        raise RefusProConnect(
            f"Vous vous êtes connecté·e à ProConnect pour l'organisation "
            f"« {revendications.get('organization_label') or siret or 'non précisée'} » "
            f"(SIRET {siret or 'non transmis'}), qui n'a pas accès à ce tableau de bord. "
            "Reconnectez-vous en choisissant votre organisation dans ProConnect, ou demandez à "
            "l'administrateur du tableau de bord."
        )
    return IdentiteProConnect(
        email=email,
        siret=siret,
        organisation=revendications.get("organization_label"),
        prenom=revendications.get("given_name"),
        nom=revendications.get("usual_name"),
        revendications=revendications,
    )
