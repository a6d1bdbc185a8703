"""The « Enquête nationale » page in a real browser: three real survey workbooks and a corrupted
one uploaded at once, the check report, the confirmation, then the consolidated tables, the
response rate on the ANCT list and its chart. Screenshots: tests/captures/enquete-*.png."""

from __future__ import annotations

import re
import shutil

import pytest

from pre_pilotage import comptes
from tests.fixture_base import ALPHA, BETA
from tests.test_enquete_consolidee import BOBIGNY, LILLE, ROUBAIX, classeur, modifier
from tests.test_geographie import reel
from tests.test_navigateur import (
    attendre_rendu,
    capturer,
    chiffres_cles,
    se_connecter,
    serveur_streamlit,
)
from tests.test_territoires import FICHIERS

pytestmark = pytest.mark.navigateur

COMPTE, MOT_DE_PASSE = "anct", "mot de passe national"
ANGLAIS = re.compile(r"\b(Browse files|Drag and drop|Loading|Upload|Download|Show|Limit)\b")


@pytest.fixture(scope="module")
def serveur(chemin_fixture, con_fixture, tmp_path_factory):
    from pre_pilotage.geographie import nationale

    dossier = tmp_path_factory.mktemp("serveur_enquete")
    base = dossier / "base.duckdb"
    shutil.copy(chemin_fixture, base)  # the page writes the answers: not in the shared fixture
    reference = dossier / "territoires.duckdb"
    nationale.ecrire(nationale.construire({t: reel(c) for t, c in FICHIERS.items()}), reference)
    administration = dossier / "administration.sqlite"
    comptes.enregistrer_compte(
        COMPTE, "Chargée de mission ANCT", "administration", MOT_DE_PASSE, chemin=administration
    )
    fichiers = {
        "enquete_lille.xlsx": classeur(con_fixture, LILLE),
        "enquete_roubaix.xlsx": classeur(con_fixture, ROUBAIX, BETA),
        "enquete_bobigny.xlsx": classeur(con_fixture, BOBIGNY, ALPHA),
    }

    def douze(livre):
        livre["Bénéficiaires"]["B7"] = "douze"

    fichiers["enquete_lens.xlsx"] = modifier(fichiers["enquete_lille.xlsx"], douze)
    for nom, contenu in fichiers.items():
        (dossier / nom).write_bytes(contenu)
    # Second round: Lille sends other figures, Bobigny's workbook comes twice.
    seconde = dossier / "seconde"
    seconde.mkdir()
    (seconde / "enquete_lille_v2.xlsx").write_bytes(classeur(con_fixture, LILLE, ALPHA))
    (seconde / "enquete_bobigny.xlsx").write_bytes(fichiers["enquete_bobigny.xlsx"])
    (seconde / "bobigny_copie.xlsx").write_bytes(fichiers["enquete_bobigny.xlsx"])
    env = {"PRE_TERRITOIRES": str(reference), "PRE_ADMINISTRATION": str(administration)}
    with serveur_streamlit(base, dossier, env) as url:
        yield url, [dossier / nom for nom in fichiers], sorted(seconde.iterdir())


def test_depot_controle_confirmation_et_consolidation(serveur, navigateur):
    url, fichiers, _ = serveur
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = contexte.new_page()
    erreurs: list[str] = []
    page.on("pageerror", lambda e: erreurs.append(str(e)))
    try:
        page.goto(f"{url}/enquete?annee=2024")
        page.wait_for_selector("h1", timeout=30_000)
        se_connecter(page, COMPTE, MOT_DE_PASSE)
        page.locator('input[type="file"]').set_input_files([str(f) for f in fichiers])
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="Contrôler les classeurs").click()
        page.get_by_text("Rapport de contrôle").wait_for(timeout=60_000)
        attendre_rendu(page)
        texte = page.locator('[data-testid="stMain"]').inner_text()
        assert (
            "enquete_lens.xlsx, feuille « Bénéficiaires », ligne 7, colonne B : valeur « douze » "
            "illisible" in texte
        )
        assert "enquete_lille.xlsx : PRE de Lille (pre-lille), année 2024 – 160 valeurs lues" in (
            texte
        )
        capturer(page, "enquete-controle")
        page.get_by_role("button", name="Enregistrer les réponses contrôlées").click()
        page.get_by_text("Réponses enregistrées : 3").wait_for(timeout=60_000)
        attendre_rendu(page)
        chiffres = {k: v.replace("\u202f", " ") for k, v in chiffres_cles(page).items()}
        assert chiffres["PRE ayant répondu"] == "3"
        assert chiffres["PRE de la liste ANCT"] == "522"
        assert chiffres["Taux de réponse"] == "0,6\u00a0%"  # 3 / 522
        texte = page.locator('[data-testid="stMain"]').inner_text()
        capturer(page, "enquete-consolidation")
        assert "Chiffres clés consolidés – France entière, 2024" in texte
        assert not ANGLAIS.search(texte), ANGLAIS.search(texte)
        assert not erreurs
    finally:
        contexte.close()


def test_doublon_a_choisir_puis_remplacement_confirme(serveur, navigateur):
    """After the first test: Lille's answer replaced (changes shown first), a duplicate settled."""
    url, _, seconde = serveur
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(f"{url}/enquete?annee=2024")
        page.wait_for_selector("h1", timeout=30_000)
        se_connecter(page, COMPTE, MOT_DE_PASSE)
        page.locator('input[type="file"]').set_input_files([str(f) for f in seconde])
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="Contrôler les classeurs").click()
        page.get_by_text("Rapport de contrôle").wait_for(timeout=60_000)
        attendre_rendu(page)
        texte = page.locator('[data-testid="stMain"]').inner_text()
        assert (
            "2 classeurs pour le PRE « PRE de Bobigny » (pre-bobigny), année 2024 : "
            "« bobigny_copie.xlsx », « enquete_bobigny.xlsx » (fichiers identiques). "
            "Lequel garder ?"
        ) in texte
        enregistrer = page.get_by_role("button", name="Enregistrer les réponses contrôlées")
        assert enregistrer.is_disabled()  # the duplicate must be settled first
        page.get_by_text("enquete_bobigny.xlsx", exact=True).last.click()
        attendre_rendu(page)
        enregistrer.click()
        page.get_by_text("remplaceraient des réponses déjà enregistrées").wait_for(timeout=60_000)
        attendre_rendu(page)
        capturer(page, "enquete-remplacement")
        page.get_by_role("button", name="Confirmer et remplacer").click()
        page.get_by_text(
            "Réponses enregistrées : 1 ; déjà enregistrées à l'identique : 1."
        ).wait_for(timeout=60_000)
    finally:
        contexte.close()
