"""Enquête nationale: the PRE's survey workbooks checked, stored after confirmation, then
consolidated for France, a région or a département with the response rate (ANCT)."""

import datetime as dt
from pathlib import Path

import streamlit as st

from pre_pilotage import acces, formats, graphiques, telechargements, territoires, ui, ui_enquete
from pre_pilotage import enquete_consolidee as consolidee
from pre_pilotage.exports import Legende, xlsx_tableau
from pre_pilotage.geographie import nationale

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SOURCE = "Classeurs « Enquête nationale PRE » transmis par les PRE ; ANCT, liste des PRE (2024)"


@st.cache_data(show_spinner=False, max_entries=2)
def reference(chemin: str, date_fichier: float) -> dict:
    return nationale.lire(Path(chemin))


ui.debut_page("Enquête nationale consolidée", role="administration", etape="territoires")
if acces.programme_autorise() is not None:
    st.error(
        "Accès refusé : la consolidation de l'enquête nationale porte sur tous les PRE ; votre "
        "compte est limité à un seul programme."
    )
    st.stop()
if Path(ui.chemin_base()).is_dir():
    st.warning(
        "La base est un dossier de fichiers Parquet, en lecture seule : les réponses à l'enquête "
        "nationale s'enregistrent dans la base DuckDB (PRE_BASE=…/pre.duckdb)."
    )
    st.stop()
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
ui_enquete.depot(annee, Path(ui.chemin_base()), SOURCE)

ui.intertitre(f"Résultats consolidés de l'enquête {annee}")
chemin = nationale.chemin_reference()
if not chemin.exists():
    st.warning(nationale.message_absente(chemin, acces.autorise("administration")))
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
        ("PRE ayant répondu", formats.nombre(ensemble["repondants"] + ensemble["hors_liste"])),
        ("PRE de la liste ANCT", formats.nombre(ensemble["pre_liste"])),
        ("Taux de réponse", formats.pourcentage(ensemble["taux"])),
    ],
    strict=True,
):
    colonne.metric(titre, valeur, border=True)
st.caption(
    "Taux de réponse : PRE de la liste ANCT ayant répondu ÷ PRE de la liste ANCT du territoire "
    "(une structure porteuse dans une commune) ; l'enquête 2022 avait obtenu 70 %."
)
if ensemble["repondants"] + ensemble["hors_liste"]:  # a chart of zeros says nothing
    ui.intertitre(f"Taux de réponse à l'enquête {annee} – {choix[code]}")
    st.plotly_chart(
        graphiques.taux_de_reponse(taux),
        config={"displayModeBar": False},
        alt=f"Taux de réponse par territoire, {choix[code]}, {annee}, comparé aux 70 % de 2022.",
    )
ui.afficher_tableau(
    taux,
    consolidee.COLONNES_TAUX,
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
ui.intertitre("Par région" if code == "FR" else "Par département")
ui.afficher_tableau(
    consolidee.par_territoire(valeurs, consolidee.placer(reponses, tables), tables, code),
    consolidee.COLONNES_PAR_TERRITOIRE,
    titre=f"Enquête nationale {annee} par territoire – {choix[code]}",
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
    consolidee.COLONNES_REPARTITION,
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
