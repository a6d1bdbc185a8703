"""The Carte page in a real browser: offline (no request leaves the machine), polygons drawn, legend,
tooltips masked, click to open a QPV card; on the demo and on real territories of ../shared/data.

Screenshots: tests/captures/carte*.png.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import duckdb
import pytest

from pre_pilotage import protection
from tests.test_geographie import (
    TOULOUSE,
    VALENCIENNES,
    fichiers_reels,
    fichiers_toulouse,
    fichiers_valenciennes,
    programme_fictif,
)
from tests.test_navigateur import (
    SONDES_STREAMLIT,
    attendre_rendu,
    capturer,
    serveur_streamlit,
)

pytestmark = pytest.mark.navigateur

CARTE = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def demo(chemin_demo, tmp_path_factory):
    with serveur_streamlit(chemin_demo, tmp_path_factory.mktemp("serveur_carte")) as url:
        yield url


def ouvrir_carte(navigateur, url: str):
    """Open the page, recording every request; wait until the map is drawn."""
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = contexte.new_page()
    requetes: list[str] = []
    erreurs: list[str] = []
    page.on("request", lambda r: requetes.append(r.url))
    # Messages the browser sends to Streamlit (a rerun request is one of them).
    page.envois = []
    page.on(
        "websocket",
        lambda ws: ws.on("framesent", lambda charge: page.envois.append(len(charge or ""))),
    )
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    page.on(
        "console",
        lambda m: (
            erreurs.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            erreurs.append(f"{r.status} {r.url}")
            if r.status >= 400 and not SONDES_STREAMLIT.search(r.url)
            else None
        ),
    )
    page.goto(url)
    attendre_rendu(page)
    page.wait_for_selector(CARTE, timeout=30_000)
    cadre = page.frame_locator(CARTE)
    cadre.locator(".pre-legende").wait_for(timeout=30_000)
    page.wait_for_timeout(1_000)
    return contexte, page, cadre, requetes, erreurs


def externes(requetes: list[str]) -> list[str]:
    return sorted(
        {
            u
            for u in requetes
            if urlparse(u).scheme in ("http", "https", "ws", "wss")
            and urlparse(u).hostname not in LOCAL
        }
    )


def frame_carte(page):
    return next(f for f in page.frames if "streamlit_folium" in f.url)


def infobulle(page, code_qp: str) -> str:
    """Open a QPV's tooltip from Leaflet itself and read it."""
    return frame_carte(page).evaluate(
        """(code) => {
            let texte = null;
            window.map.eachLayer((groupe) => {
                if (!groupe.getLayers || !groupe.getTooltip()) return;
                groupe.eachLayer((l) => {
                    if (l.feature && l.feature.properties.code_qp === code) {
                        // What a mouse over the quartier does (the tooltip is the layer's).
                        l.fire("mouseover", {latlng: l.getBounds().getCenter()}, true);
                        texte = groupe.getTooltip().getElement().innerText;
                    }
                });
            });
            return texte;
        }""",
        code_qp,
    )


def cliquer_qpv(page, code_qp: str) -> None:
    frame_carte(page).evaluate(
        """(code) => window.map.eachLayer((l) => {
            if (l.feature && l.feature.properties && l.feature.properties.code_qp === code) {
                l.getElement().dispatchEvent(new MouseEvent("click", {bubbles: true}));
            }
        })""",
        code_qp,
    )


def verifier_sans_petit_effectif(page) -> None:
    texte = page.locator('[data-testid="stMain"]').inner_text()
    for anglais in ("Traceback", "Error", "None", "nan"):
        assert not re.search(rf"\b{anglais}\b", texte), anglais
    # Tables: every count cell is a token, 0, or at least 11.
    for cellule in page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts():
        assert not re.fullmatch(r"[1-9]|10", cellule.strip()), cellule


def test_carte_demo_hors_ligne_polygones_legende_et_fiche(demo, navigateur):
    contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, f"{demo}/carte")
    try:
        capturer(page, "carte")
        assert externes(requetes) == []
        assert any("/app/static/leaflet/leaflet.js" in u for u in requetes)
        # 15 QPV, 11 communes and 2 Cités éducatives are drawn as interactive paths.
        assert cadre.locator("path.leaflet-interactive").count() >= 28
        assert cadre.locator(".leaflet-marker-icon.pre").count() >= 40
        legende = cadre.locator(".pre-legende").inner_text()
        for attendu in (
            "Légende",
            "Enfants accompagnés par quartier prioritaire",
            "« < 11 » : moins de 11 enfants, effectif non diffusé",
            "« s » : masqué pour protéger un autre chiffre",
            "collège REP+",
            "école REP",
            "périmètre de Cité éducative",
        ):
            assert attendu in legende, attendu
        # Les Hauts de Sambre has fewer than 11 children in 2025: hatched, tooltip "< 11".
        bulle = infobulle(page, "QN09604N")
        assert "Quartier prioritaire Les Hauts de Sambre" in bulle
        assert "Enfants accompagnés en 2025 : < 11" in bulle
        assert cadre.locator('path[fill="url(#pre-hachures)"]').count() >= 1
        verifier_sans_petit_effectif(page)
        # Panning and zooming the map send nothing to the server: the page does not rerun.
        envoyes = len(page.envois)
        frame_carte(page).evaluate("() => { window.map.panBy([150, 80]); window.map.zoomIn(); }")
        page.wait_for_timeout(2_500)
        assert len(page.envois) == envoyes
        # A click on a QPV opens its card beside the map and writes it in the URL.
        cliquer_qpv(page, "QN09601N")
        page.wait_for_url(re.compile(r"quartier=QN09601N"), timeout=15_000)
        attendre_rendu(page)
        assert len(page.envois) > envoyes  # the click, unlike panning, did reach the server
        assert page.get_by_role("heading", name="Les Tilleuls (QN09601N)").count() == 1
        assert "Écoles et collèges dans le quartier ou à moins de 300 m" in page.inner_text("body")
        capturer(page, "carte-fiche")
        verifier_sans_petit_effectif(page)
        lien = page.url
        assert erreurs == []
    finally:
        contexte.close()
    # The copied link reopens the same card and measure in a fresh browser.
    lien = lien.replace("quartier=QN09601N", "quartier=QN09601N&mesure=part")
    contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, lien)
    try:
        assert page.get_by_role("heading", name="Les Tilleuls (QN09601N)").count() == 1
        assert (
            "Part des enfants du programme par quartier"
            in cadre.locator(".pre-legende").inner_text()
        )
        assert externes(requetes) == [] and erreurs == []
    finally:
        contexte.close()


def test_carte_toulouse_metropole_polygones_reels(navigateur, tmp_path):
    from pre_pilotage import geographie

    base = tmp_path / "toulouse.duckdb"
    geographie.construire_base(base, fichiers_toulouse(), siren=TOULOUSE)
    programme_fictif(base, TOULOUSE, {"QP031007": 25, "QP031010": 12, "QP031009": 4})
    protection.proteger_fichier(base)  # the programme was written directly: protect it
    with serveur_streamlit(base, tmp_path) as url:
        contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, f"{url}/carte")
        try:
            capturer(page, "carte-toulouse")
            assert externes(requetes) == []
            # The 16 real QPV polygons of Toulouse Métropole (12 in Toulouse) and 3 Cités.
            assert cadre.locator("path.leaflet-interactive").count() >= 16
            assert "Enfants accompagnés en 2025 : 25" in infobulle(page, "QP031007")
            assert "Enfants accompagnés en 2025 : < 11" in infobulle(page, "QP031009")
            legende = cadre.locator(".pre-legende").inner_text()
            assert "« < 11 » : moins de 11 enfants, effectif non diffusé" in legende
            assert "périmètre de Cité éducative" in legende
            verifier_sans_petit_effectif(page)
            assert erreurs == []
        finally:
            contexte.close()


def test_carte_valenciennes_communes_reelles_et_qpv_sans_contour(navigateur, tmp_path):
    from pre_pilotage import geographie

    base = tmp_path / "valenciennes.duckdb"
    geographie.construire_base(base, fichiers_valenciennes(), siren=VALENCIENNES)
    programme_fictif(base, VALENCIENNES, {"QN05921M": 30, "QN05930M": 14, "QN05931M": 5})
    protection.proteger_fichier(base)  # the programme was written directly: protect it
    with serveur_streamlit(base, tmp_path) as url:
        contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, f"{url}/carte")
        try:
            capturer(page, "carte-valenciennes")
            assert externes(requetes) == []
            # 35 real commune outlines and 2 Cité perimeters; the QPV list has no contours.
            assert cadre.locator("path.leaflet-interactive").count() >= 37
            legende = cadre.locator(".pre-legende").inner_text()
            assert (
                "15 quartier(s) prioritaire(s) de cette géographie n'ont pas de contour" in legende
            )
            assert "quartier(s) sans contour, placé(s) sur leur commune" in legende
            # One "Q" marker on each commune holding QPV (by the QPV's first commune code).
            with duckdb.connect(str(base), read_only=True) as con:
                (communes,) = con.execute(
                    "select count(distinct c) from (select min(code_insee) as c from qpv_commune"
                    " group by code_qp)"
                ).fetchone()
            assert cadre.locator(".leaflet-marker-icon.pre").count() == communes == 9
            texte = page.inner_text("body")
            assert "Quartiers prioritaires sans contour dans les fichiers chargés" in texte
            cellules = page.locator(
                '[data-testid="stDataFrame"] [role="gridcell"]'
            ).all_inner_texts()
            assert "Cité Thiers - Cité Du Rivage - Brunehaut" in cellules and "QN05922M" in cellules
            verifier_sans_petit_effectif(page)
            assert erreurs == []
        finally:
            contexte.close()


def test_carte_val_de_marne_ecoles_rep_reelles(navigateur, tmp_path):
    from pre_pilotage import geographie

    base = tmp_path / "val-de-marne.duckdb"
    geographie.construire_base(
        base, fichiers_reels("etablissements", "qpv_liste"), communes=["94078", "94074"]
    )
    programme_fictif(
        base, "200054781", {"QN09433M": 20, "QN09431M": 3}, ecoles={"QN09433M": "0940735N"}
    )
    protection.proteger_fichier(base)  # the programme was written directly: protect it
    with serveur_streamlit(base, tmp_path) as url:
        contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, f"{url}/carte")
        try:
            capturer(page, "carte-val-de-marne")
            assert externes(requetes) == []
            # 21 REP and REP+ écoles of Villeneuve-Saint-Georges and 11 of Valenton, real points.
            assert cadre.locator(".leaflet-marker-icon.pre").count() == 32
            legende = cadre.locator(".pre-legende").inner_text()
            assert "école REP+" in legende
            assert "école ou collège REP sans enfant accompagné en 2025" in legende
            # No commune contour for Val-de-Marne here: QPV can neither be drawn nor placed.
            assert "placé(s) sur leur commune" not in legende
            assert (
                "6 quartier(s) prioritaire(s) de cette géographie n'ont pas de contour" in legende
            )
            texte = page.inner_text("body")
            assert "Écoles et collèges REP+ et REP sans enfant accompagné" in texte
            verifier_sans_petit_effectif(page)
            assert erreurs == []
        finally:
            contexte.close()
