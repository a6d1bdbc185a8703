"""Import des données: the programme's yearly files, checked then written all or nothing."""

import streamlit as st

from pre_pilotage import acces, importation, ui
from pre_pilotage.administration import journaliser
from pre_pilotage.importation.schemas import FORMATS
from pre_pilotage.requetes import run, vider_caches

filtres = ui.debut_page("Import des données du programme", role="administration")
if filtres:
    st.markdown(
        f"Fichiers de **{filtres.nom_programme}** pour une année : enfants et parcours, actions, "
        "réunions des EPS, fiches-action et financements, gouvernance, équipe. Chaque fichier "
        "est entièrement contrôlé avant toute écriture ; s'il reste une erreur, rien n'est "
        "enregistré. Réimporter une année remplace les données de cette année."
    )
    with st.expander("Formats acceptés (CSV ou XLSX, en-têtes en français)"):
        for format_ in FORMATS.values():
            st.markdown(
                f"**{format_.libelle}** (nom du fichier contenant « {format_.code} ») – "
                f"{format_.description}"
            )
            st.markdown(ui.liste_colonnes(format_))
    try:
        cle = importation.cle_pseudonymisation(ui.secrets(), demo=ui.est_demo())
    except importation.CleAbsente as exc:
        st.error(str(exc))
        st.stop()
    if ui.est_demo():
        st.info(
            "Base de démonstration : les identifiants sont pseudonymisés avec la clé de "
            "démonstration, qui ne doit jamais servir pour des données réelles."
        )
    with st.form("import"):
        annee = st.number_input(
            "Année importée", min_value=2000, max_value=2100, step=1, value=filtres.annee
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
        envoye = st.form_submit_button("Contrôler et importer", type="primary")
    if envoye:
        barre = st.progress(0.0, text="Lecture des fichiers")
        rapport = importation.importer(
            ui.chemin_base(),
            [importation.Fichier(f.name, f.getvalue()) for f in fichiers or []],
            filtres.pre_id,
            int(annee),
            cle,
            politique,
            utilisateur=acces.utilisateur_courant().identifiant,
            avant_ecriture=vider_caches,
            progression=lambda fraction, message: barre.progress(fraction, text=message),
        )
        barre.empty()
        vider_caches()
        journaliser(
            "import",
            acces.utilisateur_courant(),
            objet=", ".join(rapport.lignes),
            filtres={"pre_id": filtres.pre_id, "annee": int(annee)},
            details={
                "ecrit": rapport.ecrit,
                "erreurs": len(rapport.erreurs),
                "lignes": rapport.lignes,
            },
        )
        ui.rapport_import(rapport, int(annee))
    st.subheader("Fichiers déjà importés")
    ui.afficher_tableau(
        run("lots_import", pre_id=filtres.pre_id),
        {
            "importe_le": ("Importé le", "date_heure"),
            "annee": ("Année", "texte"),
            "type_fichier": ("Contenu", "texte"),
            "fichier": ("Fichier", "texte"),
            "lignes": ("Lignes", "nombre"),
            "importe_par": ("Par", "texte"),
        },
    )
