"""Official-format codes taken from ranges no real entity uses (see docs/donnees-demo.md)."""

from __future__ import annotations

import string

_CLE_UAI = "ABCDEFGHJKLMNPRSTUVWXYZ"
# "96" is not a French département; the letter codes below are not used by INSEE either
# (only 2A and 2B are), so no real commune, QPV or school can carry these codes.
_LETTRES = [c for c in string.ascii_uppercase]


def departement_fictif(indice: int) -> str:
    """Two-character fictional département code: 96, then 1A, 1B, ... 9Z (2A/2B skipped)."""
    if indice == 0:
        return "96"
    codes = [f"{chiffre}{lettre}" for chiffre in "123456789" for lettre in _LETTRES]
    codes = [c for c in codes if c not in ("2A", "2B")]
    return codes[indice - 1]


def code_commune(departement: str, numero: int) -> str:
    return f"{departement}{numero:03d}"


def code_qpv(departement: str, numero: int) -> str:
    """2024 geography layout: QN + département on 3 characters + order + N (new)."""
    return f"QN0{departement}{numero:02d}N"


def prefixe_uai(indice_departement: int) -> int:
    """Three leading digits of the UAI: 096, then 100 onwards (no académie uses 096 to 599)."""
    return 96 if indice_departement == 0 else 99 + indice_departement


def code_uai(prefixe: int, numero: int) -> str:
    """UAI: seven digits and the control letter (the number modulo 23 in the official alphabet)."""
    chiffres = f"{prefixe:03d}{numero:04d}"
    return chiffres + _CLE_UAI[int(chiffres) % 23]


def siren_epci(indice: int) -> str:
    """Nine digits starting with 999: real EPCI SIREN numbers all start with 2."""
    return f"999{indice:06d}"


def id_cite(indice: int) -> str:
    """ANCT identifiers run from cite-001 to about cite-250; ours start at cite-90001."""
    return f"cite-{90001 + indice}"
