"""Import des données: the programme's yearly files, checked then written all or nothing."""

import datetime as dt

import streamlit as st

from pre_pilotage import acces, formats, importation, ui
from pre_pilotage.administration import journaliser
from pre_pilotage.importation import programme as module_programme
from pre_pilotage.importation.schemas import FORMATS
from pre_pilotage.protection import EchecProtection
from pre_pilotage.requetes import run, vider_caches

COLONNES_CHANGEMENTS = {
    "contenu": ("Contenu", "texte"),
    "mesure": ("Mesure", "texte"),
    "avant": ("Avant", "texte"),
    "apres": ("Après", "texte"),
}

filtres = ui.debut_page("Import des données du programme", role="administration", etape="import")
programmes = run("programmes")
if filtres:
    pre_id, nom_programme, annee_defaut = filtres.pre_id, filtres.nom_programme, filtres.annee
elif programmes.is_empty():
    st.page_link("pages/programme.py", label="Créer le programme", icon=":material/add:")
    st.stop()
else:  # a programme just created has no data yet: choose it here
    noms = dict(zip(programmes["pre_id"], programmes["nom"], strict=True))
    pre_id = st.selectbox("Programme", list(noms), format_func=noms.get, placeholder="Choisir…")
    # Its last declared year of activity, else the current year.
    annees_declarees = getattr(module_programme.charger(ui.chemin_base(), pre_id), "annees", [])
    nom_programme = noms[pre_id]
    annee_defaut = max(annees_declarees, default=dt.date.today().year)
if pre_id:
    st.markdown(
        f"Fichiers de **{formats.texte_md(nom_programme)}** pour une année : enfants et parcours, actions, "
        "réunions des EPS, fiches-action et financements, gouvernance, équipe. Chaque fichier "
        "est entièrement contrôlé avant toute écriture ; s'il reste une erreur, rien n'est "
        "enregistré. Réimporter une année remplace les données de cette année pour les "
        "fichiers importés (les autres sont conservés) ; ce qui changerait est alors affiché "
        "et doit être confirmé."
    )
    with st.expander("Formats acceptés (CSV ou XLSX, en-têtes en français)"):
        for format_ in FORMATS.values():
            st.markdown(
                f"**{format_.libelle}** (nom du fichier contenant « {format_.code} ») – "
                f"{format_.description}"
            )
            st.markdown(ui.liste_colonnes(format_))
    if ui.est_demo():
        texte = importation.REFUS_DEMONSTRATION.split(". ", 1)[1]
        st.error(f"Import impossible : {texte}.")
        st.stop()
    try:
        cle = importation.cle_pseudonymisation(ui.secrets())
    except importation.CleAbsente as exc:
        st.error(str(exc))
        st.stop()
    with st.form("import"):
        annee = st.number_input(
            "Année importée", min_value=2000, max_value=2100, step=1, value=annee_defaut
        )
        fichiers = st.file_uploader(
            "Fichiers (CSV ou XLSX, 50 Mo au plus chacun)",
            type=["csv", "xlsx"],
            accept_multiple_files=True,
        )
        politique = st.radio(
            "Colonnes contenant des données identifiantes (nom, adresse, téléphone…)",
            importation.POLITIQUES,
            format_func={
                "supprimer": "les supprimer et le signaler",
                "refuser": "refuser le fichier",
            }.get,
        )
        textes = st.radio(
            "Textes libres (intitulé, porteur, nom d'EPS…) contenant une donnée personnelle "
            "(nom et date de naissance, téléphone, situation d'une famille…)",
            importation.TEXTES_PERSONNELS,
            format_func={
                "refuser": "refuser le fichier",
                "masquer": "masquer ces textes et le signaler",
            }.get,
        )
        envoye = st.form_submit_button("Contrôler et importer", type="primary")
    fichiers_lus = [importation.Fichier(f.name, f.getvalue()) for f in fichiers or []]
    en_attente = st.session_state.get("import_a_confirmer")
    confirme = False
    if en_attente and not envoye:
        if en_attente["cle"] != (
            pre_id,
            int(annee),
            politique,
            textes,
            importation.empreinte_fichiers(fichiers_lus),
        ):
            st.session_state.pop("import_a_confirmer")
        else:
            # Cleared once confirmed, so that the question does not stay above the import's result.
            question = st.empty()
            with question.container():
                st.warning(
                    f"Cet import remplacerait des données déjà importées pour {int(annee)}. "
                    "Voici ce qui changerait (avant → après) ; rien n'a encore été écrit."
                )
                ui.afficher_tableau(en_attente["changements"], COLONNES_CHANGEMENTS)
                colonne_1, colonne_2 = st.columns(2)
                confirme = colonne_1.button("Confirmer et remplacer", type="primary")
                if colonne_2.button("Annuler"):
                    st.session_state.pop("import_a_confirmer")
                    st.rerun()
            if confirme:
                question.empty()
    if envoye or confirme:
        st.session_state.pop("import_a_confirmer", None)
        barre = st.progress(0.0, text="Lecture des fichiers")
        try:
            rapport = importation.importer(
                ui.chemin_base(),
                fichiers_lus,
                pre_id,
                int(annee),
                cle,
                politique,
                utilisateur=acces.utilisateur_courant().identifiant,
                avant_ecriture=vider_caches,
                progression=lambda fraction, message: barre.progress(fraction, text=message),
                remplacer=confirme,
                textes=textes,
            )
        except (importation.BaseOccupee, EchecProtection) as exc:
            barre.empty()
            st.error(str(exc))
            st.stop()
        barre.empty()
        vider_caches()
        if rapport.confirmation_requise:
            st.session_state["import_a_confirmer"] = {
                "cle": (
                    pre_id,
                    int(annee),
                    politique,
                    textes,
                    importation.empreinte_fichiers(fichiers_lus),
                ),
                "changements": importation.cadre_changements(rapport),
            }
            st.rerun()
        journaliser(
            "import",
            acces.utilisateur_courant(),
            **importation.entree_journal(rapport, pre_id, int(annee)),
        )
        ui.rapport_import(rapport, int(annee))
        if rapport.ecrit:
            st.markdown("**Ce qui a changé (avant → après)**")
            ui.afficher_tableau(importation.cadre_changements(rapport), COLONNES_CHANGEMENTS)
    st.subheader("Fichiers déjà importés")
    lots = run("lots_import", pre_id=pre_id)
    if lots.is_empty():
        st.caption(
            "Aucun fichier importé pour ce programme"
            + (" : ses données de démonstration ont été générées." if ui.est_demo() else ".")
        )
    else:
        ui.afficher_tableau(
            lots,
            {
                "importe_le": ("Importé le", "date_heure"),
                "annee": ("Année", "texte"),
                "type_fichier": ("Contenu", "texte"),
                "fichier": ("Fichier", "texte"),
                "lignes": ("Lignes", "nombre"),
                "importe_par": ("Par", "texte"),
            },
        )
