"""Carte: where the children followed live, QPV and REP/REP+ schools, Cités éducatives, gaps."""

import streamlit as st

from pre_pilotage import carte_image, cartes, config, formats, ui
from pre_pilotage.requetes import run

TOUS = "tout"


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=64)
def carte_du_territoire(qpv, etablissements, contours, cites, mesure, couches, annee, fond_ign):
    """One map per territory, year, measure and layers (the frames are the cache key)."""
    return cartes.construire_carte(
        qpv, etablissements, contours, cites, mesure, couches, annee, fond_ign
    )


filtres = ui.debut_page("Carte")
if filtres:
    ui.sous_titre(filtres.territoire, f"année {filtres.annee}", ui.legende_donnees())
    geographies = run("carte_geographies", pre_id=filtres.pre_id)
    annees_geo = [int(a) for a in geographies["annee_geographie"]]
    reglages = st.columns([4, 1])
    with reglages[0]:
        mesure = ui.choix_dans_url(
            "mesure",
            "Mesure",
            list(cartes.MESURES),
            {code: m.libelle for code, m in cartes.MESURES.items()},
            forme="boutons",
        )
    with reglages[1]:
        geographie = ui.choix_dans_url(
            "geo",
            "Géographie prioritaire",
            annees_geo or [2024],
            {a: f"QPV {a}" for a in annees_geo or [2024]},
            aide="Géographie des quartiers prioritaires : 2024 (codes QN) ou 2015 (codes QP).",
            desactive=len(annees_geo) < 2,
        )
    couches = ui.choix_dans_url(
        "couches",
        "Couches affichées",
        list(cartes.COUCHES),
        cartes.COUCHES,
        forme="plusieurs",
        defaut=list(cartes.COUCHES_PAR_DEFAUT),
    )
    territoire = {"pre_id": filtres.pre_id, "commune": filtres.commune, "annee": filtres.annee}
    qpv = run("carte_qpv", **territoire, geographie=geographie, niveau="territoire")
    etablissements = run("carte_etablissements", **territoire)
    contours = run("carte_contours", pre_id=filtres.pre_id, niveau="territoire")
    cites = run("carte_cites", pre_id=filtres.pre_id, geographie=geographie, niveau="territoire")
    liens = run("carte_qpv_etablissements", pre_id=filtres.pre_id, geographie=geographie)
    carte = carte_du_territoire(
        qpv,
        etablissements,
        contours,
        cites,
        mesure,
        tuple(sorted(couches)),
        filtres.annee,
        config.fond_de_carte_ign(),
    )
    codes = [TOUS, *qpv["code_qp"]]
    noms = dict(zip(qpv["code_qp"], qpv["nom"], strict=True))
    gauche, droite = st.columns([5, 3])
    with gauche:
        ui.afficher_carte(
            carte,
            cartes.MESURES[mesure].code,
            filtres,
            qpv,
            cle="carte",
            selection="quartier",
            choix=tuple(codes[1:]),
            propriete="code_qp",
            image=lambda: carte_image.figure_carte(
                qpv, etablissements, contours, cites, mesure, couches, filtres.annee
            ),
        )
    with droite:
        code = ui.choix_dans_url(
            "quartier",
            "Quartier prioritaire",
            codes,
            {TOUS: "Choisir un quartier…"} | {c: f"{noms[c]} ({c})" for c in codes[1:]},
            # The sidebar's QPV, if any, opens first.
            defaut=filtres.qpv if filtres.qpv in codes else TOUS,
            aide="Cliquer sur un quartier de la carte l'ouvre aussi ici.",
            libelle_vue="Fiche du quartier affichée",
        )
        fiche = cartes.fiche_qpv(code, qpv, etablissements, liens, cites) if code != TOUS else None
        if fiche is None:
            st.info("Cliquez sur un quartier de la carte pour afficher sa fiche.")
        else:
            ligne = fiche.ligne.row(0, named=True)
            ui.intertitre(f"{ligne['nom']} ({ligne['code_qp']})")
            st.caption(
                f"Commune : {formats.texte_md(ligne['communes'])} · géographie "
                f"{ligne['annee_geographie']}"
                + (" · contour non disponible" if ligne["geom"] is None else "")
            )
            for choisie in cartes.MESURES.values():
                ui.chiffre_cle(choisie.code, fiche.ligne, filtres.annee, choisie.colonne)
            st.markdown(
                f"**Équipes pluridisciplinaires de soutien réunies dans l'année** : "
                f"{ligne['eps_actives']} · **Cité éducative** : "
                + (", ".join(formats.texte_md(c) for c in fiche.cites) or "aucune")
            )
            ui.intertitre("Écoles et collèges dans le quartier ou à moins de 300 m", niveau=3)
            ui.afficher_tableau(
                fiche.etablissements,
                {
                    "nom": ("Établissement", "texte"),
                    "reseau": ("Réseau", "texte"),
                    "situation": ("Situation", "texte"),
                    "beneficiaires": ("Enfants", "nombre"),
                },
            )
            ui.intertitre("Fiches-action suivies par des enfants du quartier", niveau=3)
            ui.afficher_tableau(
                run(
                    "carte_qpv_fiches_action",
                    pre_id=filtres.pre_id,
                    annee=filtres.annee,
                    qpv=code,
                ),
                {
                    "intitule": ("Fiche-action", "texte"),
                    "thematique": ("Thématique", "texte"),
                    "enfants": ("Enfants", "nombre"),
                },
            )

    ui.intertitre(f"Lacunes de couverture en {filtres.annee}")
    colonnes = st.columns(2)
    with colonnes[0]:
        ui.intertitre("Quartiers prioritaires sans enfant accompagné", niveau=3)
        ui.afficher_tableau(
            cartes.lacunes_qpv(qpv),
            {
                "nom": ("Quartier", "texte"),
                "code_qp": ("Code", "texte"),
                "communes": ("Commune", "texte"),
            },
        )
    with colonnes[1]:
        ui.intertitre("Écoles et collèges REP+ et REP sans enfant accompagné", niveau=3)
        ui.afficher_tableau(
            cartes.lacunes_etablissements(etablissements),
            {
                "nom": ("Établissement", "texte"),
                "education_prioritaire": ("Réseau", "texte"),
                "commune": ("Commune", "texte"),
            },
        )
    sans_contour = cartes.qpv_sans_contour(qpv)
    if sans_contour.height:
        ui.intertitre("Quartiers prioritaires sans contour dans les fichiers chargés", niveau=3)
        ui.afficher_tableau(
            sans_contour,
            {
                "nom": ("Quartier", "texte"),
                "code_qp": ("Code", "texte"),
                "communes": ("Commune", "texte"),
            },
        )
