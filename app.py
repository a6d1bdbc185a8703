"""Entry point: page setup, navigation, shared sidebar and demo banner; pages do the rest."""

import streamlit as st

from pre_pilotage import ui

st.set_page_config(page_title="Pilotage du PRE", page_icon=":material/school:", layout="wide")
ui.styles()
page = st.navigation(
    [
        # Streamlit serves the default page at "/": it forwards to /synthese, so that every page,
        # Synthèse included, has its own deep link.
        st.Page(ui.accueil, title="Accueil", url_path="accueil", default=True, visibility="hidden"),
        st.Page(
            "pages/synthese.py", title="Synthèse", icon=":material/dashboard:", url_path="synthese"
        ),
        st.Page(
            "pages/sources.py",
            title="Sources et définitions",
            icon=":material/menu_book:",
            url_path="sources",
        ),
    ]
)
if ui.verifier_base():
    st.session_state["filtres"] = ui.barre_laterale()
    ui.bandeau_demo()
    page.run()
