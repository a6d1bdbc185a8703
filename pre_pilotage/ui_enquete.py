"""Streamlit side of the « Enquête nationale » page: workbooks dropped, the check report,
duplicates to settle, replacements to confirm, then the answers written (all or nothing)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pre_pilotage import acces, formats, ui
from pre_pilotage import enquete_consolidee as consolidee
from pre_pilotage import enquete_lecture as lecture
from pre_pilotage.administration import journaliser
from pre_pilotage.importation import REFUS_DEMONSTRATION, BaseOccupee
from pre_pilotage.requetes import vider_caches

CHANGEMENTS = {
    "programme": ("Programme", "texte"),
    "indicateur": ("Indicateur", "texte"),
    "modalite": ("Ligne", "texte"),
    "mesure": ("Mesure", "texte"),
    "avant": ("Avant", "texte"),
    "apres": ("Après", "texte"),
}


def depot(annee: int, base: Path, source: str) -> None:
    """The upload form, its check report and the confirmation; writes only when confirmed."""
    if st.session_state.get("annee_controle_enquete") != annee:
        # A check made for another year is not kept: its answers carry that year.
        st.session_state.pop("controle_enquete", None)
        st.session_state.pop("remplacements_enquete", None)
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
        st.session_state["annee_controle_enquete"] = annee
        st.session_state.pop("remplacements_enquete", None)
    controle = st.session_state.get("controle_enquete")
    if controle is not None:
        ui.intertitre("Rapport de contrôle")
        if not (controle.reponses or controle.refus or controle.doublons):
            st.info("Aucun classeur déposé : choisissez un ou plusieurs fichiers XLSX.")
        for r in controle.reponses:
            masquees = sum(v.jeton is not None for v in r.valeurs)
            st.success(
                f"{formats.texte_md(r.fichier)} : {formats.texte_md(r.nom)} "
                f"({formats.texte_md(r.pre_id)}), année {r.annee} – {len(r.valeurs)} valeurs lues, "
                f"dont {masquees} masquées ou vides."
            )
        for fichier, messages in controle.refus.items():
            st.error(
                f"{formats.texte_md(fichier)} refusé, rien n'en sera enregistré :\n\n"
                + "\n".join(f"- {formats.texte_md(m)}" for m in messages)
            )
        gardes = list(controle.reponses)
        for cle, doublons in controle.doublons.items():
            st.warning(formats.texte_md(lecture.message_doublon(cle, doublons)))
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
                ui.afficher_tableau(changements, CHANGEMENTS, programme=False, source=source)
            if st.button("Annuler"):
                st.session_state.pop("remplacements_enquete")
                st.rerun()
        if gardes and ui.est_demo():
            # Like the import page: no real answer is written in the open demonstration base.
            texte = REFUS_DEMONSTRATION.split(". ", 1)[1]
            st.error(f"Enregistrement impossible : {texte}.")
            return
        libelle = "Confirmer et remplacer" if attente else "Enregistrer les réponses contrôlées"
        if gardes and st.button(
            libelle,
            type="primary",
            disabled=len(controle.doublons)
            > sum(
                st.session_state.get(f"doublon_{p}_{a}") is not None for p, a in controle.doublons
            ),
        ):
            vider_caches()
            try:
                resultat = consolidee.enregistrer(
                    base, gardes, acces.utilisateur_courant().identifiant, remplacer=bool(attente)
                )
            except BaseOccupee as exc:
                st.error(str(exc))
                return
            finally:
                vider_caches()
            if resultat.confirmation_requise:
                st.session_state["remplacements_enquete"] = resultat.a_confirmer
            else:
                journaliser(
                    "import",
                    acces.utilisateur_courant(),
                    objet="réponses à l'enquête nationale PRE",
                    filtres={"annee": annee},
                    details={"ecrites": resultat.ecrites, "inchangees": resultat.inchangees},
                )
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
