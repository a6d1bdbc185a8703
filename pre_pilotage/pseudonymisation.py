"""Keyed pseudonyms (HMAC-SHA256): the same source identifier always gives the same pseudonym."""

from __future__ import annotations

import hashlib
import hmac

# Only for the fictional demo data; real imports must use a secret key kept outside the database.
CLE_DEMO = b"cle-de-demonstration-NON-SECRETE-ne-pas-utiliser-pour-des-donnees-reelles"


def pseudonyme(cle: bytes, espace: str, identifiant: str, prefixe: str = "") -> str:
    """Pseudonym of `identifiant` within a namespace (beneficiaire, referent...)."""
    if not cle:
        raise ValueError("Clé de pseudonymisation absente.")
    empreinte = hmac.new(cle, f"{espace}\x1f{identifiant}".encode(), hashlib.sha256).hexdigest()
    return f"{prefixe}{empreinte[:24]}"
