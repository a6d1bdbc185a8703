"""« PDF de la vue »: what a page showed, recorded as it was shown, as a paginated A4 document.

Every page renders its key figures, charts, tables and maps through `ui` (chiffre_cle,
afficher_graphique, afficher_tableau, afficher_carte) and its headings through `ui.intertitre`:
each of them adds an element to the run's `Vue` (see diffusion.noter). At the end of the run the
« PDF de la vue » button gets a snapshot of it, and the document is made only when clicked: a DOCX
(python-docx: heading styles, real tables whose header repeats, alt text on images, « Page N sur
M » footer, running header) converted by LibreOffice, as the report is. No Streamlit here.

Only what was on screen is written: key figures and table cells as their displayed text (a masked
cell as its token, « < 11 » or « s »), charts as the figures drawn (whose labels carry tokens),
the map redrawn from the same frames by `carte_image`. A view below the élus' floor of 11
(coordination threshold) says on every page that it is an internal document.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import plotly.graph_objects as go

from pre_pilotage import exports, formats


@dataclass(frozen=True)
class Intertitre:
    texte: str
    niveau: int = 2  # 2: a page's section (st.subheader), 3: a block inside it


@dataclass(frozen=True)
class ChiffreCle:
    libelle: str
    valeur: str  # as displayed: a token when masked
    evolution: str = ""  # « +8,1 % », "" when none
    comparaison: str = ""  # « par rapport à 2024 » (said once in the header when shared)
    reference: str = ""  # national reference shown under it, "" when none
    sans_valeur: str = ""  # why « – » (no value, not masked), said under the table


@dataclass(frozen=True)
class Graphique:
    titre: str
    figure: go.Figure
    legende: str  # source, data date, secrecy note, as under the chart on screen
    texte_alternatif: str


@dataclass(frozen=True)
class Tableau:
    titre: str
    entetes: tuple[str, ...]
    lignes: tuple[tuple[str, ...], ...]  # displayed text, masked cells as their token
    note: str = ""  # what its tokens mean, "" when none
    recherche: str = ""  # the words the table was filtered on, "" when none


@dataclass(frozen=True)
class Carte:
    titre: str
    legende: str
    # The map as a Plotly figure (carte_image), drawn at click time; None: not reproducible.
    figure: Callable[[], go.Figure] | None = None


@dataclass(frozen=True)
class Puces:
    lignes: tuple[str, ...]


@dataclass(frozen=True)
class Texte:
    """A sentence of the page (« Aucune ligne à afficher. », a note under key figures)."""

    texte: str


@dataclass(frozen=True)
class Note:
    """A caption or an information box of the page (a scope, how to read a table)."""

    texte: str
    encadree: bool = False  # an information box (st.info), framed in the document


@dataclass(frozen=True)
class Reglage:
    """A page setting shown in the document's filters (« Indicateur de la carte : … »)."""

    libelle: str
    valeur: str


Element = Intertitre | ChiffreCle | Graphique | Tableau | Carte | Puces | Texte | Note


def _meme_titre(un: str, autre: str) -> bool:
    """Whether two headings say the same (« Quartiers classés : enfants accompagnés » and
    « Quartiers classés – Enfants accompagnés »): the second is not written again."""

    def lettres(texte: str) -> str:
        return "".join(c for c in texte.casefold() if c.isalnum())

    return lettres(un) == lettres(autre)


NON_REPRODUIT = (
    "{objet} non reproduit dans ce document : ouvrez le lien de la vue pour le consulter."
)


@dataclass(frozen=True)
class Vue:
    """A page as it was shown: its title, filters, data date, link, and elements in order."""

    page: str
    territoire: str
    filtres: tuple[tuple[str, str], ...]  # (label, value) of the sidebar and page settings
    elements: tuple[Element, ...]
    lien: str
    seuil: int
    date_donnees: str | None = None
    demo: bool = False
    interne: bool = False  # threshold below the élus' floor: internal document
    utilisateur: str = ""
    produit_le: dt.datetime = field(default_factory=dt.datetime.now)


def sans_donnees(figure: go.Figure) -> bool:
    """Whether no trace of the chart has any data (an empty Sankey cannot even be drawn)."""
    for trace in figure.data:
        if trace.type == "sankey":
            if len(trace.node.label or ()) > 0:
                return False
            continue
        for attribut in ("x", "y", "values", "z", "lat", "lon", "locations", "geojson"):
            valeur = getattr(trace, attribut, None) if attribut in trace else None
            if valeur is not None and (not hasattr(valeur, "__len__") or len(valeur) > 0):
                return False
    return True


def nom_fichier(vue: Vue) -> str:
    return exports.nom_fichier(f"vue {vue.page} {vue.territoire}", "pdf")


def _note_secret(vue: Vue) -> str:
    return (
        "Secret statistique : aucun chiffre de ce document ne concerne un enfant identifiable. "
        f"Tout effectif de 1 à {vue.seuil - 1} enfants est remplacé par « < {vue.seuil} », et "
        "d'autres cases sont masquées (« s ») lorsque c'est nécessaire pour qu'un petit effectif "
        "ne puisse pas être retrouvé à partir des totaux, des autres cases ou de l'année "
        "précédente ; les taux, moyennes et médianes calculés sur un groupe masqué sont masqués "
        "eux aussi. Les chiffres sont ceux affichés à l'écran."
    )


def _cellules_de_fond(cellule, couleur: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    fond = OxmlElement("w:shd")
    fond.set(qn("w:val"), "clear")
    fond.set(qn("w:color"), "auto")
    fond.set(qn("w:fill"), couleur)
    cellule._tc.get_or_add_tcPr().append(fond)


def _entete_de_document(document, vue: Vue) -> None:
    """Title, filters, data date, production, demo or internal warning, and the view's link with
    its QR code (on the right)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt, RGBColor

    from pre_pilotage import rapport

    document.add_paragraph(vue.page, style="Title")
    tableau = document.add_table(rows=1, cols=2)
    tableau.alignment = WD_TABLE_ALIGNMENT.CENTER
    tableau.autofit = False
    gauche, droite = tableau.rows[0].cells
    for colonne, largeur in zip(tableau.columns, (Cm(12), Cm(4)), strict=True):
        colonne.width = largeur
        for cellule in colonne.cells:
            cellule.width = largeur
    lignes = [
        *vue.filtres,
        ("Données", f"au {formats.date(vue.date_donnees)}" if vue.date_donnees else "–"),
        (
            "Document",
            f"vue du tableau de bord de pilotage du PRE, produite le "
            f"{formats.date_heure(vue.produit_le)}"
            + (f" par {vue.utilisateur}" if vue.utilisateur else ""),
        ),
    ]
    premier = True
    for libelle, valeur in lignes:
        paragraphe = gauche.paragraphs[0] if premier else gauche.add_paragraph()
        premier = False
        paragraphe.paragraph_format.space_after = Pt(2)
        paragraphe.add_run(f"{libelle} : ").bold = True
        paragraphe.add_run(valeur)
    image = droite.paragraphs[0]
    image.alignment = 2  # right
    qr = image.add_run().add_picture(io.BytesIO(exports.qr_png(vue.lien)), width=Cm(3.2))
    qr._inline.docPr.set("descr", "QR code du lien de cette vue")
    legende = droite.add_paragraph("QR code de la vue", style="Caption")
    legende.alignment = 2
    for cellule in (gauche, droite):
        _cellules_de_fond(cellule, "F5F5FE")
    lien = document.add_paragraph()
    lien.paragraph_format.space_before = Pt(4)
    lien.add_run("Lien de cette vue : ").bold = True
    texte_lien = lien.add_run(vue.lien)
    texte_lien.font.size = Pt(9)
    texte_lien.font.color.rgb = RGBColor(0x00, 0x00, 0x91)
    if vue.interne:
        document.add_paragraph().add_run(rapport.mention_interne(vue.seuil)).bold = True
    if vue.demo:
        avertissement = document.add_paragraph().add_run(
            "Données fictives de démonstration : territoire, enfants, écoles et montants sont "
            "inventés."
        )
        avertissement.bold = True
        avertissement.font.color.rgb = RGBColor(0xB3, 0x40, 0x00)
    document.add_paragraph(_note_secret(vue), style="Caption")


def _chiffres(document, chiffres: list[ChiffreCle]) -> None:
    from pre_pilotage import rapport

    comparaisons = {c.comparaison for c in chiffres if c.evolution}
    commune = comparaisons.pop() if len(comparaisons) == 1 else ""
    entetes = ["Chiffre clé", "Valeur", f"Évolution {commune}".strip()]
    avec_reference = any(c.reference for c in chiffres)
    if avec_reference:
        entetes.append("Référence nationale")
    lignes = [
        [
            c.libelle,
            c.valeur,
            (c.evolution if commune else f"{c.evolution} {c.comparaison}")
            if c.evolution
            else formats.VIDE,
        ]
        + ([c.reference or formats.VIDE] if avec_reference else [])
        for c in chiffres
    ]
    note = formats.note_secret(c.valeur for c in chiffres)
    vides = [f"{c.libelle} « – » : {c.sans_valeur}" for c in chiffres if c.sans_valeur]
    rapport._tableau(document, entetes, lignes, legende=bool(note or vides))
    for texte in [*vides, note]:
        if texte:
            document.add_paragraph(texte, style="Caption")


def _sans_titres_vides(elements: tuple[Element, ...]) -> list[Element]:
    """The elements without a heading that nothing follows on paper (the Publics page's
    « Enquête nationale PRE » heads only a download button): never a heading alone."""
    gardes: list[Element] = []
    for element in reversed(elements):
        if isinstance(element, Intertitre):
            suivant = gardes[-1] if gardes else None
            if suivant is None or (
                isinstance(suivant, Intertitre) and suivant.niveau <= element.niveau
            ):
                continue
        gardes.append(element)
    return gardes[::-1]


def _note(document, note: Note) -> None:
    """A caption in the caption style; an information box as a framed, shaded paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if not note.encadree:
        document.add_paragraph(note.texte, style="Caption")
        return
    paragraphe = document.add_paragraph(note.texte)
    # (The border and shading first: Word wants them before the spacing in the properties.)
    proprietes = paragraphe._p.get_or_add_pPr()
    cadre = OxmlElement("w:pBdr")
    for cote in ("top", "left", "bottom", "right"):
        trait = OxmlElement(f"w:{cote}")
        trait.set(qn("w:val"), "single")
        trait.set(qn("w:sz"), "4")
        trait.set(qn("w:space"), "4")
        trait.set(qn("w:color"), "000091")
        cadre.append(trait)
    proprietes.append(cadre)
    fond = OxmlElement("w:shd")
    fond.set(qn("w:val"), "clear")
    fond.set(qn("w:color"), "auto")
    fond.set(qn("w:fill"), "E8EDFF")
    proprietes.append(fond)
    paragraphe.paragraph_format.space_before = Pt(4)
    paragraphe.paragraph_format.space_after = Pt(8)


def docx(vue: Vue, rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende) -> bytes:
    """The view as a Word document: A4, 2 cm margins, running header and « Page N sur M »."""
    import docx as python_docx
    from docx.shared import Cm, Pt, RGBColor

    from pre_pilotage import rapport

    document = python_docx.Document()
    section_page = document.sections[0]
    section_page.page_width, section_page.page_height = Cm(21), Cm(29.7)
    section_page.left_margin = section_page.right_margin = Cm(2.5)
    section_page.top_margin = section_page.bottom_margin = Cm(2)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    for nom in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        style = document.styles[nom]
        rapport.police_sans_theme(style)
        style.font.color.rgb = RGBColor(0x00, 0x00, 0x91)
        style.paragraph_format.keep_with_next = True
    document.styles["Title"].font.size = Pt(22)
    document.styles["Heading 2"].font.size = Pt(13)
    document.styles["Heading 3"].font.size = Pt(11)
    legende = document.styles["Caption"].font
    legende.name, legende.size, legende.bold, legende.italic = "Arial", Pt(8.5), False, True
    legende.color.rgb = RGBColor(0x3A, 0x3A, 0x3A)
    rapport._langue_francaise(document)
    titre = f"Tableau de bord du PRE – {vue.page} – {vue.territoire}"
    proprietes = document.core_properties
    proprietes.title, proprietes.language = titre, "fr-FR"
    proprietes.author = "Tableau de bord de pilotage du PRE"
    contexte = rapport.Contexte(vue.territoire, 0, vue.seuil, interne=vue.interne)
    rapport._en_tete_et_pied(section_page, titre, contexte)

    _entete_de_document(document, vue)
    chiffres: list[ChiffreCle] = []
    largeur = Cm(15.5)

    def image(figure: Callable[[], go.Figure], texte_alternatif: str, objet: str) -> None:
        """The chart or map as drawn; a sentence in its place when it cannot be drawn."""
        from pre_pilotage.rendu import RenduImpossible

        dessin = figure()
        if sans_donnees(dessin):
            vide = document.add_paragraph(
                "Aucune donnée à représenter pour ce territoire et cette période."
            )
            vide.runs[0].italic = True
            rapport._garder_avec_suivant(vide)
            return
        try:
            donnees = rendre(dessin)
        except RenduImpossible:
            absent = document.add_paragraph(NON_REPRODUIT.format(objet=objet))
            absent.runs[0].italic = True
            rapport._garder_avec_suivant(absent)
            return
        paragraphe = document.add_paragraph()
        rapport._garder_avec_suivant(paragraphe)
        dessin = paragraphe.add_run().add_picture(io.BytesIO(donnees), width=largeur)
        dessin._inline.docPr.set("descr", texte_alternatif)

    def vider_chiffres() -> None:
        if chiffres:
            _chiffres(document, chiffres)
            chiffres.clear()

    elements = _sans_titres_vides(vue.elements)
    # A table that reads larger on a landscape page gets one, with the headings and sentence
    # just above it (a heading is never left alone at the bottom of the portrait page before).
    # Landscape pages are left when something else follows (two such tables in a row share
    # them; the document never ends on an empty portrait page).
    paysages: set[int] = set()
    en_paysage: set[int] = set()
    for k, element in enumerate(elements):
        if isinstance(element, Tableau) and rapport.paysage_utile(
            list(element.entetes), [list(ligne) for ligne in element.lignes]
        ):
            debut = k
            while (
                debut > 0
                and k - debut < 3
                and isinstance(elements[debut - 1], Intertitre | Texte | Note)
            ):
                debut -= 1
            paysages.add(k)
            en_paysage.update(range(debut, k + 1))
    dernier_titre = ""
    paysage = False
    for index, element in enumerate(elements):
        if not isinstance(element, ChiffreCle):
            vider_chiffres()
        if (index in en_paysage) != paysage:
            paysage = not paysage
            rapport.orientation(document, paysage)
        if isinstance(element, ChiffreCle):
            chiffres.append(element)
        elif isinstance(element, Intertitre):
            document.add_heading(element.texte, level=element.niveau)
        elif isinstance(element, Texte):
            document.add_paragraph(element.texte)
        elif isinstance(element, Note):
            _note(document, element)
        elif isinstance(element, Puces):
            for ligne in element.lignes:
                document.add_paragraph(ligne, style="List Bullet")
        elif isinstance(element, Graphique):
            document.add_heading(element.titre, level=3)
            if sans_donnees(element.figure) and element.legende:
                # The page's own sentence (nothing to draw, or every figure masked).
                phrase = document.add_paragraph(element.legende)
                phrase.runs[0].italic = True
            else:
                image(lambda e=element: e.figure, element.texte_alternatif, "Graphique")
                document.add_paragraph(element.legende, style="Caption")
        elif isinstance(element, Carte):
            document.add_heading(element.titre, level=3)
            if element.figure is not None:
                image(element.figure, element.titre, "Carte")
            else:
                document.add_paragraph(
                    "Carte interactive non reproduite dans ce document : ouvrez le lien de la "
                    "vue pour la consulter."
                ).runs[0].italic = True
            document.add_paragraph(element.legende, style="Caption")
        elif isinstance(element, Tableau):
            titre = element.titre
            if not titre or _meme_titre(titre, dernier_titre):
                titre = None
            rapport.tableau_oriente(
                document,
                titre,
                list(element.entetes),
                [list(ligne) for ligne in element.lignes],
                element.note,
                avant=(
                    f"Lignes contenant « {element.recherche} » ({len(element.lignes)})."
                    if element.recherche
                    else None
                ),
                deja_paysage=index in paysages,
                fermer=False,
            )
        dernier_titre = element.texte if isinstance(element, Intertitre) else ""
    vider_chiffres()
    if not vue.elements:
        document.add_paragraph("Cette page n'affichait aucun chiffre, graphique ni tableau.")
    tampon = io.BytesIO()
    document.save(tampon)
    return tampon.getvalue()


def pdf(vue: Vue, rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende) -> bytes:
    """The view's PDF (LibreOffice, one pass: there is no table of contents to number)."""
    from pre_pilotage import rapport

    return rapport.pdf(docx(vue, rendre))
