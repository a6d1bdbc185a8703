"""Who is using the dashboard, with which role (sign-in and role gates are built on this)."""

from __future__ import annotations

import streamlit as st

from pre_pilotage.administration import Utilisateur, journaliser

CLE_SESSION = "utilisateur"


def utilisateur_courant() -> Utilisateur | None:
    """The signed-in user of this browser session, or None."""
    return st.session_state.get(CLE_SESSION)


def journaliser_export(objet: str, filtres: dict | None = None, details: dict | None = None):
    """Audit an export by the current user (pass as a download button's on_click callback)."""
    journaliser("export", utilisateur_courant(), objet=objet, filtres=filtres, details=details)
