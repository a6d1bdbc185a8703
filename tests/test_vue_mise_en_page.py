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
    noms = [annotation.text for annotation in figure.layout.annotations]
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


def _tableau_large(titre: str, lignes: int) -> vue.Tableau:
    """The Budgets page's « Exécution des fiches-action »: ten columns."""
    entetes = (
        "Fiche-action",
        "Prévu",
        "Accordé",
        "Versé",
        "Exécution",
        "Financeur unique",
        "Enfants prévus",
        "Enfants réalisés",
        "Premier financeur",
        "Sa part",
    )
    ligne = (
        "Accompagnement à la scolarité – Les Hautes-Rives",
        "7 900 €",
        "7 900 €",
        "5 273 €",
        "66,7 %",
        "Non",
        "70",
        "< 11",
        "État – politique de la ville",
        "58,4 %",
    )
    return vue.Tableau(titre, entetes, (ligne,) * lignes, "« < 11 » : moins de 11 enfants.")


def _sections(document) -> list[str]:
    """Each Word section's orientation, in order."""
    sections = [
        e.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
        for e in document.element.body
        if e.tag == qn("w:p") and e.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    ]
    sections.append(document.element.body.find(qn("w:sectPr")))
    largeurs = [int(s.find(qn("w:pgSz")).get(qn("w:w"))) for s in sections]
    return ["paysage" if w > 15_000 else "portrait" for w in largeurs]


def test_tableau_large_sur_une_page_paysage_avec_son_titre():
    """A ten-column table would come out at 7.5 pt on a portrait page: it gets a landscape page
    at 9.5 pt, with the heading and sentence above it; two in a row share it; the document does
    not end on an empty portrait page. A seven-column table stays portrait."""
    large = _tableau_large("Exécution des fiches-action", 12)
    entetes, lignes = list(large.entetes), [list(ligne) for ligne in large.lignes]
    assert rapport.largeurs_colonnes(entetes, lignes)[1] <= rapport.TAILLE_PAYSAGE
    assert rapport.largeurs_colonnes(entetes, lignes, rapport.LARGEUR_PAYSAGE_CM)[1] == 9.5
    etroit = vue.Tableau(
        "Par année",
        ("Année", "Fiches", "Prévu", "Part", "Versé", "Taux", "Coût"),
        (("2025", "30", "1 €", "1 %", "1 €", "1 %", "1 €"),),
    )
    assert not rapport.paysage_utile(list(etroit.entetes), [list(ligne) for ligne in etroit.lignes])
    la_vue = vue.Vue(
        "Programmation et budgets",
        "Toutes les communes",
        (),
        (
            vue.Intertitre("Sur plusieurs années"),
            etroit,
            vue.Intertitre("Exécution des fiches-action"),
            vue.Note("Exécution : part de l'accordé qui a été versée."),
            large,
            vue.Intertitre("Les fiches-action 2025"),
            _tableau_large("Les fiches-action 2025", 3),
        ),
        "/budget",
        11,
    )
    document = docx.Document(io.BytesIO(vue.docx(la_vue, lambda _figure: rapport._png_blanc())))
    assert _sections(document) == ["portrait", "paysage"]
    corps = list(document.element.body)
    rupture = next(
        k for k, e in enumerate(corps) if e.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None
    )
    avant = "".join(t.text or "" for e in corps[: rupture + 1] for t in e.iter(qn("w:t")))
    apres = "".join(t.text or "" for e in corps[rupture + 1 :] for t in e.iter(qn("w:t")))
    assert "Sur plusieurs années" in avant and "Exécution des fiches-action" not in avant
    assert apres.startswith("Exécution des fiches-action")
    assert "Les fiches-action 2025" in apres
    tableaux = document.tables  # the document's header (filters, link) is a table too
    assert len(tableaux) == 4
    tailles = {
        run.font.size.pt
        for tableau in tableaux[-2:]
        for cellule in tableau.rows[1].cells
        for paragraphe in cellule.paragraphs
        for run in paragraphe.runs
    }
    assert tailles == {9.5}
    # In the report, a wide table goes landscape and the report comes back to portrait.
    section = rapport.Section(
        "Programmation et budgets", tableaux=[rapport.Tableau("Exécution", entetes, lignes, "")]
    )
    annexe = rapport.Section("Annexes", phrases=["Une phrase."])
    rapport_docx = docx.Document(
        io.BytesIO(rapport.docx([section, annexe], rapport.Contexte("Territoire", 2025, 11)))
    )
    assert _sections(rapport_docx)[-3:] == ["portrait", "paysage", "portrait"]
