"""Sessions that hold: a signed, expiring HttpOnly cookie backed by a server-side session table.

A password sign-in (pre_pilotage/ui.py) creates a row of `session_connexion` in the
administration store and a one-time token (60 s, single use, stored as a SHA-256 only). The page
posts that token to the `/_session/ouvrir` route that `lanceur.py` adds to Streamlit's server;
the route, and nothing else, mints the session secret and answers with the cookie:

    pre_session = <secret>.<expiry, Unix seconds>.<HMAC-SHA256 of both, signing key>

HttpOnly, SameSite=Lax, Secure when served over HTTPS, Max-Age up to the expiry. The server keeps
only the SHA-256 of the secret. Every Streamlit run (reload, new tab, shared link) reads the
cookie, checks its signature and expiry, then the row (not closed, not expired) and the account
(still active, its current role). « Se déconnecter » closes the row: the cookie is dead even if
someone copied it.

Duration: PRE_DUREE_SESSION_HEURES (8 by default); a session left idle (no page run) for
PRE_INACTIVITE_MINUTES (60 by default) ends too: each run notes its time (`vu_le`, written at
most once a minute). Signing key: PRE_CLE_SESSION, or [session] cle
in .streamlit/secrets.toml, or else a random key generated once and kept in `cle_session` next to
the administration store (file mode 600). There is no demonstration key.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import math
import os
import secrets
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from pre_pilotage.administration import Utilisateur, chemin_administration, connexion

NOM_COOKIE = "pre_session"
DUREE_PAR_DEFAUT_HEURES = 8.0
INACTIVITE_PAR_DEFAUT_MINUTES = 60.0
# Activity is written at most this often (a page runs several times a minute when used).
ECRITURE_ACTIVITE_SECONDES = 60
DUREE_JETON_SECONDES = 60
LONGUEUR_MIN_CLE = 32
CHEMIN_OUVRIR = "/_session/ouvrir"
CHEMIN_FERMER = "/_session/fermer"
# Closed or expired rows are kept this long (who was signed in when), then deleted.
CONSERVATION_SECONDES = 30 * 24 * 3600
# Set by routes(): whether this process serves the cookie routes (lanceur.py), or is a plain
# `streamlit run app.py`, where a sign-in lasts as long as the browser tab.
routes_servies = False


class ConfigurationSession(ValueError):
    """A session setting (duration, signing key) is wrong: the message says which, in French."""


def duree_configuree(
    variable: str, defaut: float, unite: str, minimum: float, maximum: float, inclus: bool = False
) -> dt.timedelta:
    """A duration read from an environment variable (« 1,5 » accepted), its default when unset.

    `unite`: "heures" or "minutes"; out of range (above `minimum`, or from it when `inclus`, up
    to `maximum`) or not a number: refused in French, naming the variable and the value read."""
    brut = os.environ.get(variable, "").strip()
    valeur = defaut
    if brut:
        try:
            valeur = float(brut.replace(",", "."))
        except ValueError:
            valeur = math.nan
        dans_les_bornes = (minimum <= valeur if inclus else minimum < valeur) and valeur <= maximum
        if not dans_les_bornes:
            bornes = f"{minimum:g} et {maximum:g}"
            nom = "d'heures" if unite == "heures" else "de minutes"
            raise ConfigurationSession(
                f"{variable} doit être un nombre {nom} entre {bornes} (valeur reçue : « {brut} »)."
            )
    return dt.timedelta(hours=valeur) if unite == "heures" else dt.timedelta(minutes=valeur)


def duree_session() -> dt.timedelta:
    """Lifetime of a session from its sign-in; PRE_DUREE_SESSION_HEURES overrides 8 hours."""
    return duree_configuree("PRE_DUREE_SESSION_HEURES", DUREE_PAR_DEFAUT_HEURES, "heures", 0, 720)


def inactivite() -> dt.timedelta:
    """Idle time after which a session ends; PRE_INACTIVITE_MINUTES overrides 60 minutes."""
    return duree_configuree(
        "PRE_INACTIVITE_MINUTES", INACTIVITE_PAR_DEFAUT_MINUTES, "minutes", 5, 1440, inclus=True
    )


def _cle_configuree() -> str | None:
    valeur = os.environ.get("PRE_CLE_SESSION")
    if valeur:
        return valeur
    try:
        import streamlit as st

        return (st.secrets.get("session") or {}).get("cle")
    except Exception:  # no or malformed secrets.toml: the generated key is used
        return None


def chemin_cle(chemin: Path | None = None) -> Path:
    """File of the generated signing key, next to the administration store."""
    return (chemin or chemin_administration()).with_name("cle_session")


def cle_signature(chemin: Path | None = None) -> bytes:
    """The cookie signing key: configured, or generated once and stored (mode 600)."""
    configuree = _cle_configuree()
    if configuree:
        if len(configuree) < LONGUEUR_MIN_CLE:
            raise ConfigurationSession(
                f"La clé de session (PRE_CLE_SESSION) doit compter au moins {LONGUEUR_MIN_CLE} "
                "caractères aléatoires."
            )
        return configuree.encode()
    fichier = chemin_cle(chemin)
    try:
        return _lire_cle(fichier)
    except FileNotFoundError:
        pass
    fichier.parent.mkdir(parents=True, exist_ok=True)
    try:
        descripteur = os.open(fichier, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it first
        return _lire_cle(fichier)
    with os.fdopen(descripteur, "w") as sortie:
        sortie.write(secrets.token_hex(32) + "\n")
    return _lire_cle(fichier)


def _lire_cle(fichier: Path) -> bytes:
    cle = fichier.read_text(encoding="ascii").strip()
    if len(cle) < LONGUEUR_MIN_CLE:
        # Written but not yet flushed by another process, or truncated: never sign with it.
        time.sleep(0.2)
        cle = fichier.read_text(encoding="ascii").strip()
        if len(cle) < LONGUEUR_MIN_CLE:
            raise ConfigurationSession(
                f"La clé de session du fichier {fichier} est trop courte : supprimez ce fichier "
                "pour en générer une nouvelle (les sessions ouvertes seront fermées)."
            )
    return cle.encode()


def _empreinte(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(octets: bytes) -> str:
    return base64.urlsafe_b64encode(octets).rstrip(b"=").decode()


def signer(secret: str, expire_le: int, cle: bytes) -> str:
    """The cookie value of a session secret valid until `expire_le` (Unix seconds)."""
    charge = f"{secret}.{expire_le}"
    return f"{charge}.{_b64(hmac.new(cle, charge.encode(), hashlib.sha256).digest())}"


def lire_cookie(valeur: str, cle: bytes, maintenant: float | None = None) -> str | None:
    """The session secret of a well-signed, unexpired cookie value; None for anything else."""
    morceaux = (valeur or "").split(".")
    if len(morceaux) != 3 or not morceaux[1].isdigit():
        return None
    secret, expire_le, _ = morceaux
    if not hmac.compare_digest(signer(secret, int(expire_le), cle), valeur):
        return None
    if int(expire_le) <= (time.time() if maintenant is None else maintenant):
        return None
    return secret


def creer(
    utilisateur: Utilisateur, chemin: Path | None = None, maintenant: float | None = None
) -> tuple[int, str]:
    """A new session of a user just signed in: (its number, its one-time cookie token)."""
    maintenant = int(time.time() if maintenant is None else maintenant)
    jeton = secrets.token_urlsafe(32)
    with closing(connexion(chemin)) as con:
        con.execute(
            "delete from session_connexion where expire_le < ? or fermee_le < ?",
            (maintenant - CONSERVATION_SECONDES, maintenant - CONSERVATION_SECONDES),
        )
        numero = con.execute(
            "insert into session_connexion (identifiant, empreinte_jeton, jeton_expire_le,"
            " cree_le, expire_le) values (?, ?, ?, ?, ?) returning numero",
            (
                utilisateur.identifiant,
                _empreinte(jeton),
                maintenant + DUREE_JETON_SECONDES,
                maintenant,
                maintenant + int(duree_session().total_seconds()),
            ),
        ).fetchone()[0]
    return numero, jeton


def echanger_jeton(
    jeton: str, chemin: Path | None = None, maintenant: float | None = None
) -> tuple[str, int] | None:
    """Redeem a one-time token: (cookie value, its max-age in seconds), or None.

    The token works once, within 60 s, for a session neither closed nor expired; the session
    secret is made here and only its SHA-256 is kept.
    """
    if not jeton or len(jeton) > 100:
        return None
    maintenant = int(time.time() if maintenant is None else maintenant)
    secret = secrets.token_urlsafe(32)
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            "update session_connexion set empreinte_jeton = null, jeton_expire_le = null,"
            " empreinte_session = ? where empreinte_jeton = ? and jeton_expire_le >= ?"
            " and empreinte_session is null and fermee_le is null and expire_le > ?"
            " returning expire_le",
            (_empreinte(secret), _empreinte(jeton), maintenant, maintenant),
        ).fetchone()
    if ligne is None:
        return None
    expire_le = ligne[0]
    return signer(secret, expire_le, cle_signature(chemin)), expire_le - maintenant


_UTILISATEUR_ACTIF = (
    "select s.numero, c.identifiant, c.nom_affiche, c.role, c.departement, c.pre_id"
    " from session_connexion s"
    " join compte c on c.identifiant = s.identifiant"
    " where {condition} and s.fermee_le is null and s.expire_le > :maintenant"
    " and coalesce(s.vu_le, s.cree_le) > :maintenant - :inactivite and c.actif = 1"
)


def _noter_activite(con, numero: int, maintenant: int) -> None:
    """The session was used now (written at most once a minute)."""
    con.execute(
        "update session_connexion set vu_le = :maintenant where numero = :numero"
        " and coalesce(vu_le, cree_le) <= :maintenant - :pas",
        {"maintenant": maintenant, "numero": numero, "pas": ECRITURE_ACTIVITE_SECONDES},
    )


def _parametres(maintenant: int, **autres) -> dict:
    return {"maintenant": maintenant, "inactivite": int(inactivite().total_seconds())} | autres


def utilisateur_de_session(
    numero: int, chemin: Path | None = None, maintenant: float | None = None
) -> Utilisateur | None:
    """The account of an open session as it is now (role included), or None."""
    maintenant = int(time.time() if maintenant is None else maintenant)
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            _UTILISATEUR_ACTIF.format(condition="s.numero = :numero"),
            _parametres(maintenant, numero=numero),
        ).fetchone()
        if ligne:
            _noter_activite(con, ligne[0], maintenant)
    return Utilisateur(*ligne[1:]) if ligne else None


def session_du_cookie(
    valeur: str, chemin: Path | None = None, maintenant: float | None = None
) -> tuple[int, Utilisateur] | None:
    """(session number, account as it is now) of a valid cookie of an open session, or None."""
    maintenant = int(time.time() if maintenant is None else maintenant)
    secret = lire_cookie(valeur, cle_signature(chemin), maintenant)
    if secret is None:
        return None
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            _UTILISATEUR_ACTIF.format(condition="s.empreinte_session = :empreinte"),
            _parametres(maintenant, empreinte=_empreinte(secret)),
        ).fetchone()
        if ligne:
            _noter_activite(con, ligne[0], maintenant)
    return (ligne[0], Utilisateur(*ligne[1:])) if ligne else None


def fermer(numero: int, chemin: Path | None = None, maintenant: float | None = None) -> None:
    """Close a session server-side: its cookie and its unused token stop working."""
    maintenant = int(time.time() if maintenant is None else maintenant)
    with closing(connexion(chemin)) as con:
        con.execute(
            "update session_connexion set fermee_le = ?, empreinte_jeton = null"
            " where numero = ? and fermee_le is null",
            (maintenant, numero),
        )


def fermer_par_cookie(valeur: str, chemin: Path | None = None) -> None:
    trouve = session_du_cookie(valeur, chemin)
    if trouve:
        fermer(trouve[0], chemin)


def fermer_sessions_du_compte(identifiant: str, chemin: Path | None = None) -> None:
    """Close every open session of an account (its password was changed)."""
    with closing(connexion(chemin)) as con:
        con.execute(
            "update session_connexion set fermee_le = ?, empreinte_jeton = null"
            " where identifiant = ? and fermee_le is null",
            (int(time.time()), identifiant),
        )


# --- HTTP routes (Starlette), served by lanceur.py -------------------------------------------


def prefixe_url() -> str:
    """Streamlit's server.baseUrlPath as a path prefix ("" or "/pre")."""
    from streamlit import config as config_streamlit

    base = (config_streamlit.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _meme_origine(requete) -> bool:
    """Refuse cross-site posts (login CSRF): Origin, when sent, must be this host."""
    if requete.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origine = requete.headers.get("origin")
    return origine is None or urlsplit(origine).netloc == requete.headers.get("host")


def _https(requete) -> bool:
    return (
        requete.url.scheme == "https"
        or requete.headers.get("x-forwarded-proto", "").split(",")[0].strip() == "https"
    )


def _options_cookie(requete) -> dict:
    return {
        "path": prefixe_url() or "/",
        "httponly": True,
        "samesite": "lax",
        "secure": _https(requete),
    }


async def _ouvrir(requete):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    if not _meme_origine(requete):
        return PlainTextResponse("Requête refusée : origine différente.", status_code=403)
    jeton = (await requete.body())[:200].decode("ascii", "replace").strip()
    resultat = await run_in_threadpool(echanger_jeton, jeton)
    if resultat is None:
        return PlainTextResponse("Jeton de session invalide, expiré ou déjà utilisé.", 403)
    valeur, max_age = resultat
    reponse = Response(status_code=204, headers={"Cache-Control": "no-store"})
    reponse.set_cookie(NOM_COOKIE, valeur, max_age=max_age, **_options_cookie(requete))
    return reponse


async def _fermer(requete):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    if not _meme_origine(requete):
        return PlainTextResponse("Requête refusée : origine différente.", status_code=403)
    valeur = requete.cookies.get(NOM_COOKIE)
    if valeur:
        await run_in_threadpool(fermer_par_cookie, valeur)
    reponse = Response(status_code=204, headers={"Cache-Control": "no-store"})
    reponse.delete_cookie(NOM_COOKIE, **_options_cookie(requete))
    return reponse


def routes() -> list:
    """The two POST routes of the cookie, under Streamlit's base URL path."""
    from starlette.routing import Route

    global routes_servies
    routes_servies = True
    prefixe = prefixe_url()
    return [
        Route(prefixe + CHEMIN_OUVRIR, _ouvrir, methods=["POST"]),
        Route(prefixe + CHEMIN_FERMER, _fermer, methods=["POST"]),
    ]


def script_ouvrir(jeton: str) -> str:
    """The page's script that trades the one-time token for the cookie (never in the URL)."""
    return (
        f"<script>fetch({(prefixe_url() + CHEMIN_OUVRIR)!r}, {{method: 'POST', body: "
        f"{jeton!r}, credentials: 'same-origin', cache: 'no-store', "
        "headers: {'Content-Type': 'text/plain'}});</script>"
    )


def script_fermer() -> str:
    """The page's script that drops the cookie after sign-out (already closed server-side)."""
    return (
        f"<script>fetch({(prefixe_url() + CHEMIN_FERMER)!r}, {{method: 'POST', "
        "credentials: 'same-origin', cache: 'no-store'});</script>"
    )
