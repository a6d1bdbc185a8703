"""French formats of numbers, money, percentages and dates."""

import datetime as dt

import pytest

from pre_pilotage import formats

FINE = "\u202f"
INSECABLE = "\u00a0"


@pytest.mark.parametrize(
    ("valeur", "decimales", "attendu"),
    [
        (1234.5, 1, f"1{FINE}234,5"),
        (1234567, 0, f"1{FINE}234{FINE}567"),
        (0.04, 1, "0,0"),
        (-0.04, 1, "0,0"),
        (-1500, 0, f"-1{FINE}500"),
        (None, 0, "–"),
        (float("nan"), 0, "–"),
    ],
)
def test_nombre(valeur, decimales, attendu):
    assert formats.nombre(valeur, decimales) == attendu


def test_euros_pourcentage_date():
    assert formats.euros(692734) == f"692{FINE}734{INSECABLE}€"
    assert formats.pourcentage(12.345) == f"12,3{INSECABLE}%"
    assert formats.date(dt.date(2026, 11, 23)) == "23/11/2026"
    assert formats.date("2025-12-31") == "31/12/2025"


def test_variations():
    assert formats.variation(110, 100) == f"+10,0{INSECABLE}%"
    assert formats.variation(90, 100) == f"−10,0{INSECABLE}%"
    assert formats.variation(5, 0) is None
    assert formats.ecart_points(51.7, 48.0) == f"+3,7{INSECABLE}pts"
    assert formats.ecart_points(36.6, 37.0) == f"−0,4{INSECABLE}pt"


def test_unite_inconnue():
    with pytest.raises(ValueError, match="Unité inconnue"):
        formats.selon_unite(3, "kilos")
