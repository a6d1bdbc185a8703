"""Pure chart builders: a masked frame in, a Plotly figure out (no Streamlit here)."""

from __future__ import annotations

import functools
import numbers
import textwrap

import plotly.graph_objects as go
import polars as pl

from pre_pilotage import formats
from pre_pilotage.confidentialite import SUFFIXE_SECRET

BLEU_FRANCE = "#000091"
ROUGE_MARIANNE = "#E1000F"
GRIS_FONCE = "#3A3A3A"
GRIS = "#666666"
GRIS_CLAIR = "#CECECE"
# Distinguishable by colour-blind viewers (DSFR illustrative colours, darkened for contrast).
PALETTE = [
    "#000091",
    "#C9191E",
    "#00A95F",
    "#B34000",
    "#6A6AF4",
    "#716043",
    "#A558A0",
    "#009099",
    "#3A3A3A",
]


def _noms_en_texte(constructeur):
    """Plotly reads a subset of HTML in every label and hover (« <a href> », « <b> »…): the
    text columns of the builder's frames (names of quartiers, communes, financeurs, fiches…)
    are escaped first, so that a name from a data file is drawn as the text it is. Masking
    tokens (`__secret` columns) are left as they are: the builders compare them."""

    def echapper(valeur):
        if not isinstance(valeur, pl.DataFrame):
            return valeur
        colonnes = [
            nom
            for nom, type_ in valeur.schema.items()
            if type_ == pl.String and not nom.endswith(SUFFIXE_SECRET)
        ]
        return valeur.with_columns(
            pl.col(colonnes)
            .str.replace_all("&", "&amp;", literal=True)
            .str.replace_all("<", "&lt;", literal=True)
            .str.replace_all(">", "&gt;", literal=True)
        )

    @functools.wraps(constructeur)
    def construire(*args, **kwargs):
        return constructeur(
            *(echapper(a) for a in args), **{k: echapper(v) for k, v in kwargs.items()}
        )

    return construire


def _liste(valeurs) -> list:
    return [] if valeurs is None else list(valeurs)


def _contenu(fig: go.Figure) -> tuple[bool, bool]:
    """(a value other than zero is drawn, a masked cell's token is drawn)."""
    valeur, jeton = False, False
    for trace in fig.data:
        if trace.type == "sankey":
            valeurs = _liste(trace.link.value)
        elif trace.type == "pie":
            valeurs = _liste(trace.values)
        elif trace.type in ("bar", "scatter"):
            textes = [] if isinstance(trace.text, str) else _liste(trace.text)
            if any(isinstance(t, str) and _jeton_en_tete(t) for t in textes):
                jeton = True
            if trace.type == "scatter" and trace.mode == "text":
                continue  # labels only (of zero shares, or of masked cells seen above)
            valeurs = _liste(trace.x if trace.orientation == "h" else trace.y)
        else:
            return True, jeton  # a kind of chart this check does not know: shown as it is
        if any(isinstance(v, numbers.Number) and v != 0 and v == v for v in valeurs):
            valeur = True
    return valeur, jeton


def _jeton_en_tete(texte: str) -> bool:
    """A masked cell's token, alone or followed by its unit (« < 11 enfants » on a % axis)."""
    return formats.est_jeton(texte) or formats.est_jeton(texte.rsplit(" ", 1)[0])


def a_des_donnees(fig: go.Figure) -> bool:
    """Whether a chart has anything to show: a value other than zero, or a masked cell (drawn
    as its token, « < 11 » or « s »). Bars of 0 € or no bar at all are an empty chart, whose
    axes Plotly would number −1 to 1."""
    return any(_contenu(fig))


def tout_masque(fig: go.Figure) -> bool:
    """Whether every figure of a chart is masked (tokens on an empty axis, outside test)."""
    valeur, jeton = _contenu(fig)
    return jeton and not valeur


def _mise_en_page(
    fig: go.Figure,
    hauteur: int = 360,
    *,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    legend: dict | None = None,
    **mise_en_page,
) -> go.Figure:
    """The figure's whole layout: the house style and the builder's own settings (which win).

    Plotly's `update_*` calls go through its relayout machinery (several milliseconds each, a
    good part of a page's time): builders pass their axes and layout here, and the layout is
    assigned once, replacing any set before.
    """
    if mise_en_page.get("barmode") == "group":
        # Bars side by side: their labels at one smaller size, and wide bars with a gap, so
        # that the labels of two neighbours (« 54,6 % » and « 54,7 % ») never touch.
        for trace in fig.data:
            if trace.type == "bar" and trace.text is not None and trace.textfont.size is None:
                trace.textfont.size = 11
                trace.cliponaxis = False
        mise_en_page = {
            "bargap": 0.12,
            "bargroupgap": 0.08,
            "uniformtext": {"minsize": 11, "mode": "show"},
        } | mise_en_page
    fig.layout = {
        "separators": "," + formats.ESPACE_MILLIERS,
        "font": {"family": "Marianne, Arial, sans-serif", "size": 14, "color": "#161616"},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "height": hauteur,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0} | (legend or {}),
        "hoverlabel": {"font": {"size": 14}},
        "xaxis": {"showgrid": False, "linecolor": GRIS_CLAIR} | (xaxis or {}),
        "yaxis": {"gridcolor": "#EEEEEE", "zeroline": False}
        # Names of horizontal bars kept off their bar (« État – politique de la ville▌»).
        | (
            {"ticklabelstandoff": 6}
            if any(getattr(t, "orientation", None) == "h" for t in fig.data)
            else {}
        )
        | (yaxis or {}),
        **mise_en_page,
    }
    return fig


def _texte(valeur, jeton, format_valeur) -> str:
    return jeton if jeton else format_valeur(valeur)


@_noms_en_texte
def beneficiaires_par_annee(cadre: pl.DataFrame) -> go.Figure:
    """Active children as bars, entries and exits as lines, one point per year."""
    annees = [str(a) for a in cadre["annee"]]
    fig = go.Figure()
    textes = [
        _texte(v, j, formats.nombre)
        for v, j in zip(cadre["actifs"], cadre["actifs__secret"], strict=True)
    ]
    fig.add_bar(
        x=annees,
        y=cadre["actifs"].fill_null(0),
        name="Enfants accompagnés",
        marker_color=BLEU_FRANCE,
        text=textes,
        textposition="outside",
        hovertemplate="%{x} : %{text} enfants accompagnés<extra></extra>",
    )
    for colonne, nom, couleur, tirets in (
        ("entrees", "Entrées", ROUGE_MARIANNE, "solid"),
        ("sorties", "Sorties", GRIS, "dash"),
    ):
        textes = [
            _texte(v, j, formats.nombre)
            for v, j in zip(cadre[colonne], cadre[f"{colonne}__secret"], strict=True)
        ]
        # A masked year has no point on the line: the legend names those years, so that a
        # reader (of an exported image too) does not read « none » where there were a few
        # (outside test).
        masquees = [a for a, j in zip(annees, cadre[f"{colonne}__secret"], strict=True) if j]
        if masquees:
            annees_ = (
                ", ".join(masquees[:-1]) + " et " + masquees[-1]
                if len(masquees) > 1
                else masquees[0]
            )
            nom_legende = f"{nom} (secret statistique en {annees_})"
        else:
            nom_legende = nom
        fig.add_scatter(
            x=annees,
            y=cadre[colonne],
            name=nom_legende,
            mode="lines+markers",
            line={"color": couleur, "width": 3, "dash": tirets},
            marker={"size": 9},
            customdata=textes,
            hovertemplate=f"%{{x}} : %{{customdata}} {nom.lower()}<extra></extra>",
        )
    return _mise_en_page(
        fig,
        xaxis={"type": "category"},
        yaxis={"title": {"text": "Nombre d'enfants"}, "rangemode": "tozero"},
    )


@_noms_en_texte
def tranches_age(cadre: pl.DataFrame) -> go.Figure:
    """Share of active children by age band, beside the national distribution."""
    libelles = list(cadre["libelle"])
    fig = go.Figure()
    textes = [
        _texte(v, j, formats.pourcentage)
        for v, j in zip(cadre["part"], cadre["part__secret"], strict=True)
    ]
    fig.add_bar(
        x=libelles,
        y=cadre["part"].fill_null(0),
        name="Territoire",
        marker_color=BLEU_FRANCE,
        text=textes,
        textposition="outside",
        hovertemplate="%{x} : %{text} des enfants du territoire<extra></extra>",
    )
    fig.add_bar(
        x=libelles,
        y=cadre["part_nationale"],
        # Named as the other charts name the national reference (the survey of 2022 gives the
        # data of 2021, as the source line says).
        name="National (ANCT, données 2021)",
        marker_color=GRIS_CLAIR,
        marker_line={"color": GRIS, "width": 1},
        text=[formats.pourcentage(v) for v in cadre["part_nationale"]],
        textposition="outside",
        hovertemplate="%{x} : %{text} au niveau national<extra></extra>",
    )
    return _mise_en_page(
        fig,
        barmode="group",
        yaxis={"title": {"text": "Part des enfants (%)"}, "rangemode": "tozero"},
    )


@_noms_en_texte
def budget_par_financeur(cadre: pl.DataFrame) -> go.Figure:
    """Programmed amounts by funder, largest first, labelled in euros and share."""
    ordonne = cadre.sort("montant_prevu", descending=False)
    textes = [
        f"{formats.euros(m)} ({formats.pourcentage(p)})"
        for m, p in zip(ordonne["montant_prevu"], ordonne["part"], strict=True)
    ]
    couleurs = [BLEU_FRANCE if f == "etat" else "#6A6AF4" for f in ordonne["financeur"]]
    fig = go.Figure(
        go.Bar(
            y=list(ordonne["libelle"]),
            x=ordonne["montant_prevu"],
            orientation="h",
            marker_color=couleurs,
            text=textes,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y} : %{text}<extra></extra>",
        )
    )
    maximum = float(ordonne["montant_prevu"].max() or 0)
    return _mise_en_page(
        fig,
        hauteur=max(260, 44 * ordonne.height + 80),
        xaxis={
            "title": {"text": "Montant programmé (€)"},
            "range": [0, maximum * 1.8],
            "tickformat": ",.0f",
        },
    )


# --------------------------------------------------------------------- programming and budgets

GRIS_ANNEE_PRECEDENTE = "#B7B7B7"
VERT_VERSE = "#00A95F"


def _barres_annee_et_precedente(
    cadre: pl.DataFrame, libelles: str, annee: int, titre_axe: str
) -> go.Figure:
    """Horizontal bars of the year's planned amounts beside the year before, largest first."""
    ordonne = cadre.sort("montant_prevu", descending=False, maintain_order=True)
    fig = go.Figure()
    for colonne, nom, couleur in (
        ("montant_prevu_precedent", str(annee - 1), GRIS_ANNEE_PRECEDENTE),
        ("montant_prevu", str(annee), BLEU_FRANCE),
    ):
        textes = [formats.euros(v) for v in ordonne[colonne]]
        fig.add_bar(
            y=list(ordonne[libelles]),
            x=ordonne[colonne],
            orientation="h",
            name=nom,
            marker_color=couleur,
            text=textes,
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}} ({nom}) : %{{text}}<extra></extra>",
        )
    maximum = max(
        float(ordonne["montant_prevu"].max() or 0),
        float(ordonne["montant_prevu_precedent"].max() or 0),
    )
    return _mise_en_page(
        fig,
        hauteur=max(280, 56 * ordonne.height + 110),
        barmode="group",
        legend={"traceorder": "reversed"},
        xaxis={
            "title": {"text": titre_axe},
            "range": [0, maximum * 1.45 or 1],
            "tickformat": ",.0f",
        },
    )


@_noms_en_texte
def budget_par_thematique(cadre: pl.DataFrame, annee: int) -> go.Figure:
    """Planned amounts by thematic, the year and the year before."""
    return _barres_annee_et_precedente(cadre, "libelle", annee, "Montant programmé (€)")


@_noms_en_texte
def budget_par_niveau(cadre: pl.DataFrame, annee: int) -> go.Figure:
    """Intercommunal and communal fiches-action, the year and the year before."""
    return _barres_annee_et_precedente(cadre, "libelle", annee, "Montant programmé (€)")


@_noms_en_texte
def budget_par_commune(cadre: pl.DataFrame, annee: int) -> go.Figure:
    """Communal fiches-action by commune, the year and the year before. The communes without a
    communal fiche either year are not drawn (an EPCI of 35 communes gave a chart 2,000 px
    tall of empty rows, outside test): the axis title says how many they are."""
    sans = (pl.col("montant_prevu").fill_null(0) == 0) & (
        pl.col("montant_prevu_precedent").fill_null(0) == 0
    )
    vides = cadre.filter(sans).height
    titre = "Montant des fiches communales (€)"
    if vides and vides < cadre.height:
        autres = "autre commune" if vides == 1 else "autres communes"
        titre += (
            f"<br>{vides} {autres} du territoire sans fiche communale en {annee - 1} ni en {annee}"
        )
        cadre = cadre.filter(~sans)
    return _barres_annee_et_precedente(cadre, "nom", annee, titre)


@_noms_en_texte
def execution_par_financeur(cadre: pl.DataFrame) -> go.Figure:
    """Planned, granted and paid amounts per funder, the paid bar labelled with the execution rate."""
    ordonne = cadre.filter(pl.col("montant_prevu") > 0).reverse()
    fig = go.Figure()
    for colonne, nom, couleur in (
        ("montant_prevu", "Prévu", GRIS_CLAIR),
        ("montant_accorde", "Accordé", "#6A6AF4"),
        ("montant_verse", "Versé", BLEU_FRANCE),
    ):
        if colonne == "montant_verse":
            textes = [
                f"{formats.euros(v)} ({formats.pourcentage(t)} de l'accordé)"
                if t is not None
                else formats.euros(v)
                for v, t in zip(ordonne[colonne], ordonne["taux_execution"], strict=True)
            ]
        else:
            textes = [formats.euros(v) for v in ordonne[colonne]]
        fig.add_bar(
            y=list(ordonne["libelle"]),
            x=ordonne[colonne].fill_null(0),
            orientation="h",
            name=nom,
            marker_color=couleur,
            marker_line={"color": GRIS, "width": 1 if colonne == "montant_prevu" else 0},
            text=textes,
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}, {nom.lower()} : %{{text}}<extra></extra>",
        )
    maximum = float(ordonne["montant_prevu"].max() or 0)
    return _mise_en_page(
        fig,
        hauteur=max(300, 66 * ordonne.height + 110),
        barmode="group",
        legend={"traceorder": "normal"},
        xaxis={
            "title": {"text": "Montant (€)"},
            "range": [0, maximum * 1.9 or 1],
            "tickformat": ",.0f",
        },
    )


def _rgba(couleur: str, opacite: float) -> str:
    rouge, vert, bleu = (int(couleur[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({rouge}, {vert}, {bleu}, {opacite})"


def _centres(tailles: list[float], marge: float = 0.05, lignes: int | None = None) -> list[float]:
    """Vertical centres (0 at the top) of stacked Sankey nodes of these sizes, with gaps; the
    scale is the one of a column of `lignes` nodes (Plotly scales every column like its
    fullest one)."""
    total = sum(tailles) or 1
    hauteur_utile = 1 - marge * ((lignes or len(tailles)) - 1)
    centres, haut = [], 0.0
    for taille in tailles:
        part = hauteur_utile * taille / total
        centres.append(min(0.999, max(0.001, haut + part / 2)))
        haut += part + marge
    return centres


@_noms_en_texte
def flux_financeurs_thematiques(cadre: pl.DataFrame) -> go.Figure:
    """Sankey diagram: each funder's planned money flowing to the thematics it finances."""
    flux = cadre.select("libelle_financeur", "libelle_thematique", "montant_prevu").rows()
    financeurs = list(dict.fromkeys(f for f, _, _ in flux))
    thematiques = list(dict.fromkeys(t for _, t, _ in flux))
    totaux = [0.0] * (len(financeurs) + len(thematiques))
    for f, t, montant in flux:
        totaux[financeurs.index(f)] += montant
        totaux[len(financeurs) + thematiques.index(t)] += montant
    couleurs = [PALETTE[k % len(PALETTE)] for k in range(len(financeurs))]
    # Fixed places keep the funders and the thematics in their usual order, top to bottom.
    # Nodes at least one two-line label apart, so that each name sits beside its own node.
    plus = max(len(financeurs), len(thematiques))
    hauteur = max(480, 46 * plus + 280)
    ecart = 46 / (hauteur - 40)
    positions_y = _centres(totaux[: len(financeurs)], ecart, plus) + _centres(
        totaux[len(financeurs) :], ecart, plus
    )
    libelles = [
        f"{n} ({formats.euros(m)})" for n, m in zip(financeurs + thematiques, totaux, strict=True)
    ]
    # The names are written outside the diagram (funders on the left, thematics on the right),
    # never on the flows: Plotly draws a node's label over the links next to it.
    gauche, droite = _COLONNE_SANKEY, 1 - _COLONNE_SANKEY
    fig = go.Figure(
        go.Sankey(
            arrangement="fixed",
            domain={"x": [gauche, droite], "y": [0, 1]},
            valueformat=",.0f",
            valuesuffix=f"{formats.ESPACE_UNITE}€",
            node={
                "label": [""] * len(libelles),
                "customdata": libelles,
                "color": couleurs + [GRIS_FONCE] * len(thematiques),
                "x": [0.001] * len(financeurs) + [0.999] * len(thematiques),
                "y": positions_y,
                "pad": 46,
                "thickness": 16,
                "hovertemplate": "%{customdata}<extra></extra>",
            },
            link={
                "source": [financeurs.index(f) for f, _, _ in flux],
                "target": [len(financeurs) + thematiques.index(t) for _, t, _ in flux],
                "value": [m for _, _, m in flux],
                "color": [_rgba(couleurs[financeurs.index(f)], 0.35) for f, _, _ in flux],
                "customdata": [formats.euros(m) for _, _, m in flux],
                "hovertemplate": "%{source.customdata} → %{target.customdata} : "
                "%{customdata}<extra></extra>",
            },
        )
    )
    # Names moved apart only if nodes still crowd (two lines each).
    places = _ecarter(positions_y[: len(financeurs)], ecart) + _ecarter(
        positions_y[len(financeurs) :], ecart
    )
    annotations = [
        {
            "text": "<br>".join([*textwrap.wrap(nom, 28), formats.euros(montant)]),
            "x": gauche - 0.012 if k < len(financeurs) else droite + 0.012,
            "xanchor": "right" if k < len(financeurs) else "left",
            "align": "right" if k < len(financeurs) else "left",
            "y": 1 - y,
            "yanchor": "middle",
            "xref": "paper",
            "yref": "paper",
            "showarrow": False,
        }
        for k, (nom, montant, y) in enumerate(
            zip(financeurs + thematiques, totaux, places, strict=True)
        )
    ]
    return _mise_en_page(fig, hauteur=hauteur, annotations=annotations)


def _ecarter(centres: list[float], ecart: float) -> list[float]:
    """Label places (0 at the top) as near their nodes' centres as they can be while staying at
    least `ecart` apart and inside the plot."""
    places = list(centres)
    for k in range(1, len(places)):
        places[k] = max(places[k], places[k - 1] + ecart)
    if places and places[-1] > 1 - ecart / 2:
        places[-1] = 1 - ecart / 2
        for k in range(len(places) - 2, -1, -1):
            places[k] = min(places[k], places[k + 1] - ecart)
    return [max(p, ecart / 2) for p in places]


# Share of the Sankey's width left on each side for the names of its nodes.
_COLONNE_SANKEY = 0.27


@_noms_en_texte
def cout_par_beneficiaire_thematique(cadre: pl.DataFrame) -> go.Figure:
    """Cost per child linked to the actions of each thematic; masked costs shown by their token."""
    lignes = cadre.filter(
        (pl.col("montant_prevu") > 0)
        & (pl.col("cout_par_beneficiaire").is_not_null() | pl.col("beneficiaires").is_null())
    ).reverse()
    textes = [
        _texte(v, j, formats.euros)
        for v, j in zip(
            lignes["cout_par_beneficiaire"], lignes["cout_par_beneficiaire__secret"], strict=True
        )
    ]
    enfants = [
        _texte(v, j, formats.nombre)
        for v, j in zip(lignes["beneficiaires"], lignes["beneficiaires__secret"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            y=list(lignes["libelle"]),
            x=lignes["cout_par_beneficiaire"].fill_null(0),
            orientation="h",
            marker_color=BLEU_FRANCE,
            text=textes,
            textposition="outside",
            cliponaxis=False,
            customdata=enfants,
            hovertemplate="%{y} : %{text} par enfant (%{customdata} enfants)<extra></extra>",
        )
    )
    maximum = float(lignes["cout_par_beneficiaire"].max() or 0)
    return _mise_en_page(
        fig,
        hauteur=max(260, 44 * lignes.height + 80),
        xaxis={
            "title": {"text": "Coût par enfant (€)"},
            "range": [0, maximum * 1.4 or 1_000],
            "tickformat": ",.0f",
        },
    )


@_noms_en_texte
def evolution_budget(cadre: pl.DataFrame) -> go.Figure:
    """Programming by year, State and co-funders stacked, total and co-financed share on top."""
    annees = [str(a) for a in cadre["annee"]]
    fig = go.Figure()
    for colonne, nom, couleur in (
        ("montant_etat", "État – politique de la ville", BLEU_FRANCE),
        ("montant_cofinancement", "Cofinanceurs", "#6A6AF4"),
    ):
        fig.add_bar(
            x=annees,
            y=cadre[colonne],
            name=nom,
            marker_color=couleur,
            customdata=[formats.euros(v) for v in cadre[colonne]],
            hovertemplate=f"%{{x}}, {nom} : %{{customdata}}<extra></extra>",
        )
    fig.add_scatter(
        x=annees,
        y=cadre["budget_programme"],
        mode="text",
        text=[
            f"{formats.euros(b)}<br>{formats.pourcentage(p)} cofinancé" if b else ""
            for b, p in zip(cadre["budget_programme"], cadre["part_cofinancee"], strict=True)
        ],
        textposition="top center",
        showlegend=False,
        hoverinfo="skip",
    )
    maximum = float(cadre["budget_programme"].max() or 0)
    return _mise_en_page(
        fig,
        hauteur=400,
        barmode="stack",
        xaxis={"type": "category"},
        yaxis={
            "title": {"text": "Montant programmé (€)"},
            "range": [0, maximum * 1.3 or 1],
            "tickformat": ",.0f",
        },
    )


# ------------------------------------------------------------------------- publics and parcours

BLEU_ANNEE_PRECEDENTE = "#9898F8"
# Labels outside the bars, never shrunk, never clipped by the axis range.
_BARRES_AVEC_TEXTE = {"textposition": "outside", "constraintext": "none", "cliponaxis": False}


def _horizontal(libelles: list[str], series: int) -> bool:
    """Many bars or long labels read better as horizontal bars (labels keep their size)."""
    longueur = max((len(libelle) for libelle in libelles), default=0)
    return len(libelles) * series > 6 or longueur > 16


def _annee_tracee(cadre: pl.DataFrame, an: int) -> bool:
    """Whether `repartition` draws a series for year `an`: some count of it shown or masked
    (nobody that year, or no data yet: no series rather than empty labels)."""
    lignes = cadre.filter(pl.col("annee") == an)
    return bool(
        lignes["effectif__secret"].is_not_null().any() or lignes["effectif"].fill_null(0).sum()
    )


# The catch-all category of a nomenclature (« Autre »): a named category at 0 % is a figure
# (nobody in it), the catch-all at 0 % is noise on every chart (outside test).
MODALITE_AUTRE = "autre"


def _sans_autre_vide(cadre: pl.DataFrame) -> pl.DataFrame:
    """The frame without its « Autre » rows when nobody is in them in any year shown."""
    if "modalite" not in cadre.columns:
        return cadre
    autre = cadre.filter(pl.col("modalite") == MODALITE_AUTRE)
    if autre.is_empty() or autre["effectif__secret"].is_not_null().any():
        return cadre
    if autre["effectif"].fill_null(0).sum():
        return cadre
    return cadre.filter(pl.col("modalite") != MODALITE_AUTRE)


def periode_repartition(cadre: pl.DataFrame, annee: int) -> str:
    """The years a `repartition` chart shows, for its title: « 2025 et 2024 », or « 2025 »
    alone when the year before has no series (the programme's first year)."""
    if _annee_tracee(cadre, annee - 1):
        return f"{annee} et {annee - 1}"
    return str(annee)


def _jeton_avec_unite(jeton: str | None, unite: str) -> str | None:
    """« < 11 enfants » for a count's « < 11 »; « s » (no figure at all) as it is."""
    if jeton and jeton != formats.JETON_SECONDAIRE:
        return f"{jeton} {unite}"
    return jeton


@_noms_en_texte
def repartition(cadre: pl.DataFrame, annee: int, unite: str = "enfants") -> go.Figure:
    """Shares by category for the year and the year before, beside the national share if known.

    `cadre` is a masked distribution frame: `annee`, `libelle`, `effectif`, `part` (each count and
    share with its `__secret` token), and `part_nationale`, `annee_nationale`, `source_nationale`
    (null where there is no national figure). A masked share has no bar, only its count's token
    (or its own), written where the bar starts (as is a zero share).
    """
    cadre = _sans_autre_vide(cadre)
    courante = cadre.filter(pl.col("annee") == annee)
    libelles = list(courante["libelle"])
    national = courante.filter(pl.col("part_nationale").is_not_null())
    horizontal = _horizontal(libelles, 2 + (not national.is_empty()))
    categorie = "y" if horizontal else "x"
    fig = go.Figure()
    maximum = 0.0
    for an, couleur in ((annee - 1, BLEU_ANNEE_PRECEDENTE), (annee, BLEU_FRANCE)):
        if not _annee_tracee(cadre, an):
            continue
        lignes = cadre.filter(pl.col("annee") == an)
        # A masked share is labelled with its count's token (« < 11 » says more than « s »),
        # with its unit: a bare « < 11 » on a percentage axis reads « less than 11 % ».
        parts = [
            _texte(v, _jeton_avec_unite(jeton_effectif, unite) or j, formats.pourcentage)
            for v, j, jeton_effectif in zip(
                lignes["part"], lignes["part__secret"], lignes["effectif__secret"], strict=True
            )
        ]
        effectifs = [
            f"{_texte(v, j, formats.nombre)} {unite}"
            for v, j in zip(lignes["effectif"], lignes["effectif__secret"], strict=True)
        ]
        valeurs = lignes["part"].fill_null(0)
        maximum = max(maximum, float(valeurs.max() or 0))
        fig.add_bar(
            name=str(an),
            offsetgroup=str(an),
            marker_color=couleur,
            text=[texte if v > 0 else "" for texte, v in zip(parts, valeurs, strict=True)],
            customdata=list(zip(parts, effectifs, strict=True)),
            hovertemplate=f"%{{{categorie}}} ({an}) : %{{customdata[0]}}"
            " (%{customdata[1]})<extra></extra>",
            **_BARRES_AVEC_TEXTE,
            **_axes(list(lignes["libelle"]), valeurs, horizontal),
        )
        # Plotly writes no text on an empty bar: masked and zero shares get a text-only trace.
        vides = [
            (libelle, texte)
            for libelle, texte, v in zip(lignes["libelle"], parts, valeurs, strict=True)
            if v == 0
        ]
        if vides:
            fig.add_scatter(
                mode="text",
                offsetgroup=str(an),
                text=[texte for _, texte in vides],
                textposition="middle right" if horizontal else "top center",
                showlegend=False,
                hoverinfo="skip",
                **_axes([libelle for libelle, _ in vides], [0] * len(vides), horizontal),
            )
    if not national.is_empty():
        source = str(national["source_nationale"][0]).split(",")[0]
        nom = f"National ({source}, données {national['annee_nationale'][0]})"
        maximum = max(maximum, float(national["part_nationale"].max() or 0))
        fig.add_bar(
            name=nom,
            offsetgroup="national",
            marker_color=GRIS_CLAIR,
            marker_line={"color": GRIS, "width": 1},
            text=[formats.pourcentage(v) for v in national["part_nationale"]],
            hovertemplate=f"%{{{categorie}}} : %{{text}} au niveau national<extra></extra>",
            **_BARRES_AVEC_TEXTE,
            **_axes(list(national["libelle"]), national["part_nationale"], horizontal),
        )
    titre = {"text": f"Part des {unite} (%)"}
    etendue = [0, max(maximum, 1) * (1.3 if horizontal else 1.2)]
    groupes = {"barmode": "group", "scattermode": "group"}
    if horizontal:
        series = len([trace for trace in fig.data if trace.type == "bar"])
        return _mise_en_page(
            fig,
            hauteur=max(300, len(libelles) * (16 * series + 14) + 110),
            yaxis={
                "categoryorder": "array",
                "categoryarray": libelles,
                "autorange": "reversed",
                "showgrid": False,
            },
            xaxis={"title": titre, "range": etendue, "showgrid": True, "gridcolor": "#EEEEEE"},
            **groupes,
        )
    return _mise_en_page(
        fig,
        xaxis={"categoryorder": "array", "categoryarray": libelles},
        yaxis={"title": titre, "range": etendue},
        **groupes,
    )


def _axes(libelles: list[str], valeurs, horizontal: bool) -> dict:
    if horizontal:
        return {"y": libelles, "x": valeurs, "orientation": "h"}
    return {"x": libelles, "y": valeurs}


# ------------------------------------------------------------------- groups side by side

COULEURS_GROUPES = (BLEU_FRANCE, BLEU_ANNEE_PRECEDENTE, GRIS_CLAIR)


@_noms_en_texte
def groupes_par_figure(tableau: pl.DataFrame, groupes: tuple[tuple[str, str], ...]) -> go.Figure:
    """Small multiples: one panel per key figure (each has its own unit), one bar per group; a
    masked value has no bar, only its token, and every bar is labelled with its French value."""
    traces, axes, titres = [], {}, []
    ecart = 0.05
    largeur = (1 - ecart * (tableau.height - 1)) / tableau.height
    for k, ligne in enumerate(tableau.iter_rows(named=True)):
        suffixe = "" if k == 0 else str(k + 1)
        debut = k * (largeur + ecart)
        maximum = 1.0
        for (groupe, libelle), couleur in zip(groupes, COULEURS_GROUPES, strict=True):
            jeton = ligne[f"{groupe}__secret"]
            valeur = None if jeton else ligne[groupe]
            maximum = max(maximum, valeur or 0)
            commun = {
                "x": [ligne["indicateur"]],
                "xaxis": f"x{suffixe}",
                "yaxis": f"y{suffixe}",
                "name": libelle,
                "legendgroup": groupe,
                "offsetgroup": groupe,
            }
            # Months are said once, in the panel's title: labels stay narrower than their bars.
            unite = "decimal" if ligne["unite"] == "mois" else ligne["unite"]
            texte = [jeton or formats.selon_unite(valeur, unite)]
            traces.append(
                go.Bar(
                    y=[valeur or 0],
                    marker_color=couleur,
                    # Plotly writes no text on an empty bar: see the text-only trace below.
                    text=texte if valeur else None,
                    textposition="outside",
                    constraintext="none",
                    cliponaxis=False,
                    customdata=texte,
                    hovertemplate=f"{libelle} : %{{customdata}}<extra></extra>",
                    showlegend=k == 0,
                    **commun,
                )
            )
            if not valeur:  # zero, masked or missing: written where the bar would start
                traces.append(
                    go.Scatter(
                        y=[0],
                        mode="text",
                        text=texte,
                        textposition="top center",
                        showlegend=False,
                        hoverinfo="skip",
                        **commun,
                    )
                )
        axes[f"xaxis{suffixe}"] = {
            "domain": [debut, debut + largeur],
            "anchor": f"y{suffixe}",
            "showticklabels": False,
            "showgrid": False,
            "linecolor": GRIS_CLAIR,
        }
        axes[f"yaxis{suffixe}"] = {
            "anchor": f"x{suffixe}",
            "range": [0, maximum * 1.3],
            "showticklabels": False,
            "showgrid": False,
            "zeroline": False,
        }
        titres.append(
            {
                "text": "<br>".join(
                    textwrap.wrap(
                        ligne["indicateur"] + (" (mois)" if ligne["unite"] == "mois" else ""), 24
                    )
                ),
                "x": debut + largeur / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
            }
        )
    return _mise_en_page(
        go.Figure(data=traces),
        xaxis=axes.pop("xaxis"),
        yaxis=axes.pop("yaxis"),
        legend={"yanchor": "top", "y": -0.04},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        barmode="group",
        scattermode="group",
        bargroupgap=0.1,
        annotations=titres,
        **axes,
    )


# ------------------------------------------------------------------------------ national survey

TAUX_REPONSE_2022 = 70.0  # ANCT, enquête nationale PRE 2022 (données 2021)


def taux_de_reponse(cadre: pl.DataFrame) -> go.Figure:
    """Response rate to the national survey by territory (without the total row), with the
    2022 survey's rate as a reference line."""
    lignes = cadre.filter(pl.col("territoire") != "Ensemble").sort("territoire", descending=True)
    textes = [
        f"{formats.pourcentage(t)} ({r} sur {n})" if t is not None else formats.VIDE
        for t, r, n in zip(lignes["taux"], lignes["repondants"], lignes["pre_liste"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            y=list(lignes["territoire"]),
            x=lignes["taux"].fill_null(0),
            orientation="h",
            marker_color=BLEU_FRANCE,
            text=textes,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y} : %{text}<extra></extra>",
        )
    )
    _mise_en_page(
        fig,
        hauteur=max(260, 30 * lignes.height + 110),
        xaxis={"title": {"text": "Taux de réponse (%)"}, "range": [0, 130], "ticksuffix": " %"},
        yaxis={"tickfont": {"color": GRIS_FONCE}},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
    )
    # Added once the layout is set: _mise_en_page replaces the whole layout, shapes included.
    fig.add_vline(
        x=TAUX_REPONSE_2022,
        line_dash="dash",
        line_color=ROUGE_MARIANNE,
        annotation_text="Enquête 2022 : 70 %",
        annotation_position="top",
        annotation_font_color=ROUGE_MARIANNE,
    )
    return fig
