"""Rapport: one document for the contrat de ville report (DOCX and PDF), for the chosen sections.

The territory and the year are those of the sidebar; the document is made only when a download
button asks for it (and audited then), from the masked frames read here (the pages' own queries).
"""

import dataclasses

import streamlit as st

from pre_pilotage import (
    archive,
    diffusion,
    exports,
    formats,
    francais,
    rapport,
    telechargements,
    ui,
)
from pre_pilotage.requetes import run_au_seuil

filtres = ui.debut_page("Rapport", role="coordination")
if filtres:
    st.markdown(
        "Un document prêt à insérer dans le rapport annuel du contrat de ville : page de titre, "
        "chiffres clés, phrases de synthèse, graphiques et carte, définitions et sources, note "
        "de confidentialité. Le territoire et l'année se choisissent dans le panneau latéral."
    )
    sections = ui.choix_dans_url(
        "sections",
        "Sections du rapport",
        list(rapport.SECTIONS),
        rapport.SECTIONS,
        forme="plusieurs",
        defaut=list(rapport.SECTIONS),
    )
    comparaison = ui.choix_dans_url(
        "comparaison",
        "Comparer l'année",
        ["annee", "copil"],
        {
            "annee": "à l'année précédente",
            "copil": "à l'année précédente et au dernier comité de pilotage",
        },
        forme="boutons",
        aide=(
            "Le dernier comité de pilotage de l'année (celui du PRE, ou un comité conjoint avec "
            "la Cité éducative auquel le programme a participé) : enfants en cours "
            "d'accompagnement à sa date et à la fin de l'année, entrées et sorties depuis."
        ),
        libelle_vue="Comparaison",
    )
    seuil, interne = ui.seuil_document("rapport_interne")
    contexte = rapport.Contexte(
        territoire=filtres.territoire,
        annee=filtres.annee,
        seuil=seuil,
        interne=interne,
        date_donnees=ui.informations_base().get("date_donnees"),
        demo=ui.est_demo(),
        sections=tuple(sections),
        copil=comparaison == "copil",
        quartier=bool(filtres.qpv),
        commune=bool(filtres.commune),
    )
    ui.sous_titre(filtres.territoire, f"année {filtres.annee}", ui.legende_donnees())
    if not sections:
        st.info("Choisissez au moins une section.")
    if interne:
        st.warning(rapport.mention_interne(seuil))
    cadres = rapport.lire(run_au_seuil(seuil), **filtres.parametres(), sections=contexte.sections)
    contexte = dataclasses.replace(contexte, verification=rapport.verification(cadres, seuil))
    contenu = rapport.contenu(cadres, contexte)
    st.subheader("Aperçu du texte")
    for section in contenu:
        st.markdown(f"**{section.titre}**")
        st.markdown(
            "\n".join(f"- {formats.texte_md(phrase)}" for phrase in section.toutes_les_phrases())
        )
    graphiques = sum(len(s.graphiques) for s in contenu)
    chiffres = sum(len(s.chiffres) for s in contenu)
    st.caption(
        f"Le document compte aussi {francais.effectif(graphiques, 'graphique ou carte', 'graphiques ou cartes')} "
        f"et {francais.effectif(chiffres, 'chiffre clé', 'chiffres clés')}, des tableaux et un "
        "sommaire. Sa préparation prend quelques secondes."
    )

    def document_word() -> bytes:
        # With LibreOffice, the Word document's table of contents gets the PDF's page numbers.
        if rapport.chemin_libreoffice() is None:
            return rapport.docx(contenu, contexte)
        return rapport.docx_numerote(contenu, contexte)

    def document_pdf() -> bytes:
        return rapport.pdf_numerote(contenu, contexte)

    journal = {
        "filtres": filtres.parametres(),
        "details": {
            "sections": list(sections),
            "seuil": seuil,
            "interne": interne,
            "comparaison": comparaison,
        },
    }
    gauche, droite = st.columns(2)
    for colonne, format_, libelle, donnees in (
        (gauche, "docx", "Télécharger le rapport (Word, DOCX)", document_word),
        (droite, "pdf", "Télécharger le rapport (PDF)", document_pdf),
    ):
        nom = rapport.nom_fichier(contexte, format_)
        telechargements.bouton(
            libelle,
            donnees,
            nom=nom,
            mime=exports.TYPES_MIME[format_],
            filtres=journal["filtres"],
            details=journal["details"] | {"format": format_},
            conteneur=colonne,
            icon=":material/download:",
            type="primary",
            width="stretch",
            disabled=not sections,
        )
    if sections:
        st.subheader("Toutes les pages en un fichier")
        fichiers = archive.noms(contenu)
        st.markdown(
            "Pour préparer un comité : une archive ZIP des "
            f"{francais.effectif(graphiques, 'graphique ou carte', 'graphiques ou cartes')} "
            "en images PNG (300 dpi, avec titre, source et note de secret statistique) et des "
            "tableaux et chiffres clés en classeurs XLSX, rangés par section, avec un fichier "
            f"« lisez-moi » : {francais.effectif(len(fichiers), 'fichier', 'fichiers')} en tout."
        )
        diffusion.bouton_export(
            "Télécharger les graphiques et tableaux (ZIP)",
            lambda: archive.zip_des_pages(contenu, contexte),
            archive.nom_fichier(contexte),
            "zip",
            "toutes-les-pages",
            {
                "filtres": journal["filtres"],
                "details": journal["details"] | {"fichiers": fichiers},
            },
        )
    if rapport.chemin_libreoffice() is None:
        st.warning(
            "LibreOffice n'est pas installé sur ce serveur : le PDF ne pourra pas être produit. "
            "Le document Word s'enregistre en PDF depuis Word ou LibreOffice."
        )
