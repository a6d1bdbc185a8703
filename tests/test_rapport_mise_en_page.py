"""Typesetting of the report's and the view's tables (issue 15): no word broken in a cell, short
tables kept whole, long ones never leaving a few rows alone; and the report's draft (blank
images) laid out exactly as the final document."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import docx
import plotly.graph_objects as go
from PIL import ImageFont

from pre_pilotage import rapport
from tests.test_rapport import _outils

LIBERATION = Path("/usr/share/fonts/truetype/liberation2")
EMU_PAR_CM = 360000

# The Budgets page's « Sur plusieurs années » table beside a long-text column: the header words
# (« Année », « Évolution ») are the narrowest columns' longest words.
ENTETES = [
    "Année",
    "Fiche-action",
    "Budget programmé",
    "Part cofinancée",
    "Versé",
    "Taux d'exécution",
    "Coût par enfant",
    "Évolution",
]
LIGNES = [
    [
        str(2021 + i),
        "Accompagnement individualisé des enfants et de leur famille dans le quartier",
        "692\u202f734\u00a0€",
        "44,9\u00a0%",
        "393\u202f217\u00a0€",
        "59,2\u00a0%",
        "1\u202f174\u00a0€",
        "+3,1\u00a0%",
    ]
    for i in range(5)
]


def _largeur_mot(mot: str, gras: bool, taille: float) -> float:
    """Width in cm of a word in Liberation Sans (Arial's metrics, the font LibreOffice uses)."""
    nom = "LiberationSans-Bold.ttf" if gras else "LiberationSans-Regular.ttf"
    police = ImageFont.truetype(str(LIBERATION / nom), 1000)
    return police.getlength(mot) / 1000 * taille / 72 * 2.54


def _document(entetes, lignes, legende=False) -> docx.Document:
    document = docx.Document()
    rapport._tableau(document, entetes, lignes, legende=legende)
    tampon = io.BytesIO()
    document.save(tampon)
    return docx.Document(io.BytesIO(tampon.getvalue())), tampon.getvalue()


def test_chaque_colonne_au_moins_aussi_large_que_son_plus_long_mot():
    document, _ = _document(ENTETES, LIGNES)
    tableau = document.tables[0]
    largeurs = []
    for numero, cellule in enumerate(tableau.rows[0].cells):
        largeur = cellule.width / EMU_PAR_CM
        largeurs.append(largeur)
        taille = cellule.paragraphs[0].runs[0].font.size.pt
        mots = [(mot, True) for mot in ENTETES[numero].split(" ")]
        mots += [(mot, False) for ligne in LIGNES for mot in ligne[numero].split(" ")]
        # Each word on one line, with the cell's margins (0.19 cm on each side).
        plus_long = max(_largeur_mot(mot, gras, taille) for mot, gras in mots)
        assert largeur >= plus_long + 0.38, (ENTETES[numero], largeur, plus_long)
    assert abs(sum(largeurs) - 16) < 0.01
    # « Année » (bold, 9.5 pt) is 1.02 cm: its column is narrow but never cut.
    assert 1.4 < largeurs[0] < 2
    # Too many columns for 9.5 pt: a smaller size, still no word cut.
    larges = ENTETES + ["Référence nationale", "Commentaire"]
    document, _ = _document(larges, [ligne + ["–", "–"] for ligne in LIGNES])
    cellules = document.tables[0].rows[0].cells
    taille = cellules[0].paragraphs[0].runs[0].font.size.pt
    assert taille < 9.5
    for cellule, entete in zip(cellules, larges, strict=True):
        assert cellule.width / EMU_PAR_CM >= max(
            _largeur_mot(mot, True, taille) + 0.38 for mot in entete.split(" ")
        ), entete


def test_aucun_mot_coupe_dans_le_pdf(tmp_path):
    """LibreOffice lays the table out: every header word is found whole in the PDF's text."""
    _outils()
    _, donnees = _document(ENTETES, LIGNES)
    chemin = tmp_path / "tableau.pdf"
    chemin.write_bytes(rapport.pdf(donnees))
    texte = subprocess.run(
        ["pdftotext", "-raw", str(chemin), "-"], capture_output=True, check=True, text=True
    ).stdout
    mots = set(texte.split())
    for entete in ENTETES:
        for mot in entete.split(" "):
            assert mot in mots, (mot, sorted(m for m in mots if m[:3] == mot[:3]))


def _garde(rangee) -> bool:
    valeurs = {p.paragraph_format.keep_with_next for c in rangee.cells for p in c.paragraphs}
    assert len(valeurs) == 1
    return valeurs.pop()


def _insecable(rangee) -> bool:
    return rangee._tr.trPr.find(docx.oxml.ns.qn("w:cantSplit")) is not None


def test_tableau_court_garde_entier_et_long_sans_lignes_isolees():
    # A short table: every row kept with the next, the last one with its caption when it has one.
    court = [["a", "1"]] * 12
    for legende in (False, True):
        document, _ = _document(["Indicateur", "Valeur"], court, legende=legende)
        rangees = document.tables[0].rows
        assert [_garde(r) for r in rangees] == [True] * 12 + [legende]
        assert all(_insecable(r) for r in rangees)
    # A long one splits (header repeated), but its first and last three rows stay together.
    document, _ = _document(["Indicateur", "Valeur"], [["a", "1"]] * 40)
    rangees = document.tables[0].rows
    attendu = [True] * 3 + [False] * 35 + [True, True, False]
    assert [_garde(r) for r in rangees] == attendu
    assert all(_insecable(r) for r in rangees)


def test_brouillon_mis_en_page_comme_le_document():
    """The draft's blank image takes the chart's size: the pages found are the final ones."""
    figure = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))
    figure.update_layout(height=450)
    section = rapport.Section("Synthèse")
    section.graphiques.append(rapport.Graphique("Titre", figure, "Source.", "Texte."))
    contexte = rapport.Contexte("Territoire", 2025, 11)

    def taille(rendre) -> tuple[int, int]:
        document = docx.Document(io.BytesIO(rapport.docx([section], contexte, rendre)))
        forme = document.inline_shapes[0]
        return forme.width, forme.height

    from pre_pilotage import exports

    dessin = taille(exports.image_sans_legende)
    assert taille(lambda _figure: rapport._png_blanc()) == dessin
    assert round(dessin[1] / dessin[0], 4) == round(450 / exports.LARGEUR_PX, 4)


def test_pdf_apres_le_docx_reprend_pages_et_graphiques(monkeypatch):
    """The PDF asked after the DOCX of the same report (sections built again, as on a rerun)
    converts once, without a new draft nor new charts; another content is prepared anew."""
    _outils()
    from pre_pilotage import exports

    conversions, dessins = [], []
    convertir = rapport.pdf

    def pdf_compte(document: bytes) -> bytes:
        conversions.append(len(document))
        return convertir(document)

    def rendre(figure) -> bytes:
        dessins.append(figure)
        return exports.image_sans_legende(figure)

    monkeypatch.setattr(rapport, "pdf", pdf_compte)
    rapport.vider_cache()
    contexte = rapport.Contexte("Territoire", 2025, 11)

    def sections(valeur: int) -> list:
        figure = go.Figure(go.Bar(x=["a", "b"], y=[valeur, 4]))
        section = rapport.Section("Synthèse", phrases=[f"Valeur : {valeur}."])
        section.graphiques.append(rapport.Graphique("Titre", figure, "Source.", "Texte."))
        return [section]

    document = rapport.docx_numerote(sections(3), contexte, rendre)
    assert (len(conversions), len(dessins)) == (1, 1)
    donnees = rapport.pdf_numerote(sections(3), contexte, rendre)
    assert (len(conversions), len(dessins)) == (2, 1)
    # The same pages as a report made from scratch, in the DOCX and the PDF.
    pages = rapport.pages_des_titres(donnees)
    assert pages == [2, 2, 3, 3]
    entrees = [p.text for p in docx.Document(io.BytesIO(document)).paragraphs]
    titres = ["Synthèse", rapport.PERSPECTIVES, *rapport.ANNEXES]
    assert [e for e in entrees if "\t" in e] == [
        f"{t}\t{n}" for t, n in zip(titres, pages, strict=True)
    ]
    rapport.pdf_numerote(sections(5), contexte, rendre)
    assert (len(conversions), len(dessins)) == (4, 2)
