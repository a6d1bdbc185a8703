"""Pure chart builders: a masked frame in, a Plotly figure out (no Streamlit here)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from pre_pilotage import formats

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


def _mise_en_page(fig: go.Figure, hauteur: int = 360) -> go.Figure:
    fig.update_layout(
        separators="," + formats.ESPACE_MILLIERS,
        font={"family": "Marianne, Arial, sans-serif", "size": 14, "color": "#161616"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        height=hauteur,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font_size": 14},
    )
    fig.update_xaxes(showgrid=False, linecolor=GRIS_CLAIR)
    fig.update_yaxes(gridcolor="#EEEEEE", zeroline=False)
    return fig


def _texte(valeur, jeton, format_valeur) -> str:
    return jeton if jeton else format_valeur(valeur)


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
        fig.add_scatter(
            x=annees,
            y=cadre[colonne],
            name=nom,
            mode="lines+markers",
            line={"color": couleur, "width": 3, "dash": tirets},
            marker={"size": 9},
            customdata=textes,
            hovertemplate=f"%{{x}} : %{{customdata}} {nom.lower()}<extra></extra>",
        )
    fig.update_yaxes(title_text="Nombre d'enfants", rangemode="tozero")
    fig.update_xaxes(type="category")
    return _mise_en_page(fig)


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
        name="National (enquête ANCT, 2021)",
        marker_color=GRIS_CLAIR,
        marker_line={"color": GRIS, "width": 1},
        text=[formats.pourcentage(v) for v in cadre["part_nationale"]],
        textposition="outside",
        hovertemplate="%{x} : %{text} au niveau national<extra></extra>",
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="Part des enfants (%)", rangemode="tozero")
    return _mise_en_page(fig)


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
    fig.update_xaxes(
        title_text="Montant programmé (€)", range=[0, maximum * 1.8], tickformat=",.0f"
    )
    return _mise_en_page(fig, hauteur=max(260, 44 * ordonne.height + 80))
