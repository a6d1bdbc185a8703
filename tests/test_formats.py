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


def test_periode_d_une_ou_plusieurs_annees():
    # A programme with one year of data: « 2025 », never « 2025–2025 » (seen by a new user).
    assert formats.periode([2025]) == "2025"
    assert formats.periode([2025, 2021, 2023]) == "2021–2025"


def test_variations():
    assert formats.variation(110, 100) == f"+10,0{INSECABLE}%"
    assert formats.variation(90, 100) == f"−10,0{INSECABLE}%"
    assert formats.variation(5, 0) is None
    assert formats.ecart_points(51.7, 48.0) == f"+3,7{INSECABLE}pts"
    assert formats.ecart_points(36.6, 37.0) == f"−0,4{INSECABLE}pt"
    # A change already in percent (the Budget page's « Évolution sur un an »), signed like the
    # report's: a true minus, a plus, nothing for no change.
    assert formats.selon_unite(-11.94, "evolution") == f"−11,9{INSECABLE}%"
    assert formats.selon_unite(1.9, "evolution") == f"+1,9{INSECABLE}%"
    assert formats.selon_unite(0.0, "evolution") == f"0,0{INSECABLE}%"
    assert formats.selon_unite(None, "evolution") == formats.VIDE


def test_unite_inconnue():
    with pytest.raises(ValueError, match="Unité inconnue"):
        formats.selon_unite(3, "kilos")


@pytest.mark.parametrize(
    ("nom", "markdown"),
    [
        ("[Cliquez](http://x.invalid/a)", "\\[Cliquez\\]\\(http\\:/\u2060/x.invalid/a\\)"),
        ("![i](https://x.invalid/i.png)", "\\!\\[i\\]\\(https\\:/\u2060/x.invalid/i.png\\)"),
        ("<a href='u'>**gras**</a>", "\\<a href='u'\\>\\*\\*gras\\*\\*\\</a\\>"),
        (":red[rouge] $x$ `code`", "\\:red\\[rouge\\] \\$x\\$ \\`code\\`"),
        ("voir www.x.invalid ou a@x.invalid", "voir www\u2060.x.invalid ou a@\u2060x.invalid"),
        ("- pas une liste", "\\- pas une liste"),
        ("1. pas une liste", "1\\. pas une liste"),
        ("Saint-Denis\n# titre", "Saint-Denis \\# titre"),
        (
            "65,9\u00a0% des enfants, 1\u202f234\u00a0€",
            "65,9\u00a0% des enfants, 1\u202f234\u00a0€",
        ),
        ("Cité éducative d'Alpha", "Cité éducative d'Alpha"),
        (None, ""),
    ],
)
def test_les_noms_restent_du_texte_en_markdown(nom, markdown):
    assert formats.texte_md(nom) == markdown
