"""Export files for French office tools; pure functions (frames or figures in, bytes out).

Charts: PNG at print resolution, SVG and PDF, each with its French caption (title, territory,
period, data date, source, and the confidentiality note when cells are masked), rendered by the
one warm Chromium of `rendu`. Tables: XLSX (French number formats, widths, a header row, a sheet
with the filters and the definitions) and CSV for French Excel. A table's masked cells (a value in
`<col>__secret`) are written as their token (« < 11 », « s »), never as the value; text that a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import struct
import textwrap
import unicodedata
import zlib
from dataclasses import dataclass
from decimal import Decimal

import plotly.graph_objects as go
import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pre_pilotage import formats, rendu
from pre_pilotage.confidentialite import SUFFIXE_SECRET
from pre_pilotage.indicateurs import definitions

# A4 portrait with 2,5 cm margins leaves a 16 cm column: 1 890 pixels at 300 dpi.
DPI = 300
LARGEUR_CM = 16.0
LARGEUR_PX = 756  # CSS pixels of the exported layout (fonts keep their screen size)
ECHELLE = round(LARGEUR_CM / 2.54 * DPI / LARGEUR_PX, 3)  # 2.5
TYPES_MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}
# Cell formats by unit; a spreadsheet set to French shows them as `1 234,5`, `12,3 %`.
FORMATS_XLSX = {
    "nombre": "#,##0",
    "decimal": "#,##0.0",
    "euros": '#,##0" €"',
    "pourcentage": '0.0" %"',
    "evolution": '+0.0" %";"−"0.0" %";0.0" %"',
    "mois": '0.0" mois"',
    "date": "dd/mm/yyyy",
    "date_heure": "dd/mm/yyyy hh:mm",
}
UNITES = {
    "nombre": "nombre",
    "decimal": "nombre décimal",
    "euros": "euros",
    "pourcentage": "pourcentage (0 à 100)",
    "evolution": "évolution en pourcentage",
    "mois": "mois",
    "date": "date",
    "date_heure": "date et heure",
    "texte": "texte",
}
_SUFFIXES_CSV = {"euros": " (€)", "pourcentage": " (%)", "evolution": " (%)", "mois": " (mois)"}


_FORMULE = ("=", "+", "-", "@")


def neutraliser(texte: str) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with an apostrophe.

    Invisible characters and spaces in front (zero-width space, word joiner, BOM…) are looked
    through, and full-width forms (« ＝ », « ＋ ») count as what spreadsheets read them as.
    """
    if texte[:1] in ("\t", "\r"):
        return "'" + texte
    for caractere in texte:
        if caractere.isspace() or unicodedata.category(caractere) in ("Cf", "Zs"):
            continue
        return "'" + texte if unicodedata.normalize("NFKC", caractere) in _FORMULE else texte
    return texte


def texte_xlsx(cellule, texte: str):
    """A text cell of a workbook: stored as text (never a formula), and, when a spreadsheet
    would take it for one on editing (« +0,8 pt », « =… »), with Excel's own quote prefix (a
    style, not shown) instead of an apostrophe written in the text (an outside reader saw
    « '+0,8 pt »). Returns the cell."""
    cellule.value = texte
    cellule.data_type = "s"
    if neutraliser(texte) != texte:
        cellule.quotePrefix = True
    return cellule


def csv_francais(cadre: pl.DataFrame, entetes: dict[str, str] | None = None) -> bytes:
    """CSV for French Excel: `;` separator, UTF-8 with BOM, formula-looking cells neutralised."""
    entetes = entetes or {c: c for c in cadre.columns}
    return _csv(
        list(entetes.values()),
        (
            ["" if v is None else neutraliser(str(v)) for v in ligne]
            for ligne in cadre.select(list(entetes)).iter_rows()
        ),
    )


def _csv(entetes: list[str], lignes) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow([neutraliser(e) for e in entetes])
    ecrivain.writerows(lignes)
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def nom_fichier(titre: str, extension: str) -> str:
    """`Budget par financeur – Alpha, 2025` -> `budget-par-financeur-alpha-2025.png`."""
    decompose = unicodedata.normalize("NFKD", titre.casefold())
    simple = "".join(c for c in decompose if not unicodedata.combining(c))
    simple = re.sub(r"[^a-z0-9]+", "-", simple).strip("-")[:90].rstrip("-")
    return f"{simple or 'export'}.{extension}"


def jetons(*cadres: pl.DataFrame) -> set[str]:
    """The tokens of the masked cells of the frames (« < 11 », « s »)."""
    return {
        jeton
        for cadre in cadres
        for colonne in cadre.columns
        if colonne.endswith(SUFFIXE_SECRET)
        for jeton in cadre[colonne].drop_nulls().unique().to_list()
    }


def note_secret(*cadres: pl.DataFrame) -> str:
    """What the tokens present in the frames mean; empty when no cell is masked."""
    return formats.note_secret(jetons(*cadres))


def phrase_sans_donnees(territoire: str, periode: str) -> str:
    """What a chart with nothing to show says instead, in one French sentence."""
    return f"Aucune donnée à représenter pour {territoire} en {periode}."


def phrase_tout_masque(territoire: str, periode: str, *cadres: pl.DataFrame) -> str:
    """What a chart whose every figure is masked says instead (why, token by token)."""
    phrase = (
        f"Aucun chiffre de ce graphique n'est diffusé pour {territoire} en {periode} : ils "
        "portent sur trop peu d'enfants ou permettraient d'en recalculer (secret statistique)."
    )
    return " ".join(p for p in (phrase, note_secret(*cadres)) if p)


def a_des_masques(cadre: pl.DataFrame) -> bool:
    return bool(jetons(cadre))


# ---------------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Legende:
    """What an exported chart or table says about itself, in French."""

    titre: str  # indicator label – territory, period
    territoire: str
    periode: str
    source: str
    date_donnees: str | None = None  # ISO date of the data
    secret: str | None = None  # confidentiality note, when cells are masked
    definition: str | None = None

    def lignes(self) -> list[str]:
        lignes = [f"Source : {self.source.rstrip('.')}."]
        if self.date_donnees:
            lignes[0] += f" Données au {formats.date(self.date_donnees)}."
        if self.secret:
            lignes.append(self.secret)
        return lignes


def resume(fig: go.Figure, limite: int = 12) -> str:
    """The values a chart labels, as text (its text alternative): `2024 : 54 ; 2025 : 41`.

    Bar and text labels only, which carry masked cells as their token, never their value."""
    morceaux = []
    for trace in fig.data:
        etiquettes = trace.type == "bar" or (trace.type == "scatter" and trace.mode == "text")
        if not etiquettes or trace.text is None or isinstance(trace.text, str):
            continue
        categories = trace.y if trace.orientation == "h" else trace.x
        paires = [
            f"{categorie} : {str(texte).replace('<br>', ', ')}"
            for categorie, texte in zip(categories, trace.text, strict=False)
            if texte
        ]
        if paires:
            serie = trace.name or trace.offsetgroup
            nom = f"{serie} – " if serie else ""
            morceaux.append(nom + " ; ".join(paires[:limite]))
    return ". ".join(morceaux).replace("\u202f", " ").replace("\u00a0", " ")


def tableau_du_graphique(fig: go.Figure) -> tuple[list[str], list[list[str]]] | None:
    """The chart's data as a table (its accessible alternative): one row per category, one column
    per series, each cell the label the chart writes (a masked cell's token, never its value).

    None when the chart writes no labels (a flow diagram, a map): its text alternative is then
    its description."""
    series: list[tuple[str, dict[str, str]]] = []
    categories: list[str] = []

    def textes(trace) -> list | None:
        """The trace's labels, or else its hover values (formatted text, tokens included)."""
        for valeurs in (trace.text, trace.customdata):
            if valeurs is None or isinstance(valeurs, str):
                continue
            valeurs = list(valeurs)
            if valeurs and all(v is None or isinstance(v, str) for v in valeurs):
                return valeurs
        return None

    for trace in fig.data:
        if trace.type not in ("bar", "scatter"):
            continue
        etiquettes = textes(trace)
        axe = trace.y if trace.orientation == "h" else trace.x
        if etiquettes is None or axe is None:
            continue
        # The legend's « (secret statistique en …) » is for the image; the table shows the
        # tokens in its cells (graphiques.beneficiaires_par_annee).
        nom = re.sub(
            r" \(secret statistique en [^)]*\)$",
            "",
            str(trace.name or trace.offsetgroup or "Ensemble"),
        )
        valeurs = next((v for n, v in series if n == nom), None)
        if valeurs is None:
            valeurs = {}
            series.append((nom, valeurs))
        for categorie, texte in zip(axe, etiquettes, strict=False):
            cle = str(categorie)
            if cle not in categories:
                categories.append(cle)
            if texte:
                valeurs[cle] = str(texte).replace("<br>", ", ")
    if not series:
        return None
    entetes = ["", *[nom for nom, _ in series]]
    lignes = [[c, *[v.get(c, "–") for _, v in series]] for c in categories]
    return entetes, lignes


def _marge_axes(fig: go.Figure) -> int:
    """Room the x axis (ticks and title) takes below the plot area, in pixels."""
    if fig.layout.xaxis.visible is False or not any(t.type in ("bar", "scatter") for t in fig.data):
        return 10
    return 62 if fig.layout.xaxis.title.text else 36


def _copie_pour_export(fig: go.Figure) -> go.Figure:
    """A copy with a complete template: importing Streamlit makes its own the default, and its
    placeholder colours and lack of automatic margins are only right inside Streamlit."""
    copie = go.Figure(fig)
    copie.update_layout(template="plotly_white")
    copie.update_xaxes(automargin=True)
    copie.update_yaxes(automargin=True)
    return copie


def figure_legendee(
    fig: go.Figure, legende: Legende, largeur: int = LARGEUR_PX
) -> tuple[go.Figure, int]:
    """A copy of the chart, `largeur` pixels wide, titled and captioned; and its height."""
    copie = _copie_pour_export(fig)
    lignes_titre = textwrap.wrap(legende.titre, 78)
    lignes_legende = [
        morceau for ligne in legende.lignes() for morceau in textwrap.wrap(ligne, 118)
    ]
    # Traces without a legend entry (a Sankey has no `showlegend`) never ask room for one.
    legende_plotly = any(getattr(t, "showlegend", False) is not False for t in copie.data) and (
        len(copie.data) > 1 or copie.layout.showlegend
    )
    haut = 24 * len(lignes_titre) + 22 + (34 if legende_plotly else 0)
    axes = _marge_axes(copie)
    bas = axes + 16 * len(lignes_legende) + 18
    hauteur_graphique = copie.layout.height or 360
    hauteur = hauteur_graphique + haut + bas - 40
    copie.update_layout(
        width=largeur,
        height=hauteur,
        margin={"t": haut, "b": bas, "l": 10, "r": 20},
    )
    # The title as an annotation: Plotly anchors a multi-line title by its first line.
    copie.add_annotation(
        text="<br>".join(lignes_titre),
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        xanchor="left",
        yanchor="top",
        yshift=haut - 10,
        showarrow=False,
        align="left",
        font={"size": 17, "color": "#161616"},
    )
    copie.add_annotation(
        text="<br>".join(lignes_legende),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-axes,
        showarrow=False,
        align="left",
        font={"size": 11, "color": "#3A3A3A"},
    )
    return copie, hauteur


def graphique(fig: go.Figure, legende: Legende, format_: str) -> bytes:
    """The chart with its caption: PNG (300 dpi, 16 cm wide), SVG or PDF."""
    copie, hauteur = figure_legendee(fig, legende)
    if format_ == "png":
        return png_300_dpi(rendu.image(copie, "png", LARGEUR_PX, hauteur, ECHELLE))
    donnees = rendu.image(copie, format_, LARGEUR_PX, hauteur)
    return pdf_titre(donnees, legende.titre) if format_ == "pdf" else donnees


def pdf_titre(donnees: bytes, titre: str) -> bytes:
    """The PDF with the chart's French title and the dashboard as author in its properties
    (the browser that draws it would leave « Kaleido-fier », its page's title)."""
    from pypdf import PdfReader, PdfWriter

    ecrivain = PdfWriter(clone_from=PdfReader(io.BytesIO(donnees)))
    ecrivain.add_metadata(
        {
            "/Title": titre,
            "/Author": "Tableau de bord du PRE",
            "/Creator": "Tableau de bord du PRE",
            "/Producer": "Tableau de bord du PRE",
        }
    )
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()


def hauteur_sans_legende(fig: go.Figure) -> int:
    """Height in CSS pixels of `image_sans_legende`'s drawing (known before drawing it)."""
    return fig.layout.height or 360


def image_sans_legende(fig: go.Figure, largeur: int = LARGEUR_PX) -> bytes:
    """PNG of a chart for a document that writes its own title and caption (the report)."""
    copie = _copie_pour_export(fig)
    hauteur = hauteur_sans_legende(fig)
    copie.update_layout(width=largeur, height=hauteur)
    return png_300_dpi(rendu.image(copie, "png", largeur, hauteur, ECHELLE))


def png_300_dpi(donnees: bytes) -> bytes:
    """Write the print resolution into the PNG (kaleido leaves it unset): a pHYs chunk right
    after the header, in pixels per metre, without decoding the image."""
    signature, longueur = 8, 4 + 4 + 13 + 4  # PNG signature, then the IHDR chunk
    if donnees[12:16] != b"IHDR":
        raise ValueError("Image PNG invalide")
    par_metre = round(DPI / 0.0254)
    contenu = b"pHYs" + struct.pack(">IIB", par_metre, par_metre, 1)
    morceau = struct.pack(">I", 9) + contenu + struct.pack(">I", zlib.crc32(contenu))
    reste = donnees[signature + longueur :]
    # Drop a pHYs chunk the renderer may one day write.
    if reste[4:8] == b"pHYs":
        reste = reste[8 + 9 + 4 :]
    return donnees[: signature + longueur] + morceau + reste


# ---------------------------------------------------------------------------------- tables


def _nombre(valeur):
    return float(valeur) if isinstance(valeur, Decimal) else valeur


def cellules(cadre: pl.DataFrame, colonnes: dict[str, tuple[str, str]]):
    """Rows of (value, token, unit) per column; a masked cell has a token and no value."""
    series = []
    for colonne, (_, unite) in colonnes.items():
        jetons = (
            cadre[colonne + SUFFIXE_SECRET].to_list()
            if colonne + SUFFIXE_SECRET in cadre.columns
            else [None] * cadre.height
        )
        unites = cadre[unite[1:]].to_list() if unite.startswith("@") else [unite] * cadre.height
        valeurs = cadre[colonne].to_list()
        series.append(
            [
                (None if jeton else _nombre(v), jeton, u)
                for v, jeton, u in zip(valeurs, jetons, unites, strict=True)
            ]
        )
    return [list(ligne) for ligne in zip(*series, strict=True)]


def _texte_csv(valeur, jeton: str | None, unite: str) -> str:
    """French Excel reads `1234,5` as a number: no thousands separator, a decimal comma."""
    if jeton:
        return jeton
    if valeur is None:
        return ""
    if unite == "texte" or isinstance(valeur, str):
        return neutraliser(str(valeur))
    if unite in ("date", "date_heure"):
        return formats.selon_unite(valeur, unite)
    decimales = 0 if unite in ("nombre", "euros") else 1
    if unite == "euros" and float(valeur) != round(float(valeur)):
        decimales = 2
    return f"{float(valeur):.{decimales}f}".replace(".", ",")


def csv_tableau(cadre: pl.DataFrame, colonnes: dict[str, tuple[str, str]]) -> bytes:
    """A displayed table as CSV for French Excel; masked cells keep their token."""
    entetes = [entete + _SUFFIXES_CSV.get(unite, "") for entete, unite in colonnes.values()]
    lignes = [
        [_texte_csv(v, jeton, unite) for v, jeton, unite in ligne]
        for ligne in cellules(cadre, colonnes)
    ]
    return _csv(entetes, lignes)


_GRAS = Font(bold=True)
_TITRE = Font(bold=True, size=14)
_ENTETE = PatternFill("solid", fgColor="E3E3FD")
_A_DROITE = Alignment(horizontal="right")
_RENVOI = Alignment(wrap_text=True, vertical="top")


def _ecrire(feuille, ligne: int, colonne: int, valeur, jeton: str | None, unite: str) -> int:
    """Write one cell; returns the width its displayed text needs."""
    cellule = feuille.cell(row=ligne, column=colonne)
    if jeton or valeur is None or unite == "texte" or isinstance(valeur, str):
        texte = jeton or ("" if valeur is None else str(valeur))
        texte_xlsx(cellule, texte)
        if jeton:
            cellule.alignment = _A_DROITE
        return len(texte)
    if unite == "date_heure" and isinstance(valeur, dt.datetime):
        cellule.value = valeur.replace(tzinfo=None)
    else:
        cellule.value = valeur
    cellule.number_format = FORMATS_XLSX.get(unite, "General")
    return len(formats.selon_unite(valeur, unite)) if unite in FORMATS_XLSX else 10


def xlsx_tableau(
    cadre: pl.DataFrame,
    colonnes: dict[str, tuple[str, str]],
    legende: Legende,
    codes: tuple[str, ...] = (),
) -> bytes:
    """A displayed table as a workbook: the table (header row, French formats, widths), then a
    sheet « Filtres et définitions »: title, territory, period, data date, source, the
    confidentiality note, and each column's unit and, for indicator columns, its definition."""
    livre = Workbook()
    feuille = livre.active
    feuille.title = "Tableau"
    largeurs = []
    for k, (entete, _) in enumerate(colonnes.values(), start=1):
        cellule = texte_xlsx(feuille.cell(row=1, column=k), entete)
        cellule.font, cellule.fill = _GRAS, _ENTETE
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
        largeurs.append(min(max(len(entete), 8), 40))
    for i, ligne in enumerate(cellules(cadre, colonnes), start=2):
        for k, (valeur, jeton, unite) in enumerate(ligne, start=1):
            largeurs[k - 1] = max(largeurs[k - 1], _ecrire(feuille, i, k, valeur, jeton, unite))
    for k, largeur in enumerate(largeurs, start=1):
        feuille.column_dimensions[get_column_letter(k)].width = min(largeur + 3, 60)
    feuille.freeze_panes = "A2"
    if cadre.height:
        feuille.auto_filter.ref = f"A1:{get_column_letter(len(colonnes))}{cadre.height + 1}"

    notes = livre.create_sheet("Filtres et définitions")
    texte_xlsx(notes.cell(row=1, column=1), legende.titre).font = _TITRE
    lignes = [
        ("Territoire", legende.territoire),
        ("Période", legende.periode),
        ("Données au", formats.date(legende.date_donnees) if legende.date_donnees else "–"),
        ("Source", legende.source),
        ("Exporté le", formats.date(dt.date.today())),
    ]
    if legende.secret:
        lignes.append(
            ("Secret statistique", legende.secret.removeprefix(formats.PREFIXE_NOTE_SECRET))
        )
    n = 3
    for libelle, texte in lignes:
        notes.cell(row=n, column=1, value=libelle).font = _GRAS
        texte_xlsx(notes.cell(row=n, column=2), texte).alignment = _RENVOI
        n += 1
    n += 1
    for k, entete in enumerate(("Colonne", "Unité", "Définition", "Formule"), start=1):
        cellule = notes.cell(row=n, column=k, value=entete)
        cellule.font, cellule.fill = _GRAS, _ENTETE
    registre = definitions()
    for colonne, (entete, unite) in colonnes.items():
        n += 1
        definition = registre.get(colonne)
        unite_texte = "selon la ligne" if unite.startswith("@") else UNITES.get(unite, unite)
        for k, texte in enumerate(
            (
                entete,
                unite_texte,
                definition.definition if definition else "",
                definition.formule if definition else "",
            ),
            start=1,
        ):
            texte_xlsx(notes.cell(row=n, column=k), texte).alignment = _RENVOI
    for code in codes:
        definition = registre[code]
        n += 2
        notes.cell(row=n, column=1, value=definition.libelle).font = _GRAS
        notes.cell(row=n, column=3, value=definition.definition).alignment = _RENVOI
        notes.cell(row=n, column=4, value=definition.formule).alignment = _RENVOI
    for lettre, largeur in zip("ABCD", (28, 40, 60, 50), strict=True):
        notes.column_dimensions[lettre].width = largeur
    tampon = io.BytesIO()
    livre.save(tampon)
    return tampon.getvalue()


# ------------------------------------------------------------------------------ links


@functools.lru_cache(maxsize=256)
def qr_png(lien: str, echelle: int = 8) -> bytes:
    """QR code of a link, for printed documents (PNG, dark on white, with its quiet zone)."""
    import segno

    tampon = io.BytesIO()
    segno.make(lien, error="m", micro=False).save(tampon, kind="png", scale=echelle, border=4)
    return tampon.getvalue()


def qr_svg(lien: str) -> bytes:
    import segno

    tampon = io.BytesIO()
    segno.make(lien, error="m", micro=False).save(
        tampon, kind="svg", scale=6, border=4, title="QR code du lien de la vue"
    )
    return tampon.getvalue()
