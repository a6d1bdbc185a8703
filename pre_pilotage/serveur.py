"""Start the dashboard warm: `python -m pre_pilotage.serveur [options of streamlit run]`.

`streamlit run app.py` imports the app's libraries (Plotly, folium, SciPy, openpyxl, python-docx)
and checks the database's schema during the first visitor's request: several seconds on a small
server. This launcher does that work before the server listens, in the same process, so that the
first page served after a (re)start costs what the next ones cost (docs/performance.md). It serves
lanceur.py (app.py plus the session cookie's routes). Options after the command go to
`streamlit run` (e.g. `--server.port 8502`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

import pre_pilotage
from pre_pilotage import config

# Libraries imported lazily by pages or helpers (the masking's integer programs, the survey
# workbook). Not streamlit_folium: a Streamlit component registers itself only when imported
# during a script run, so importing it here would leave the map's component unserved (404).
MODULES_EXTERNES = ("scipy.optimize", "openpyxl", "plotly.io", "folium", "branca", "jinja2")
# Command-line entry points of the package, never needed by the app.
MODULES_EXCLUS = {"pre_pilotage.__main__", "pre_pilotage.serveur"}
TAILLE_BLOC = 8 * 1024 * 1024


def _importer_tout() -> None:
    noms = [
        module.name
        for module in pkgutil.walk_packages(pre_pilotage.__path__, prefix="pre_pilotage.")
        if module.name not in MODULES_EXCLUS
    ]
    for nom in [*noms, *MODULES_EXTERNES]:
        importlib.import_module(nom)


def _premieres_figures() -> None:
    """Plotly loads each property's validator the first time it is set: set the usual ones."""
    import plotly.graph_objects as go

    from pre_pilotage import graphiques

    fig = go.Figure()
    fig.add_bar(x=["a"], y=[1], text=["1"], customdata=[["a"]], marker_color="#000091")
    fig.add_scatter(x=["a"], y=[1], mode="lines+markers+text", text=["1"])
    fig.add_trace(go.Sankey(node={"label": ["a", "b"]}, link={"source": [0], "target": [1]}))
    graphiques._mise_en_page(fig)
    fig.update_traces(textposition="outside", selector={"type": "bar"})
    fig.to_json()


def _lire_fichier(chemin: Path) -> None:
    """Read the database file once, so that the first queries find it in the OS page cache."""
    if chemin.is_file():
        with chemin.open("rb") as fichier:
            while fichier.read(TAILLE_BLOC):
                pass


def prechauffer(base: Path | None = None) -> float:
    """Import everything the pages use, migrate and read the database; the seconds it took."""
    debut = time.perf_counter()
    _importer_tout()
    _premieres_figures()
    base = base or config.chemin_base()
    if base.exists():
        from pre_pilotage.db import migrer_fichier
        from pre_pilotage.protection import mettre_a_jour_fichier

        migrer_fichier(base)
        if mettre_a_jour_fichier(base):
            print("Protection statistique de la base recalculée.", flush=True)
        _lire_fichier(base)
    return time.perf_counter() - debut


def main(argv: list[str] | None = None) -> int:
    options = list(sys.argv[1:] if argv is None else argv)
    duree = prechauffer()
    print(f"Tableau de bord préparé en {duree:.1f} s".replace(".", ","), flush=True)
    from streamlit.web import cli

    # lanceur.py: app.py with the session cookie's routes (pre_pilotage/sessions.py).
    return cli.main(["run", str(config.RACINE / "lanceur.py"), *options], prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main())
