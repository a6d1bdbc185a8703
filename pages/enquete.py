"""Enquête nationale: the PRE's survey workbooks checked, stored after confirmation, then
consolidated for France, a région or a département with the response rate (ANCT)."""

import datetime as dt
from pathlib import Path

import streamlit as st

from pre_pilotage import acces, formats, graphiques, telechargements, territoires, ui
from pre_pilotage import enquete_consolidee as consolidee
from pre_pilotage import enquete_lecture as lecture
from pre_pilotage.exports import Legende, xlsx_tableau
from pre_pilotage.geographie import nationale
from pre_pilotage.requetes import vider_caches

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE = "Classeurs « Enquête nationale PRE » transmis par les PRE ; ANCT, liste des PRE (2024)"
CHANGEMENTS = {
    "programme": ("Programme", "texte"),
    "indicateur": ("Indicateur", "texte"),
    "modalite": ("Ligne", "texte"),
    "mesure": ("Mesure", "texte"),
    "avant": ("Avant", "texte"),
    "apres": ("Après", "texte"),
}


@st.cache_data(show_spinner=False, max_entries=2)
def reference(chemin: str, date_fichier: float) -> dict:
    return nationale.lire(Path(chemin))


ui.debut_page("Enquête nationale consolidée", role="administration", etape="territoires")
st.markdown(
    "Déposez les classeurs « Enquête nationale PRE » produits par chaque PRE (page « Publics "
    "et parcours »). Chaque classeur est contrôlé (feuilles, tableaux, en-têtes, valeurs, "
    "année, identifiant du PRE) ; rien n'est enregistré avant votre confirmation. Les valeurs "
    "masquées (« < 11 », « s ») sont conservées telles quelles et ne sont jamais additionnées "
    "comme des nombres."
)
annee_url = st.query_params.get("annee", "")
annee = int(
    st.number_input(
        "Année de l'enquête (données de l'année)",
        min_value=2005,
        max_value=2100,
        value=int(annee_url) if annee_url.isdigit() else dt.date.today().year - 1,
        key="annee_enquete",
    )
)
st.query_params["annee"] = str(annee)  # the view's year lives in the URL, like its territory
with st.form("depot_enquete"):
    fichiers = st.file_uploader(
        "Classeurs de l'enquête (XLSX, plusieurs à la fois)",
        type=["xlsx"],
        accept_multiple_files=True,
    )
    controler = st.form_submit_button("Contrôler les classeurs", type="primary")
if controler:
    lus = [(f.name, f.getvalue()) for f in fichiers or []]
    st.session_state["controle_enquete"] = lecture.controler(lus, annee)
    st.session_state.pop("remplacements_enquete", None)
controle = st.session_state.get("controle_enquete")
if controle is not None:
    ui.intertitre("Rapport de contrôle")
    if not (controle.reponses or controle.refus or controle.doublons):
        st.info("Aucun classeur déposé : choisissez un ou plusieurs fichiers XLSX.")
    for r in controle.reponses:
        masquees = sum(v.jeton is not None for v in r.valeurs)
        st.success(
            f"{r.fichier} : {r.nom} ({r.pre_id}), année {r.annee} – {len(r.valeurs)} valeurs "
            f"lues, dont {masquees} masquées ou vides."
        )
    for fichier, messages in controle.refus.items():
        st.error(
            f"{fichier} refusé, rien n'en sera enregistré :\n\n"
            + "\n".join(f"- {m}" for m in messages)
        )
    gardes = list(controle.reponses)
    for cle, doublons in controle.doublons.items():
        st.warning(lecture.message_doublon(cle, doublons))
        choix = st.radio(
            "Classeur à garder",
            range(len(doublons)),
            format_func=lambda i, d=doublons: d[i].fichier,
            key=f"doublon_{cle[0]}_{cle[1]}",
            index=None,
        )
        if choix is not None:
            gardes.append(doublons[choix])
    attente = st.session_state.get("remplacements_enquete")
    if attente:
        st.warning(
            "Ces classeurs remplaceraient des réponses déjà enregistrées. Voici ce qui changerait "
            "(avant → après) ; rien n'a encore été écrit."
        )
        for changements in attente.values():
            ui.afficher_tableau(changements, CHANGEMENTS, programme=False, source=SOURCE)
    libelle = "Confirmer et remplacer" if attente else "Enregistrer les réponses contrôlées"
    if gardes and st.button(
        libelle,
        type="primary",
        disabled=len(controle.doublons)
        > sum(st.session_state.get(f"doublon_{p}_{a}") is not None for p, a in controle.doublons),
    ):
        vider_caches()
        resultat = consolidee.enregistrer(
            Path(ui.chemin_base()),
            gardes,
            acces.utilisateur_courant().identifiant,
            remplacer=bool(attente),
        )
        vider_caches()
        if resultat.confirmation_requise:
            st.session_state["remplacements_enquete"] = resultat.a_confirmer
        else:
            st.session_state.pop("controle_enquete")
            st.session_state.pop("remplacements_enquete", None)
            st.session_state["enregistrement_enquete"] = resultat
        st.rerun()
fait = st.session_state.pop("enregistrement_enquete", None)
if fait is not None:
    st.success(
        f"Réponses enregistrées : {len(fait.ecrites)} ; déjà enregistrées à l'identique : "
        f"{len(fait.inchangees)}."
    )

ui.intertitre(f"Résultats consolidés de l'enquête {annee}")
chemin = nationale.chemin_reference()
if not chemin.exists():
    st.warning(nationale.message_absente(chemin))
    st.stop()
tables = reference(str(chemin), chemin.stat().st_mtime)
choix = territoires.options(tables, acces.departement_autorise())
code = ui.choix_dans_url("territoire", "Territoire", list(choix), choix)
reponses, valeurs = consolidee.charger_base(Path(ui.chemin_base()), annee)
places = consolidee.dans_territoire(consolidee.placer(reponses, tables), code)
taux = consolidee.taux_de_reponse(consolidee.placer(reponses, tables), tables, code)
ensemble = taux.row(-1, named=True)
for colonne, (titre, valeur) in zip(
    st.columns(3),
    [
        ("PRE ayant répondu", f"{ensemble['repondants'] + ensemble['hors_liste']}"),
        ("PRE de la liste ANCT", f"{ensemble['pre_liste']}"),
        ("Taux de réponse", formats.pourcentage(ensemble["taux"])),
    ],
    strict=True,
):
    colonne.metric(titre, valeur, border=True)
st.caption(
    "Taux de réponse : PRE de la liste ANCT ayant répondu ÷ PRE de la liste ANCT du territoire "
    "(une structure porteuse dans une commune) ; l'enquête 2022 avait obtenu 70 %."
)
ui.intertitre(f"Taux de réponse à l'enquête {annee} – {choix[code]}")
st.plotly_chart(
    graphiques.taux_de_reponse(taux),
    config={"displayModeBar": False},
    alt=f"Taux de réponse par territoire, {choix[code]}, {annee}, comparé aux 70 % de 2022.",
)
ui.afficher_tableau(
    taux,
    {
        "territoire": ("Territoire", "texte"),
        "pre_liste": ("PRE de la liste ANCT", "nombre"),
        "repondants": ("Dont ayant répondu", "nombre"),
        "hors_liste": ("Réponses de PRE hors liste", "nombre"),
        "taux": ("Taux de réponse", "pourcentage"),
    },
    titre=f"Taux de réponse à l'enquête nationale {annee}",
    programme=False,
    source=SOURCE,
)
consolide = consolidee.consolider(valeurs.filter(valeurs["pre_id"].is_in(places["pre_id"])))
if consolide.is_empty():
    st.info(f"Aucune réponse enregistrée pour {choix[code]} en {annee}.")
    st.stop()
ui.intertitre(f"Chiffres clés consolidés – {choix[code]}, {annee}")
st.caption(
    "Effectifs et montants : somme des réponses ; une case « < 11 » compte de 1 à 10, une case "
    "« s » un nombre inconnu, d'où un intervalle (« de … à … ») ou un minimum (« au moins … ») ; "
    "un total de moins de 11 enfants est masqué. Taux, moyennes et médianes : médiane et "
    "quartiles entre les PRE qui ont donné un nombre."
)
ui.afficher_tableau(
    consolidee.chiffres_cles(consolide),
    consolidee.COLONNES_CHIFFRES,
    titre=f"Chiffres clés consolidés {annee}",
    programme=False,
    source=SOURCE,
)
ui.intertitre("Répartitions consolidées")
repartitions = consolide.filter(consolide["colonne"] == "effectif")["code"].unique(
    maintain_order=True
)
libelles = dict(zip(consolide["code"], consolide["indicateur"], strict=False))
code_rep = st.selectbox("Répartition", list(repartitions), format_func=libelles.get)
ui.afficher_tableau(
    consolidee.repartition(consolide, code_rep),
    {
        "modalite": ("Modalité", "texte"),
        "total": ("Effectif consolidé", "nombre"),
        "masquees": ("Cases masquées", "nombre"),
        "programmes": ("PRE", "nombre"),
        "part": ("Part", "pourcentage"),
    },
    titre=f"{libelles[code_rep]} – {choix[code]}, {annee}",
    programme=False,
    source=SOURCE,
)
telechargements.bouton(
    "Télécharger la consolidation (XLSX)",
    lambda: xlsx_tableau(
        consolidee.tableau_export(consolide),
        consolidee.COLONNES_EXPORT,
        Legende(f"Enquête nationale PRE {annee} – consolidation", choix[code], str(annee), SOURCE),
    ),
    nom=f"enquete-nationale-consolidee-{annee}.xlsx",
    mime=XLSX,
    filtres={"territoire": code, "annee": annee},
    role_minimum="administration",
    icon=":material/download:",
)
