"""A real PRE's first map, as the README's « Démarrer avec les données de votre PRE » path goes:
Valenciennes Métropole built from ../shared/data only (real 2024 QPV polygons), its programme
created with the command line, a coordinator signing in, importing the shipped example files on
the Import page, then opening the Carte. Screenshots: tests/captures/premiere-carte-*.png.
"""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from pre_pilotage import comptes, geographie
from pre_pilotage.__main__ import main
from tests.test_carte_navigateur import CARTE, externes, frame_carte, infobulle
from tests.test_cite import AVIS_DEDUITS
from tests.test_geographie import VALENCIENNES, reel
from tests.test_navigateur import attendre_rendu, capturer, se_connecter, serveur_streamlit
from tests.test_programme import EXEMPLES

pytestmark = pytest.mark.navigateur

CLE = "cle-de-pseudonymisation-du-test"
COMPTE, MOT_DE_PASSE = "coordinatrice.pre", "un mot de passe assez long"
# The 15 QPV 2024 of Valenciennes Métropole in the real national file (ANCT).
QPV_2024 = 15


def fichiers_officiels() -> dict:
    """The official files a coordinator would drop in geodata/sources/, read from ../shared/data."""
    return {
        "communes": [reel("decoupage_administratif_2026/communes.json")],
        "epci": [reel("decoupage_administratif_2026/epci.json")],
        "contours_communes": [reel("communes_contours_2018/communes-hauts-de-france.geojson")],
        "contours_epci": [reel("anct_fonds_admin_2022/fr-drom-4326-pur-style1-epci.geojson")],
        "qpv_liste": [reel("qpv2024_communes/qpv2024_par_commune.csv")],
        "qpv_contours": [reel("qpv2024_contours_simplifie/qpv2024_simplified.geojson")],
        "reseaux_ep": [reel("education_prioritaire_reseaux/fr-en-etablissements-ep.csv")],
        "cites": [reel("cites_educatives/cites_educatives_communes.csv")],
    }


@pytest.fixture(scope="module")
def base_valenciennes(tmp_path_factory):
    """Geography and programme, built once for the module; the import is done on the page."""
    dossier = tmp_path_factory.mktemp("premiere-carte")
    base = dossier / "pre.duckdb"
    geographie.construire_base(base, fichiers_officiels(), siren=VALENCIENNES)
    # Step 2 of the README, as written there.
    assert (
        main(
            [
                "programme",
                "creer",
                "--base",
                str(base),
                "--nom",
                "PRE de Valenciennes Métropole",
                "--identifiant",
                "pre-valenciennes",
                "--epci",
                VALENCIENNES,
                "--porteur",
                "CA Valenciennes Métropole",
                "--type-porteur",
                "EPCI",
                "--annees",
                "2024-2025",
            ]
        )
        == 0
    )
    comptes.enregistrer_compte(COMPTE, "Coordinatrice du PRE", "administration", MOT_DE_PASSE)
    exemples = dossier / "exemples"
    shutil.copytree(EXEMPLES, exemples)
    return base, dossier, sorted(exemples.glob("2025_*.csv"))


@pytest.fixture(scope="module")
def serveur_valenciennes(base_valenciennes):
    base, dossier, _ = base_valenciennes
    with serveur_streamlit(base, dossier, {"PRE_CLE_PSEUDONYMISATION": CLE}) as url:
        yield url


def ouvrir_connecte(navigateur, url: str):
    """Open a page of a real (not demo) base: the sign-in form comes first."""
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = contexte.new_page()
    erreurs: list[str] = []
    requetes: list[str] = []
    page.on("request", lambda r: requetes.append(r.url))
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    page.on(
        "console",
        lambda m: (
            erreurs.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.goto(url)
    attendre_rendu(page)
    se_connecter(page, COMPTE, MOT_DE_PASSE)
    return contexte, page, erreurs, requetes


def texte_principal(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def verifier_francais(texte: str) -> None:
    """What a French coordinator must never read: English words, Python values, raw decimals."""
    for mot in (
        *("Traceback", "Error", "None", "nan", "null", "True", "False", "undefined"),
        *("Upload", "per file", "Browse", "Choose", "KB", "MB"),
    ):
        assert not re.search(rf"\b{mot}\b", texte), mot
    decimale = re.search(r".{0,40}\d\.\d.{0,40}", texte)
    assert decimale is None, decimale.group(0)


def test_premiere_carte_d_un_vrai_pre(serveur_valenciennes, base_valenciennes, navigateur):
    base, _, exemples = base_valenciennes
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute(
            "select count(*), count(geom_territoire), min(annee_geographie),"
            " max(annee_geographie) from qpv"
        ).fetchone() == (QPV_2024, QPV_2024, 2024, 2024)

    # 1. The programme, as created on the command line, on the Programme page.
    contexte, page, erreurs, _ = ouvrir_connecte(navigateur, f"{serveur_valenciennes}/programme")
    try:
        assert page.locator("h1").first.inner_text() == "Programme : création et modification"
        principal = page.get_by_test_id("stMainBlockContainer")
        principal.get_by_label("Programme", exact=True).click()
        page.get_by_role("option", name="PRE de Valenciennes Métropole").click()
        attendre_rendu(page)
        texte = texte_principal(page)
        assert (
            "PRE de Valenciennes Métropole [pre-valenciennes] — porté par : "
            "CA Valenciennes Métropole (EPCI)" in texte
        )
        assert "EPCI : CA Valenciennes Métropole (SIREN 245901160)" in texte
        assert "Années : 2024, 2025" in texte
        capturer(page, "premiere-carte-1-programme")
        verifier_francais(texte)
        assert erreurs == []
    finally:
        contexte.close()

    # 2. The shipped example files, imported on the Import page.
    contexte, page, erreurs, _ = ouvrir_connecte(navigateur, f"{serveur_valenciennes}/import")
    try:
        assert page.locator("h1").first.inner_text() == "Import des données du programme"
        capturer(page, "premiere-carte-2-import-vide")
        verifier_francais(texte_principal(page))
        # No hint pointing to the Import page on the Import page itself.
        assert page.locator('[data-testid="stAlert"]').count() == 0
        # The year field opens on the programme's last declared year.
        assert page.get_by_label("Année importée").input_value() == "2025"
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [str(f) for f in exemples]
        )
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="Contrôler et importer").click()
        page.wait_for_selector('[data-testid="stAlert"]', timeout=600_000)
        attendre_rendu(page)
        capturer(page, "premiere-carte-2-import")
        texte = texte_principal(page)
        assert "Import réussi pour 2025" in texte
        assert "Ce qui a changé (avant → après)" in texte
        cellules = page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts()
        # The budget row of the changes table, found by its label (the rows before it depend
        # on what the children file changes: active parcours, exits of the year…).
        i = cellules.index("budget programmé")
        assert ["0\xa0€", "590\u202f334\xa0€"] == cellules[i + 1 : i + 3]
        verifier_francais(texte)
        assert erreurs == []
    finally:
        contexte.close()
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute("select count(*) from beneficiaire").fetchone() == (12,)

    # 3. The first map: real QN polygons on the 2024 geography, drawn offline.
    contexte, page, erreurs, requetes = ouvrir_connecte(navigateur, f"{serveur_valenciennes}/carte")
    try:
        page.wait_for_selector(CARTE, timeout=30_000)
        cadre = page.frame_locator(CARTE)
        cadre.locator(".pre-legende").wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)
        capturer(page, "premiere-carte-3-carte")
        assert externes(requetes) == []
        assert page.get_by_test_id("stMain").get_by_test_id(
            "stCaptionContainer"
        ).first.inner_text() == ("PRE de Valenciennes Métropole · année 2025")
        # The geography selector opens on the 2024 QPV (the only one loaded).
        assert (
            page.get_by_role("combobox", name="Géographie prioritaire").input_value() == "QPV 2024"
        )
        # Every QN polygon is a Leaflet layer with its SVG path.
        quartiers = frame_carte(page).evaluate(
            """() => {
                const codes = [];
                window.map.eachLayer((l) => {
                    if (l.feature && l.feature.properties && l.feature.properties.code_qp
                        && l.getElement && l.getElement() && l.getElement().tagName === "path") {
                        codes.push(l.feature.properties.code_qp);
                    }
                });
                return [...new Set(codes)].sort();
            }"""
        )
        assert len(quartiers) == QPV_2024
        assert all(re.fullmatch(r"QN059\d\d[MNI]", c) for c in quartiers), quartiers
        assert cadre.locator("path.leaflet-interactive").count() >= QPV_2024 + 35
        legende = cadre.locator(".pre-legende").inner_text()
        assert "n'ont pas de contour" not in legende
        assert "« < 11 » : moins de 11 enfants, effectif non diffusé" in legende
        # Real QPV names in their tooltips; the example files' few children stay masked.
        bulle = infobulle(page, "QN05921M")
        assert "Quartier prioritaire Zone Intercommunale Rives De L'Escaut" in bulle, bulle
        # (« s » when the protection widened a small count to protect another one.)
        assert re.search(r"Enfants accompagnés en 2025 : (< 11|s)\n", bulle), bulle
        assert "Quartier prioritaire Le Trieu" in infobulle(page, "QN05926M")
        texte = texte_principal(page)
        assert "Quartiers prioritaires sans contour" not in texte
        verifier_francais(texte)
        assert erreurs == []
    finally:
        contexte.close()

    # 4. The Cités éducatives: their QPV are only inferred from the ANCT list by commune.
    contexte, page, erreurs, _ = ouvrir_connecte(navigateur, f"{serveur_valenciennes}/cite")
    try:
        onglets = page.get_by_role("tab").all_inner_texts()
        assert onglets == [
            "Beuvrages / Bruay-sur-l'Escaut / Escautpont / Raismes",
            "Valenciennes / Anzin",
            "Comparaison des Cités",
        ], onglets
        capturer(page, "premiere-carte-4-cite")
        avis = page.locator(
            '[data-testid="stAlertContentWarning"] [data-testid="stMarkdownContainer"]'
        ).all_inner_texts()
        assert avis == [AVIS_DEDUITS]
        verifier_francais(texte_principal(page))
        assert erreurs == []
    finally:
        contexte.close()


def test_un_programme_cree_par_erreur_se_supprime(
    serveur_valenciennes, base_valenciennes, navigateur
):
    """No way to delete a programme created by mistake (outside test): created on the page,
    deleted there once its identifier is typed; the other programme stays."""
    base, _, _ = base_valenciennes
    contexte, page, erreurs, _ = ouvrir_connecte(navigateur, f"{serveur_valenciennes}/programme")
    try:
        principal = page.get_by_test_id("stMainBlockContainer")
        principal.get_by_label("Nom du programme").fill("PRE créé par erreur")
        principal.get_by_role("textbox", name="Identifiant").fill("pre-erreur")
        principal.get_by_role("textbox", name="Ou la liste des communes").fill("59606")
        principal.get_by_label("Années d'activité").fill("2025")
        page.get_by_role("button", name="Créer le programme").click()
        page.get_by_text("Programme « PRE créé par erreur » enregistré").wait_for(timeout=120_000)
        attendre_rendu(page)
        page.get_by_text("Supprimer ce programme").click()
        principal.get_by_role("textbox", name="Pour confirmer, saisissez").fill("pre-erreur")
        capturer(page, "programme-suppression-confirmation")
        texte = texte_principal(page)
        # Streamlit's hint under the focused field, in French too.
        assert "Entrée pour valider le formulaire" in texte and "Press Enter" not in texte
        assert "retire de la base toutes ses données, sans retour possible" in texte
        assert "programme : 1" in texte and "communes du programme : 1" in texte
        page.get_by_role("button", name="Supprimer définitivement").click()
        page.get_by_text("Programme « PRE créé par erreur » supprimé").wait_for(timeout=120_000)
        attendre_rendu(page)
        capturer(page, "programme-suppression-faite")
        verifier_francais(texte_principal(page))
        assert erreurs == []
    finally:
        contexte.close()
    from pre_pilotage.administration import lire_journal

    entree = lire_journal(actions=["reglage"])[0]
    assert (entree["identifiant"], entree["objet"]) == (
        COMPTE,
        "suppression du programme pre-erreur",
    )
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute("select pre_id from programme order by 1").fetchall() == [
            ("pre-valenciennes",)
        ]
        assert con.execute(
            "select count(*) from programme_commune where pre_id = 'pre-erreur'"
        ).fetchone() == (0,)
