"""Publics et parcours: whom the programme reaches, how children are oriented and followed.

Every figure is shown for the year beside the year before and, where one exists, the national
reference; the « Enquête nationale PRE » workbook holds the same (masked) frames.
"""

import streamlit as st

from pre_pilotage import acces, enquete, formats, graphiques, rapport, telechargements, ui
from pre_pilotage.requetes import run, run_au_seuil

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

filtres = ui.debut_page("Publics et parcours")
if filtres:
    annee = filtres.annee
    # No year before in the programme's data (its first year): nothing to compare it with.
    precedente = filtres.annee_precedente
    ui.sous_titre(
        filtres.territoire,
        f"année {annee}, comparée à {precedente} et aux références nationales"
        if precedente
        else f"année {annee}, comparée aux références nationales",
        ui.legende_donnees(),
    )
    cadres = enquete.lire(run, **filtres.parametres())
    publics, indicateurs = cadres["publics"], cadres["indicateurs"]

    def repartition(code: str, unite: str = "enfants") -> None:
        cadre = cadres[code]
        ui.afficher_graphique(
            graphiques.repartition(cadre, annee, unite),
            code,
            filtres,
            cadre,
            periode=graphiques.periode_repartition(cadre, annee),
            source=ui.source_avec_reference(cadre),
        )

    ui.intertitre("Enfants accompagnés")
    for colonne, code in zip(st.columns(4), ui.chiffres_publics(filtres), strict=False):
        with colonne:
            ui.chiffre_cle(code, publics, annee)
    if filtres.commune or filtres.qpv:
        ui.note(rapport.NOTE_REPARTITIONS)
    for colonne, code in zip(st.columns(2), ("part_sexe", "part_tranche_age"), strict=True):
        with colonne:
            repartition(code)
    gauche, droite = st.columns(2)
    with gauche:
        repartition("part_niveau_scolaire")
    with droite:
        repartition("part_profil", "parcours")
    repartition("part_residence")

    ui.intertitre("Orientation vers le programme")
    for colonne, code in zip(
        st.columns(2), ("part_motif_orientation", "part_orienteur"), strict=True
    ):
        with colonne:
            repartition(code, "parcours")

    ui.intertitre("Parcours")
    colonnes = st.columns(4)
    with colonnes[0]:
        ui.chiffre_cle(
            "duree_mediane_mois",
            publics,
            annee,
            reference=ui.reference_nationale("duree_mediane_mois"),
        )
    for colonne, code in zip(
        colonnes[1:],
        ("duree_moyenne_mois", "actions_par_parcours", "delai_orientation_eps"),
        strict=True,
    ):
        with colonne:
            ui.chiffre_cle(code, indicateurs, annee, reference=ui.reference_nationale(code))
    for colonne, code in zip(
        st.columns(2), ("part_duree_parcours", "part_motif_sortie"), strict=True
    ):
        with colonne:
            repartition(code, "parcours")
    repartition("part_type_action", "parcours")

    ui.intertitre("Équipe et équipes pluridisciplinaires de soutien (EPS)")
    colonnes = st.columns(4)
    with colonnes[0]:
        ui.chiffre_cle(
            "enfants_par_etp",
            cadres["equipe"],
            annee,
            reference=ui.reference_nationale("enfants_par_etp"),
        )
    for colonne, code in zip(
        colonnes[1:],
        ("reunions_eps", "professionnels_par_reunion", "situations_examinees"),
        strict=True,
    ):
        with colonne:
            ui.chiffre_cle(code, cadres["eps"], annee)
    if filtres.commune or filtres.qpv:
        ui.note(
            "Enfants par référent : calculé sur l'ensemble du programme. Réunions d'EPS : "
            "celles des EPS rattachées à la commune ou au quartier retenu."
        )

    ui.intertitre("Transitions scolaires et protection de l'enfance")
    ui.note(
        "L'enquête nationale désigne les passages CP/CE1 et CM2/6e et les situations suivies "
        "par l'Aide sociale à l'enfance (ASE) comme axes de travail prioritaires."
    )
    for colonne, code in zip(
        st.columns(4),
        ("transition_cp_ce1", "transition_cm2_6e", "suivi_ase", "part_suivi_ase"),
        strict=True,
    ):
        with colonne:
            ui.chiffre_cle(code, indicateurs, annee)

    ui.intertitre("Enquête nationale PRE")
    st.markdown(
        f"Le classeur reprend, pour « {formats.texte_md(filtres.territoire)} » et l'année {annee}, les chiffres "
        "demandés par l'enquête nationale de l'ANCT : enfants par sexe, tranche d'âge, profil et "
        "niveau, motifs d'orientation, orienteurs, durée des parcours, équipe et EPS, budget par "
        "financeur, avec une feuille « Sources et définitions ». Les petits effectifs y sont "
        "masqués comme à l'écran."
    )
    if acces.autorise("coordination"):
        fichier = f"enquete-nationale-pre-{annee}.xlsx"
        # Built when the button is clicked, not at every rerun of the page.
        date_donnees = ui.informations_base().get("date_donnees")
        seuil, interne = ui.seuil_document("enquete_interne")
        parametres = filtres.parametres()
        programme = enquete.Programme(
            filtres.pre_id,
            filtres.nom_programme,
            tuple(run("communes_du_programme", pre_id=filtres.pre_id)["code_insee"]),
            enquete.PROGRAMME_ENTIER
            if not (filtres.commune or filtres.qpv)
            else filtres.territoire,
        )
        telechargements.bouton(
            "Télécharger les chiffres de l'enquête nationale (XLSX)",
            lambda: enquete.classeur(
                enquete.lire(run_au_seuil(seuil), **parametres),
                annee=annee,
                territoire=filtres.territoire,
                date_donnees=date_donnees,
                seuil=seuil,
                interne=interne,
                programme=programme,
            ),
            nom=fichier,
            mime=XLSX,
            filtres=parametres,
            details={"seuil": seuil, "interne": interne},
            icon=":material/download:",
            type="primary",
        )
    else:
        st.info(
            "L'export de l'enquête nationale est réservé aux rôles coordination et administration."
        )
