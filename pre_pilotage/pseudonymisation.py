"""Keyed pseudonyms (HMAC-SHA256): the same source identifier always gives the same pseudonym."""

from __future__ import annotations

import functools
import hashlib
import hmac

# Only for the fictional demo data; real imports must use a secret key kept outside the database.
CLE_DEMO = b"cle-de-demonstration-NON-SECRETE-ne-pas-utiliser-pour-des-donnees-reelles"


@functools.lru_cache(maxsize=8)
def _hmac_avec_cle(cle: bytes):
    # The key is prepared once; each pseudonym starts from a copy (same digest as hmac.new).
    return hmac.new(cle, digestmod=hashlib.sha256)


def pseudonyme(cle: bytes, espace: str, identifiant: str, prefixe: str = "") -> str:
    """Pseudonym of `identifiant` within a namespace (beneficiaire, referent...)."""
    if not cle:
        raise ValueError("Clé de pseudonymisation absente.")
    calcul = _hmac_avec_cle(cle).copy()
    calcul.update(f"{espace}\x1f{identifiant}".encode())
    return f"{prefixe}{calcul.hexdigest()[:24]}"
