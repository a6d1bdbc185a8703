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
    CAPTURES,
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
            "« s » : masqué pour protéger un autre chiffre",
            "collège REP+",
            "école REP",
            "périmètre de Cité éducative",
        ):
            assert attendu in legende, attendu
        # Les Hauts de Sambre has fewer than 11 children in 2025, masked « s » to protect its
        # own range (an « s » counts at least one child, so « < 11 » left it too narrow):
        # dotted, tooltip « s »; no quartier is « < 11 » that year (hatched: 2024, below).
        bulle = infobulle(page, "QN09604N")
        assert "Quartier prioritaire Les Hauts de Sambre" in bulle
        assert "Enfants accompagnés en 2025 : s" in bulle
        assert cadre.locator('path[fill="url(#pre-pointilles)"]').count() >= 1
        assert cadre.locator('path[fill="url(#pre-hachures)"]').count() == 0
        assert "« < 11 »" not in legende
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
    # In 2024 Les Hauts de Sambre is « < 11 »: hatched, with its line in the legend.
    contexte, page, cadre, requetes, erreurs = ouvrir_carte(
        navigateur,
        lien.replace("annee=2025", "annee=2024") if "annee=2025" in lien else lien + "&annee=2024",
    )
    try:
        assert "Enfants accompagnés en 2024 : < 11" in infobulle(page, "QN09604N")
        assert cadre.locator('path[fill="url(#pre-hachures)"]').count() >= 1
        legende = cadre.locator(".pre-legende").inner_text()
        assert "« < 11 » : moins de 11 enfants, effectif non diffusé" in legende
        verifier_sans_petit_effectif(page)
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
            assert "15 quartiers prioritaires de cette géographie n'ont pas de contour" in legende
            assert "quartiers sans contour, placés sur leur commune" in legende
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
            assert "sur leur commune" not in legende
            assert "6 quartiers prioritaires de cette géographie n'ont pas de contour" in legende
            texte = page.inner_text("body")
            assert "Écoles et collèges REP+ et REP sans enfant accompagné" in texte
            verifier_sans_petit_effectif(page)
            assert erreurs == []
        finally:
            contexte.close()


def geometrie_de_la_carte(page) -> dict:
    """Where the map, its legend and the drawn territory sit, in the map frame's pixels."""
    return frame_carte(page).evaluate(
        """() => {
            const carte = document.querySelector(".leaflet-container").getBoundingClientRect();
            const legende = document.querySelector(".pre-legende").getBoundingClientRect();
            const traces = [...document.querySelectorAll(".leaflet-overlay-pane path")]
                .map((p) => p.getBoundingClientRect()).filter((r) => r.width > 0);
            const union = {
                left: Math.min(...traces.map((r) => r.left)),
                top: Math.min(...traces.map((r) => r.top)),
                right: Math.max(...traces.map((r) => r.right)),
                bottom: Math.max(...traces.map((r) => r.bottom)),
            };
            return {
                carte: {left: carte.left, top: carte.top, right: carte.right,
                        bottom: carte.bottom, width: carte.width},
                legende: {left: legende.left, top: legende.top, right: legende.right,
                          bottom: legende.bottom},
                territoire: union,
                zoom: window.map.getZoom(),
                noms: [...document.querySelectorAll(".pre-nom")].map((n) => n.innerText),
            };
        }"""
    )


def largeur_utile(page) -> float:
    return page.evaluate(
        """() => {
            const bloc = document.querySelector('[data-testid="stMainBlockContainer"]');
            const style = getComputedStyle(bloc);
            return bloc.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        }"""
    )


def cellules_du_classement(page) -> list[list[str]]:
    """The ranked table's visible rows (Streamlit's grid keeps an accessible copy of them)."""
    tableau = page.locator('[data-testid="stDataFrame"]').first
    lignes = []
    for ligne in tableau.locator('[role="row"]').all()[1:]:
        cellules = [c.strip() for c in ligne.locator('[role="gridcell"]').all_inner_texts()]
        if any(cellules):
            lignes.append(cellules)
    return lignes


@pytest.mark.parametrize(("largeur", "hauteur"), [(1440, 1000), (1280, 720)])
def test_carte_pleine_largeur_classement_noms_et_cadrage(demo, navigateur, largeur, hauteur):
    contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, f"{demo}/carte")
    try:
        page.set_viewport_size({"width": largeur, "height": hauteur})
        page.wait_for_timeout(1_500)
        CAPTURES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(CAPTURES / f"carte-{largeur}x{hauteur}.png"))
        g = geometrie_de_la_carte(page)
        # The map takes the page's whole width (no card beside it).
        assert g["carte"]["width"] >= largeur_utile(page) - 4
        # The whole territory is in view, and the legend, in a corner, covers none of it.
        t, c, leg = g["territoire"], g["carte"], g["legende"]
        assert c["left"] <= t["left"] and t["right"] <= c["right"]
        assert c["top"] <= t["top"] and t["bottom"] <= c["bottom"]
        assert t["right"] <= leg["left"] or leg["bottom"] <= t["top"], (t, leg)
        assert leg["right"] - leg["left"] <= 0.3 * c["width"]
        # The legend folds away and opens again.
        cadre.locator(".pre-legende summary").click()
        assert cadre.locator(".pre-legende details").get_attribute("open") is None
        cadre.locator(".pre-legende summary").click()
        assert cadre.locator(".pre-legende details").get_attribute("open") == ""
        # The ranked quartiers below the map: the demo's protected cells, tokens included.
        lignes = cellules_du_classement(page)
        assert lignes[:3] == [
            ["1er", "Les Près du Canal", "Cardeval", "47"],
            ["2e", "Le Plateau", "Saint-Aurel-les-Mines", "43"],
            ["3e", "La Cité des Fleurs", "Aubricourt", "37"],
        ]
        # Complementary cells are chosen among the figures shown in the fewest views: La
        # Garenne is shown (it was « s » when cells were chosen by value alone).
        assert ["6e", "La Garenne", "Morvaux", "35"] in lignes
        # Le Carré Vert is shown too since the quartiers' breakdowns are published only from
        # 50 children (it was « s », protecting small counts of its breakdowns).
        assert ["12e", "Le Carré Vert", "Les Hautes-Rives", "20"] in lignes
        verifier_sans_petit_effectif(page)
        # Quartier names on the map, on demand.
        assert g["noms"] == []
        page.get_by_text("Noms des quartiers", exact=True).click()
        attendre_rendu(page)
        page.wait_for_selector(CARTE)
        frame_carte(page).wait_for_selector(".pre-nom", timeout=30_000)
        noms = geometrie_de_la_carte(page)["noms"]
        assert len(noms) == 15 and "Les Hauts de Sambre" in noms
        if largeur == 1440:
            capturer(page, "carte-noms")
        assert erreurs == []
    finally:
        contexte.close()


def test_carte_classement_ouvre_le_quartier_et_commune_zoomee(demo, navigateur):
    contexte, page, cadre, requetes, erreurs = ouvrir_carte(navigateur, f"{demo}/carte")
    try:
        zoom_territoire = geometrie_de_la_carte(page)["zoom"]
        # A click on the ranked table's first row opens Les Près du Canal, outlined on the map.
        tableau = page.locator('[data-testid="stDataFrame"]').first
        tableau.scroll_into_view_if_needed()
        boite = tableau.bounding_box()
        page.mouse.click(boite["x"] + 18, boite["y"] + 35 + 17)
        page.wait_for_url(re.compile(r"quartier=QN09612N"), timeout=15_000)
        attendre_rendu(page)
        assert page.get_by_role("heading", name="Les Près du Canal (QN09612N)").count() == 1
        frame = frame_carte(page)
        # The new map's legend (the previous map's frame may still be there for a moment, and
        # a legend folded at this size keeps its text): wait for the chosen quartier in it.
        frame.wait_for_function(
            "() => (document.querySelector('.pre-legende')?.textContent ?? '')"
            ".includes('quartier choisi : Les Près du Canal')",
            timeout=30_000,
        )
        capturer(page, "carte-classement-choisi")
        assert erreurs == []
    finally:
        contexte.close()
    # The commune filter opens the map on the commune (Valrenne), closer than the territory.
    contexte, page, cadre, requetes, erreurs = ouvrir_carte(
        navigateur, f"{demo}/carte?commune=96001"
    )
    try:
        g = geometrie_de_la_carte(page)
        assert g["zoom"] > zoom_territoire
        capturer(page, "carte-commune")
        assert erreurs == []
    finally:
        contexte.close()
