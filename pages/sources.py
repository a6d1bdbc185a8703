"""Sources et définitions: what each indicator means, the national references, the rules."""

import streamlit as st

from pre_pilotage import ui
from pre_pilotage.indicateurs import definitions
from pre_pilotage.requetes import run

ui.debut_page("Sources et définitions")
st.markdown(
    "Chaque chiffre du tableau de bord est défini ci-dessous : ce qu'il compte, sa formule, la "
    "période retenue et la règle de secret statistique qui s'y applique."
)

st.subheader("Indicateurs")
for definition in definitions().values():
    with st.expander(definition.libelle):
        st.markdown(
            f"**Définition** : {definition.definition}\n\n"
            f"**Formule** : {definition.formule}\n\n"
            f"**Période** : {definition.periode}\n\n"
            f"**Secret statistique** : {definition.masquage}"
            + (
                f"\n\n**Référence nationale** : {definition.reference_nationale}"
                if definition.reference_nationale
                else ""
            )
        )

st.subheader("Références nationales")
ui.afficher_tableau(
    run("references_nationales"),
    {
        "libelle": ("Indicateur", "texte"),
        "valeur": ("Valeur", "@unite"),
        "annee_donnees": ("Année des données", "texte"),
        "source": ("Source", "texte"),
    },
)

st.subheader("Protection des enfants et des familles")
st.markdown(ui.texte_confidentialite())
