"""Programme: create or edit a programme (name, structure porteuse, communes, years, team)."""

import polars as pl
import streamlit as st

from pre_pilotage import acces, formats, importation, ui
from pre_pilotage.administration import journaliser
from pre_pilotage.importation import programme as module
from pre_pilotage.protection import EchecProtection
from pre_pilotage.requetes import run, vider_caches

NOUVEAU = "__nouveau__"

ui.debut_page("Programme : création et modification", role="administration", etape="programme")
st.markdown(
    "Décrivez le programme avant d'importer ses fichiers : son nom, sa structure porteuse, ses "
    "communes (celles d'un EPCI ou une liste de codes INSEE, prises dans la géographie de la "
    "base), ses années d'activité et son équipe. Rien n'est enregistré tant qu'une erreur "
    "reste signalée."
)
if message := st.session_state.pop("message_suppression", None):
    st.success(message)
programmes = run("programmes")
noms = {NOUVEAU: "Nouveau programme"} | dict(
    zip(programmes["pre_id"], programmes["nom"], strict=True)
)
if (a_choisir := st.session_state.pop("programme_a_choisir", None)) in noms:
    st.session_state["programme_choisi"] = a_choisir
choix = st.selectbox(
    "Programme", list(noms), format_func=noms.get, key="programme_choisi", placeholder="Choisir…"
)
creation = choix == NOUVEAU
actuel = None if creation else module.charger(ui.chemin_base(), choix)
actuel = actuel or module.Programme("", "")
if not creation:
    st.text(module.decrire(ui.chemin_base(), choix))

proposition = st.session_state.get(f"porteur_anct_{choix}")
with st.expander("Proposer la structure porteuse d'après la liste ANCT des PRE par commune"):
    st.caption(
        "Liste ANCT des programmes de réussite éducative par commune (CSV, colonnes "
        "code_insee, program, portage), déjà téléchargée : le tableau de bord ne la contient pas."
    )
    liste = st.file_uploader("Liste ANCT (CSV)", type=["csv"], key=f"anct_{choix}")
    if liste is not None and st.button("Proposer"):
        brouillon = module.Programme(
            choix,
            "",
            siren_epci=st.session_state.get(f"siren_{choix}", actuel.siren_epci or ""),
            communes=st.session_state.get(f"communes_{choix}", " ".join(actuel.communes)).split(),
        )
        try:
            proposition = module.proposer_porteur(ui.chemin_base(), liste.getvalue(), brouillon)
        except module.ProgrammeInvalide as exc:
            st.error(str(exc))
        else:
            if proposition is None:
                st.info("Aucune des communes du programme ne figure dans cette liste.")
            st.session_state[f"porteur_anct_{choix}"] = proposition

with st.form(f"programme_{choix}"):
    nom = st.text_input("Nom du programme", actuel.nom, placeholder="PRE de Valenciennes Métropole")
    identifiant = st.text_input(
        "Identifiant (minuscules, chiffres et tirets ; proposé d'après le nom si vide)",
        actuel.pre_id,
        disabled=not creation,
    )
    types = [None, *module.TYPES_PORTEUR]
    type_actuel = proposition[1] if proposition else actuel.type_porteur
    type_porteur = st.selectbox(
        "Type de structure porteuse",
        types,
        index=types.index(type_actuel),
        format_func=lambda t: "non renseigné" if t is None else module.LIBELLES_TYPE_PORTEUR[t],
        placeholder="Choisir…",
    )
    porteur = st.text_input("Structure porteuse", proposition[0] if proposition else actuel.porteur)
    siren = st.text_input(
        "SIREN de l'EPCI (toutes ses communes présentes dans la base)",
        actuel.siren_epci or "",
        key=f"siren_{choix}",
    )
    communes = st.text_area(
        "Ou la liste des communes (codes INSEE séparés par des espaces ou des virgules)",
        " ".join(actuel.communes) if not actuel.siren_epci else "",
        key=f"communes_{choix}",
        help="Laissez vide pour prendre toutes les communes de l'EPCI.",
    )
    annees = st.text_input(
        "Années d'activité", ", ".join(map(str, actuel.annees)), placeholder="2024-2025"
    )
    st.markdown(
        "**Équipe** : une ligne par personne et par année (ETP de 0,01 à 1). Pour ajouter une "
        "personne, cliquez dans la ligne vide en bas du tableau ; pour en retirer une, cochez sa "
        "ligne à gauche puis appuyez sur la touche Suppr."
    )
    equipe = st.data_editor(
        pl.DataFrame(
            [
                {"annee": a, "fonction": f, "etp": e}
                for a, membres in sorted(actuel.equipe.items())
                for f, e in membres
            ],
            schema={"annee": pl.Int64, "fonction": pl.Utf8, "etp": pl.Float64},
        ),
        num_rows="dynamic",
        column_config={
            "annee": st.column_config.NumberColumn("Année", format="%d", step=1),
            "fonction": st.column_config.SelectboxColumn(
                "Fonction", options=list(module.FONCTIONS), required=True
            ),
            "etp": st.column_config.NumberColumn("ETP", min_value=0.01, max_value=1.0),
        },
        key=f"equipe_{choix}",
    )
    envoye = st.form_submit_button(
        "Créer le programme" if creation else "Enregistrer les modifications", type="primary"
    )

if envoye:
    lignes = [r for r in equipe.to_dicts() if r["annee"] or r["fonction"] or r["etp"]]
    par_annee: dict[int, list] = {a: [] for a in actuel.equipe}  # a year emptied is emptied
    erreurs = [
        f"Équipe, ligne {rang} : année, fonction et ETP sont obligatoires."
        for rang, r in enumerate(lignes, start=1)
        if r["annee"] is None or not r["fonction"] or r["etp"] is None
    ]
    for r in lignes:
        if r["annee"] is not None and r["fonction"] and r["etp"] is not None:
            par_annee.setdefault(int(r["annee"]), []).append((r["fonction"], float(r["etp"])))
    try:
        if erreurs:
            raise module.ProgrammeInvalide(erreurs)
        description = module.Programme(
            (identifiant.strip() or module.identifiant_propose(nom)) if creation else choix,
            nom,
            porteur,
            type_porteur,
            siren.strip() or None,
            communes.replace(",", " ").split(),
            module.lire_annees(annees),
            par_annee,
        )
        vider_caches()  # the app's read-only connection is closed before writing
        module.enregistrer(ui.chemin_base(), description, creation=creation)
    except module.ProgrammeInvalide as exc:
        st.error(
            "Programme non enregistré :\n\n"
            + "\n".join(f"- {formats.texte_md(e)}" for e in exc.erreurs)
        )
    except (importation.BaseOccupee, EchecProtection) as exc:
        st.error(str(exc))
    else:
        vider_caches()
        st.session_state.pop(f"porteur_anct_{choix}", None)
        # Chosen on the next run, before the selector exists (a widget's key cannot be set
        # once it is drawn).
        st.session_state["programme_a_choisir"] = description.pre_id
        st.session_state["message_programme"] = (
            f"Programme « {formats.texte_md(description.nom)} » enregistré. Étape suivante : importer ses "
            "fichiers (page « Import des données »)."
        )
        st.rerun()
if message := st.session_state.pop("message_programme", None):
    st.success(message)
    st.page_link("pages/import.py", label="Importer les fichiers", icon=":material/upload_file:")

if not creation:
    with st.expander("Supprimer ce programme"):
        with importation.ouvrir(ui.chemin_base(), lecture_seule=True) as con:
            retirees = module.a_supprimer(con, choix)
        from pre_pilotage.protection import seuils_en_usage

        detail = module.texte_suppression(choix, retirees, max(seuils_en_usage()))
        st.markdown(
            f"Supprimer le programme « {formats.texte_md(noms[choix])} » retire de la base "
            "toutes ses données, sans retour possible (gardez une copie de la base si besoin) :"
        )
        ui.puces(detail)
        with st.form(f"suppression_{choix}"):
            confirmation = st.text_input(
                f"Pour confirmer, saisissez l'identifiant du programme : {choix}",
                key=f"confirmer_suppression_{choix}",
            )
            supprimer = st.form_submit_button("Supprimer définitivement")
        if supprimer:
            if confirmation.strip() != choix:
                st.error(f"Rien n'a été supprimé : saisissez exactement l'identifiant « {choix} ».")
            else:
                try:
                    vider_caches()  # the app's read-only connection is closed before writing
                    module.supprimer(ui.chemin_base(), choix)
                except (module.ProgrammeInvalide, importation.BaseOccupee, EchecProtection) as exc:
                    st.error(str(exc))
                else:
                    vider_caches()
                    journaliser(
                        "reglage",
                        acces.utilisateur_courant(),
                        objet=f"suppression du programme {choix}",
                        details={"supprime": dict(retirees)},
                    )
                    st.session_state["programme_a_choisir"] = NOUVEAU
                    st.session_state["message_suppression"] = (
                        f"Programme « {formats.texte_md(noms[choix])} » supprimé, avec toutes "
                        "ses données."
                    )
                    st.rerun()
