"""The dashboard's server: app.py, plus the routes that set and drop the session cookie.

`streamlit run lanceur.py` (or `python -m pre_pilotage.serveur`, which warms up first) serves
app.py exactly as `streamlit run app.py` does, with two more POST routes (pre_pilotage/sessions.py)
so that a sign-in holds across reloads, tabs and shared links, and a middleware
(pre_pilotage/telechargements.py) that serves a downloaded file only to the session that asked
for it, for a few minutes. Plain `streamlit run app.py` still works, but a sign-in then lasts
only as long as the browser tab, and its download links are not bound to the session.
"""

import streamlit as st

from pre_pilotage import proconnect, sessions, telechargements

# ProConnect's 32-character minimum for `state` and `nonce` (st.login's Authlib makes fewer).
proconnect.allonger_jetons()
app = st.App("app.py", routes=sessions.routes(), middleware=telechargements.middleware())
