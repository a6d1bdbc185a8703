"""Comptes et journal: local accounts and roles, and the audit log of sign-ins, imports, exports."""

import streamlit as st

from pre_pilotage import acces, comptes, formats, ui
from pre_pilotage.administration import ROLES, lire_journal

ui.debut_page("Comptes et journal d'audit", role="administration")

st.subheader("Comptes")
ui.afficher_tableau(
    ui.cadre(comptes.lister_comptes()),
    {
        "identifiant": ("Identifiant", "texte"),
        "nom_affiche": ("Nom", "texte"),
        "role": ("Rôle", "texte"),
        "source": ("Connexion", "texte"),
        "cree_le": ("Créé le", "texte"),
    },
)
with st.form("compte"):
    st.markdown("**Créer ou modifier un compte**")
    identifiant = st.text_input("Identifiant (adresse électronique pour ProConnect)")
    nom = st.text_input("Nom affiché")
    role = st.selectbox("Rôle", ROLES, format_func=acces.LIBELLES_ROLES.get, placeholder="Choisir…")
    source = st.radio(
        "Connexion",
        ("local", "oidc"),
        format_func={"local": "mot de passe", "oidc": "ProConnect"}.get,
        horizontal=True,
    )
    mot_de_passe = st.text_input(
        "Mot de passe (12 caractères au moins ; laisser vide pour ProConnect ou pour le garder)",
        type="password",
    )
    if st.form_submit_button("Enregistrer le compte", type="primary"):
        try:
            comptes.enregistrer_compte(
                identifiant.strip(),
                nom.strip() or identifiant.strip(),
                role,
                mot_de_passe or None,
                source=source,
            )
            st.success(f"Compte « {formats.texte_md(identifiant.strip())} » enregistré.")
        except ValueError as exc:
            st.error(str(exc))

st.subheader("Journal d'audit")
st.caption(
    "Connexions, imports et exports : qui, quand, quoi, avec quels filtres. Le journal ne "
    "peut être ni modifié ni effacé depuis l'application."
)
journal = ui.cadre(lire_journal())
ui.afficher_tableau(
    journal,
    {
        "horodatage": ("Date et heure", "texte"),
        "identifiant": ("Compte", "texte"),
        "role": ("Rôle", "texte"),
        "action": ("Action", "texte"),
        "objet": ("Objet", "texte"),
        "filtres": ("Filtres", "texte"),
    },
)
st.download_button(
    "Exporter le journal (CSV)",
    ui.csv_francais(journal),
    file_name="journal-audit.csv",
    mime="text/csv",
    on_click=acces.journaliser_export,
    args=("journal d'audit",),
)
