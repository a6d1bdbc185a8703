"""Comptes et journal: local accounts and roles, and the audit log of sign-ins, imports, exports."""

import datetime as dt
import json

import streamlit as st

from pre_pilotage import acces, comptes, formats, telechargements, ui
from pre_pilotage.administration import ROLES, lire_journal
from pre_pilotage.requetes import run

LIMITE_JOURNAL = 1_000
PARAMETRES = {
    "pre_id": "programme",
    "commune": "commune",
    "qpv": "quartier",
    "annee": "année",
    "sections": "sections",
    "format": "format",
}


def _filtres_lisibles(brut: str | None) -> str:
    """`{"annee": 2025, "commune": "96003"}` -> `année 2025 · commune 96003`."""
    if not brut:
        return "–"
    try:
        valeurs = json.loads(brut)
    except ValueError:
        return brut
    if not isinstance(valeurs, dict):
        return str(valeurs)
    return (
        " · ".join(
            f"{PARAMETRES.get(cle, cle)} {valeur}" for cle, valeur in valeurs.items() if valeur
        )
        or "–"
    )


ui.debut_page("Comptes et journal d'audit", role="administration")

programmes = run("programmes")
noms_programmes = dict(zip(programmes["pre_id"], programmes["nom"], strict=True))
st.subheader("Comptes")
liste_comptes = [
    c
    | {
        "programme": noms_programmes.get(c["pre_id"], c["pre_id"]) if c["pre_id"] else None,
        "cree_le": formats.date_heure(dt.datetime.fromisoformat(c["cree_le"]))
        if c["cree_le"]
        else None,
    }
    for c in comptes.lister_comptes()
]
ui.afficher_tableau(
    ui.cadre(liste_comptes),
    {
        "identifiant": ("Identifiant", "texte"),
        "nom_affiche": ("Nom", "texte"),
        "role": ("Rôle", "texte"),
        "source": ("Connexion", "texte"),
        "departement": ("Limité au département", "texte"),
        "programme": ("Limité au programme", "texte"),
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
    departement = st.text_input(
        "Limité au département (code, ex. 59 ou 974 ; rôle lecture seulement ; vide : "
        "tout le territoire national)"
    )
    programme = st.selectbox(
        "Limité au programme (rôle lecture seulement : ses pages, et lui seul sur la page "
        "Territoires)",
        [ui.TOUT, *noms_programmes],
        format_func=lambda p: "Tous les programmes" if p == ui.TOUT else noms_programmes[p],
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
                auteur=acces.utilisateur_courant(),
                departement=departement or None,
                pre_id=None if programme == ui.TOUT else programme,
            )
            st.success(f"Compte « {formats.texte_md(identifiant.strip())} » enregistré.")
        except ValueError as exc:
            st.error(str(exc))

st.subheader("Journal d'audit")
st.caption(
    "Connexions, imports et exports : qui, quand, quoi, avec quels filtres. Le journal ne "
    "peut être ni modifié ni effacé depuis l'application."
)
ACTIONS = {
    "connexion": "Connexion",
    "echec_connexion": "Échec de connexion",
    "deconnexion": "Déconnexion",
    "import": "Import",
    "export": "Export",
    "compte": "Compte modifié",
    "reglage": "Réglage",
}
gauche, droite = st.columns([3, 2])
choisies = gauche.multiselect(
    "Actions",
    list(ACTIONS),
    default=[a for a in ACTIONS if a != "echec_connexion"],
    format_func=ACTIONS.get,
    placeholder="Toutes les actions",
)
aujourd_hui = dt.date.today()
periode = droite.date_input(
    "Période",
    (aujourd_hui - dt.timedelta(days=30), aujourd_hui),
    format="DD/MM/YYYY",
    max_value=aujourd_hui,
)
debut, fin = (periode[0], periode[-1]) if periode else (None, None)
lignes = lire_journal(actions=choisies or None, depuis=debut, jusqu_a=fin)
journal = ui.cadre(
    [
        ligne
        | {
            "horodatage": formats.date_heure(dt.datetime.fromisoformat(ligne["horodatage"])),
            "action": ACTIONS.get(ligne["action"], ligne["action"]),
            "identifiant": ligne["identifiant"] or "–",
            "role": acces.LIBELLES_ROLES.get(ligne["role"] or "", "–"),
            "filtres": _filtres_lisibles(ligne["filtres"]),
        }
        for ligne in lignes
    ]
)
if len(lignes) == LIMITE_JOURNAL:
    st.caption(
        f"Les {formats.nombre(LIMITE_JOURNAL)} lignes les plus récentes de la sélection sont "
        "affichées : réduisez la période ou les actions pour voir les plus anciennes."
    )
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
telechargements.bouton(
    "Exporter le journal affiché (CSV)",
    lambda: ui.csv_francais(journal),
    nom="journal-audit.csv",
    mime="text/csv",
    objet="journal d'audit",
    details={"actions": choisies, "periode": [str(debut), str(fin)]},
    role_minimum="administration",
)
