"""Territoires: every PRE of France, a région or a département, with QPV 2024, REP/REP+ and Cités
éducatives on one map, and the coverage gaps beside it (national reference, no child figure)."""

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from pre_pilotage import acces, agregats, carte_territoires, formats, requetes, territoires, ui
from pre_pilotage.geographie import nationale
from pre_pilotage.requetes import run

SOURCE = (
    "ANCT, liste des PRE par commune (janvier 2024) et QPV 2024 ; Éducation nationale, "
    "éducation prioritaire 2022-2023 ; ANCT, Cités éducatives (liste de 2023)"
)


@st.cache_data(show_spinner=False, max_entries=4)
def reference(chemin: str, date_fichier: float) -> dict:
    return nationale.lire(Path(chemin))


@st.cache_data(show_spinner="Préparation de la carte…", max_entries=32)
def carte(chemin: str, date_fichier: float, code: str):
    return carte_territoires.construire_carte(
        territoires.selectionner(reference(chemin, date_fichier), code)
    )


ui.debut_page("Territoires", etape="territoires")
chemin = nationale.chemin_reference()
if not chemin.exists():
    st.warning(nationale.message_absente(chemin, acces.autorise("administration")))
    st.stop()
date = chemin.stat().st_mtime
tables = reference(str(chemin), date)
limite = acces.departement_autorise()
choix = territoires.options(tables, limite)
demande = st.query_params.get("territoire")
if limite is not None and demande is not None and demande not in choix:
    st.error(f"Accès refusé : votre compte est limité au département {choix[next(iter(choix))]}.")
    st.stop()
code = ui.choix_dans_url("territoire", "Territoire", list(choix), choix)
vue = territoires.selectionner(tables, code)
ui.sous_titre(vue.libelle, "PRE de la liste ANCT (janvier 2024)", "QPV 2024")
chiffres = territoires.chiffres(vue)
colonnes = st.columns(5)
for colonne, (libelle, cle) in zip(
    colonnes,
    [
        ("Communes avec un PRE", "communes_pre"),
        ("QPV 2024", "qpv"),
        ("QPV sans PRE", "qpv_sans_pre"),
        ("Réseaux REP+", "reseaux_rep_plus"),
        ("Cités éducatives", "cites"),
    ],
    strict=True,
):
    colonne.metric(libelle, formats.nombre(chiffres[cle]), border=True)

# The map takes the whole width (its legend beside the points, never over them); the gaps
# follow right under it, two tables abreast.
st.markdown(
    f"#### {formats.texte_md('PRE, quartiers prioritaires et éducation prioritaire – ' + vue.libelle)}"
)
st_folium(
    carte(str(chemin), date, code),
    key=f"carte-territoires-{code}",
    height=600,
    use_container_width=True,
    returned_objects=[],
)
st.caption(
    f"Source : {SOURCE}. Une commune a un PRE quand elle figure dans la liste ANCT ; un PRE "
    "porté par un EPCI (communauté d'agglomération, métropole…) couvre toutes les communes "
    "de l'EPCI. Un QPV est couvert quand l'une de ses communes l'est. "
    + (
        "À cette échelle, chaque réseau est représenté par son collège tête de réseau."
        if vue.niveau != "departement"
        else ""
    )
    + (
        # Guadeloupe, Mayotte: their inset in the ANCT file spreads the islands apart, and no
        # commune contour file given covers them.
        " Le contour du département n'est pas dessiné : aucun des fichiers fournis ne le donne "
        "à sa place."
        if vue.niveau == "departement"
        and vue.departements.height
        and vue.departements["geom"][0] is None
        else ""
    )
)
st.markdown("#### Lacunes de couverture")
# One table under the other, across the page: quartiers' and schools' official names are long
# (« Quartier Prioritaire D'Auberchicourt Et Ecaillon »), never cut.
LACUNES = [
    (
        "Quartiers prioritaires sans PRE",
        territoires.qpv_sans_pre,
        {"quartier": ("Quartier", "texte"), "noms_communes": ("Communes", "texte")},
        "QPV sans PRE",
    ),
    (
        "Quartiers prioritaires d'une commune à Cité éducative, sans PRE",
        territoires.qpv_cite_sans_pre,
        {"quartier": ("Quartier", "texte"), "noms_cites": ("Cité éducative", "texte")},
        "QPV à Cité éducative sans PRE",
    ),
    (
        "Réseaux REP+ dont aucune école n'est dans une commune couverte par un PRE",
        territoires.reseaux_rep_plus_hors_pre,
        {
            "tete": ("Collège tête de réseau", "texte"),
            "commune": ("Commune", "texte"),
            "ecoles": ("Établissements", "nombre"),
        },
        "Réseaux REP+ hors PRE",
    ),
    (
        "Écoles et collèges REP+ d'une commune sans PRE",
        territoires.ecoles_rep_plus_hors_pre,
        {"nom": ("Établissement", "texte"), "commune": ("Commune", "texte")},
        "Écoles REP+ hors PRE",
    ),
]
for intitule, lacune, colonnes_lacune, fichier in LACUNES:
    st.markdown(f"**{intitule}**")
    ui.afficher_tableau(
        lacune(vue),
        colonnes_lacune,
        titre=f"{fichier} – {vue.libelle}",
        source=SOURCE,
        programme=False,
        place=800,
        limite_texte=520,
    )
# The ANCT list's codes that were not in the département the row names: never silently.
corriges = territoires.codes_corriges(vue)
if corriges.height:
    st.markdown("**Codes INSEE corrigés d'après le département de la liste ANCT**")
    ui.afficher_tableau(
        corriges,
        {
            "commune": ("Commune (libellé de la liste)", "texte"),
            "code_liste": ("Code de la liste", "texte"),
            "code_retenu": ("Code retenu", "texte"),
        },
        titre=f"Codes INSEE corrigés – {vue.libelle}",
        source=SOURCE,
        programme=False,
    )
    st.caption(
        "Le code de la liste désigne une commune d'un autre département que celui de la "
        "ligne ; le code retenu est celui de la seule commune de ce nom dans ce département."
    )
a_verifier = territoires.lignes_a_verifier(vue)
if a_verifier.height:
    # Sentences, not a table: the reason is too long for a column.
    st.markdown("**Lignes de la liste ANCT à vérifier** (code de la liste conservé)")
    ui.puces(
        [
            f"« {r['libelle']} », ligne {r['ligne']}, code {r['code_liste']} : {r['motif']}."
            for r in a_verifier.iter_rows(named=True)
        ]
    )

# Figures of the programmes whose data are in the database (an account limited to one
# programme sees only its own).
programmes_communes = run("programmes_communes")
if acces.programme_autorise() is not None:
    programmes_communes = programmes_communes.filter(
        programmes_communes["pre_id"] == acces.programme_autorise()
    )
ui.intertitre(f"Programmes dont les données sont dans l'outil – {vue.libelle}")
pre_ids = set(
    agregats.programmes_du_territoire(
        programmes_communes, None if vue.niveau == "france" else vue.departements["code"].to_list()
    )
)
message = requetes.etat_protection_agregats()
annees = {} if message else requetes.annees_des_programmes()
annees = {a: [p for p in programmes if p in pre_ids] for a, programmes in annees.items()}
annees = {a: p for a, p in annees.items() if p}
if message is not None:
    st.info(f"{message} Les chiffres des programmes ne sont pas affichés.")
elif not annees:
    st.info(
        f"Aucun programme du territoire « {vue.libelle} » n'a de données dans l'outil : "
        "seuls les lieux de la liste ANCT sont montrés."
    )
else:
    annee = ui.choix_dans_url(
        "annee_programmes",
        "Année des données des programmes",
        list(annees),
        {a: str(a) for a in annees},
    )
    cellules = requetes.cellules_des_programmes(annee)
    resultat = agregats.agreger(
        cellules.filter(cellules["pre_id"].is_in(annees[annee])),
        run("budget_par_programme_et_financeur", annee=annee),
        run("references_nationales"),
        annee,
    )
    chiffres_programmes = dict(
        zip(resultat.indicateurs["code"], resultat.indicateurs["territoire"], strict=True)
    )
    for colonne, (libelle, valeur) in zip(
        st.columns(4),
        [
            ("Programmes avec des données", formats.nombre(resultat.programmes)),
            ("Enfants accompagnés", formats.nombre(chiffres_programmes["actifs"])),
            ("Budget programmé", formats.euros(chiffres_programmes["budget_programme"])),
            (
                "Coût par enfant accompagné",
                formats.euros(chiffres_programmes["cout_par_beneficiaire"]),
            ),
        ],
        strict=True,
    ):
        colonne.metric(f"{libelle} en {annee}", valeur, border=True)
    if (phrase := agregats.phrase_ecartes(resultat)) is not None:
        st.caption(formats.texte_md(phrase))
    # Two tables each (territory, then distribution), so that no column is cut at 1280 px.
    repartition = {
        "mediane": "Médiane",
        "q1": "1er quartile",
        "q3": "3e quartile",
        "minimum": "Minimum",
        "maximum": "Maximum",
    }
    for cadre, cle, totaux, unite, titre, note in (
        (
            resultat.indicateurs,
            ("indicateur", "Indicateur"),
            {"territoire": ("Territoire", "@unite"), "programmes": ("Programmes", "texte")},
            "@unite_repartition",
            "Chiffres des programmes",
            agregats.note_methode(resultat, requetes.seuil_agregats()),
        ),
        (
            resultat.financeurs,
            ("financeur", "Financeur"),
            {
                "montant": ("Montant", "euros"),
                "part": ("Part", "pourcentage"),
                "programmes": ("Programmes", "texte"),
            },
            "euros",
            "Budget programmé par financeur",
            "Programmes : ceux qui ont ce financeur. Répartition : sur les programmes ayant un "
            "budget cette année-là, un programme sans ce financeur comptant pour 0 €.",
        ),
    ):
        ui.intertitre(f"{titre} – {vue.libelle}, {annee}", niveau=3)
        ui.afficher_tableau(
            cadre,
            {cle[0]: (cle[1], "texte")} | totaux,
            titre=f"{titre} – {vue.libelle}, {annee}",
            source=agregats.SOURCE,
            programme=False,
        )
        # Below five programmes the distribution is not given (the note says why): no table
        # of dashes.
        if any(cadre[c].is_not_null().any() for c in repartition):
            ui.afficher_tableau(
                cadre,
                {cle[0]: (cle[1], "texte")} | {c: (e, unite) for c, e in repartition.items()},
                titre=f"{titre}, répartition entre programmes – {vue.libelle}, {annee}",
                source=agregats.SOURCE,
                programme=False,
            )
        st.caption(formats.texte_md(note))

    # National references as sentences: too long for a table column.
    ui.intertitre("Références nationales", niveau=3)
    ui.puces(agregats.references(resultat))

st.markdown(f"#### Communes avec un PRE – {formats.texte_md(vue.libelle)}")
communes_pre = territoires.avec_programmes(vue, programmes_communes)
colonnes_communes = {
    "nom": ("Commune", "texte"),
    "code_insee": ("Code INSEE", "texte"),
    "porteurs": ("Structure porteuse (liste ANCT)", "texte"),
}
# The column of programmes with data only where one of them has some.
if communes_pre["programmes"].is_not_null().any():
    colonnes_communes["programmes"] = ("Programme dans l'outil", "texte")
ui.afficher_tableau(
    communes_pre,
    colonnes_communes,
    limite_texte=360,
    recherche_et_tri="communes-pre" if vue.niveau != "departement" else None,
    titre=f"Communes avec un PRE – {vue.libelle}",
    source=SOURCE,
)
if vue.couvertes.height:
    with st.expander(
        f"Autres communes couvertes par un PRE intercommunal ({formats.nombre(vue.couvertes.height)})"
    ):
        ui.afficher_tableau(
            vue.couvertes,
            {
                "nom": ("Commune", "texte"),
                "code_insee": ("Code INSEE", "texte"),
                "epci": ("EPCI porteur", "texte"),
                "commune_pre": ("Commune de la liste ANCT", "texte"),
            },
            titre=f"Communes d'un PRE intercommunal – {vue.libelle}",
            source=SOURCE,
            programme=False,
        )
# What the files could not place on the map: listed, never dropped silently.
sans_position = territoires.communes_sans_position(vue)
if sans_position.height:
    st.markdown(
        "**Communes de la liste ANCT absentes de la carte** (aucun des fichiers fournis ne "
        "permet de les situer ; elles restent comptées)"
    )
    # One sentence per reason, naming its communes.
    ui.puces(
        [
            f"{raison[0].upper()}{raison[1:]} : "
            + ", ".join(f"{r['nom']} ({r['code_insee']})" for r in groupe.iter_rows(named=True))
            + "."
            for (raison,), groupe in sans_position.group_by("raison", maintain_order=True)
        ]
    )
for cadre, intro, colonnes, titre in (
    (
        territoires.qpv_sans_position(vue),
        "**Quartiers prioritaires absents de la carte** (contour inutilisable dans le fichier "
        "des QPV : ils restent comptés et listés ci-dessus)",
        {
            "nom": ("Quartier", "texte"),
            "code_qp": ("Code", "texte"),
            "noms_communes": ("Commune", "texte"),
        },
        f"QPV sans contour – {vue.libelle}",
    ),
):
    if cadre.height:
        st.markdown(intro)
        ui.afficher_tableau(cadre, colonnes, titre=titre, source=SOURCE, programme=False)
