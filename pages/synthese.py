"""Synthèse: the programme's key figures for the selected territory and year."""

import streamlit as st

from pre_pilotage import formats, graphiques, rapport, ui
from pre_pilotage.requetes import run

filtres = ui.debut_page("Synthèse")
if filtres:
    ui.sous_titre(filtres.territoire, f"année {filtres.annee}", ui.legende_donnees())
    publics = run("synthese_publics", **filtres.parametres())
    equipe = run("synthese_equipe", pre_id=filtres.pre_id, annee=filtres.annee)
    budget = run("synthese_budget", **filtres.parametres())

    ui.intertitre("Enfants et familles accompagnés")
    colonnes = st.columns(4)
    for colonne, code in zip(colonnes, ui.chiffres_publics(filtres), strict=False):
        with colonne:
            ui.chiffre_cle(code, publics, filtres.annee)
    colonnes = st.columns(4)
    with colonnes[0]:
        ui.chiffre_cle(
            "duree_mediane_mois",
            publics,
            filtres.annee,
            reference=ui.reference_nationale("duree_mediane_mois"),
        )
    with colonnes[1]:
        ui.chiffre_cle(
            "enfants_par_etp",
            equipe,
            filtres.annee,
            reference=ui.reference_nationale("enfants_par_etp"),
        )
    # Fiches-action are communal or intercommunal, never by quartier: a quartier's page shows
    # its commune's budget, and says so on the card (an outside reader took it for the
    # quartier's own).
    perimetre_budget = "toute la commune" if filtres.qpv else None
    with colonnes[2]:
        ui.chiffre_cle("budget_programme", budget, filtres.annee, precision=perimetre_budget)
    with colonnes[3]:
        ui.chiffre_cle(
            "part_cofinancee",
            budget,
            filtres.annee,
            reference=ui.reference_nationale("part_cofinancee"),
            precision=perimetre_budget,
        )
    if filtres.commune or filtres.qpv:
        ui.note(rapport.NOTE_PERIMETRE)

    par_annee = run("beneficiaires_par_annee", **filtres.parametres(annee=False))
    ui.afficher_graphique(
        graphiques.beneficiaires_par_annee(par_annee),
        "beneficiaires_par_annee",
        filtres,
        par_annee,
        periode=formats.periode(filtres.annees),
    )
    gauche, droite = st.columns(2)
    with gauche:
        ages = run("beneficiaires_par_tranche_age", **filtres.parametres())
        ui.afficher_graphique(
            graphiques.tranches_age(ages),
            "part_tranche_age",
            filtres,
            ages,
            source="données du programme ; ANCT, enquête nationale PRE 2022",
        )
    with droite:
        financeurs = run("budget_par_financeur", **filtres.parametres())
        ui.afficher_graphique(
            graphiques.budget_par_financeur(financeurs),
            "budget_par_financeur",
            filtres,
            financeurs,
            perimetre=f"budget de {perimetre_budget}" if perimetre_budget else None,
        )
