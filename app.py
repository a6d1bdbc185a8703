"""Entry point: page setup, navigation, shared sidebar and demo banner; pages do the rest."""

import streamlit as st

from pre_pilotage import acces, diffusion, ui

st.set_page_config(page_title="Pilotage du PRE", page_icon="🎓", layout="wide")
ui.styles()
if not ui.verifier_base():
    st.stop()
utilisateur = acces.ouvrir_session(demo=ui.est_demo())
page = st.navigation(
    [
        # Streamlit serves the default page at "/": it forwards to /synthese, so that every page,
        # Synthèse included, has its own deep link.
        st.Page(ui.accueil, title="Accueil", url_path="accueil", default=True, visibility="hidden"),
        st.Page(
            "pages/synthese.py", title="Synthèse", icon=":material/dashboard:", url_path="synthese"
        ),
        st.Page("pages/carte.py", title="Carte", icon=":material/map:", url_path="carte"),
        st.Page(
            "pages/publics.py",
            title="Publics et parcours",
            icon=":material/groups:",
            url_path="publics",
        ),
        st.Page(
            "pages/budget.py",
            title="Programmation et budgets",
            icon=":material/euro:",
            url_path="budget",
        ),
        st.Page(
            "pages/cite.py",
            title="PRE et Cité éducative",
            icon=":material/handshake:",
            url_path="cite",
        ),
        st.Page(
            "pages/territoires.py",
            title="Territoires",
            icon=":material/travel_explore:",
            url_path="territoires",
        ),
        st.Page(
            "pages/rapport.py",
            title="Rapport",
            icon=":material/description:",
            url_path="rapport",
            visibility=acces.visibilite("coordination"),
        ),
        st.Page(
            "pages/sources.py",
            title="Sources et définitions",
            icon=":material/menu_book:",
            url_path="sources",
        ),
        st.Page(
            "pages/programme.py",
            title="Programme",
            icon=":material/edit_note:",
            url_path="programme",
            visibility=acces.visibilite("administration"),
        ),
        st.Page(
            "pages/import.py",
            title="Import des données",
            icon=":material/upload_file:",
            url_path="import",
            visibility=acces.visibilite("administration"),
        ),
        st.Page(
            "pages/enquete.py",
            title="Enquête nationale",
            icon=":material/fact_check:",
            url_path="enquete",
            visibility=acces.visibilite("administration"),
        ),
        st.Page(
            "pages/administration.py",
            title="Comptes et journal",
            icon=":material/admin_panel_settings:",
            url_path="administration",
            visibility=acces.visibilite("administration"),
        ),
    ],
    # Presentation mode hides the sidebar: the pages are then tabs at the top of the screen, so
    # that the comité can follow from one page to the next without leaving the mode.
    position=("top" if diffusion.presentation() else "sidebar") if utilisateur else "hidden",
)
if utilisateur is None:
    ui.formulaire_connexion()
    st.stop()
st.session_state["filtres"] = ui.barre_laterale()
ui.bandeau_demo()
page.run()
ui.fin_page(page.url_path)
