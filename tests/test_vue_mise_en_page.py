"""« PDF de la vue » of the Carte page (issue 15): its map names the quartiers as the report's
does, the page's captions and information boxes are carried over, a table titled as the heading
just above it is not titled twice, and headings are set in Arial (not the template's theme)."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest
from docx.oxml.ns import qn
from streamlit.testing.v1 import AppTest

from pre_pilotage import config, diffusion, rapport, vue
from pre_pilotage.administration import Utilisateur
from tests.test_rapport import _outils


@pytest.fixture
def application(chemin_demo, monkeypatch):
    """The app on the demo database (its quartiers have contours, the fixture's have none)."""
    from pre_pilotage.requetes import vider_caches

    monkeypatch.setenv("PRE_BASE", str(chemin_demo))
    vider_caches()

    def lancer():
        at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=120)
        at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", "coordination")
        at.query_params["annee"] = "2025"
        return at.run()

    return lancer


def _vue_carte(application):
    at = application()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    la_vue = at.session_state[diffusion.DERNIERE_VUE]
    assert la_vue.page == "Carte"
    return at, la_vue


def test_carte_de_la_vue_nomme_les_quartiers_et_garde_les_notes(application, tmp_path):
    _outils()
    at, la_vue = _vue_carte(application)
    carte = next(e for e in la_vue.elements if isinstance(e, vue.Carte))
    figure = carte.figure()
    noms = [nom for trace in figure.data if trace.mode == "text" for nom in trace.text]
    classement = next(e for e in la_vue.elements if isinstance(e, vue.Tableau))
    colonne = classement.entetes.index("Quartier")
    quartiers = sorted(ligne[colonne] for ligne in classement.lignes)
    # Every quartier of the ranked table is named on the map drawn into the PDF.
    assert sorted(noms) == quartiers and len(quartiers) == 15
    # The page's caption under the ranked table is in the view, as a caption.
    notes = [e for e in la_vue.elements if isinstance(e, vue.Note)]
    legende = "Les quartiers dont le chiffre est masqué (« < 11 », « s ») ou inconnu viennent"
    assert [n.encadree for n in notes if n.texte.startswith(legende)] == [False]
    assert any(legende in c.value for c in at.caption)

    document = docx.Document(io.BytesIO(vue.docx(la_vue, lambda _figure: rapport._png_blanc())))
    paragraphes = [(p.style.name, p.text) for p in document.paragraphs]
    assert any(s == "Caption" and t.startswith(legende) for s, t in paragraphes)
    titres = [t for s, t in paragraphes if s.startswith("Heading") and "Quartiers classés" in t]
    assert titres == ["Quartiers classés : enfants accompagnés"]
    for nom in ("Title", "Heading 2", "Heading 3"):
        polices = document.styles[nom].element.rPr.find(qn("w:rFonts"))
        assert polices.get(qn("w:ascii")) == "Arial"
        assert polices.get(qn("w:asciiTheme")) is None, nom

    chemin = tmp_path / "carte.pdf"
    chemin.write_bytes(vue.pdf(la_vue))
    texte = subprocess.run(
        ["pdftotext", "-raw", str(chemin), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert legende in " ".join(texte.split())


def test_note_encadree_dans_le_document():
    la_vue = vue.Vue(
        "Programmation et budgets",
        "Aubricourt",
        (("Commune", "Aubricourt"),),
        (
            vue.Intertitre("Périmètre"),
            vue.Note("Périmètre : fiches-action communales de la commune Aubricourt.", True),
            vue.Note("Exécution : part de l'accordé qui a été versée."),
        ),
        "/budget?commune=96003",
        11,
    )
    document = docx.Document(io.BytesIO(vue.docx(la_vue, lambda _figure: rapport._png_blanc())))
    encadre = next(p for p in document.paragraphs if p.text.startswith("Périmètre :"))
    proprietes = encadre._p.pPr
    assert proprietes.find(qn("w:pBdr")) is not None
    assert proprietes.find(qn("w:shd")).get(qn("w:fill")) == "E8EDFF"
    # Word's order of paragraph properties: border, shading, then spacing.
    ordre = [enfant.tag for enfant in proprietes]
    assert ordre.index(qn("w:pBdr")) < ordre.index(qn("w:shd")) < ordre.index(qn("w:spacing"))
    legende = next(p for p in document.paragraphs if p.text.startswith("Exécution :"))
    assert legende.style.name == "Caption"


def test_titres_du_rapport_en_arial():
    section = rapport.Section("Synthèse", phrases=["Une phrase."])
    contexte = rapport.Contexte("Territoire", 2025, 11)
    document = docx.Document(io.BytesIO(rapport.docx([section], contexte)))
    for nom in ("Title", "Heading 1", "Heading 2", "Heading 3", "TOC Heading"):
        polices = document.styles[nom].element.rPr.find(qn("w:rFonts"))
        assert polices.get(qn("w:ascii")) == "Arial"
        assert polices.get(qn("w:asciiTheme")) is None, nom


def test_titre_sans_contenu_omis():
    elements = (
        vue.Intertitre("Parcours"),
        vue.Texte("Aucune ligne à afficher."),
        vue.Intertitre("Section sans rien"),
        vue.Intertitre("Transitions"),
        vue.Intertitre("Bloc", 3),
        vue.Texte("Une phrase."),
        vue.Intertitre("Enquête nationale PRE"),
    )
    assert vue._sans_titres_vides(elements) == [
        elements[0],
        elements[1],
        elements[3],
        elements[4],
        elements[5],
    ]
    la_vue = vue.Vue("Publics et parcours", "Territoire", (), elements, "/publics", 11)
    document = docx.Document(io.BytesIO(vue.docx(la_vue, lambda _figure: rapport._png_blanc())))
    titres = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert titres == ["Parcours", "Transitions", "Bloc"]
