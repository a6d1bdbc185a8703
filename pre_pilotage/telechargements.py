"""Every file that leaves the app: audited when it is made, served only to the session that asked.

Every download button goes through `bouton`: its data (a callable, or bytes made into one) is
wrapped in a `Production`, which Streamlit runs when the browser asks for the file, whatever the
path (a click, or a deferred-file request sent straight over the websocket). Running it checks
that its session may still download, makes the bytes, writes the `export` row of the audit log
(who, what, with which filters) and registers the file's id for the owner of the session, for
`PRE_DUREE_TELECHARGEMENT_MINUTES` (10 by default). One production, one row.

`GardeTelechargements`, an ASGI middleware that lanceur.py puts in front of Streamlit's server,
serves a downloadable file of `/media/…` only to the owner it was registered for, while its
registration lasts, and answers 403 with a French message otherwise (a downloadable file that
was never registered included). The owner is the password session (the `pre_session` cookie,
checked against the `session_connexion` table: a closed session downloads nothing) or, without
one (demonstration, ProConnect), the browser: an HttpOnly `pre_navigateur` cookie, random, set
by the middleware on the app's HTML pages. Plain `streamlit run app.py` has no middleware: the
audit holds, the binding of `/media/` to its session does not (docs/securite.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from http.cookies import SimpleCookie

from pre_pilotage import sessions
from pre_pilotage.administration import ROLES, Utilisateur, journaliser

NOM_COOKIE_NAVIGATEUR = "pre_navigateur"
DUREE_PAR_DEFAUT_MINUTES = 10.0
CLE_PRODUCTIONS = "_productions_de_telechargement"
REFUS = (
    "Téléchargement refusé : ce fichier n'a pas été demandé par votre session, ou son lien a "
    "expiré. Retournez sur le tableau de bord et cliquez de nouveau sur le bouton de "
    "téléchargement."
)

Proprietaire = tuple[str, str]  # ("session", number) or ("navigateur", SHA-256 of the cookie)


def duree_telechargement() -> dt.timedelta:
    """How long a made file stays downloadable by its owner; PRE_DUREE_TELECHARGEMENT_MINUTES."""
    return sessions.duree_configuree(
        "PRE_DUREE_TELECHARGEMENT_MINUTES", DUREE_PAR_DEFAUT_MINUTES, "minutes", 0, 1440
    )


def empreinte_navigateur(valeur: str) -> str:
    return hashlib.sha256(valeur.encode()).hexdigest()


# ------------------------------------------------------------------------------- registry


class Registre:
    """File id -> the owners it may be served to, each until an expiry (thread-safe).

    Two sessions that make the same bytes get the same file id from Streamlit: both are owners."""

    def __init__(self) -> None:
        self._droits: dict[str, dict[Proprietaire, float]] = {}
        self._verrou = threading.Lock()

    def enregistrer(
        self,
        fichier: str,
        proprietaire: Proprietaire | None,
        maintenant: float | None = None,
        duree: dt.timedelta | None = None,
    ) -> None:
        maintenant = time.time() if maintenant is None else maintenant
        expire_le = maintenant + (duree or duree_telechargement()).total_seconds()
        with self._verrou:
            self._purger(maintenant)
            droits = self._droits.setdefault(fichier, {})
            if proprietaire is not None:
                droits[proprietaire] = max(expire_le, droits.get(proprietaire, 0.0))

    def connu(self, fichier: str) -> bool:
        with self._verrou:
            return fichier in self._droits

    def autorise(
        self, fichier: str, identites: set[Proprietaire], maintenant: float | None = None
    ) -> bool:
        maintenant = time.time() if maintenant is None else maintenant
        with self._verrou:
            droits = self._droits.get(fichier, {})
            return any(droits.get(identite, 0.0) > maintenant for identite in identites)

    def vider(self) -> None:
        with self._verrou:
            self._droits.clear()

    def _purger(self, maintenant: float) -> None:
        for fichier in list(self._droits):
            droits = {p: fin for p, fin in self._droits[fichier].items() if fin > maintenant}
            if droits:
                self._droits[fichier] = droits
            else:
                del self._droits[fichier]


REGISTRE = Registre()


def identifiant_fichier(donnees: bytes, mime: str, nom: str | None) -> str:
    """The id under which Streamlit stores (and serves at /media/<id>.<ext>) these bytes."""
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    return _calculate_file_id(donnees, mime, nom)


# ----------------------------------------------------------------------------- production


class TelechargementRefuse(PermissionError):
    """The session that asked may no longer download (signed out, disabled, role lowered)."""


def _en_octets(donnees) -> bytes:
    if isinstance(donnees, bytes):
        return donnees
    if isinstance(donnees, str):
        return donnees.encode("utf-8")
    if hasattr(donnees, "read"):
        return _en_octets(donnees.read())
    raise TypeError(f"Données de téléchargement d'un type inattendu : {type(donnees).__name__}")


class Production:
    """A download's data, made on request: checked, audited, then registered for its owner.

    Streamlit runs it in a worker thread, outside any script run: everything it needs about the
    session (user, owner, session number) is captured when the button is drawn."""

    def __init__(
        self,
        donnees,
        *,
        nom: str,
        mime: str,
        objet: str,
        utilisateur: Utilisateur | None,
        proprietaire: Proprietaire | None,
        filtres: dict | None = None,
        details: dict | None = None,
        role_minimum: str = "coordination",
        registre: Registre = REGISTRE,
    ) -> None:
        self.donnees = donnees
        self.nom, self.mime, self.objet = nom, mime, objet
        self.utilisateur, self.proprietaire = utilisateur, proprietaire
        self.filtres, self.details = filtres, details
        self.role_minimum = role_minimum
        self.registre = registre

    def _verifier(self) -> Utilisateur | None:
        """The user as the accounts store says now, for a password session; else as drawn."""
        utilisateur = self.utilisateur
        if self.proprietaire and self.proprietaire[0] == "session":
            utilisateur = sessions.utilisateur_de_session(int(self.proprietaire[1]))
        if utilisateur is None or ROLES.index(utilisateur.role) < ROLES.index(self.role_minimum):
            raise TelechargementRefuse(
                "Téléchargement refusé : la session est fermée ou son rôle ne le permet plus."
            )
        return utilisateur

    def __call__(self) -> bytes:
        utilisateur = self._verifier()
        donnees = _en_octets(self.donnees() if callable(self.donnees) else self.donnees)
        # The row first: a file whose audit row could not be written does not leave.
        journaliser(
            "export", utilisateur, objet=self.objet, filtres=self.filtres, details=self.details
        )
        self.registre.enregistrer(
            identifiant_fichier(donnees, self.mime, self.nom), self.proprietaire
        )
        return donnees


# ------------------------------------------------------------------------ Streamlit side


def proprietaire_courant() -> Proprietaire | None:
    """Owner of the files this script run makes: its password session, else its browser."""
    import streamlit as st

    from pre_pilotage import acces

    numero = st.session_state.get(acces.CLE_NUMERO)
    if st.session_state.get(acces.CLE_MODE) == acces.MODE_MOT_DE_PASSE and numero is not None:
        return ("session", str(numero))
    try:
        valeur = st.context.cookies.get(NOM_COOKIE_NAVIGATEUR)
    except Exception:  # no browser context (a script run by tests)
        valeur = None
    # AppTest's context has no real cookies.
    return (
        ("navigateur", empreinte_navigateur(valeur)) if isinstance(valeur, str) and valeur else None
    )


def bouton(
    libelle: str,
    donnees: bytes | str | Callable[[], bytes | str],
    *,
    nom: str,
    mime: str,
    objet: str | None = None,
    filtres: dict | None = None,
    details: dict | None = None,
    role_minimum: str = "coordination",
    conteneur=None,
    **options,
) -> None:
    """A download button whose file is made, audited and registered only when it is asked for.

    `options` go to `st.download_button` (key, icon, type, width, disabled…)."""
    import streamlit as st

    from pre_pilotage import acces

    production = Production(
        donnees,
        nom=nom,
        mime=mime,
        objet=objet or nom,
        utilisateur=acces.utilisateur_courant(),
        proprietaire=proprietaire_courant(),
        filtres=filtres,
        details=details,
        role_minimum=role_minimum,
    )
    # Kept for this session's tests (AppTest has no media manager to run the callable).
    st.session_state.setdefault(CLE_PRODUCTIONS, {})[options.get("key") or libelle] = production
    (conteneur or st).download_button(
        libelle, production, file_name=nom, mime=mime, on_click="ignore", **options
    )


# ------------------------------------------------------------------------------ middleware


def _cookies(scope) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for cle, valeur in scope.get("headers") or []:
        if cle == b"cookie":
            lu = SimpleCookie()
            try:
                lu.load(valeur.decode("latin-1"))
            except Exception:  # a malformed cookie header: no identity from it
                continue
            cookies.update({nom: morceau.value for nom, morceau in lu.items()})
    return cookies


def identites_de_la_requete(cookies: dict[str, str]) -> set[Proprietaire]:
    """Owners a request speaks for: its open password session, its browser."""
    identites: set[Proprietaire] = set()
    valeur = cookies.get(sessions.NOM_COOKIE)
    if valeur:
        trouve = sessions.session_du_cookie(valeur)
        if trouve is not None:
            identites.add(("session", str(trouve[0])))
    navigateur = cookies.get(NOM_COOKIE_NAVIGATEUR)
    if navigateur:
        identites.add(("navigateur", empreinte_navigateur(navigateur)))
    return identites


def fichier_telechargeable(fichier: str) -> bool:
    """Whether Streamlit's media storage holds this name as a download (not an image)."""
    from streamlit import runtime
    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError

    if not runtime.exists():
        return False
    try:
        stocke = runtime.get_instance().media_file_mgr._storage.get_file(fichier)
    except MediaFileStorageError:
        return False
    return stocke.kind == MediaFileKind.DOWNLOADABLE


class GardeTelechargements:
    """ASGI middleware: `/media/` downloads only to their registered owner, while it lasts.

    Also gives each browser its `pre_navigateur` cookie on the app's HTML pages."""

    def __init__(
        self,
        app,
        registre: Registre | None = None,
        telechargeable: Callable[[str], bool] = fichier_telechargeable,
        identites: Callable[[dict[str, str]], set[Proprietaire]] = identites_de_la_requete,
    ) -> None:
        self.app = app
        self.registre = registre or REGISTRE
        self.telechargeable = telechargeable
        self.identites = identites

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        media = sessions.prefixe_url() + "/media/"
        chemin = scope.get("path", "")
        cookies = _cookies(scope)
        if chemin.startswith(media):
            fichier = chemin[len(media) :]
            identifiant = fichier.rsplit(".", 1)[0]
            if self.registre.connu(identifiant) or self.telechargeable(fichier):
                from starlette.concurrency import run_in_threadpool

                identites = await run_in_threadpool(self.identites, cookies)
                if not self.registre.autorise(identifiant, identites):
                    await _refuser(send)
                    return
                await self.app(scope, receive, _sans_cache(send))
                return
            await self.app(scope, receive, send)
            return
        if NOM_COOKIE_NAVIGATEUR in cookies:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _avec_cookie_navigateur(send, _https(scope)))


async def _refuser(send) -> None:
    corps = REFUS.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(corps)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": corps})


def _sans_cache(send):
    async def envoyer(message) -> None:
        if message["type"] == "http.response.start":
            entetes = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
            message = message | {"headers": [*entetes, (b"cache-control", b"private, no-store")]}
        await send(message)

    return envoyer


def _https(scope) -> bool:
    if scope.get("scheme") == "https":
        return True
    for cle, valeur in scope.get("headers") or []:
        if cle == b"x-forwarded-proto":
            return valeur.decode("latin-1").split(",")[0].strip() == "https"
    return False


def _avec_cookie_navigateur(send, https: bool):
    """Add the browser cookie to an HTML page's response (before its websocket opens)."""

    async def envoyer(message) -> None:
        if message["type"] == "http.response.start":
            entetes = list(message.get("headers", []))
            html = any(k == b"content-type" and v.startswith(b"text/html") for k, v in entetes)
            if html:
                valeur = (
                    f"{NOM_COOKIE_NAVIGATEUR}={secrets.token_urlsafe(32)}; "
                    f"Path={sessions.prefixe_url() or '/'}; HttpOnly; SameSite=Lax"
                    + ("; Secure" if https else "")
                )
                entetes.append((b"set-cookie", valeur.encode()))
                message = message | {"headers": entetes}
        await send(message)

    return envoyer


def middleware() -> list:
    """The middleware list of lanceur.py's `st.App`."""
    from starlette.middleware import Middleware

    return [Middleware(GardeTelechargements)]
