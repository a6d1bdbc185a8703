"""Carte: where the children followed live, QPV and REP/REP+ schools, Cités éducatives, gaps."""

import contextlib

import streamlit as st

from pre_pilotage import carte_image, cartes, config, diffusion, formats, ui
from pre_pilotage.requetes import run

TOUS = "tout"


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=64)
def carte_du_territoire(
    qpv, etablissements, contours, cites, mesure, couches, annee, fond_ign, choisi, noms, commune
):
    """One map per territory, year, measure, layers, chosen quartier and labels (the frames are
    the cache key)."""
    return cartes.construire_carte(
        qpv,
        etablissements,
        contours,
        cites,
        mesure,
        couches,
        annee,
        fond_ign,
        choisi=choisi,
        noms=noms,
        commune=commune,
        cadrage="territoire",
    )


def _choisir_dans_le_classement(cle: str, codes: list[str]) -> None:
    """A row picked in the ranked table opens its quartier (card, outline on the map, URL)."""
    lignes = st.session_state[cle].selection.rows
    if lignes and lignes[0] < len(codes):
        st.session_state["quartier"] = codes[lignes[0]]


def classement_des_quartiers(qpv, mesure: str, code: str, territoire: str, geographie) -> None:
    """The quartiers ranked on the map's measure, from the map's own masked frame; picking a
    row opens the quartier."""
    choisie = cartes.MESURES[mesure]
    if qpv.is_empty():
        texte = f"Aucun quartier prioritaire (géographie {geographie}) pour {territoire}."
        ui.information(texte, formats.texte_md(texte))
        return
    classes = cartes.classement(qpv, mesure)
    cle = f"classement-{mesure}-{code}"
    ui.afficher_tableau(
        classes,
        {
            "rang_texte": ("Rang", "texte"),
            "nom": ("Quartier", "texte"),
            "communes": ("Commune", "texte"),
            "beneficiaires": ("Enfants accompagnés", "nombre"),
        }
        | (
            {choisie.colonne: (choisie.libelle, choisie.unite)}
            if choisie.colonne != "beneficiaires"
            else {}
        ),
        titre=f"Quartiers classés – {choisie.libelle}",
        cle=cle,
        au_choix=lambda: _choisir_dans_le_classement(cle, classes["code_qp"].to_list()),
        choisie=next((k for k, c in enumerate(classes["code_qp"]) if c == code), None),
    )
    classement = (
        "Les quartiers dont le chiffre est masqué (« < 11 », « s ») ou inconnu viennent "
        "après les autres, par ordre alphabétique, sans rang."
    )
    # The screen adds how to use the table; on paper (the view's PDF) only the reading rule.
    ui.note(
        classement,
        classement + " Choisir une ligne ouvre la fiche du quartier et l'entoure sur la carte.",
    )


filtres = ui.debut_page("Carte")
if filtres:
    ui.sous_titre(filtres.territoire, f"année {filtres.annee}", ui.legende_donnees())
    geographies = run("carte_geographies", pre_id=filtres.pre_id)
    annees_geo = [int(a) for a in geographies["annee_geographie"]]
    # In front of the comité (presentation mode) the map comes first, its settings below it: the
    # map fills the first screen. The container is filled once the settings are read.
    zone_carte = st.container() if diffusion.presentation() else contextlib.nullcontext()
    mesure = ui.choix_dans_url(
        "mesure",
        "Mesure",
        list(cartes.MESURES),
        {code: m.libelle for code, m in cartes.MESURES.items()},
        forme="boutons",
    )
    # The quartier list depends on the geography: its row is laid out first, filled in order.
    options = st.columns([3, 1.7, 2.1, 2], vertical_alignment="bottom")
    with options[1]:
        geographie = ui.choix_dans_url(
            "geo",
            "Géographie prioritaire",
            annees_geo or [2024],
            {a: f"QPV {a}" for a in annees_geo or [2024]},
            aide="Géographie des quartiers prioritaires : 2024 (codes QN) ou 2015 (codes QP).",
            desactive=len(annees_geo) < 2,
        )
    territoire = {"pre_id": filtres.pre_id, "commune": filtres.commune, "annee": filtres.annee}
    qpv = run("carte_qpv", **territoire, geographie=geographie, niveau="territoire")
    etablissements = run("carte_etablissements", **territoire)
    contours = run("carte_contours", pre_id=filtres.pre_id, niveau="territoire")
    cites = run("carte_cites", pre_id=filtres.pre_id, geographie=geographie, niveau="territoire")
    liens = run("carte_qpv_etablissements", pre_id=filtres.pre_id, geographie=geographie)
    codes = [TOUS, *qpv["code_qp"]]
    noms = dict(zip(qpv["code_qp"], qpv["nom"], strict=True))
    with options[0]:
        code = ui.choix_dans_url(
            "quartier",
            "Quartier prioritaire",
            codes,
            {TOUS: "Choisir un quartier…"} | {c: f"{noms[c]} ({c})" for c in codes[1:]},
            # The sidebar's QPV, if any, opens first.
            defaut=filtres.qpv if filtres.qpv in codes else TOUS,
            aide="Cliquer sur un quartier de la carte ou du classement l'ouvre aussi ici.",
            libelle_vue="Fiche du quartier affichée",
        )
    with options[2]:
        # Writes each quartier's name on the map.
        noms_affiches = st.toggle("Noms des quartiers", key="noms_quartiers")
    with options[3], st.popover("Couches affichées", width="stretch"):
        couches = ui.choix_dans_url(
            "couches",
            "Couches affichées",
            list(cartes.COUCHES),
            cartes.COUCHES,
            forme="plusieurs",
            defaut=list(cartes.COUCHES_PAR_DEFAUT),
        )
    carte = carte_du_territoire(
        qpv,
        etablissements,
        contours,
        cites,
        mesure,
        tuple(sorted(couches)),
        filtres.annee,
        config.fond_de_carte_ign(),
        code if code != TOUS else None,
        noms_affiches,
        filtres.commune,
    )
    with zone_carte:
        ui.afficher_carte(
            carte,
            cartes.MESURES[mesure].code,
            filtres,
            qpv,
            cle="carte",
            selection="quartier",
            choix=tuple(codes[1:]),
            propriete="code_qp",
            hauteur=600,
            image=lambda: carte_image.figure_carte(
                qpv,
                etablissements,
                contours,
                cites,
                mesure,
                couches,
                filtres.annee,
                noms=True,
                commune=filtres.commune,
            ),
        )
    choisie = cartes.MESURES[mesure]
    # The ranked quartiers, then the chosen quartier's card, each across the page's width.
    ui.intertitre(f"Quartiers classés : {choisie.libelle.lower()}")
    classement_des_quartiers(qpv, mesure, code, filtres.territoire, geographie)
    fiche = cartes.fiche_qpv(code, qpv, etablissements, liens, cites) if code != TOUS else None
    if fiche is None:
        st.info("Cliquez sur un quartier de la carte ou du classement pour afficher sa fiche.")
    else:
        ligne = fiche.ligne.row(0, named=True)
        ui.intertitre(f"{ligne['nom']} ({ligne['code_qp']})")
        suite = f" · géographie {ligne['annee_geographie']}" + (
            " · contour non disponible" if ligne["geom"] is None else ""
        )
        ui.note(
            f"Commune : {ligne['communes'] or formats.VIDE}{suite}",
            f"Commune : {formats.texte_md(ligne['communes'])}{suite}",
        )
        for colonne, choix in zip(st.columns(3), cartes.MESURES.values(), strict=True):
            with colonne:
                ui.chiffre_cle(
                    choix.code, fiche.ligne, filtres.annee, choix.colonne, titre=choix.libelle
                )
        st.markdown(
            f"**Équipes pluridisciplinaires de soutien réunies dans l'année** : "
            f"{ligne['eps_actives']} · **Cité éducative** : "
            + (", ".join(formats.texte_md(c) for c in fiche.cites) or "aucune")
        )
        ecoles, fiches = st.columns(2)
        with ecoles:
            ui.intertitre("Écoles et collèges dans le quartier ou à moins de 300 m", niveau=3)
            ui.afficher_tableau(
                fiche.etablissements,
                {
                    "nom": ("Établissement", "texte"),
                    "reseau": ("Réseau", "texte"),
                    "situation": ("Situation", "texte"),
                    "beneficiaires": ("Enfants", "nombre"),
                },
                place=390,
            )
        with fiches:
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
                place=390,
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
            place=390,
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
            place=390,
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
