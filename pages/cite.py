"""PRE et Cité éducative: six articulation indicators per Cité, their reading and sentences, the
Cité's map, and the PRE's figures inside and outside the Cité."""

import streamlit as st

from pre_pilotage import carte_image, cite, diffusion, formats, ui, vue
from pre_pilotage.requetes import run

TABLEAU = {
    "indicateur": ("Indicateur", "texte"),
    "valeur": ("Valeur", "texte"),
    "evolution": ("Évolution sur un an", "texte"),
    "lecture": ("Lecture", "texte"),
}
COMPARAISON = "comparaison"


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=32)
def carte_de_la_cite(qpv, etablissements, contours, cites, annee):
    """One map per Cité and year (the frames are the cache key)."""
    return cite.construire_carte(cite.CarteCite(qpv, etablissements, contours, cites), annee)


def puces(phrases: list[str]) -> None:
    ui.puces(phrases)


filtres = ui.debut_page("PRE et Cité éducative")
if filtres:
    annee = filtres.annee
    ui.sous_titre(
        filtres.nom_programme,
        f"année {annee}",
        ui.legende_donnees(),
        "indicateurs calculés pour le programme entier, quel que soit le filtre de commune ou "
        "de quartier.",
    )
    parametres = {"pre_id": filtres.pre_id, "annee": annee}
    # The six indicators' results and the inside/outside figures, computed together.
    cadres = run.plusieurs(
        {nom: (nom, parametres) for nom in (*cite.REQUETES, "cite_dedans_dehors")}
    )
    dedans_dehors = cadres.pop("cite_dedans_dehors")
    origines = cite.origines_perimetre(run("cite_origine_perimetre", pre_id=filtres.pre_id))
    liste = cite.cites(cadres)
    if not liste:
        ui.information(
            "Aucune Cité éducative ne couvre une commune du programme : les indicateurs "
            "d'articulation ne s'appliquent pas à ce territoire."
        )
else:
    liste = []
if liste:
    st.markdown(
        "Chaque indicateur est lu sur trois niveaux : **À renforcer**, **En progrès**, "
        "**Solide**. Les seuils sont donnés sous chaque tableau ; ce sont des repères de "
        "lecture, pas des objectifs nationaux, et aucune note globale n'est calculée."
    )
    # Figures of the whole programme: titles name the programme, whatever the sidebar's filter.
    programme = cite.filtres_programme(filtres)
    # Only the open tab runs (a map drawn in a hidden tab would open on a wrong zoom); the open
    # Cité lives in the URL by its code.
    # Tab labels are Markdown: the Cités' names are escaped (formats.texte_md).
    onglets_par_code = {c: formats.texte_md(n) for c, n in liste} | {
        COMPARAISON: "Comparaison des Cités"
    }
    noms = dict(liste)
    onglets = st.tabs(
        list(onglets_par_code.values()),
        key="onglet_cite",
        on_change="rerun",
        default=onglets_par_code.get(st.query_params.get("cite")),
    )
    for onglet, code in zip(onglets, onglets_par_code, strict=True):
        nom = noms.get(code, "")
        if onglet.open is False:
            continue
        if code == liste[0][0]:
            st.query_params.pop("cite", None)
        else:
            st.query_params["cite"] = code
        with onglet:
            if code == COMPARAISON:
                ui.intertitre(f"Comparaison des Cités éducatives du territoire, {annee}")
                comparaison = cite.comparaison(cadres, annee)
                ui.afficher_tableau(
                    comparaison,
                    {
                        c: ("Indicateur" if c == "indicateur" else c, "texte")
                        for c in comparaison.columns
                    },
                    titre="Comparaison des Cités éducatives",
                )
                continue
            tableau = cite.tableau_de_bord(cadres, code, nom, annee)
            ui.intertitre(f"{nom} – tableau de bord {annee}")
            if avis := cite.avis_perimetre(origines.get(code)):
                st.warning(avis, icon=":material/info:")
            # The thresholds as sentences under the table: too long for a column (the table
            # would scroll sideways, names and thresholds cut).
            ui.afficher_tableau(
                tableau, TABLEAU, titre=f"{nom} – tableau de bord {annee}", limite_texte=400
            )
            st.markdown("##### Seuils de lecture")
            diffusion.noter(vue.Intertitre("Seuils de lecture", 3))
            puces(cite.puces_seuils(tableau))
            st.markdown("##### Phrases pour le compte rendu")
            diffusion.noter(vue.Intertitre("Phrases pour le compte rendu", 3))
            st.caption("Générées à partir des chiffres ci-dessus ; elles peuvent être copiées.")
            puces(tableau["phrase"].to_list())

            ui.intertitre("Le périmètre de la Cité et le PRE")
            carte = cite.perimetre_carte(code, cite.lire_carte(run, filtres.pre_id, annee))
            ui.afficher_carte(
                carte_de_la_cite(
                    carte.qpv, carte.etablissements, carte.contours, carte.cites, annee
                ),
                "cite_carte",
                programme,
                carte.secrets(),
                cle=f"carte_{code}",
                hauteur=560,
                # The same frames drawn as an image: the view's PDF and the PNG export.
                image=lambda carte=carte: carte_image.figure_carte(
                    carte.qpv,
                    carte.etablissements,
                    carte.contours,
                    carte.cites,
                    annee=annee,
                    noms=True,
                ),
            )
            chiffres = cite.dedans_dehors(dedans_dehors, code)
            ui.intertitre(f"Le PRE dans la Cité et hors de la Cité en {annee}")
            ui.afficher_tableau(
                chiffres,
                {"indicateur": ("Indicateur", "texte")}
                | {g: (libelle, "@unite") for g, libelle in cite.GROUPES},
                titre=f"{nom} – le PRE dans la Cité et hors de la Cité",
            )
            puces(cite.phrases_dedans_dehors(dedans_dehors, code, nom, annee))
            ui.afficher_graphique(
                cite.graphique_dedans_dehors(chiffres), "cite_dedans_dehors", programme, chiffres
            )
