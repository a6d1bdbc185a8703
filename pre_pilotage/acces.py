"""Who is using the dashboard, with which role: sign-in, role gates, thresholds.

Roles: lecture (élus, comité de pilotage: aggregates, threshold 11 at least), coordination (PRE team:
aggregates and exports, configurable threshold), administration (imports, accounts, settings).
"""

from __future__ import annotations

import os

import streamlit as st

from pre_pilotage import config, sessions
from pre_pilotage.administration import ROLES, Utilisateur, journaliser

CLE_SESSION = "utilisateur"
CLE_NUMERO = "numero_session"  # row of session_connexion of a password sign-in
CLE_JETON = "jeton_session"  # one-time token, traded for the cookie by the next run's page
CLE_EFFACER_COOKIE = "effacer_cookie_session"
CLE_MODE = "mode_connexion"
# Set when a session ended (sign-out, idle, expiry, account changed): the sign-in form says so.
CLE_FIN_DE_SESSION = "fin_de_session"
CLE_PROCONNECT_EXAMINE = "proconnect_examine"  # sub:iat of the ProConnect sign-in already checked
CLE_REFUS_PROCONNECT = "refus_proconnect"
MODE_MOT_DE_PASSE, MODE_PROCONNECT = "mot_de_passe", "proconnect"
RANG = {role: rang for rang, role in enumerate(ROLES)}
LIBELLES_ROLES = {
    "lecture": "lecture (élus, comité de pilotage)",
    "coordination": "coordination (équipe du PRE)",
    "administration": "administration",
}
SEUIL_LECTURE = 11


def utilisateur_courant() -> Utilisateur | None:
    """The signed-in user of this browser session, or None."""
    return st.session_state.get(CLE_SESSION)


def autorise(role_minimum: str, utilisateur: Utilisateur | None = None) -> bool:
    utilisateur = utilisateur or utilisateur_courant()
    return utilisateur is not None and RANG[utilisateur.role] >= RANG[role_minimum]


def departement_autorise(utilisateur: Utilisateur | None = None) -> str | None:
    """The département the account is limited to (« 59 »), or None for a national account."""
    utilisateur = utilisateur or utilisateur_courant()
    return utilisateur.departement if utilisateur is not None else None


def programme_autorise(utilisateur: Utilisateur | None = None) -> str | None:
    """The programme (pre_id) the account is limited to, or None for every programme."""
    utilisateur = utilisateur or utilisateur_courant()
    return utilisateur.pre_id if utilisateur is not None else None


def visibilite(role_minimum: str) -> str:
    """Navigation visibility of a page: pages a role may not use are not shown."""
    return "visible" if autorise(role_minimum) else "hidden"


def exiger(role_minimum: str) -> None:
    """Refuse the page server-side (reached by URL) when the role is not enough."""
    if not autorise(role_minimum):
        st.error(
            f"Accès refusé : cette page est réservée au rôle « {LIBELLES_ROLES[role_minimum]} »."
        )
        st.stop()


def seuil() -> int:
    """Confidentiality threshold of the current user: never below 11 for the lecture role."""
    configure = config.seuil_secret()
    utilisateur = utilisateur_courant()
    if utilisateur is None or utilisateur.role == "lecture":
        return max(configure, SEUIL_LECTURE)
    return configure


def utilisateur_demo() -> Utilisateur:
    role = os.environ.get("PRE_ROLE_DEMO", "administration")
    if role not in ROLES:
        role = "administration"
    return Utilisateur("demonstration", "Utilisateur de démonstration", role)


def oidc_configure() -> bool:
    """Whether an OpenID Connect provider (ProConnect) is set in .streamlit/secrets.toml."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # malformed secrets: local accounts still work
        return False


def _cookie_de_session() -> str | None:
    try:
        return st.context.cookies.get(sessions.NOM_COOKIE)
    except Exception:  # no browser context (tests of a script without a session)
        return None


def _script_cache(script: str) -> None:
    """Run a small script in the page without taking room (its container is hidden)."""
    with st.container(key="script-session"):
        st.html(script, unsafe_allow_javascript=True)


def _reverifier(utilisateur: Utilisateur) -> Utilisateur | None:
    """The session's user as the accounts store says now: role changes and disabled accounts
    take effect at the next run. The demo user (and a user set by tests) has no account."""
    if st.session_state.get(CLE_MODE) in (MODE_MOT_DE_PASSE, MODE_PROCONNECT):
        return sessions.utilisateur_de_session(st.session_state.get(CLE_NUMERO, -1))
    return utilisateur


def ouvrir_session(demo: bool) -> Utilisateur | None:
    """The session's user, checked against the accounts store at every run.

    Signed in by password in this tab, by the session cookie of an earlier sign-in (reload, new
    tab, shared link), or by ProConnect; the demo signs in as a visible demo user.
    """
    utilisateur = utilisateur_courant()
    if utilisateur is not None:
        a_jour = _reverifier(utilisateur)
        if a_jour is None:
            journaliser(
                "deconnexion",
                utilisateur,
                details={"motif": "session expirée, fermée ou compte désactivé"},
            )
            _oublier()
            st.session_state[CLE_FIN_DE_SESSION] = True
        else:
            st.session_state[CLE_SESSION] = a_jour
            jeton = st.session_state.pop(CLE_JETON, None)
            if jeton and sessions.routes_servies:
                _script_cache(sessions.script_ouvrir(jeton))
            return a_jour
    if st.session_state.pop(CLE_EFFACER_COOKIE, False) and sessions.routes_servies:
        _script_cache(sessions.script_fermer())
    valeur = _cookie_de_session()
    if valeur and not demo:
        trouve = sessions.session_du_cookie(valeur)
        if trouve is not None:
            st.session_state[CLE_NUMERO], st.session_state[CLE_SESSION] = trouve
            st.session_state[CLE_MODE] = MODE_MOT_DE_PASSE
            return trouve[1]
        st.session_state[CLE_FIN_DE_SESSION] = True
    if demo:
        utilisateur = utilisateur_demo()
        st.session_state[CLE_SESSION] = utilisateur
        journaliser("connexion", utilisateur, details={"mode": "démonstration"})
        return utilisateur
    if oidc_configure() and getattr(st.user, "is_logged_in", False):
        return _connexion_proconnect()
    return None


def _connexion_proconnect() -> Utilisateur | None:
    """Back from ProConnect (st.login): verify the signed userinfo answer, match the account.

    Checked once per sign-in (the ID token's `sub` and `iat`): a refused person keeps the
    French reason on the sign-in page (refus_proconnect()) without a new call at every action.
    An accepted one gets the dashboard's own session, cookie included, as after a password.
    """
    from pre_pilotage import proconnect
    from pre_pilotage.comptes import compte_oidc

    sujet = st.user.get("sub")
    marque = f"{sujet}:{st.user.get('iat')}"
    if st.session_state.get(CLE_PROCONNECT_EXAMINE) == marque:
        return None
    st.session_state[CLE_PROCONNECT_EXAMINE] = marque
    courriel = None
    try:
        jeton = st.user.tokens.to_dict().get("access")
        if not jeton or not sujet:
            raise proconnect.RefusProConnect(
                "La configuration ProConnect du tableau de bord est incomplète "
                '(expose_tokens = ["id", "access"] manque dans la section [auth]).'
            )
        revendications = proconnect.infos_utilisateur(jeton, sujet)
        courriel = revendications.get("email")
        personne = proconnect.identite(revendications)
        courriel = personne.email
        utilisateur = compte_oidc(courriel)
        if utilisateur is None:
            raise proconnect.RefusProConnect(
                f"Votre compte ProConnect ({courriel}) n'est pas autorisé sur ce tableau de bord : "
                "demandez à son administrateur de créer un compte « ProConnect » à cette adresse."
            )
    except proconnect.RefusProConnect as refus:
        st.session_state[CLE_REFUS_PROCONNECT] = str(refus)
        journaliser(
            "echec_connexion",
            None,
            objet=courriel or sujet,
            details={"mode": "ProConnect", "motif": str(refus)},
        )
        return None
    st.session_state.pop(CLE_REFUS_PROCONNECT, None)
    connecter(utilisateur, MODE_PROCONNECT)
    journaliser(
        "connexion",
        utilisateur,
        details={
            "mode": "ProConnect",
            "siret": personne.siret,
            "organisation": personne.organisation,
        },
    )
    # The cookie is set now: ProConnect's access token lives 60 s, a reload must not need it.
    jeton_session = st.session_state.pop(CLE_JETON, None)
    if jeton_session and sessions.routes_servies:
        _script_cache(sessions.script_ouvrir(jeton_session))
    return utilisateur


def refus_proconnect() -> str | None:
    """Why the ProConnect sign-in of this browser session was refused (French), if it was."""
    return st.session_state.get(CLE_REFUS_PROCONNECT)


def connecter(utilisateur: Utilisateur, mode: str = MODE_MOT_DE_PASSE) -> None:
    """After a password check or a verified ProConnect sign-in: open a server-side session;
    the next run sets its cookie."""
    numero, jeton = sessions.creer(utilisateur)
    st.session_state[CLE_SESSION] = utilisateur
    st.session_state[CLE_NUMERO] = numero
    st.session_state[CLE_JETON] = jeton
    st.session_state[CLE_MODE] = mode
    st.session_state.pop(CLE_FIN_DE_SESSION, None)


def _oublier() -> None:
    for cle in (CLE_SESSION, CLE_NUMERO, CLE_JETON, CLE_MODE):
        st.session_state.pop(cle, None)


def fermer_session() -> None:
    """« Se déconnecter »: the session is closed server-side, then its cookie is dropped."""
    utilisateur = utilisateur_courant()
    if utilisateur is not None:
        journaliser("deconnexion", utilisateur)
    numero = st.session_state.get(CLE_NUMERO)
    if numero is not None:
        sessions.fermer(numero)
    _oublier()
    st.session_state[CLE_EFFACER_COOKIE] = True
