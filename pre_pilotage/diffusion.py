"""Streamlit side of exports, presentation mode and shareable links, used by `ui`'s renderers.

- Export menus: each chart, table and map gets an « Exporter » menu (coordination and
  administration roles only; none in presentation mode). The files are made only when a button
  is asked for (`telechargements.bouton`), from the masked frames and figures already on the
  page; making a file writes its audit row and binds it to the session that asked.
- Presentation mode (`?presentation=1`, or the toggle beside the page title): no sidebar, larger
  text and charts, stronger contrast, one chart per row; the demo banner and the masking stay.
- « Partager »: the link of the current view (page, filters, page settings, presentation mode),
  a button that copies it, and its QR code for printed documents.
- « PDF de la vue »: every key figure, chart, table, map and heading a page shows is noted in the
  run's view (`noter`, called by `ui`'s renderers); at the end of the run a button offers that
  view as a paginated A4 PDF (`pre_pilotage.vue`), made on click only and audited like any export.
"""

from __future__ import annotations

import base64
import functools
import threading
from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st

from pre_pilotage import acces, exports, telechargements, vue

CLE_PRESENTATION = "presentation"
_RANG = "_rang_export"
_TABLEAUX = "_tableaux_de_la_page"
# What the current run has shown (elements of pre_pilotage.vue), and the page settings chosen.
ELEMENTS_DE_LA_VUE = "_elements_de_la_vue"
REGLAGES_DE_LA_VUE = "_reglages_de_la_vue"
# The last view offered as PDF (its snapshot; the tests build its document from it).
DERNIERE_VUE = "_derniere_vue"
_par_execution = threading.local()


# ------------------------------------------------------------------------- presentation mode


# The mode is kept under a key of its own: a widget's key is dropped when the user goes to
# another page (each page has its own toggle), the mode must follow them.
CLE_PRESENTATION_ACTIVE = "presentation_active"


def presentation() -> bool:
    """Whether the page is shown in presentation mode (toggle, or `?presentation=1`)."""
    if CLE_PRESENTATION_ACTIVE in st.session_state:
        return bool(st.session_state[CLE_PRESENTATION_ACTIVE])
    return st.query_params.get(CLE_PRESENTATION) == "1"


def _basculer_presentation() -> None:
    st.session_state[CLE_PRESENTATION_ACTIVE] = bool(st.session_state[CLE_PRESENTATION])


_STYLES_PRESENTATION = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"] {
    display: none !important;
}
html { font-size: 19px; }
.stApp, .stApp p, .stApp li, .stApp label, .stApp [data-testid="stCaptionContainer"] p,
[data-testid="stMetricDeltaDescription"] { color: #000000 !important; }
.stApp [data-testid="stCaptionContainer"] p { font-size: 0.95rem; }
.stApp [data-testid="stCaptionContainer"], [data-testid="stMetricDelta"] { opacity: 1 !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 0.5rem 2rem 2rem 2rem; }
h1 { font-size: 2.6rem !important; }
h3, h4 { color: #000091 !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p {
    font-size: 2.5rem !important; color: #000091 !important;
}
[data-testid="stMetric"] { border: 2px solid #000091 !important; }
/* One chart per screen row: columns holding a chart are stacked. */
[data-testid="stHorizontalBlock"]:has(.stPlotlyChart) { flex-direction: column !important; }
[data-testid="stHorizontalBlock"]:has(.stPlotlyChart) > [data-testid="stColumn"] {
    width: 100% !important; flex: 1 1 auto !important; min-width: 100% !important;
}
.bandeau-demo { font-size: 1.05rem; color: #161616 !important; }
</style>
"""


def styles() -> None:
    """Presentation styles, when the mode is on (called first thing, by ui.styles)."""
    _par_execution.partage = None
    _par_execution.pdf_vue = None
    st.session_state[ELEMENTS_DE_LA_VUE] = []
    st.session_state[REGLAGES_DE_LA_VUE] = {}
    st.session_state.pop(DERNIERE_VUE, None)
    if presentation():
        st.markdown(_STYLES_PRESENTATION, unsafe_allow_html=True)


def agrandir(fig: go.Figure) -> go.Figure:
    """A copy of a chart for the projector: larger text, taller plot."""
    copie = go.Figure(fig)
    hauteur = copie.layout.height or 360
    copie.update_layout(
        height=int(max(hauteur, 380) * 1.2),
        font={"size": 19, "color": "#000000"},
        hoverlabel={"font_size": 18},
        legend={"font": {"size": 18}},
    )
    axes = {
        "tickfont": {"size": 17, "color": "#000000"},
        "title_font": {"size": 18, "color": "#000000"},
    }
    copie.update_xaxes(**axes)
    copie.update_yaxes(**axes)
    copie.update_traces(textfont_size=18, selector={"type": "bar"})
    copie.update_traces(textfont_size=18, selector={"mode": "text"})
    return copie


# ---------------------------------------------------------------------------- page header


def entete(titre: str) -> None:
    """Page title, with the presentation toggle and the (later filled) « Partager » menu."""
    st.session_state[_RANG] = 0
    st.session_state[_TABLEAUX] = 0
    if presentation():
        # No sidebar: title and tools share one row, the page's content starts higher.
        # « Partager » in presentation's larger type needs its 1.8 (it broke into « Partage / r »
        # at 1280 × 720 with 1.3, outside test).
        gauche, milieu, droite, pdf = st.columns([5, 2.3, 1.8, 1.9], vertical_alignment="center")
        gauche.title(titre)
    else:
        # The tools on a row of their own under the title: on a 1280 px screen with the sidebar,
        # one row for all would cut « Mode présentation » and break « Partager » in three.
        st.title(titre)
        milieu, droite, pdf, _ = st.columns([2.6, 1.6, 1.8, 4], vertical_alignment="center")
    with milieu:
        actif = presentation()
        st.session_state[CLE_PRESENTATION_ACTIVE] = actif
        st.session_state[CLE_PRESENTATION] = actif
        st.toggle(
            "Mode présentation",
            key=CLE_PRESENTATION,
            on_change=_basculer_presentation,
            help="Pour un écran partagé ou un vidéoprojecteur : sans panneau latéral, en gros "
            "caractères, un graphique par ligne, les pages en onglets en haut de l'écran.",
        )
        if actif:
            st.query_params[CLE_PRESENTATION] = "1"
        else:
            st.query_params.pop(CLE_PRESENTATION, None)
    # Filled at the end of the run, when the page has written all its settings to the URL.
    _par_execution.partage = droite.empty()
    _par_execution.pdf_vue = pdf.empty()


# ------------------------------------------------------------------------- PDF of the view


def noter(element) -> None:
    """Note an element shown on the page (a vue.Intertitre, ChiffreCle, Graphique, Tableau,
    Carte or Puces) in the run's view, in the order shown."""
    elements = st.session_state.get(ELEMENTS_DE_LA_VUE)
    if elements is not None:
        elements.append(element)


def noter_reglage(libelle: str, valeur: str) -> None:
    """Note a page setting (shown with the filters at the top of the view's PDF)."""
    reglages = st.session_state.get(REGLAGES_DE_LA_VUE)
    if reglages is not None:
        reglages[libelle] = valeur


def elements_de_la_vue() -> tuple:
    return tuple(st.session_state.get(ELEMENTS_DE_LA_VUE) or ())


def reglages_de_la_vue() -> tuple[tuple[str, str], ...]:
    return tuple((st.session_state.get(REGLAGES_DE_LA_VUE) or {}).items())


def bouton_pdf_de_la_vue(la_vue: vue.Vue, journal: dict) -> None:
    """Fill the header's « PDF de la vue » place (called at the end of the run, see ui.fin_page):
    the document is made from this snapshot of the view when the button is clicked."""
    zone = getattr(_par_execution, "pdf_vue", None)
    _par_execution.pdf_vue = None
    st.session_state[DERNIERE_VUE] = la_vue
    if zone is None or not la_vue.elements or not _exports_permis():
        return
    with zone.container():
        _bouton(
            "PDF de la vue",
            functools.partial(vue.pdf, la_vue),
            vue.nom_fichier(la_vue),
            "pdf",
            "vue",
            journal,
        )


# ------------------------------------------------------------------------- shareable links


def lien_de_la_vue(chemin_page: str) -> str:
    """Absolute link of the current view: the page's address and every setting of the URL."""
    base = st.context.url or f"/{chemin_page}"
    parametres = st.query_params.to_dict()
    return base + ("?" + urlencode(parametres) if parametres else "")


_JS_COPIER = """
export default function(composant) {
    const { parentElement } = composant;
    const bouton = parentElement.querySelector("button");
    const etat = parentElement.querySelector("[role=status]");
    bouton.onclick = async () => {
        const lien = window.location.href;
        try {
            await navigator.clipboard.writeText(lien);
        } catch (erreur) {
            // Without HTTPS the clipboard API is missing: copy through a selected text area.
            const zone = document.createElement("textarea");
            zone.value = lien;
            zone.setAttribute("readonly", "");
            zone.style.position = "fixed";
            zone.style.opacity = "0";
            document.body.appendChild(zone);
            zone.select();
            document.execCommand("copy");
            zone.remove();
        }
        etat.textContent = "Lien copié dans le presse-papiers.";
    };
}
"""
_HTML_COPIER = (
    '<button type="button" class="pre-copier">Copier le lien</button>'
    '<span class="pre-etat" role="status" aria-live="polite"></span>'
)
_CSS_COPIER = """
.pre-copier {
    font: inherit; color: #FFFFFF; background: #000091; border: 0; border-radius: 0.5rem;
    padding: 0.45rem 0.9rem; cursor: pointer;
}
.pre-copier:hover { background: #1212FF; }
.pre-copier:focus-visible { outline: 3px solid #0A76F6; outline-offset: 2px; }
.pre-etat { margin-left: 0.6rem; color: #18753C; }
"""


@functools.cache
def _bouton_copier():
    return st.components.v2.component(
        "pre_copier_lien", html=_HTML_COPIER, css=_CSS_COPIER, js=_JS_COPIER
    )


def partage(chemin_page: str) -> None:
    """Fill the « Partager » menu of the page header (called by app.py after the page)."""
    zone = getattr(_par_execution, "partage", None)
    _par_execution.partage = None
    if zone is None:
        return
    lien = lien_de_la_vue(chemin_page)
    with zone.container(), st.popover("Partager", icon=":material/share:"):
        st.markdown(
            "Ce lien rouvre la même vue (page, territoire, année, réglages de la page et mode "
            f"présentation) dans un autre navigateur :\n\n[{lien}]({lien})"
        )
        _bouton_copier()(key="copier_lien")
        qr = exports.qr_png(lien)
        st.markdown(
            f'<img src="data:image/png;base64,{base64.b64encode(qr).decode()}" width="180" '
            'height="180" alt="QR code du lien de cette vue, à imprimer dans un document">',
            unsafe_allow_html=True,
        )
        # Any download is for the coordination and administration roles (the image stays).
        if not acces.autorise("coordination"):
            return
        telechargements.bouton(
            "Télécharger le QR code (PNG)",
            qr,
            nom="qr-code-vue.png",
            mime="image/png",
            filtres=st.query_params.to_dict() or None,
            details={"format": "png", "page": chemin_page},
            key="telecharger_qr",
        )


# ---------------------------------------------------------------------------- export menus


def _exports_permis() -> bool:
    return acces.autorise("coordination") and not presentation()


def _rang() -> int:
    rang = st.session_state.get(_RANG, 0) + 1
    st.session_state[_RANG] = rang
    return rang


def numero_tableau() -> int:
    """Rank of a table on its page (names its exported files when it has no title)."""
    numero = st.session_state.get(_TABLEAUX, 0) + 1
    st.session_state[_TABLEAUX] = numero
    return numero


def _bouton(libelle: str, donnees, nom: str, format_: str, rang: int, journal: dict) -> None:
    telechargements.bouton(
        libelle,
        donnees,
        nom=nom,
        mime=exports.TYPES_MIME[format_],
        filtres=journal.get("filtres"),
        details={"format": format_} | journal.get("details", {}),
        key=f"export-{rang}-{format_}",
        icon=":material/download:",
        width="stretch",
    )


def bouton_export(libelle: str, donnees, nom: str, format_: str, cle: str, journal: dict) -> None:
    """A download made on click and audited like the export menus' (the Rapport page's ZIP)."""
    if _exports_permis():
        _bouton(libelle, donnees, nom, format_, cle, journal)


def menu_graphique(fig: go.Figure, legende: exports.Legende, journal: dict) -> None:
    """PNG (300 dpi), SVG and PDF of a chart with its caption; rendered on click only."""
    if not _exports_permis():
        return
    rang = _rang()
    with st.popover("Exporter le graphique", icon=":material/download:"):
        for format_, libelle in (
            ("png", "Image PNG (impression, 300 dpi)"),
            ("svg", "Image vectorielle SVG"),
            ("pdf", "Document PDF"),
        ):
            _bouton(
                libelle,
                functools.partial(exports.graphique, fig, legende, format_),
                exports.nom_fichier(legende.titre, format_),
                format_,
                rang,
                journal,
            )


def menu_tableau(cadre, colonnes: dict, legende: exports.Legende, journal: dict) -> None:
    """XLSX and CSV of a table as shown (masked cells as their token); made on click only."""
    if not _exports_permis():
        return
    rang = _rang()
    with st.popover("Exporter le tableau", icon=":material/download:"):
        _bouton(
            "Classeur XLSX (tableur)",
            functools.partial(exports.xlsx_tableau, cadre, colonnes, legende),
            exports.nom_fichier(legende.titre, "xlsx"),
            "xlsx",
            rang,
            journal,
        )
        _bouton(
            "CSV pour Excel (séparateur point-virgule)",
            functools.partial(exports.csv_tableau, cadre, colonnes),
            exports.nom_fichier(legende.titre, "csv"),
            "csv",
            rang,
            journal,
        )
        # A CSV holds the rows only (lines of notes would break its reading by a spreadsheet):
        # said where it is chosen (an outside reader found it without source or secrecy note).
        st.caption(
            "Le CSV ne contient que les données : la source, la date des données et le sens de "
            "« < 11 » et « s » sont dans le classeur XLSX."
        )


def _image_carte(figure, legende: exports.Legende) -> bytes:
    return exports.graphique(figure(), legende, "png")


def menu_carte(figure, legende: exports.Legende, journal: dict) -> None:
    """PNG of the current map view (same layers, legend and caption), drawn on click only.

    `figure` is a callable returning the map's Plotly figure (`carte_image.figure_carte`)."""
    if not _exports_permis():
        return
    rang = _rang()
    with st.popover("Exporter la carte", icon=":material/download:"):
        _bouton(
            "Image PNG (impression, 300 dpi)",
            functools.partial(_image_carte, figure, legende),
            exports.nom_fichier(legende.titre, "png"),
            "png",
            rang,
            journal,
        )
