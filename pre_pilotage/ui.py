"""Streamlit rendering shared by every page: filters, demo banner, key figures, charts, tables.

One function renders every chart (`afficher_graphique`) and one every table (`afficher_tableau`),
so that exports, captions and presentation mode change one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from pre_pilotage import config, formats
from pre_pilotage.indicateurs import indicateur
from pre_pilotage.requetes import run

SOURCE_PROGRAMME = "Données du programme (tableau de bord PRE)"
# Option meaning "no filter": Streamlit shows a None option as an empty (English) placeholder.
TOUT = "tout"


@dataclass(frozen=True)
class Filtres:
    pre_id: str
    nom_programme: str
    commune: str | None
    nom_commune: str | None
    qpv: str | None
    nom_qpv: str | None
    annee: int
    annees: tuple[int, ...]

    @property
    def territoire(self) -> str:
        if self.qpv:
            return f"QPV {self.nom_qpv} ({self.qpv})"
        if self.commune:
            return f"{self.nom_commune} ({self.commune})"
        return self.nom_programme

    def parametres(self, annee: bool = True) -> dict:
        """Territory (and year) parameters as the queries expect them."""
        params = {"pre_id": self.pre_id, "commune": self.commune, "qpv": self.qpv}
        if annee:
            params["annee"] = self.annee
        return params


def _selecteur(cle: str, libelle: str, options: list, etiquettes: dict, aide: str | None = None):
    """A selectbox whose value lives in the URL (`?cle=code`), so a copied link reopens the view."""
    if cle not in st.session_state:
        depuis_url = st.query_params.get(cle)
        st.session_state[cle] = next((o for o in options if str(o) == depuis_url), options[0])
    elif st.session_state[cle] not in options:
        st.session_state[cle] = options[0]
    valeur = st.selectbox(
        libelle,
        options,
        key=cle,
        format_func=lambda o: etiquettes[o],
        help=aide,
        placeholder="Choisir…",
    )
    # The year and programme are always written, so that a link keeps its meaning after the
    # next year's data arrive; "all communes" / "all QPV" are simply left out.
    if valeur == TOUT:
        st.query_params.pop(cle, None)
    else:
        st.query_params[cle] = str(valeur)
    return None if valeur == TOUT else valeur


def barre_laterale() -> Filtres | None:
    """Territory and year selectors, shared by all pages; None when the database is empty."""
    programmes = run("programmes")
    if programmes.is_empty():
        return None
    with st.sidebar:
        st.markdown("### Territoire et période")
        noms_programmes = dict(zip(programmes["pre_id"], programmes["nom"], strict=True))
        pre_id = _selecteur("pre", "Programme", list(noms_programmes), noms_programmes)

        communes = run("communes_du_programme", pre_id=pre_id)
        noms_communes = {TOUT: "Toutes les communes"} | dict(
            zip(communes["code_insee"], communes["nom"], strict=True)
        )
        commune = _selecteur(
            "commune",
            "Commune de résidence",
            list(noms_communes),
            noms_communes,
            "Communes d'intervention du programme.",
        )

        qpv = run("qpv_du_programme", pre_id=pre_id, commune=commune)
        noms_qpv = {TOUT: "Tous les quartiers"} | {
            code: f"{nom} ({code})" for code, nom in zip(qpv["code_qp"], qpv["nom"], strict=True)
        }
        code_qp = _selecteur("qpv", "Quartier prioritaire de résidence", list(noms_qpv), noms_qpv)

        annees = [int(a) for a in run("annees_disponibles", pre_id=pre_id)["annee"]]
        if not annees:
            return None
        annee = _selecteur(
            "annee",
            "Année",
            annees,
            {a: str(a) for a in annees},
            "Année civile : un enfant est compté s'il a été accompagné "
            "au moins un jour dans l'année.",
        )
    return Filtres(
        pre_id=pre_id,
        nom_programme=noms_programmes[pre_id],
        commune=commune,
        nom_commune=noms_communes[commune] if commune else None,
        qpv=code_qp,
        nom_qpv=noms_qpv[code_qp].rsplit(" (", 1)[0] if code_qp else None,
        annee=annee,
        annees=tuple(annees),
    )


def informations_base() -> dict[str, str]:
    cadre = run("informations_base")
    return dict(zip(cadre["cle"], cadre["valeur"], strict=True))


def bandeau_demo() -> None:
    """Shown on every page while the fictional demo data are loaded."""
    if informations_base().get("donnees_demo") == "oui":
        st.markdown(
            '<div class="bandeau-demo" role="note">Données fictives de démonstration : '
            "territoire, enfants, écoles et montants sont inventés.</div>",
            unsafe_allow_html=True,
        )


def legende_donnees() -> str:
    date_donnees = informations_base().get("date_donnees")
    return f"Données au {formats.date(date_donnees)}" if date_donnees else ""


def chiffre_cle(
    code: str,
    cadre: pl.DataFrame,
    annee: int,
    colonne: str | None = None,
    reference: str | None = None,
) -> None:
    """One key figure from a per-year frame: value, change from the previous year, reference."""
    definition = indicateur(code)
    colonne = colonne or code
    courante = cadre.filter(pl.col("annee") == annee)
    precedente = cadre.filter(pl.col("annee") == annee - 1)
    valeur, jeton = _cellule(courante, colonne)
    valeur_prec, jeton_prec = _cellule(precedente, colonne)
    affichee = jeton or formats.selon_unite(valeur, definition.unite)
    ecart = None
    if not jeton and not jeton_prec:
        if definition.unite == "pourcentage":
            ecart = formats.ecart_points(valeur, valeur_prec)
        else:
            ecart = formats.variation(valeur, valeur_prec)
    st.metric(
        definition.libelle,
        affichee,
        delta=ecart.replace("−", "-") if ecart else None,
        delta_arrow="auto" if ecart and ecart[0] in "+−" else "off",
        delta_color="off",
        delta_description=f"par rapport à {annee - 1}" if ecart else None,
        help=f"{definition.definition} Formule : {definition.formule}",
        border=True,
    )
    if reference:
        st.caption(f"Référence nationale : {reference}")


def _cellule(ligne: pl.DataFrame, colonne: str):
    if ligne.is_empty():
        return None, None
    jeton = ligne[f"{colonne}__secret"][0] if f"{colonne}__secret" in ligne.columns else None
    return ligne[colonne][0], jeton


def _a_des_masques(cadre: pl.DataFrame) -> bool:
    colonnes = [c for c in cadre.columns if c.endswith("__secret")]
    return any(cadre[c].is_not_null().any() for c in colonnes)


def note_secret() -> str:
    seuil = config.seuil_secret()
    return (
        f"« < {seuil} » : moins de {seuil} enfants ; « s » : valeur masquée pour qu'un petit "
        "effectif ne puisse pas être recalculé (secret statistique)."
    )


def afficher_graphique(
    fig: go.Figure,
    code: str,
    filtres: Filtres,
    cadre: pl.DataFrame,
    periode: str | None = None,
    source: str = SOURCE_PROGRAMME,
) -> None:
    """Every chart goes through here: French title with territory and period, caption, alt text."""
    definition = indicateur(code)
    periode = periode or str(filtres.annee)
    titre = f"{definition.libelle} – {filtres.territoire}, {periode}"
    st.markdown(f"#### {titre}")
    st.plotly_chart(
        fig,
        config={"displaylogo": False, "locale": "fr"},
        alt=f"{titre}. {definition.definition}",
    )
    legende = [f"Source : {source}.", f"{legende_donnees()}." if legende_donnees() else ""]
    if _a_des_masques(cadre):
        legende.append(note_secret())
    st.caption(" ".join(part for part in legende if part))


def afficher_tableau(cadre: pl.DataFrame, colonnes: dict[str, tuple[str, str]]) -> None:
    """Every table goes through here: French formats, masked cells shown by their token.

    `colonnes` maps a frame column to (French header, unit): one of formats.selon_unite's units,
    "texte", or "@<column>" to take each row's unit from another column.
    """
    affiche = {}
    for colonne, (entete, unite) in colonnes.items():
        jetons = (
            cadre[f"{colonne}__secret"]
            if f"{colonne}__secret" in cadre.columns
            else pl.Series([None] * cadre.height)
        )
        unites = cadre[unite[1:]] if unite.startswith("@") else [unite] * cadre.height
        affiche[entete] = [
            jeton or (str(v) if u == "texte" else formats.selon_unite(v, u))
            for v, jeton, u in zip(cadre[colonne], jetons, unites, strict=True)
        ]
    st.dataframe(pl.DataFrame(affiche), hide_index=True)
    if _a_des_masques(cadre):
        st.caption(note_secret())


_STYLES = """
<style>
.bandeau-demo {
    background: #FEECC2; color: #3A3A3A; border-left: 6px solid #B34000;
    padding: 0.6rem 1rem; margin-bottom: 1rem; font-weight: 600;
}
[data-testid="stMetricValue"] { color: #000091; }
</style>
"""


def styles() -> None:
    st.markdown(_STYLES, unsafe_allow_html=True)


def _exiger_navigation_de_l_application() -> None:
    """Run app.py's navigation even when a deep link is the server's first request.

    Streamlit runs a `pages/` script on its own (its old multipage mode) until some session has
    run the entry point's `st.navigation`; a page opened that way would miss the sidebar, the
    filters and the demo banner. Switch the process to `st.navigation` and start again.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_resource(show_spinner=False)
def _migrer_une_fois(chemin: str) -> list[int]:
    from pathlib import Path

    from pre_pilotage.db import migrer_fichier

    return migrer_fichier(Path(chemin))


def verifier_base() -> bool:
    """Bring the schema up to date once per process; explain in French when there is no base."""
    chemin = config.chemin_base()
    if not chemin.exists():
        st.error(
            f"Base de données introuvable : {chemin}. Lancez `make run` pour construire la base "
            "de démonstration, ou indiquez votre base avec la variable d'environnement PRE_BASE."
        )
        return False
    try:
        _migrer_une_fois(str(chemin))
    except duckdb.IOException:
        st.error(
            f"La base {chemin} doit être mise à jour, mais un autre programme la tient ouverte "
            "en écriture. Fermez-le (import en cours, autre instance), puis rechargez la page."
        )
        return False
    return True


def debut_page(titre: str) -> Filtres | None:
    """First call of every page: title, and the territory and period chosen in the sidebar."""
    _exiger_navigation_de_l_application()
    st.title(titre)
    choisis = st.session_state.get("filtres")
    if choisis is None:
        st.info("La base ne contient encore aucun programme : importez les données du PRE.")
    return choisis


# Which national reference figure sits beside which indicator (the figures live in the database).
def reference_nationale(code: str) -> str | None:
    cadre = run("references_nationales")
    valeurs = {
        (i, m): (v, a, s)
        for i, m, v, a, s in zip(
            cadre["indicateur"],
            cadre["modalite"],
            cadre["valeur"],
            cadre["annee_donnees"],
            cadre["source"],
            strict=True,
        )
    }

    def source(cle) -> str:
        return f"{valeurs[cle][2].split(',')[0]}, données {valeurs[cle][1]}"

    if code == "enfants_par_etp" and ("enfants_par_referent", "ensemble") in valeurs:
        cle = ("enfants_par_referent", "ensemble")
        return f"{formats.nombre(valeurs[cle][0])} enfants par référent ({source(cle)})"
    if code == "duree_mediane_mois" and ("duree_parcours_mois", "minimum") in valeurs:
        mini = valeurs[("duree_parcours_mois", "minimum")][0]
        maxi = valeurs[("duree_parcours_mois", "maximum")][0]
        return (
            f"durée moyenne de {formats.nombre(mini)} à {formats.nombre(maxi)} mois "
            f"({source(('duree_parcours_mois', 'minimum'))})"
        )
    if code == "part_cofinancee" and ("financement", "etat") in valeurs:
        cle = ("financement", "etat")
        return f"{formats.pourcentage(100 - valeurs[cle][0])} hors État ({source(cle)})"
    return None


def texte_confidentialite() -> str:
    seuil = config.seuil_secret()
    return (
        "Le tableau de bord ne contient aucun nom, adresse, date de naissance exacte, téléphone, "
        "courriel ni numéro de sécurité sociale : chaque enfant n'y figure que sous un pseudonyme "
        "calculé avec une clé secrète conservée hors de la base. Aucun écran ni export ne montre "
        f"de ligne individuelle. Tout effectif de 1 à {seuil - 1} enfants est remplacé par "
        f"« < {seuil} », et d'autres cases sont masquées (« s ») lorsque c'est nécessaire pour "
        "qu'un petit effectif ne puisse pas être retrouvé à partir des totaux, des autres cases "
        "ou de l'année précédente. Les taux, moyennes et médianes calculés sur un groupe masqué "
        "sont masqués eux aussi."
    )


def accueil() -> None:
    """The app's root URL: forward to Synthèse, keeping the filters of the link."""
    st.switch_page("pages/synthese.py", query_params=st.query_params.to_dict())
