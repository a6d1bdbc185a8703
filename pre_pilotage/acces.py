"""Who is using the dashboard, with which role: sign-in, role gates, thresholds, audit of exports.

Roles: lecture (élus, comité de pilotage: aggregates, threshold 11 at least), coordination (PRE team:
aggregates and exports, configurable threshold), administration (imports, accounts, settings).
"""

from __future__ import annotations

import os

import streamlit as st

from pre_pilotage import config
from pre_pilotage.administration import ROLES, Utilisateur, journaliser

CLE_SESSION = "utilisateur"
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


def journaliser_export(objet: str, filtres: dict | None = None, details: dict | None = None):
    """Audit an export by the current user (pass as a download button's on_click callback)."""
    journaliser("export", utilisateur_courant(), objet=objet, filtres=filtres, details=details)


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


def ouvrir_session(demo: bool) -> Utilisateur | None:
    """The session's user; the demo signs in as a visible demo user, others must sign in."""
    utilisateur = utilisateur_courant()
    if utilisateur is not None:
        return utilisateur
    if demo:
        utilisateur = utilisateur_demo()
        st.session_state[CLE_SESSION] = utilisateur
        journaliser("connexion", utilisateur, details={"mode": "démonstration"})
        return utilisateur
    if oidc_configure() and getattr(st.user, "is_logged_in", False):
        from pre_pilotage.comptes import compte_oidc

        courriel = st.user.get("email")
        utilisateur = compte_oidc(courriel) if courriel else None
        if utilisateur is None:
            journaliser(
                "echec_connexion",
                None,
                objet=courriel,
                details={"motif": "compte ProConnect non autorisé"},
            )
            return None
        st.session_state[CLE_SESSION] = utilisateur
        journaliser("connexion", utilisateur, details={"mode": "ProConnect"})
        return utilisateur
    return None


def fermer_session() -> None:
    utilisateur = utilisateur_courant()
    if utilisateur is not None:
        journaliser("deconnexion", utilisateur)
    st.session_state.pop(CLE_SESSION, None)
