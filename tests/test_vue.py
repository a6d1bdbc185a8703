"""« PDF de la vue » (issue 15, item 3): the pages note what they show, the PDF is made from it.

The pages run in AppTest on the fixture database (QPV Beta Sud in 2024: small counts, masked); the
view noted by the run is turned into its PDF by LibreOffice, read with pdftotext and turned into
PNG pages (tests/captures/vue-<page>-page-*.png, to look at).
"""

from __future__ import annotations

import io
import re
import subprocess
import time

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from pre_pilotage import config, diffusion, vue
from pre_pilotage.administration import Utilisateur
from tests.fixture_base import QPV_BETA
from tests.test_rapport import _outils

CAPTURES = config.RACINE / "tests" / "captures"
A4 = (595.3, 841.9)  # points


@pytest.fixture
def application(chemin_fixture, monkeypatch):
    from pre_pilotage.requetes import vider_caches

    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    vider_caches()

    def lancer(role: str = "coordination"):
        at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
        at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", role)
        at.query_params["annee"] = "2024"
        at.query_params["qpv"] = QPV_BETA
        return at.run()

    return lancer


def _texte(pdf: bytes, tmp_path, *options: str) -> str:
    chemin = tmp_path / "vue.pdf"
    chemin.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", *options, str(chemin), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def _pages_png(pdf: bytes, nom: str, tmp_path) -> int:
    chemin = tmp_path / f"{nom}.pdf"
    chemin.write_bytes(pdf)
    CAPTURES.mkdir(parents=True, exist_ok=True)
    for ancienne in CAPTURES.glob(f"vue-{nom}-page-*.png"):
        ancienne.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(chemin), str(CAPTURES / f"vue-{nom}-page")],
        check=True,
        capture_output=True,
    )
    return len(list(CAPTURES.glob(f"vue-{nom}-page-*.png")))


def _verifier_a4(lecteur: PdfReader) -> None:
    for page in lecteur.pages:
        largeur, hauteur = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(largeur, 1), round(hauteur, 1)) == A4


ENTETE = [
    "Programme : PRE de test",
    "Commune : toutes les communes du programme",
    "Quartier prioritaire : Beta Sud (QN09691N)",
    "Année : 2024",
    "Données : au 31/12/2025",
]
NOTE = (
    "Secret statistique : aucun chiffre de ce document ne concerne un enfant identifiable. Tout "
    "effectif de 1 à 10 enfants est remplacé par « < 11 »"
)


def test_pdf_de_la_vue_synthese_et_budget(application, tmp_path):
    _outils()
    at = application()
    assert not at.exception
    # Synthèse: the view noted by the run is what the page showed, in order.
    la_vue = at.session_state[diffusion.DERNIERE_VUE]
    assert la_vue.page == "Synthèse"
    assert la_vue.lien == "/synthese?annee=2024&qpv=QN09691N&pre=pre-test"
    assert (la_vue.seuil, la_vue.interne) == (11, False)
    assert [type(e).__name__ for e in la_vue.elements] == [
        "Intertitre",
        *["ChiffreCle"] * 7,  # no « Part résidant en QPV » on a quartier's page
        "Note",  # the caption under the key figures (a quartier is chosen)
        *["Graphique"] * 3,
    ]
    # Every key figure of the document is the one shown on screen (masked ones as their token).
    ecran = {m.label: m.value for m in at.metric}
    chiffres = {e.libelle: e.valeur for e in la_vue.elements if isinstance(e, vue.ChiffreCle)}
    assert chiffres == ecran
    assert chiffres["Enfants accompagnés"] == "< 11"
    assert "Part résidant en QPV" not in chiffres
    assert "PDF de la vue" in [b.label for b in at.get("download_button")]

    debut = time.perf_counter()
    pdf = vue.pdf(la_vue)
    duree_synthese = time.perf_counter() - debut
    lecteur = PdfReader(io.BytesIO(pdf))
    _verifier_a4(lecteur)
    pages = len(lecteur.pages)
    assert pages == 2
    assert lecteur.metadata.title == "Tableau de bord du PRE – Synthèse – QPV Beta Sud (QN09691N)"
    texte = _texte(pdf, tmp_path)
    # Reading order (the header's two columns one after the other), and the table rows as lines.
    lisible = " ".join(_texte(pdf, tmp_path, "-raw").split())
    lignes = {" ".join(ligne.split()) for ligne in texte.splitlines()}
    premiere = " ".join(_texte(pdf, tmp_path, "-raw", "-f", "1", "-l", "1").split())
    for attendu in (
        *ENTETE,
        NOTE,
        "Synthèse",
        "Enfants et familles accompagnés",
        "QR code de la vue",
        "Lien de cette vue : /synthese?annee=2024&qpv=QN09691N&pre=pre-test",
    ):
        assert attendu in premiere, attendu
    assert re.search(
        r"Document : vue du tableau de bord de pilotage du PRE, produite le "
        r"\d\d/\d\d/\d{4} \d\d:\d\d par Compte de test",
        premiere,
    )
    # The key figures' table: masked values as their token, the change said once in the header.
    for attendu in (
        "Enfants accompagnés < 11 – –",
        "Sorties du programme < 11 – –",
    ):
        assert attendu in lignes, attendu
    assert "Part résidant en QPV" not in lisible
    # A quartier's page shows its commune's budget, and says so (pdftotext drops the no-break
    # space LibreOffice draws between « 0 » and « € »).
    assert "Budget programmé (toute la commune)" in lisible
    # The programme's children of 2024 are masked (secondary), hence its children per référent
    # and their change against 2023: no « Évolution » column in the key figures.
    assert "Évolution par rapport à 2023" not in lisible
    for attendu in (
        "68 enfants par référent (ANCT, données 2021)",
        "Secret statistique – « < 11 » : moins de 11 enfants, effectif non diffusé ; « s » : "
        "chiffre masqué pour qu'un petit effectif ne puisse pas être recalculé à partir des autres.",
        # Every figure of the yearly chart is masked: one sentence says so, no empty axes.
        "Enfants accompagnés par année – QPV Beta Sud (QN09691N), 2023–2025 Aucun chiffre de ce "
        "graphique n'est diffusé pour QPV Beta Sud (QN09691N) en 2023–2025 : ils portent sur trop "
        "peu d'enfants ou permettraient d'en recalculer (secret statistique).",
        "Répartition par tranche d'âge – QPV Beta Sud (QN09691N), 2024",
        "Source : données du programme ; ANCT, enquête nationale PRE 2022. Données au 31/12/2025.",
        "Enfants par référent : calculé sur l'ensemble du programme. Budget : fiches-action "
        "communales de la commune retenue, ou de celle du quartier (les fiches ne sont pas "
        "réparties par quartier, ni les fiches intercommunales par commune).",
        "Page 1 sur 2",
        "Page 2 sur 2",
    ):
        assert attendu in lisible, attendu
    # Running header on every page, no English, no raw float.
    assert texte.count("Tableau de bord du PRE – Synthèse – QPV Beta Sud (QN09691N)") == 2
    assert not re.search(r"\d\.\d", lisible.replace("QN09691N", ""))
    assert _pages_png(pdf, "synthese", tmp_path) == pages

    # Budget: the same run noted nothing of Synthèse; an empty chart is said in words.
    at.switch_page("pages/budget.py").run()
    assert not at.exception
    la_vue = at.session_state[diffusion.DERNIERE_VUE]
    assert la_vue.page == "Programmation et budgets"
    assert la_vue.lien == "/budget?annee=2024&qpv=QN09691N&pre=pre-test"
    assert not any(
        isinstance(e, vue.Graphique) and e.titre.startswith("Enfants accompagnés")
        for e in la_vue.elements
    )
    pdf = vue.pdf(la_vue)
    lecteur = PdfReader(io.BytesIO(pdf))
    _verifier_a4(lecteur)
    pages = len(lecteur.pages)
    assert pages == 2  # charts without data: one sentence each, no caption below
    lisible = " ".join(_texte(pdf, tmp_path, "-raw").split())
    lignes = {" ".join(ligne.split()) for ligne in _texte(pdf, tmp_path).splitlines()}
    for attendu in (
        *ENTETE,
        NOTE,
        "Lien de cette vue : /budget?annee=2024&qpv=QN09691N&pre=pre-test",
        "Qui finance ?",
        "Budget par financeur – QPV Beta Sud (QN09691N), 2024 Aucune donnée à représenter pour "
        "QPV Beta Sud (QN09691N) en 2024.",
        "Page 2 sur 2",
    ):
        assert attendu in lisible, attendu
    # The national reference beside it (references_nationales, code budget_programme).
    assert "Budget programmé 0€ – 66 000 000 € de crédits de la politique de la ville" in lignes
    assert "Fiches-action programmées 0 – –" in lignes
    assert _pages_png(pdf, "budget", tmp_path) == pages
    # A few seconds on an idle machine (Chromium started, LibreOffice run once); the bound is
    # loose for a loaded test machine.
    assert duree_synthese < 60


def test_pdf_de_la_vue_reserve_a_la_coordination(application):
    at = application("lecture")
    assert not at.exception
    assert "PDF de la vue" not in [b.label for b in at.get("download_button")]
    # Presentation mode: no export at all.
    at = application("coordination")
    at.toggle(key=diffusion.CLE_PRESENTATION).set_value(True).run()
    assert "PDF de la vue" not in [b.label for b in at.get("download_button")]


def test_une_page_sans_chiffre_n_offre_pas_de_pdf(application):
    at = application("administration")
    at.switch_page("pages/import.py").run()
    assert not at.exception
    # The Synthèse run before it noted its figures; none is left for this page.
    if diffusion.DERNIERE_VUE in at.session_state:
        assert at.session_state[diffusion.DERNIERE_VUE].elements == ()
    assert "PDF de la vue" not in [b.label for b in at.get("download_button")]


# ---------------------------------------------------------------------- all pages at once (item 4)

FICHIERS_BETA_2024 = [
    "00-lisez-moi.txt",
    "01-synthese/01-chiffres-cles-synthese.xlsx",
    "02-carte/01-enfants-accompagnes-par-quartier-prioritaire-en-2024.xlsx",
    "03-budgets/01-chiffres-cles-budgets.xlsx",
    "03-budgets/02-evolution-de-la-programmation-qpv-beta-sud-qn09691n-2023-2025.png",
    "03-budgets/03-programmation-2024-par-thematique.xlsx",
    "04-cite-educative/01-cite-educative-d-alpha-indicateurs-d-articulation-avec-le-pre-en-2024.xlsx",
    "04-cite-educative/02-cite-educative-d-alpha-le-pre-dans-la-cite-et-hors-de-la-cite-en-2024.xlsx",
    "04-cite-educative/03-cite-educative-d-alpha-enfants-du-pre-residant-dans-ses-quartiers-"
    "prioritaires-en-2024.xlsx",
    "05-publics/01-chiffres-cles-publics.xlsx",
    # Drawn: the national reference bars beside the masked shares.
    "05-publics/02-repartition-par-sexe-qpv-beta-sud-qn09691n-2024.png",
    "05-publics/03-repartition-par-tranche-d-age-qpv-beta-sud-qn09691n-2024.png",
]


def test_zip_de_toutes_les_pages(con_fixture):
    import zipfile

    from openpyxl import load_workbook

    from pre_pilotage import archive, rapport
    from pre_pilotage.requetes import executer
    from tests.fixture_base import PRE

    contexte = rapport.Contexte("QPV Beta Sud (QN09691N)", 2024, 11, "2025-12-31")
    cadres = rapport.lire(
        lambda nom, **p: executer(con_fixture, nom, 11, **p), PRE, None, QPV_BETA, 2024
    )
    sections = rapport.contenu(cadres, contexte)
    # The names audited at render time are the ZIP's files, in its order; the empty charts
    # (budget by financeur, by commune; the Sankey; the map without contours) are left out.
    assert archive.noms(sections) == FICHIERS_BETA_2024
    debut = time.perf_counter()
    donnees = archive.zip_des_pages(sections, contexte)
    duree = time.perf_counter() - debut
    contenu = zipfile.ZipFile(io.BytesIO(donnees))
    assert contenu.namelist() == FICHIERS_BETA_2024
    assert archive.nom_fichier(contexte) == (
        "graphiques-et-tableaux-pre-qpv-beta-sud-qn09691n-2024.zip"
    )
    lisez_moi = contenu.read("00-lisez-moi.txt").decode("utf-8-sig")
    for attendu in (
        "Territoire : QPV Beta Sud (QN09691N)\r\n",
        "Année : 2024 (comparée à 2023)\r\n",
        "Données : au 31/12/2025\r\n",
        "Tout effectif de 1 à 10 enfants est remplacé par « < 11 »",
        "- 05-publics/03-repartition-par-tranche-d-age-qpv-beta-sud-qn09691n-2024.png\r\n",
        # The charts whose every figure is masked have no image: said, with why.
        "Graphiques sans image :\r\n- Enfants accompagnés par année – QPV Beta Sud (QN09691N), "
        "2023–2025 : Aucun chiffre de ce graphique n'est diffusé pour QPV Beta Sud (QN09691N) "
        "en 2023–2025",
        "- Durée des parcours clos – QPV Beta Sud (QN09691N), 2024 : Aucun chiffre",
    ):
        assert attendu in lisez_moi, attendu
    # Key figures: masked cells as their token, numbers as numbers with French formats.
    livre = load_workbook(io.BytesIO(contenu.read(FICHIERS_BETA_2024[1])))
    lignes = list(livre["Tableau"].iter_rows(values_only=True))
    assert lignes[0] == (
        "Indicateur",
        "2024",
        "Évolution par rapport à 2023",
        "Référence nationale",
    )
    assert [ligne[:3] for ligne in lignes[1:]] == [
        ("Enfants accompagnés", "< 11", "–"),
        ("Part résidant en QPV", "s", "–"),
        ("Durée médiane des parcours", "s", "–"),
        ("Enfants par référent (ETP)", 30, 125.6),
        ("Part cofinancée", "–", "–"),
    ]
    assert livre["Tableau"]["C5"].number_format == '0.0" %"'
    notes = dict((a, b) for a, b in livre["Filtres et sources"].iter_rows(values_only=True) if a)
    assert notes["Territoire"] == "QPV Beta Sud (QN09691N)"
    assert notes["Données au"] == "31/12/2025"
    assert notes["Cases masquées"].startswith("« < 11 » : moins de 11 enfants")
    # Charts: PNG at 300 dpi (pHYs chunk), 16 cm wide.
    for nom in FICHIERS_BETA_2024:
        if nom.endswith(".png"):
            image = contenu.read(nom)
            assert image[:8] == b"\x89PNG\r\n\x1a\n" and image[37:41] == b"pHYs"
            assert int.from_bytes(image[16:20], "big") == 1890
    assert duree < 60


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("1\u202f234", (1234, None, "nombre")),
        ("12,5\u00a0%", (12.5, None, "pourcentage")),
        ("−3,1\u00a0%", (-3.1, None, "pourcentage")),
        ("850\u00a0€", (850, None, "euros")),
        ("5,9\u00a0mois", (5.9, None, "mois")),
        ("< 11", (None, "< 11", "texte")),
        ("s", (None, "s", "texte")),
        ("+3,7\u00a0pts", ("+3,7\u00a0pts", None, "texte")),
        ("Collège Jean Moulin", ("Collège Jean Moulin", None, "texte")),
    ],
)
def test_valeur_de_cellule(texte, attendu):
    from pre_pilotage import archive

    assert archive.valeur_de_cellule(texte) == attendu


def test_un_tiret_est_explique_sous_le_tableau_des_chiffres():
    """A « – » (no value, not masked) is said under the key figures' table of the view's
    document as under its card on screen (« Part cofinancée – » beside « 0 € »)."""
    import docx

    document = docx.Document()
    vue._chiffres(
        document,
        [
            vue.ChiffreCle("Budget programmé", "0\u00a0€"),
            vue.ChiffreCle(
                "Part cofinancée", "–", sans_valeur="aucun budget programmé cette année."
            ),
            vue.ChiffreCle("Enfants accompagnés", "< 11"),
        ],
    )
    legendes = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert legendes[0] == "Part cofinancée « – » : aucun budget programmé cette année."
    assert legendes[1].startswith("Secret statistique")
    assert len(legendes) == 2
