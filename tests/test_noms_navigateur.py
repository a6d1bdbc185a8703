"""Names are text: Markdown, HTML and links written into geography and programme names.

The names of a commune, a QPV, a Cité éducative, a school, a programme, a fiche-action and its
carrier come from files (or were written to the database directly): on every page, in Markdown,
Plotly labels and hovers, tables and the Leaflet map, they must show as the text they are. No
link or image from a name may become live, and no request may leave for the address they name.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pre_pilotage import protection
from tests.test_navigateur import PAGES, capturer, ouvrir, serveur_streamlit

pytestmark = pytest.mark.navigateur

PIEGE = "piege.invalid"
# The statement that writes each trapped name, and the name.
NOMS = {
    "update programme set nom = ?": f"PRE [de test](http://{PIEGE}/programme)",
    "update commune set nom = ? where code_insee = '96901'": (
        f'<a href="http://{PIEGE}/commune">Alpha</a>'
    ),
    "update commune set nom = ? where code_insee = '96902'": (
        f"[Beta](http://{PIEGE}/beta) **grasse**"
    ),
    "update qpv set nom = ? where code_qp = 'QN09690N'": (
        f"![Nord](http://{PIEGE}/image.png) Alpha Nord"
    ),
    "update cite_educative set nom = ?": f"Cité <img src=http://{PIEGE}/cite.png> :red[rouge]",
    "update etablissement set nom = ? where uai = '0969001A'": (
        f"Collège https://{PIEGE}/college $x$"
    ),
    "update fiche_action set intitule = ? where fiche_id = 'FA2'": (
        f"Fiche <b>[ici](http://{PIEGE}/f)</b>"
    ),
    "update fiche_action set porteur = ?": f"Porteur www.{PIEGE} <i>penché</i>",
    "update eps set nom = ?": f"EPS <a href='http://{PIEGE}/eps'>lien</a>",
}
# Each page and the view that shows the most names on it.
VUES = {
    "synthese": "synthese?commune=96901",
    "carte": "carte?quartier=QN09690N&annee=2025",
    "budget": "budget?commune=96901",
    "cite": "cite",
}


@pytest.fixture(scope="module")
def site_piege(chemin_fixture, tmp_path_factory):
    dossier = tmp_path_factory.mktemp("noms")
    chemin = dossier / "noms.duckdb"
    shutil.copy(chemin_fixture, chemin)
    with duckdb.connect(str(chemin)) as con:
        for instruction, nom in NOMS.items():
            con.execute(instruction, [nom])
        # Demo-flagged: every visitor is an administrator, no sign-in in the way.
        con.execute("insert into meta values ('donnees_demo', 'oui')")
    protection.proteger_fichier(chemin)
    with serveur_streamlit(chemin, dossier) as url:
        yield url


LIENS_ET_IMAGES = """(piege) => {
    const trouves = [];
    for (const e of document.querySelectorAll("*")) {
        for (const a of e.attributes) {
            if (/(href|src)$/i.test(a.name) && a.value.includes(piege)) {
                const bloc = e.closest("[data-testid]");
                trouves.push(`${e.tagName} ${a.name}=${a.value} dans ${
                    bloc ? bloc.getAttribute("data-testid") : "la page"}`);
            }
        }
    }
    return trouves;
}"""


@pytest.mark.parametrize("page_app", PAGES)
def test_les_noms_restent_du_texte(site_piege, navigateur, page_app):
    contexte, page, erreurs = ouvrir(navigateur, f"{site_piege}/{VUES.get(page_app, page_app)}")
    requetes: list[str] = []
    try:
        page.on("request", lambda r: requetes.append(r.url))
        # Hover every chart's bars and the map so that tooltips and hover labels are drawn.
        for graphique in page.locator(".stPlotlyChart").all()[:6]:
            graphique.hover()
            page.wait_for_timeout(200)
        capturer(page, f"noms-{page_app}")
        for cadre in page.frames:
            trouves = cadre.evaluate(LIENS_ET_IMAGES, PIEGE)
            assert trouves == [], (page_app, cadre.url, trouves)
        assert not [r for r in requetes if PIEGE in r]
        # Word joiners (U+2060) break addresses that Markdown would turn into links.
        texte = page.get_by_test_id("stMain").inner_text().replace("\u2060", "")
        if page_app == "synthese":
            # The territory's name, in the caption under the title, as typed in the file.
            assert '<a href="http://piege.invalid/commune">Alpha</a>' in texte
        if page_app == "carte":
            assert "![Nord](http://piege.invalid/image.png) Alpha Nord (QN09690N)" in texte
            assert "Cité <img src=http://piege.invalid/cite.png> :red[rouge]" in texte
        if page_app == "cite":
            assert "Cité <img src=http://piege.invalid/cite.png> :red[rouge] – tableau de bord" in (
                texte
            )
        assert erreurs == []
    finally:
        contexte.close()
