"""PRE et Cité éducative: six articulation indicators per Cité, their reading and sentences."""

import streamlit as st

from pre_pilotage import cite, ui
from pre_pilotage.requetes import run

TABLEAU = {
    "indicateur": ("Indicateur", "texte"),
    "valeur": ("Valeur", "texte"),
    "evolution": ("Évolution sur un an", "texte"),
    "lecture": ("Lecture", "texte"),
    "seuils": ("Seuils de lecture", "texte"),
}

filtres = ui.debut_page("PRE et Cité éducative")
if filtres:
    annee = filtres.annee
    st.caption(
        f"{filtres.nom_programme} · année {annee} · {ui.legende_donnees()} · indicateurs calculés "
        "pour le programme entier, quel que soit le filtre de commune ou de quartier."
    )
    parametres = {"pre_id": filtres.pre_id, "annee": annee}
    cadres = {
        "cite_scolarisation_residence": run("cite_scolarisation_residence", **parametres),
        "cite_couverture_eps": run("cite_couverture_eps", **parametres),
        "cite_cofinancement": run("cite_cofinancement", **parametres),
        "cite_gouvernance": run("cite_gouvernance", **parametres),
        "cite_orientations": run("cite_orientations", **parametres),
        "cite_etablissements_eps": run("cite_etablissements_eps", **parametres),
    }
    liste = cite.cites(cadres)
    if not liste:
        st.info(
            "Aucune Cité éducative ne couvre une commune du programme : les indicateurs "
            "d'articulation ne s'appliquent pas à ce territoire."
        )
else:
    liste = []
if liste:
    st.markdown(
        "Chaque indicateur est lu sur trois niveaux : **À renforcer**, **En progrès**, "
        "**Solide**. Les seuils sont indiqués à côté de chaque valeur ; ce sont des repères de "
        "lecture, pas des objectifs nationaux, et aucune note globale n'est calculée."
    )

    onglets = st.tabs([nom for _, nom in liste] + ["Comparaison des Cités"])
    for onglet, (cite_id, nom) in zip(onglets, liste, strict=False):
        with onglet:
            tableau = cite.tableau_de_bord(cadres, cite_id, nom, annee)
            st.subheader(f"{nom} – tableau de bord {annee}")
            ui.afficher_tableau(tableau, TABLEAU, titre=f"{nom} – tableau de bord")
            st.markdown("##### Phrases pour le compte rendu")
            st.caption("Générées à partir des chiffres ci-dessus ; elles peuvent être copiées.")
            st.markdown("\n".join(f"- {p}" for p in tableau["phrase"]))
    with onglets[-1]:
        st.subheader(f"Comparaison des Cités éducatives du territoire, {annee}")
        comparaison = cite.comparaison(cadres, annee)
        ui.afficher_tableau(
            comparaison,
            {c: ("Indicateur" if c == "indicateur" else c, "texte") for c in comparaison.columns},
            titre="Comparaison des Cités éducatives",
        )
