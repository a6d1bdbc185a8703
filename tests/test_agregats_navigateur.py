"""The Territoires page's figures across programmes in a real browser (tests/fixture_programmes.py
with the national reference of ../shared/data): Nord and France, French figures, the programme
left out said in French. Screenshots: tests/captures/territoires-agregats-*.png.
"""

from __future__ import annotations

import pytest

from pre_pilotage import comptes
from tests import fixture_programmes
from tests.test_navigateur import CAPTURES, capturer, chiffres_cles, serveur_streamlit
from tests.test_territoires import fichiers_reels
from tests.test_territoires_navigateur import ANGLAIS, COMPTE, MOT_DE_PASSE, ouvrir_territoire

pytestmark = pytest.mark.navigateur


@pytest.fixture(scope="module")
def serveur(tmp_path_factory):
    from pre_pilotage.geographie import nationale

    dossier = tmp_path_factory.mktemp("serveur_agregats")
    base = fixture_programmes.construire(dossier / "programmes.duckdb")
    reference = dossier / "territoires.duckdb"
    nationale.ecrire(nationale.construire(fichiers_reels()), reference)
    administration = dossier / "administration.sqlite"
    comptes.enregistrer_compte(
        COMPTE, "Chargée de mission ANCT", "lecture", MOT_DE_PASSE, chemin=administration
    )
    env = {"PRE_TERRITOIRES": str(reference), "PRE_ADMINISTRATION": str(administration)}
    with serveur_streamlit(base, dossier, env) as url:
        yield url


@pytest.mark.parametrize(
    ("code", "nom", "attendus", "phrase"),
    [
        (
            "D59",
            "nord",
            {"Enfants accompagnés en 2025": "167", "Coût par enfant accompagné en 2025": "2 275 €"},
            "1 programme sur 6 est écarté des chiffres d'enfants",
        ),
        (
            "FR",
            "france",
            {"Programmes avec des données en 2025": "7", "Enfants accompagnés en 2025": "192"},
            "1 programme sur 7 est écarté des chiffres d'enfants",
        ),
    ],
)
def test_chiffres_des_programmes(serveur, navigateur, code, nom, attendus, phrase):
    contexte, page, _cadre, _requetes, erreurs = ouvrir_territoire(
        navigateur, f"{serveur}/territoires?territoire={code}"
    )
    try:
        page.get_by_text(
            "Programmes dont les données sont dans l'outil"
        ).first.scroll_into_view_if_needed()
        capturer(page, f"territoires-agregats-{nom}")
        # The section at 1280 px wide (sidebar open): its tables must not be cut.
        page.set_viewport_size({"width": 1280, "height": 1000})
        page.wait_for_timeout(1_500)
        section = page.get_by_text("Chiffres des programmes –").first
        section.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.screenshot(path=str(CAPTURES / f"territoires-agregats-{nom}-1280.png"))
        chiffres = {
            k: v.replace("\u202f", " ").replace("\u00a0", " ")
            for k, v in chiffres_cles(page).items()
        }
        assert attendus.items() <= chiffres.items()
        texte = page.locator('[data-testid="stMain"]').inner_text()
        assert phrase in texte
        assert "Budget programmé par financeur" in texte
        assert not ANGLAIS.search(texte), ANGLAIS.search(texte)
        assert erreurs == []
    finally:
        contexte.close()
