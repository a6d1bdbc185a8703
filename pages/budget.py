"""Programmation et budgets: who pays for what, where, how much is paid, at what cost per child."""

import streamlit as st

from pre_pilotage import formats, graphiques, ui
from pre_pilotage.requetes import run

EUROS = "euros"
FINANCEMENT = {
    "montant_prevu": ("Prévu", EUROS),
    "part": ("Part du total", "pourcentage"),
    "montant_prevu_precedent": ("Prévu l'année précédente", EUROS),
    "evolution": ("Évolution sur un an", "evolution"),
}

filtres = ui.debut_page("Programmation et budgets")
if filtres:
    parametres = filtres.parametres()
    annee = filtres.annee
    ui.sous_titre(filtres.territoire, f"programmation {annee}", ui.legende_donnees())
    # All of the page's results at once (computed concurrently when not cached yet).
    cadres = run.plusieurs(
        {
            nom: (nom, parametres)
            for nom in (
                "budget_perimetre",
                "budget_chiffres_cles",
                "budget_par_financeur",
                "budget_execution_par_financeur",
                "budget_flux_financeurs_thematiques",
                "budget_par_thematique",
                "budget_par_niveau",
                "budget_par_commune",
                "budget_execution_par_fiche",
                "budget_fiches_action",
            )
        }
        | {"budget_par_annee": ("budget_par_annee", filtres.parametres(annee=False))}
    )
    perimetre = cadres["budget_perimetre"]
    if perimetre["nom_commune"][0]:
        retenues, autres = perimetre["fiches_retenues"][0], perimetre["fiches_hors_perimetre"][0]

        def texte(commune: str) -> str:
            return (
                f"Périmètre : fiches-action communales de la commune {commune} "
                f"({retenues} sur {retenues + autres}). Les autres fiches de l'année, "
                "intercommunales ou d'autres communes "
                f"({formats.euros(perimetre['montant_hors_perimetre'][0])}), ne sont pas "
                "réparties entre communes et ne sont pas comptées ici. Le coût par enfant n'est "
                "calculé que pour le programme entier."
            )

        nom = perimetre["nom_commune"][0]
        ui.information(texte(nom), texte(formats.texte_md(nom)))
    else:
        ui.note("Périmètre : toutes les fiches-action du programme, intercommunales et communales.")

    chiffres = cadres["budget_chiffres_cles"]
    if filtres.commune is not None or filtres.qpv is not None:
        # The cost per child is computed for the whole programme only (budget_chiffres_cles):
        # here it is absent whatever the data (a dash), not a masked figure, even when the
        # protection masks the number of children it would divide by.
        chiffres = chiffres.drop("cout_par_beneficiaire__secret", strict=False)
    # Payments of a year's programming go on after it (balances are often paid the year after):
    # for the data's own year, the amounts paid and the execution rate are not final.
    date_donnees = ui.informations_base().get("date_donnees")
    provisoire = bool(date_donnees) and annee >= int(str(date_donnees)[:4])
    for codes in (
        ("budget_programme", "part_cofinancee", "fiches_action", "fiches_financeur_unique"),
        ("montant_accorde", "montant_verse", "taux_execution", "cout_par_beneficiaire"),
    ):
        for colonne, code in zip(st.columns(4), codes, strict=True):
            with colonne:
                ui.chiffre_cle(
                    code,
                    chiffres,
                    annee,
                    reference=ui.reference_nationale(code),
                    precision=(
                        f"au {formats.date(date_donnees)}"
                        if provisoire and code in ("montant_verse", "taux_execution")
                        else None
                    ),
                )
    if provisoire:
        ui.note(
            f"Versements connus au {formats.date(date_donnees)} : les soldes des subventions de "
            f"{annee} sont souvent versés l'année suivante. Le montant versé et le taux "
            f"d'exécution de {annee} ne sont pas définitifs, et leur écart avec {annee - 1} "
            "compare une année inachevée à une année close."
        )

    ui.intertitre("Qui finance ?")
    financeurs = cadres["budget_par_financeur"]
    execution = cadres["budget_execution_par_financeur"]
    flux = cadres["budget_flux_financeurs_thematiques"]
    gauche, droite = st.columns(2)
    with gauche:
        ui.afficher_graphique(
            graphiques.budget_par_financeur(financeurs), "budget_par_financeur", filtres, financeurs
        )
    with droite:
        ui.afficher_graphique(
            graphiques.execution_par_financeur(execution),
            "execution_par_financeur",
            filtres,
            execution,
        )
    ui.afficher_graphique(
        graphiques.flux_financeurs_thematiques(flux), "flux_financeurs_thematiques", filtres, flux
    )
    ui.afficher_tableau(
        execution,
        {"libelle": ("Financeur", "texte")}
        | FINANCEMENT
        | {
            "montant_accorde": ("Accordé", EUROS),
            "montant_verse": ("Versé", EUROS),
            "taux_execution": ("Taux d'exécution", "pourcentage"),
        },
    )

    ui.intertitre("Pour quelles actions ?")
    thematiques = cadres["budget_par_thematique"]
    gauche, droite = st.columns(2)
    with gauche:
        ui.afficher_graphique(
            graphiques.budget_par_thematique(thematiques, annee),
            "budget_par_thematique",
            filtres,
            thematiques,
        )
    with droite:
        ui.afficher_graphique(
            graphiques.cout_par_beneficiaire_thematique(thematiques),
            "cout_par_beneficiaire_thematique",
            filtres,
            thematiques,
        )
    ui.afficher_tableau(
        thematiques,
        {"libelle": ("Thématique", "texte")}
        | FINANCEMENT
        | {
            "beneficiaires": ("Enfants ayant suivi une action", "nombre"),
            "cout_par_beneficiaire": ("Coût par enfant", EUROS),
        },
    )

    ui.intertitre("Où ?")
    niveaux = cadres["budget_par_niveau"]
    communes = cadres["budget_par_commune"]
    gauche, droite = st.columns(2)
    with gauche:
        ui.afficher_graphique(
            graphiques.budget_par_niveau(niveaux, annee), "budget_par_niveau", filtres, niveaux
        )
    with droite:
        ui.afficher_graphique(
            graphiques.budget_par_commune(communes, annee), "budget_par_commune", filtres, communes
        )

    ui.intertitre("Sur plusieurs années")
    annees = cadres["budget_par_annee"]
    ui.afficher_graphique(
        graphiques.evolution_budget(annees),
        "evolution_budget",
        filtres,
        annees,
        periode=formats.periode(filtres.annees),
    )
    ui.afficher_tableau(
        annees,
        {
            "annee": ("Année", "texte"),
            "fiches_action": ("Fiches-action", "nombre"),
            "budget_programme": ("Budget programmé", EUROS),
            "part_cofinancee": ("Part cofinancée", "pourcentage"),
            "montant_verse": ("Versé", EUROS),
            "taux_execution": ("Taux d'exécution", "pourcentage"),
            "cout_par_beneficiaire": ("Coût par enfant", EUROS),
        },
    )

    ui.intertitre("Exécution des fiches-action")
    ui.note(
        "Exécution : part de l'accordé qui a été versée. « Financeur unique » : un financeur "
        "apporte au moins 80 % du montant prévu de la fiche. Enfants prévus : objectif de la "
        "fiche ; réalisés : enfants qui en ont bénéficié."
    )
    ui.afficher_tableau(
        cadres["budget_execution_par_fiche"],
        {
            "intitule": ("Fiche-action", "texte"),
            "montant_prevu": ("Prévu", EUROS),
            "montant_accorde": ("Accordé", EUROS),
            "montant_verse": ("Versé", EUROS),
            "taux_execution": ("Exécution", "pourcentage"),
            "dependance": ("Financeur unique", "texte"),
            "beneficiaires_prevus": ("Enfants prévus", "nombre"),
            "beneficiaires_realises": ("Enfants réalisés", "nombre"),
            "financeur_principal": ("Premier financeur", "texte"),
            "part_financeur_principal": ("Sa part", "pourcentage"),
        },
        recherche_et_tri="execution_fiches",
    )

    ui.intertitre(f"Les fiches-action {annee}")
    ui.afficher_tableau(
        cadres["budget_fiches_action"],
        {
            "intitule": ("Intitulé", "texte"),
            "thematique": ("Thématique", "texte"),
            "niveau": ("Niveau", "texte"),
            "commune": ("Commune", "texte"),
            "montant_prevu": ("Budget", EUROS),
            "statut": ("Statut", "texte"),
            "porteur": ("Porteur", "texte"),
            "financeurs": ("Financeurs, du plus grand au plus petit", "texte"),
        },
        recherche_et_tri="fiches",
    )
