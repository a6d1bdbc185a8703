"""Streamlit rendering shared by every page: filters, demo banner, key figures, charts, tables.

One function renders every chart (`afficher_graphique`) and one every table (`afficher_tableau`),
so that exports, captions and presentation mode change one place.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass

import duckdb
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from pre_pilotage import (
    acces,
    config,
    diffusion,
    exports,
    formats,
    graphiques,
    references_nationales,
    requetes,
    telechargements,
    vue,
)
from pre_pilotage.francais import accord, effectif
from pre_pilotage.geographie import emprises
from pre_pilotage.indicateurs import indicateur
from pre_pilotage.requetes import run

SOURCE_PROGRAMME = "données du programme (tableau de bord PRE)"
# Files leave the app only through the audited « Exporter » menus: no Plotly toolbar (its camera
# button downloads a PNG unaudited, and its tooltips and Streamlit's « Fullscreen » are English).
# The download button is also removed by name, should the toolbar ever come back.
CONFIG_PLOTLY = {
    "displayModeBar": False,
    "modeBarButtonsToRemove": ["toImage"],
    "displaylogo": False,
    "locale": "fr",
}
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

    @property
    def annee_precedente(self) -> int | None:
        """The year before the chosen one, when the programme has data for it."""
        return self.annee - 1 if self.annee - 1 in self.annees else None

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


def _programmes_autorises(programmes: pl.DataFrame) -> pl.DataFrame:
    """The programmes an account may see: its programme when it is limited to one; those with a
    commune in its département when it is limited to one. A link to another programme is
    refused (not silently replaced by an allowed one)."""
    seul = acces.programme_autorise()
    if seul is not None:
        demande = st.query_params.get("pre")
        if demande is not None and demande != seul:
            st.error(
                "Accès refusé : votre compte est limité à un seul programme ; ce programme "
                "n'est pas le sien."
            )
            st.stop()
        programmes = programmes.filter(pl.col("pre_id") == seul)
        if programmes.is_empty():
            st.sidebar.info(
                "Le programme auquel votre compte est limité n'a pas de données dans l'outil."
            )
    limite = acces.departement_autorise()
    if limite is None:
        return programmes
    communes = run("programmes_communes")
    autorises = {
        p
        for p, c in zip(communes["pre_id"], communes["code_insee"], strict=True)
        if emprises.departement(c) == limite
    }
    demande = st.query_params.get("pre")
    if demande is not None and demande not in autorises:
        st.error(
            f"Accès refusé : votre compte est limité au département {limite} ; ce programme "
            "n'en fait pas partie."
        )
        st.stop()
    autorises_ = programmes.filter(pl.col("pre_id").is_in(list(autorises)))
    if autorises_.is_empty():
        st.sidebar.info(
            f"Aucun programme du département {limite} n'a de données dans l'outil : la page "
            "« Territoires » montre les PRE, quartiers et réseaux du département."
        )
    return autorises_


def barre_laterale() -> Filtres | None:
    """Territory and year selectors, shared by all pages; None when the database is empty."""
    programmes = _programmes_autorises(run("programmes"))
    if programmes.is_empty():
        return None
    with st.sidebar:
        _bloc_utilisateur()
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


def est_demo() -> bool:
    return informations_base().get("donnees_demo") == "oui"


def seuil_document(cle: str) -> tuple[int, bool]:
    """Threshold of a document meant for élus and comités, and whether it is internal.

    Such documents use the élus' floor (11) whatever the role's threshold; a coordination
    threshold below it is used only when the user asks for an internal document, which then
    says so on every page.
    """
    seuil_role = acces.seuil()
    if seuil_role >= acces.SEUIL_LECTURE:
        return seuil_role, False
    interne = st.checkbox(
        f"Document interne à l'équipe (seuil de {seuil_role} enfants au lieu de "
        f"{acces.SEUIL_LECTURE})",
        key=cle,
        help=(
            f"Par défaut, les documents destinés aux élus et aux comités masquent tout effectif "
            f"de moins de {acces.SEUIL_LECTURE} enfants. Un document interne garde le seuil de "
            "l'équipe de coordination et l'indique sur chaque page : il ne doit pas être diffusé."
        ),
    )
    return (seuil_role, True) if interne else (acces.SEUIL_LECTURE, False)


def formulaire_connexion() -> None:
    """Sign-in form shown in place of any page until the session has a user."""
    from pre_pilotage import comptes

    st.title("Connexion")
    st.markdown("Le tableau de bord du PRE est réservé aux personnes disposant d'un compte.")
    if st.session_state.get(acces.CLE_FIN_DE_SESSION):
        from pre_pilotage import sessions

        minutes = round(sessions.inactivite().total_seconds() / 60)
        st.info(
            f"Session terminée (déconnexion, plus de {minutes} minutes sans activité ou durée "
            "maximale atteinte) : connectez-vous de nouveau."
        )
    if acces.oidc_configure():
        from pre_pilotage import proconnect

        proconnect.allonger_jetons()
        st.button(
            "Se connecter avec ProConnect", on_click=st.login, args=("proconnect",), type="primary"
        )
        refus = acces.refus_proconnect()
        if refus and getattr(st.user, "is_logged_in", False):
            st.error(refus)
            # Signing out of ProConnect too lets the person choose another account or
            # organisation at the next attempt (ProConnect would sign the same one in again).
            if st.button("Se déconnecter de ProConnect"):
                st.logout()  # not as on_click: the redirect must survive the run
                st.stop()
    if comptes.nombre_comptes() == 0:
        st.info(
            "Aucun compte n'existe encore. Créez le premier compte d'administration sur le "
            "serveur : `python -m pre_pilotage compte <identifiant> --role administration`."
        )
        return
    with st.form("connexion"):
        identifiant = st.text_input("Identifiant")
        mot_de_passe = st.text_input("Mot de passe", type="password")
        envoye = st.form_submit_button("Se connecter", type="primary")
    if envoye:
        # The client's address: failed attempts are counted per account and per address.
        # Behind a trusted reverse proxy, the address it forwards (PRE_PROXYS_DE_CONFIANCE).
        adresse = st.context.ip_address
        utilisateur, message = comptes.authentifier(
            identifiant.strip(),
            mot_de_passe,
            source=comptes.adresse_client(
                adresse if isinstance(adresse, str) else None,
                st.context.headers.get("X-Forwarded-For"),
            ),
        )
        if utilisateur is None:
            st.error(message)
        else:
            acces.connecter(utilisateur)
            st.rerun()


def _bloc_utilisateur() -> None:
    utilisateur = acces.utilisateur_courant()
    if utilisateur is None:
        return
    st.caption(
        f"Connecté·e : {formats.texte_md(utilisateur.nom_affiche)} – rôle "
        f"{acces.LIBELLES_ROLES[utilisateur.role]}"
    )
    if utilisateur.identifiant != acces.utilisateur_demo().identifiant:
        if st.button("Se déconnecter"):
            acces.fermer_session()
            if acces.oidc_configure() and getattr(st.user, "is_logged_in", False):
                # Signed in by ProConnect: the browser goes to its end_session endpoint, then
                # comes back. No st.rerun() here: a rerun would drop the redirect.
                st.logout()
                st.stop()
            st.rerun()


def informations_base() -> dict[str, str]:
    return requetes.informations_base()


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


def sous_titre(*parties: str) -> None:
    """The caption under a page's title: its non-empty parts joined by « · » (as text: the
    territory's name comes from a data file)."""
    st.caption(" · ".join(formats.texte_md(p) for p in parties if p))


def chiffres_publics(filtres: Filtres) -> tuple[str, ...]:
    """The key figures on the children of a territory: its children, entries and exits, and the
    share living in a QPV, except on a quartier's page (its children all live there: 100 %, or
    « s » when its count is masked, tells nothing)."""
    return ("actifs", "entrees", "sorties") + (() if filtres.qpv else ("part_qpv",))


def chiffre_cle(
    code: str,
    cadre: pl.DataFrame,
    annee: int,
    colonne: str | None = None,
    reference: str | None = None,
    precision: str | None = None,
    titre: str | None = None,
) -> None:
    """One key figure from a per-year frame: value, change from the previous year, reference.
    `precision`: what the figure covers when it is not the territory of the title, after the
    label (« toute la commune »: a quartier's page shows its commune's budget). `titre`: the
    card's label instead of the indicator's (one quartier's card is not « … par quartier »)."""
    definition = indicateur(code)
    libelle = titre or definition.libelle
    libelle = f"{libelle} ({precision})" if precision else libelle
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
    aide = f"{definition.definition} Formule : {definition.formule}"
    if jeton:
        aide += f"\n\n{formats.explication_jeton(jeton)}."
    st.metric(
        libelle,
        affichee,
        delta=ecart.replace("−", "-") if ecart else None,
        delta_arrow="auto" if ecart and ecart[0] in "+−" else "off",
        delta_color="off",
        delta_description=f"par rapport à {annee - 1}" if ecart else None,
        help=aide,
        border=True,
    )
    if reference:
        st.caption(f"Référence nationale : {formats.texte_md(reference)}")
    # « – » is no value, not a masked one: say why (an outside reader saw « Part cofinancée – »
    # beside « 0 € » without a word).
    sans_valeur = (definition.sans_valeur or "") if valeur is None and not jeton else ""
    if sans_valeur:
        st.caption(f"– : {sans_valeur}")
    diffusion.noter(
        vue.ChiffreCle(
            libelle,
            affichee,
            ecart or "",
            f"par rapport à {annee - 1}",
            reference or "",
            sans_valeur,
        )
    )


def intertitre(texte: str, niveau: int = 2) -> None:
    """A heading of the page (level 2: a section, 3: a block in bold), noted in the view's PDF."""
    if niveau == 2:
        st.subheader(formats.texte_md(texte))
    else:
        st.markdown(f"**{formats.texte_md(texte)}**")
    diffusion.noter(vue.Intertitre(texte, niveau))


def note(texte: str, markdown: str | None = None) -> None:
    """A caption of the page (st.caption: a scope, how to read a table), noted in the view's PDF;
    `markdown`: what the screen shows when `texte` has data in it (names through texte_md)."""
    st.caption(markdown or texte)
    diffusion.noter(vue.Note(texte))


def information(texte: str, markdown: str | None = None) -> None:
    """An information box of the page (st.info), noted in the view's PDF as a framed note."""
    st.info(markdown or texte)
    diffusion.noter(vue.Note(texte, encadree=True))


def puces(lignes: list[str]) -> None:
    """A bullet list of generated sentences, noted in the view's PDF."""
    st.markdown("\n".join(f"- {formats.texte_md(p)}" for p in lignes))
    diffusion.noter(vue.Puces(tuple(lignes)))


def _cellule(ligne: pl.DataFrame, colonne: str):
    if ligne.is_empty():
        return None, None
    jeton = ligne[f"{colonne}__secret"][0] if f"{colonne}__secret" in ligne.columns else None
    return ligne[colonne][0], jeton


def note_secret(cadre: pl.DataFrame) -> str:
    """What the tokens of the frame's masked cells mean; empty when none is masked."""
    return exports.note_secret(cadre)


def _legende_export(
    titre: str, periode: str | None, source: str, cadre: pl.DataFrame
) -> exports.Legende:
    """What an exported chart, table or map says about itself (see exports.Legende)."""
    filtres = st.session_state.get("filtres")
    return exports.Legende(
        titre=titre,
        territoire=filtres.territoire if filtres else "",
        periode=periode or (str(filtres.annee) if filtres else ""),
        source=source,
        date_donnees=informations_base().get("date_donnees"),
        secret=note_secret(cadre) or None,
    )


def _journal(objet: str) -> dict:
    """Filters and details written to the audit log with an export."""
    filtres = st.session_state.get("filtres")
    return {
        "filtres": filtres.parametres() if filtres else None,
        "details": {"objet": objet},
    }


# The pages and the report say the same sentence instead of an empty or wholly masked chart.
phrase_sans_donnees = exports.phrase_sans_donnees
phrase_tout_masque = exports.phrase_tout_masque


def afficher_graphique(
    fig: go.Figure,
    code: str,
    filtres: Filtres,
    cadre: pl.DataFrame,
    periode: str | None = None,
    source: str = SOURCE_PROGRAMME,
    perimetre: str | None = None,
) -> None:
    """Every chart goes through here: French title with territory and period, caption, alt text.

    `perimetre`: what the chart covers when it is not the territory itself, said in its title
    (a quartier's budget is its commune's: an outside reader took it for the quartier's)."""
    definition = indicateur(code)
    periode = periode or str(filtres.annee)
    territoire = f"{filtres.territoire}, {perimetre}" if perimetre else filtres.territoire
    titre = f"{definition.libelle} – {territoire}, {periode}"
    st.markdown(f"#### {formats.texte_md(titre)}")
    masque = graphiques.tout_masque(fig)
    if masque or not graphiques.a_des_donnees(fig):
        # One sentence instead of empty axes numbered −1 to 1, or of axes carrying only the
        # masked cells' tokens (nothing to export either).
        phrase = (
            phrase_tout_masque(territoire, periode, cadre)
            if masque
            else phrase_sans_donnees(territoire, periode)
        )
        st.info(formats.texte_md(phrase))
        # The view's PDF says the same, in place of the chart (no axes there either).
        diffusion.noter(vue.Graphique(titre, go.Figure(), phrase, phrase))
        return
    st.plotly_chart(
        diffusion.agrandir(fig) if diffusion.presentation() else fig,
        config=CONFIG_PLOTLY,
        alt=" ".join(
            part for part in (f"{titre}.", definition.definition, exports.resume(fig)) if part
        ),
    )
    legende = [f"Source : {source}.", f"{legende_donnees()}." if legende_donnees() else ""]
    legende.append(note_secret(cadre))
    st.caption(" ".join(part for part in legende if part))
    diffusion.noter(
        vue.Graphique(
            titre,
            fig,
            " ".join(part for part in legende if part),
            " ".join(
                part for part in (f"{titre}.", definition.definition, exports.resume(fig)) if part
            ),
        )
    )
    donnees = exports.tableau_du_graphique(fig)
    if donnees is not None and not diffusion.presentation():
        # The chart's figures as a real table, one click away (RGAA: an alternative that does not
        # rely on sight or colour); the labels the chart writes, masked cells by their token.
        entetes, lignes = donnees
        with st.expander("Données du graphique"):
            st.table(
                pl.DataFrame(
                    [[formats.texte_md(v) for v in ligne] for ligne in lignes],
                    schema=[e or "Catégorie" for e in entetes],
                    orient="row",
                ),
                hide_index=True,
            )
    diffusion.menu_graphique(fig, _legende_export(titre, periode, source, cadre), _journal(code))


def afficher_tableau(
    cadre: pl.DataFrame,
    colonnes: dict[str, tuple[str, str]],
    *,
    recherche_et_tri: str | None = None,
    titre: str | None = None,
    source: str = SOURCE_PROGRAMME,
    programme: bool = True,
    cle: str | None = None,
    au_choix=None,
    choisie: int | None = None,
    place: int = 800,
    limite_texte: int = 230,
) -> None:
    """Every table goes through here: French formats, masked cells shown by their token.

    `colonnes` maps a frame column to (French header, unit): one of formats.selon_unite's units,
    "texte", or "@<column>" to take each row's unit from another column.
    `recherche_et_tri`, a widget key prefix: shows a search box and a sort choice above the table.
    Sorting uses the values, not their formatted text (999 € before 1 234 €), and masked cells
    come last; the search looks for the words in the displayed text, accents and case ignored.
    `titre` names the exported files (by default the page title and the table's rank), followed
    by the sidebar's programme and year unless `programme=False` (a table of no programme).
    `place`: the table's width in pixels on a 1280 px screen (about 800 across the page, 390
    in one of two columns), which its columns share without cutting a figure; a text column
    is at most `limite_texte` pixels wide (longer texts end in « … »).
    `au_choix`, a callback with the widget key `cle`: one row can be picked (its index in
    `st.session_state[cle].selection.rows`); `choisie`, the row shown picked at first.
    """
    if cadre.height == 0:
        st.caption("Aucune ligne à afficher.")
        diffusion.noter(vue.Texte("Aucune ligne à afficher."))
        return
    recherche = ""
    if recherche_et_tri:
        cadre, recherche = _rechercher_et_trier(cadre, colonnes, recherche_et_tri)
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
    tableau = pl.DataFrame(affiche)
    if recherche:
        trouvees = [
            all(mot in _sans_accents(" ".join(ligne)) for mot in _sans_accents(recherche).split())
            for ligne in tableau.rows()
        ]
        tableau = tableau.filter(pl.Series(trouvees, dtype=pl.Boolean))
        st.caption(
            f"{effectif(tableau.height, 'ligne')} sur {formats.nombre(cadre.height)} "
            f"{accord(tableau.height, 'contient', 'contiennent')} "
            f"« {formats.texte_md(recherche)} »."
        )
        cadre = cadre.filter(pl.Series(trouvees, dtype=pl.Boolean))
    largeurs = {
        entete: st.column_config.TextColumn(entete, width=largeur)
        for entete, largeur in largeurs_colonnes(
            tableau, colonnes, place - (40 if au_choix else 0), limite_texte
        ).items()
    }
    if au_choix is None:
        st.dataframe(tableau, hide_index=True, column_config=largeurs)
    else:
        st.dataframe(
            tableau,
            hide_index=True,
            column_config=largeurs,
            key=cle,
            on_select=au_choix,
            selection_mode="single-row",
            selection_default={"selection": {"rows": [] if choisie is None else [choisie]}},
        )
    # Only the tokens of the rows and columns shown are explained (a frame may hold others).
    montrees = cadre.select(
        c for c in cadre.columns if c.removesuffix("__secret") in colonnes or c in colonnes
    )
    note = note_secret(montrees)
    if note:
        st.caption(note)
    diffusion.noter(
        vue.Tableau(
            titre or "",
            tuple(tableau.columns),
            tuple(tuple(ligne) for ligne in tableau.rows()),
            note,
            recherche,
        )
    )
    titre = titre or (
        f"{st.session_state.get('_titre_page', 'Tableau')} – tableau {diffusion.numero_tableau()}"
    )
    filtres = st.session_state.get("filtres")
    if filtres and programme:
        titre += f" – {filtres.territoire}, {filtres.annee}"
    diffusion.menu_tableau(
        cadre, colonnes, _legende_export(titre, None, source, montrees), _journal(titre)
    )


def largeurs_colonnes(
    tableau: pl.DataFrame,
    colonnes: dict[str, tuple[str, str]],
    place: int = 800,
    limite_texte: int = 230,
) -> dict[str, int]:
    """Pixel width of each displayed column, so that the table fits in `place` pixels (its
    column's width on a 1280 px screen) without cutting a figure column (« Enfants », « Sa
    part »): figure columns get their header's or their longest cell's width; text columns
    share what is left (at most `limite_texte` each, at least 80); a long name then ends in
    « … »."""
    unites = {entete: unite for entete, unite in colonnes.values()}
    naturelles = {}
    for entete in tableau.columns:
        cellules = max((len(v) for v in tableau[entete] if v), default=0)
        naturelles[entete] = max(int(max(len(entete), cellules) * 7.4) + 28, 60)
    # Short texts (« REP+ », a code, a year) keep their width like figures.
    textes = [e for e in tableau.columns if unites.get(e) == "texte" and naturelles[e] > 110]
    largeurs = {e: n for e, n in naturelles.items() if e not in textes}
    reste = max(place - sum(largeurs.values()), 80 * len(textes))
    voulues = {e: min(naturelles[e], limite_texte) for e in textes}
    total = sum(voulues.values()) or 1
    for entete, voulue in voulues.items():
        largeurs[entete] = voulue if total <= reste else max(80, int(voulue * reste / total))
    return {e: largeurs[e] for e in tableau.columns}


def _sans_accents(texte: str) -> str:
    decompose = unicodedata.normalize("NFKD", texte.casefold())
    return "".join(c for c in decompose if not unicodedata.combining(c))


def _cle_de_tri(valeur):
    return _sans_accents(valeur) if isinstance(valeur, str) else valeur


def _rechercher_et_trier(
    cadre: pl.DataFrame, colonnes: dict[str, tuple[str, str]], cle: str
) -> tuple[pl.DataFrame, str]:
    """Search and sort widgets of a table; the frame sorted on the chosen column, and the words."""
    entetes = {entete: colonne for colonne, (entete, _) in colonnes.items()}
    ordre_initial = "Ordre initial"
    gauche, milieu, droite = st.columns([3, 2, 1], vertical_alignment="bottom")
    recherche = gauche.text_input(
        "Rechercher",
        key=f"{cle}_recherche",
        placeholder="Un ou plusieurs mots",
        help="Garde les lignes qui contiennent tous les mots, sans tenir compte des accents.",
    )
    choix = milieu.selectbox(
        "Trier par", [ordre_initial, *entetes], key=f"{cle}_tri", placeholder="Choisir…"
    )
    decroissant = droite.toggle("Décroissant", key=f"{cle}_decroissant")
    if choix != ordre_initial:
        valeurs = cadre[entetes[choix]].to_list()
        presentes = [i for i, v in enumerate(valeurs) if v is not None]
        presentes.sort(key=lambda i: _cle_de_tri(valeurs[i]), reverse=decroissant)
        absentes = [i for i, v in enumerate(valeurs) if v is None]
        cadre = cadre.select(pl.all().gather(presentes + absentes))
    return cadre, recherche.strip()


_STYLES = """
<style>
.bandeau-demo {
    background: #FEECC2; color: #3A3A3A; border-left: 6px solid #B34000;
    padding: 0.6rem 1rem; margin-bottom: 1rem; font-weight: 600;
}
[data-testid="stMetricValue"] { color: #000091; }
/* A chosen value too long for its field (« PRE de l'Agglomération de démonstration » in the
   sidebar) ends in « … », not cut in the middle of a word as if it were the name (« démo »). */
[data-testid="stSelectbox"] input[role="combobox"] { text-overflow: ellipsis; }
/* A menu's label (« Partager ») never breaks inside a word. */
[data-testid="stPopover"] button p { white-space: nowrap; }
/* Key figures keep their whole label and « par rapport à 2024 » in narrow columns (1280 px):
   they wrap instead of ending in « … ». */
[data-testid="stMetricLabel"] .stMarkdownEllipsis,
[data-testid="stMetricLabel"] .stMarkdownEllipsis p,
[data-testid="stMetricDeltaDescription"],
[data-testid="stMetricDeltaDescription"] .stMarkdownEllipsis,
[data-testid="stMetricDeltaDescription"] .stMarkdownEllipsis p {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetric"] div:has(> [data-testid="stMetricDelta"]) {
    flex-wrap: wrap !important; row-gap: 0.2rem; overflow: visible !important;
}
[data-testid="stMetricDeltaDescription"] { flex-shrink: 1 !important; min-width: 0 !important; }
/* The toolbar Streamlit shows over a table or the team editor (« Download as CSV », « Search »,
   « Show/hide columns », « Fullscreen », « Add row ») can't be turned off by any option: its
   download and clipboard copy are off through client.disableDataExport (.streamlit/config.toml),
   and its English buttons are hidden here. Search and sort are offered in French by
   ui.afficher_tableau; files leave only through the audited « Exporter » menus. */
[data-testid="stDataFrame"] > [data-testid="stElementToolbar"] { display: none !important; }
/* A disabled widget keeps a readable label (contrast 4.5:1); its control shows the state. */
.stApp label[data-testid="stWidgetLabel"] { color: inherit !important; }
/* Streamlit's file uploader speaks English (« Upload », « 1GB per file », « 0.7KB »): its button
   gets a French label, and its limits and file sizes are left to the widget's French label. */
[data-testid="stFileUploaderDropzoneInstructions"],
[data-testid="stFileChipName"] + div { display: none; }
/* The English « Upload » is removed; the button's accessible name is the French aria-label set
   by _FRANCISATION (axe « button-name »), its visible text the ::after below. */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {
    display: none;
}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {
    content: "Parcourir";
}
/* The session cookie's one-line script (pre_pilotage/acces.py) takes no room on the page. */
.st-key-script-session { display: none; }
</style>
"""


# Streamlit's front end has English strings of its own that no option changes: hidden labels read
# by screen readers (« Help for … », « Skip to main content », « Close »…), its page-not-found and
# connection dialogs, the table and chart toolbars' tooltips, the file uploader's button. They are
# put into French in the browser as they appear: one observer per tab (the flag survives reruns)
# rewrites text nodes and the attributes a person reads or hears (aria-label, title, placeholder,
# data-title). Exact strings only (tests/test_francais_navigateur.py lists what is checked).
_TRADUCTIONS = {
    "Skip to main content": "Aller au contenu principal",
    "Page not found": "Page introuvable",
    "The page that you have requested does not seem to exist. Running the app's main page.": (
        "La page demandée n'existe pas. Voici la page d'accueil du tableau de bord."
    ),
    "Connection error": "Connexion au serveur perdue",
    "Connection lost. Please wait for the app to reconnect, then try again.": (
        "Connexion perdue. Attendez que le tableau de bord se reconnecte, puis réessayez."
    ),
    "Please wait...": "Veuillez patienter…",
    "Running...": "Calcul en cours…",
    "Stop": "Arrêter",
    "Help": "Aide",
    "Close": "Fermer",
    "Open": "Ouvrir",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Link to heading": "Lien vers ce titre",
    "Search": "Rechercher",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    "Select all": "Tout sélectionner",
    "Show password": "Afficher le mot de passe",
    "Hide password": "Masquer le mot de passe",
    "file upload": "téléversement de fichier",
    "Selectbox options": "Choix possibles",
    "No results": "Aucun résultat",
    "No options": "Aucun choix",
    "No options to select": "Aucun choix possible",
    "Choose an option": "Choisir",
    "Choose options": "Choisir",
    "Select...": "Choisir…",
    "Copy to clipboard": "Copier",
    "Copied!": "Copié",
    "Previous month": "Mois précédent",
    "Next month": "Mois suivant",
    "Choose date": "Choisir une date",
    "Choose date range": "Choisir une période",
    "Quick select a date range": "Période prédéfinie",
    "Clear date": "Effacer la date",
    "Clear dates": "Effacer les dates",
    "Clear entry": "Effacer",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": (
        "Flèches pour changer de jour, Entrée pour choisir, Échap pour fermer."
    ),
    "Selected date unavailable.": "Date indisponible.",
    "Selected values": "Valeurs choisies",
    "Increment": "Augmenter",
    "Decrement": "Diminuer",
    "Add files": "Ajouter des fichiers",
    "App pages": "Pages du tableau de bord",
    "Sidebar": "Barre latérale",
    "Collapse sidebar": "Replier la barre latérale",
    "Expand sidebar": "Déplier la barre latérale",
    "Main menu": "Menu principal",
    "Navigate to home page": "Aller à la page d'accueil",
    "Notifications": "Notifications",
    "Stop script": "Arrêter le calcul",
    "Scroll tabs left": "Onglets précédents",
    "Scroll tabs right": "Onglets suivants",
    "Dataframe column menu": "Menu de la colonne",
    "Copy column name": "Copier le nom de la colonne",
    "Close Search": "Fermer la recherche",
    "Next Result": "Résultat suivant",
    "Previous Result": "Résultat précédent",
    "Pagination": "Pages",
    "Next page": "Page suivante",
    "Previous page": "Page précédente",
    "Theme": "Thème",
    "Show chart": "Afficher le graphique",
    "Remove file": "Retirer le fichier",
    "Drag and drop file here": "Glissez-déposez le fichier ici",
    "Drag and drop files here": "Glissez-déposez les fichiers ici",
    "Browse files": "Parcourir les fichiers",
    "Upload": "Parcourir",
    # Shown under a focused text field (Streamlit's InputInstructions).
    "Press Enter to apply": "Entrée pour valider",
    "Press Enter to submit form": "Entrée pour valider le formulaire",
    "Press Ctrl+Enter to apply": "Ctrl+Entrée pour valider",
    "Press Ctrl+Enter to submit form": "Ctrl+Entrée pour valider le formulaire",
    "Press ⌘+Enter to apply": "⌘+Entrée pour valider",
    "Press ⌘+Enter to submit form": "⌘+Entrée pour valider le formulaire",
}
# Strings built around a name (« Help for Enfants accompagnés »): pattern, French template.
_MOTIFS = [
    (r"^Help for (.+)$", "Aide : $1"),
    (r"^Select (\d+) matches$", "Sélectionner les $1 résultats"),
    (r"^Add: (.+)$", "Ajouter : $1"),
    (r"^You can only select up to (\d+) options?$", "Au plus $1 choix"),
    (r"^(\S+) per file$", "$1 par fichier"),
    (r"^(\d+) more$", "$1 autres pages"),
]
_FRANCISATION = """
<script>
(function () {
  if (window.__prePilotageFrancais) { return; }
  window.__prePilotageFrancais = true;
  var mots = __MOTS__;
  var motifs = __MOTIFS__.map(function (m) { return [new RegExp(m[0]), m[1]]; });
  var attributs = ["aria-label", "title", "placeholder", "data-title", "aria-description"];
  var traduire = function (texte) {
    var net = texte.trim();
    if (!net) { return null; }
    if (Object.prototype.hasOwnProperty.call(mots, net)) { return texte.replace(net, mots[net]); }
    for (var i = 0; i < motifs.length; i++) {
      if (motifs[i][0].test(net)) { return texte.replace(net, net.replace(motifs[i][0], motifs[i][1])); }
    }
    return null;
  };
  var element = function (e) {
    if (e.matches('[data-testid="stFileUploaderDropzone"] button')
        && e.getAttribute("aria-label") !== "Parcourir les fichiers") {
      e.setAttribute("aria-label", "Parcourir les fichiers");
    }
    for (var i = 0; i < attributs.length; i++) {
      var v = e.getAttribute(attributs[i]);
      if (v) { var f = traduire(v); if (f !== null) { e.setAttribute(attributs[i], f); } }
    }
  };
  var texte = function (n) {
    if (n.parentElement && n.parentElement.closest('[aria-hidden="true"], .stMarkdown, [data-testid="stMarkdownContainer"] code')) {
      // Icons' ligatures are hidden; the app's own Markdown is French already, except Streamlit's
      // dialogs, whose message is Markdown too: checked below.
      if (!n.parentElement.closest('[role="dialog"]')) { return; }
    }
    var f = traduire(n.nodeValue);
    if (f !== null) { n.nodeValue = f; }
  };
  var parcourir = function (racine) {
    if (racine.nodeType === 3) { texte(racine); return; }
    if (racine.nodeType !== 1) { return; }
    element(racine);
    racine.querySelectorAll(
      "[" + attributs.join("],[") + ']' + ",[data-testid='stFileUploaderDropzone'] button"
    ).forEach(element);
    var marcheur = document.createTreeWalker(racine, NodeFilter.SHOW_TEXT);
    while (marcheur.nextNode()) { texte(marcheur.currentNode); }
  };
  parcourir(document.body);
  new MutationObserver(function (changements) {
    changements.forEach(function (c) {
      if (c.type === "childList") { c.addedNodes.forEach(parcourir); }
      else if (c.type === "attributes") { element(c.target); }
      else if (c.type === "characterData") { texte(c.target); }
    });
  }).observe(document.body, {
    childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: attributs
  });
})();
</script>
""".replace("__MOTS__", json.dumps(_TRADUCTIONS, ensure_ascii=False)).replace(
    "__MOTIFS__", json.dumps(_MOTIFS)
)


def styles() -> None:
    st.markdown(_STYLES, unsafe_allow_html=True)
    st.html(_FRANCISATION, unsafe_allow_javascript=True)
    diffusion.styles()


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


def _recalculer_protection() -> None:
    from pre_pilotage import protection

    chemin = config.chemin_base()
    requetes.vider_caches()
    try:
        with st.spinner("Calcul de la protection statistique de toute la base…"):
            protection.proteger_fichier(chemin)
    except protection.EchecProtection as erreur:
        st.error(str(erreur))  # nothing changed: the page still refuses to show figures
        return
    finally:
        requetes.vider_caches()
    acces.journaliser("reglage", acces.utilisateur_courant(), objet="protection statistique")


def _exiger_protection(bloquer: bool) -> None:
    """A database whose protection is missing, stale or from other rules is never shown."""
    message = requetes.etat_protection()
    if message is None:
        return
    if acces.autorise("administration"):
        st.error(
            f"{message} Aucun chiffre n'est affiché tant qu'elle n'est pas recalculée "
            "(quelques minutes pour un programme)."
        )
        st.button(
            "Recalculer la protection statistique",
            type="primary",
            on_click=_recalculer_protection,
        )
    else:
        st.error(
            f"{message} Aucun chiffre n'est affiché : demandez à l'administrateur du tableau "
            "de bord de la recalculer."
        )
    if bloquer:
        st.stop()


def debut_page(titre: str, role: str = "lecture", etape: str | None = None) -> Filtres | None:
    """First call of every page: role gate, title, and the territory and period of the sidebar.

    On an empty base, the next step is pointed to, except on that step's own page (`etape`:
    "programme" or "import"). `etape="territoires"`: a page without any child figure nor
    programme filter (national reference), shown whatever the base holds.
    """
    _exiger_navigation_de_l_application()
    acces.exiger(role)
    st.session_state["_titre_page"] = titre
    diffusion.entete(titre)
    _exiger_protection(bloquer=etape is None)
    choisis = st.session_state.get("filtres")
    if choisis is None and etape not in ("import", "territoires"):
        if run("programmes").is_empty():
            if etape == "programme":
                return None
            st.info(
                "La base ne contient encore aucun programme : créez-le dans la page "
                "« Programme » (rôle administration), puis importez ses fichiers."
            )
        else:
            st.info(
                "Ce programme n'a encore aucune donnée : importez ses fichiers dans la page "
                "« Import des données » (rôle administration)."
            )
    return choisis


def fin_page(chemin_page: str) -> None:
    """Last call of every run (app.py): the « Partager » menu, once the URL holds every setting,
    and the « PDF de la vue » button, once the page has shown everything."""
    diffusion.partage(chemin_page)
    filtres = st.session_state.get("filtres")
    utilisateur = acces.utilisateur_courant()
    seuil = acces.seuil()
    reglages = []
    if filtres:
        reglages = [
            ("Programme", filtres.nom_programme),
            ("Commune", filtres.nom_commune or "toutes les communes du programme"),
            (
                "Quartier prioritaire",
                f"{filtres.nom_qpv} ({filtres.qpv})" if filtres.qpv else "tous les quartiers",
            ),
            ("Année", str(filtres.annee)),
        ]
    la_vue = vue.Vue(
        page=st.session_state.get("_titre_page", ""),
        territoire=filtres.territoire if filtres else "",
        # A page setting named like a sidebar filter (the Carte page's QPV fiche) says so.
        filtres=(
            *reglages,
            *(
                (f"{libelle} (réglage de la page)" if libelle in dict(reglages) else libelle, v)
                for libelle, v in diffusion.reglages_de_la_vue()
            ),
        ),
        elements=diffusion.elements_de_la_vue(),
        lien=diffusion.lien_de_la_vue(chemin_page),
        seuil=seuil,
        date_donnees=informations_base().get("date_donnees"),
        demo=est_demo(),
        interne=seuil < acces.SEUIL_LECTURE,
        utilisateur=utilisateur.nom_affiche if utilisateur else "",
    )
    diffusion.bouton_pdf_de_la_vue(
        la_vue,
        {
            "filtres": filtres.parametres() if filtres else None,
            "details": {"objet": f"vue {la_vue.page}", "lien": la_vue.lien},
        },
    )


# Which national reference figure sits beside which indicator (the figures live in the database).
def reference_nationale(code: str) -> str | None:
    return references_nationales.texte(run("references_nationales"), code)


def source_avec_reference(cadre: pl.DataFrame) -> str:
    """Chart source: the programme's data, and the national figure's source when the frame has one.

    The frame carries the reference's source in a `source_nationale` column (null when none).
    """
    sources = []
    if "source_nationale" in cadre.columns:
        sources = cadre["source_nationale"].drop_nulls().unique(maintain_order=True).to_list()
    return " ; ".join([SOURCE_PROGRAMME, *sources])


def texte_confidentialite() -> str:
    seuil = acces.seuil()
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


def chemin_base():
    return config.chemin_base()


def secrets() -> dict:
    """Streamlit secrets as a plain dict (empty when there is no secrets file)."""
    try:
        return {
            cle: dict(valeur) if hasattr(valeur, "keys") else valeur
            for cle, valeur in st.secrets.items()
        }
    except Exception:  # no or unreadable secrets file: the environment variables remain
        return {}


def liste_colonnes(format_) -> str:
    """Markdown list of a file format's columns, for the Import page."""
    lignes = []
    for colonne in format_.colonnes:
        obligatoire = "obligatoire" if colonne.obligatoire else "facultative"
        alias = f" (ou {', '.join(colonne.alias)})" if colonne.alias else ""
        description = f" – {colonne.description}" if colonne.description else ""
        lignes.append(f"- `{colonne.nom}`{alias}, {obligatoire}{description}")
    return "\n".join(lignes)


def rapport_import(rapport, annee: int) -> None:
    """Success or error report of an import, with the downloadable error list."""
    from pre_pilotage.importation import cadre_erreurs, csv_erreurs

    if rapport.ecrit:
        total = sum(rapport.lignes.values())
        st.success(
            f"Import réussi pour {annee} : {formats.nombre(total)} lignes enregistrées ("
            + ", ".join(
                f"{formats.texte_md(nom)} : {formats.nombre(n)}"
                for nom, n in rapport.lignes.items()
            )
            + "). Les pages affichent désormais ces données."
        )
    else:
        st.error(
            f"Import refusé : {effectif(len(rapport.erreurs), 'erreur')}. Rien n'a été "
            "enregistré ; corrigez les fichiers puis recommencez."
        )
        afficher_tableau(
            cadre_erreurs(rapport),
            {
                "fichier": ("Fichier", "texte"),
                "ligne": ("Ligne", "texte"),
                "colonne": ("Colonne", "texte"),
                "valeur": ("Valeur", "texte"),
                "attendu": ("Attendu", "texte"),
            },
        )
        telechargements.bouton(
            "Télécharger la liste des erreurs (CSV)",
            functools.partial(csv_erreurs, rapport),
            nom=f"erreurs-import-{annee}.csv",
            mime="text/csv",
            objet="rapport d'erreurs d'import",
            filtres={"annee": annee},
            role_minimum="administration",
        )
    for remarque in rapport.remarques:
        st.warning(formats.texte_md(remarque))


def cadre(lignes: list[dict]) -> pl.DataFrame:
    """Rows of the administration store as a text table."""
    if not lignes:
        return pl.DataFrame()
    return pl.DataFrame([{k: "" if v is None else str(v) for k, v in r.items()} for r in lignes])


def csv_francais(cadre_: pl.DataFrame) -> bytes:
    from pre_pilotage.exports import csv_francais as exporter

    return exporter(cadre_)


def afficher_carte(
    carte,
    code: str,
    filtres: Filtres,
    cadre: pl.DataFrame,
    *,
    cle: str,
    selection: str | None = None,
    choix: tuple = (),
    propriete: str = "code",
    hauteur: int = 660,
    source: str = SOURCE_PROGRAMME,
    image=None,
) -> None:
    """Every map goes through here: French title with territory and period, caption, and a click
    on a feature that puts its `propriete` into the widget `selection` (when among `choix`).
    `image`, a callable returning the map as a Plotly figure, offers its PNG export.

    Only the last clicked feature comes back from the browser, so panning or zooming the map does
    not rerun the page.
    """
    from streamlit_folium import st_folium

    definition = indicateur(code)
    titre = f"{definition.libelle} – {filtres.territoire}, {filtres.annee}"
    st.markdown(f"#### {formats.texte_md(titre)}")

    def cliquer() -> None:
        retour = st.session_state.get(cle) or {}
        objet = (retour.get("last_active_drawing") or {}).get("properties") or {}
        if selection and objet.get(propriete) in choix:
            st.session_state[selection] = objet[propriete]

    st_folium(
        carte,
        key=cle,
        height=hauteur,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        on_change=cliquer,
    )
    legende = [f"Source : {source}.", f"{legende_donnees()}." if legende_donnees() else ""]
    legende.append(f"Définition : {definition.definition}")
    legende.append(note_secret(cadre))
    st.caption(" ".join(part for part in legende if part))
    diffusion.noter(vue.Carte(titre, " ".join(part for part in legende if part), image))
    if image is not None:
        diffusion.menu_carte(image, _legende_export(titre, None, source, cadre), _journal(code))


def choix_dans_url(
    cle: str,
    libelle: str,
    options: list,
    etiquettes: dict,
    *,
    forme: str = "liste",
    defaut=None,
    aide: str | None = None,
    desactive: bool = False,
    libelle_vue: str | None = None,
):
    """A page setting whose value lives in the URL like the sidebar filters (`?cle=code`, or
    `?cle=a,b` for several), so that a copied link reopens the same view.

    `forme`: "liste" (drop-down), "boutons" (one of a few buttons), "plusieurs" (several buttons).
    The URL holds codes, never labels; it is left out when the value is the default. Another
    widget's callback may set `st.session_state[cle]` (a click on a map, for instance).
    `libelle_vue`: the setting's name in the view's PDF, when the label would be ambiguous there.
    """
    plusieurs = forme == "plusieurs"
    if defaut is None:
        defaut = [] if plusieurs else options[0]
    if cle not in st.session_state:
        brut = st.query_params.get(cle)
        if plusieurs:
            codes = brut.split(",") if brut is not None else [str(o) for o in defaut]
            st.session_state[cle] = [o for o in options if str(o) in codes]
        else:
            st.session_state[cle] = next((o for o in options if str(o) == brut), defaut)
    elif plusieurs:
        st.session_state[cle] = [o for o in st.session_state[cle] if o in options]
    elif st.session_state[cle] not in options:
        st.session_state[cle] = defaut
    communs = {
        "key": cle,
        "format_func": lambda o: etiquettes[o],
        "help": aide,
        "disabled": desactive,
    }
    if forme == "liste":
        valeur = st.selectbox(libelle, options, placeholder="Choisir…", **communs)
    elif forme == "boutons":
        valeur = st.segmented_control(libelle, options, required=True, **communs)
    else:
        valeur = st.pills(libelle, options, selection_mode="multi", **communs)
    if plusieurs:
        diffusion.noter_reglage(
            libelle_vue or libelle, ", ".join(etiquettes[o] for o in valeur) or "aucun"
        )
    elif valeur is not None and not str(etiquettes[valeur]).endswith("…"):
        diffusion.noter_reglage(libelle_vue or libelle, etiquettes[valeur])
    if (sorted(map(str, valeur)) == sorted(map(str, defaut))) if plusieurs else valeur == defaut:
        st.query_params.pop(cle, None)
    else:
        st.query_params[cle] = ",".join(map(str, valeur)) if plusieurs else str(valeur)
    return valeur
