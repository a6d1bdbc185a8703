"""« Rapport »: generated sentences on the fixture, the DOCX opened and checked, its PDF made by
LibreOffice (headless) and turned into PNG pages (tests/captures/rapport-page-*.png, to look at).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import docx
import polars as pl
import pytest
from pypdf import PdfReader

from pre_pilotage import config, formats, rapport
from pre_pilotage.administration import Utilisateur
from pre_pilotage.requetes import executer
from tests.fixture_base import BETA, PRE, QPV_BETA

CAPTURES = config.RACINE / "tests" / "captures"


def lire(con, annee: int, qpv: str | None = None, pre_id: str = PRE):
    return rapport.lire(lambda nom, **p: executer(con, nom, 11, **p), pre_id, None, qpv, annee)


def contexte(annee: int, **autres) -> rapport.Contexte:
    return rapport.Contexte("PRE de test", annee, 11, "2025-12-31", **autres)


@pytest.fixture(scope="module")
def sections_2025(con_fixture):
    return {s.titre: s for s in rapport.contenu(lire(con_fixture, 2025), contexte(2025))}


@pytest.fixture(scope="module")
def sections_beta_2024(con_fixture):
    # Beta Sud has 4 children in 2024 (G4): every count of it is masked.
    return rapport.contenu(lire(con_fixture, 2024, QPV_BETA), contexte(2024, quartier=True))


def test_section_cite_dit_quand_le_perimetre_est_deduit(chemin_fixture, tmp_path):
    import duckdb

    from tests.test_cite import fixture_avec_perimetre

    attendu = {
        "qpv_deduits": "Le périmètre de la Cité éducative d'Alpha est déduit de ses communes et de "
        "son nom : ses quartiers prioritaires restent à confirmer, et les chiffres qui en "
        "dépendent sont provisoires.",
        "communes": "Le périmètre de la Cité éducative d'Alpha se limite à ses communes, faute "
        "de liste de ses quartiers prioritaires : les chiffres qui en dépendent sont provisoires.",
    }
    for perimetre, phrase in attendu.items():
        chemin = fixture_avec_perimetre(chemin_fixture, tmp_path, perimetre)
        with duckdb.connect(str(chemin), read_only=True) as con:
            sections = rapport.contenu(
                lire(
                    con,
                    2025,
                ),
                contexte(2025),
            )
        cite = next(s for s in sections if s.titre == "Cité éducative")
        phrases = cite.sous_sections[0].phrases
        assert phrases[1] == phrase
        assert len(phrases) == 2


def test_phrases_generees_du_programme(sections_2025):
    assert sections_2025["Synthèse"].phrases == [
        "En 2025, le programme a accompagné 41 enfants sur le territoire « PRE de test » "
        "(−24,1\u00a0% par rapport à 2024).",
        "Il y a eu 14 entrées dans le programme et 12 sorties.",
        "36,6\u00a0% des enfants accompagnés résident dans un quartier prioritaire de la "
        "politique de la ville.",
    ]
    assert sections_2025["Budgets"].phrases == [
        "En 2025, la programmation s'élève à 29\u202f000\u00a0€, dont 51,7\u00a0% apportés par "
        "d'autres financeurs que l'État.",
        "Premier financeur : État – politique de la ville (14\u202f000\u00a0€, soit 48,3\u00a0% "
        "du total).",
        "À la date des données, 64,9\u00a0% des montants accordés ont été versés.",
    ]
    assert sections_2025["Publics"].phrases == [
        "Les garçons représentent 29,3\u00a0% des enfants accompagnés (58,2\u00a0% au niveau "
        "national).",
        "La tranche d'âge la plus représentée est « 11 à 16 ans » (36,6\u00a0% des enfants).",
        "Le premier motif d'orientation est « Langage » (63,4\u00a0% des parcours).",
        "Le partenaire qui oriente le plus est « Service social départemental » (36,6\u00a0% "
        "des parcours).",
        "Aucun enfant accompagné n'est suivi par l'Aide sociale à l'enfance (ASE) en 2025.",
    ]
    assert sections_2025["Carte"].phrases == [
        "Quartiers prioritaires sans enfant accompagné en 2025 : 1 sur 2. Écoles et collèges "
        "REP+ ou REP sans enfant accompagné : 0 sur 0."
    ]
    # The fixture's Cité éducative (tests/fixture_base.py) co-finances fiche FA2, a 2024 fiche.
    cite = sections_2025["Cité éducative"]
    assert cite.phrases[0] == "Aucune fiche-action n'est cofinancée par la Cité éducative en 2025."
    assert [s.titre for s in cite.sous_sections] == ["Cité éducative d'Alpha"]
    assert cite.sous_sections[0].phrases == [
        "Cité éducative d'Alpha (labellisée en 2022) : commune Alpha ; chef de file : "
        "Collège Jean-Zay ; 1 quartier prioritaire et 2 écoles ou collèges dans son périmètre."
    ]
    # The élus' page: five key figures with their change on a year and national reference.
    synthese = sections_2025["Synthèse"]
    assert synthese.titre_chiffres == "Cinq chiffres clés pour les élus"
    assert synthese.chiffres == [
        ("Enfants accompagnés", "41", "−24,1\u00a0% par rapport à 2024"),
        ("Part résidant en QPV", "36,6\u00a0%", "−35,6\u00a0pts par rapport à 2024"),
        ("Durée médiane des parcours", "5,9\u00a0mois", "−41,0\u00a0% par rapport à 2024"),
        ("Enfants par référent (ETP)", "20,5", "−31,7\u00a0% par rapport à 2024"),
        ("Part cofinancée", "51,7\u00a0%", "+3,7\u00a0pts par rapport à 2024"),
    ]
    assert synthese.references == [
        "85\u202f000 enfants en France, soit environ 160 par programme (ANCT, données 2021)",
        None,
        "durée moyenne de 12 à 19 mois (ANCT, données 2021)",
        "68 enfants par référent (ANCT, données 2021)",
        "27,0\u00a0% hors État (CGET, données 2016)",
    ]


def test_sections_reprennent_les_tableaux_des_pages(sections_2025, con_fixture):
    """Cité indicators with their reading, inside/outside, the gaps of the Carte page, the
    budget by thematic and the Publics page's key figures, from the pages' masked frames."""
    from pre_pilotage import cite as cite_module

    alpha = sections_2025["Cité éducative"].sous_sections[0]
    indicateurs, dedans_dehors, quartiers = alpha.tableaux
    assert indicateurs.entetes[:4] == ["Indicateur", "Valeur", "Évolution sur un an", "Lecture"]
    assert [ligne[:4] for ligne in indicateurs.lignes] == [
        ["Enfants scolarisés dans la Cité éducative", "65,9\u00a0%", "–", "Solide"],
        [
            "Enfants habitant un quartier de la Cité éducative",
            "36,6\u00a0%",
            "−28,2\u00a0pts",
            "En progrès",
        ],
        ["Quartiers de la Cité couverts par une EPS", "100,0\u00a0%", "0,0\u00a0pt", "Solide"],
        ["Fiches-action cofinancées par la Cité éducative", "0", "−1", "À renforcer"],
        ["Apport de la Cité éducative", "0\u00a0€", "−500\u00a0€", "–"],
        [
            "Part de la programmation cofinancée par la Cité",
            "0,0\u00a0%",
            "−20,0\u00a0pts",
            "À renforcer",
        ],
        ["Comités de pilotage conjoints", "0", "−1", "À renforcer"],
        ["PRE présent au COPIL de la Cité", "non", "oui → non", "À renforcer"],
        ["Orientations venant d'acteurs de la Cité", "–", "–", "–"],
        [
            "Établissements de la Cité présents en EPS",
            "50,0\u00a0%",
            "−50,0\u00a0pts",
            "En progrès",
        ],
    ]
    # The Cité page's own sentences, from the same queries with the page's parameters.
    page = {
        nom: executer(con_fixture, nom, 11, pre_id=PRE, annee=2025)
        for nom in (*cite_module.REQUETES, "cite_dedans_dehors")
    }
    cite_id = page["cite_scolarisation_residence"]["cite_id"][0]
    tableau_page = cite_module.tableau_de_bord(page, cite_id, "Alpha", 2025)
    # The thresholds: the page's list under its table, not a fifth column of the report's.
    assert indicateurs.entetes == ["Indicateur", "Valeur", "Évolution sur un an", "Lecture"]
    titre, seuils = alpha.listes[0]
    assert titre == "Seuils de lecture des indicateurs d'articulation"
    assert seuils == cite_module.puces_seuils(tableau_page)
    assert len(seuils) == tableau_page.height
    assert seuils[0].startswith(tableau_page["indicateur"][0] + " – à renforcer : ")
    titre, phrases = alpha.listes[1]
    assert titre == "Phrases pour le compte rendu"
    assert phrases == tableau_page["phrase"].to_list() + cite_module.phrases_dedans_dehors(
        page["cite_dedans_dehors"], cite_id, "Alpha", 2025
    )
    assert phrases[0] == (
        "En 2025, 65,9\u00a0% des enfants accompagnés par le PRE sont scolarisés dans une école "
        "ou un collège de la Cité éducative d'Alpha."
    )
    assert dedans_dehors.lignes == [
        ["Enfants accompagnés", "27", "14", "41"],
        ["Part orientée par l'Éducation nationale", "0,0\u00a0%", "0,0\u00a0%", "0,0\u00a0%"],
        ["Durée moyenne des parcours clos", "5,9\u00a0mois", "–", "5,9\u00a0mois"],
        ["Actions par enfant accompagné", "1,0", "1,4", "1,2"],
    ]
    assert quartiers.lignes == [["Alpha Nord (QN09690N)", "Alpha", "15", "36,6\u00a0%"]]

    carte = sections_2025["Carte"]
    assert [t.titre for t in carte.tableaux] == [
        "Enfants accompagnés par quartier prioritaire en 2025",
        "Quartiers prioritaires sans enfant accompagné en 2025",
    ]
    assert carte.tableaux[1].lignes == [["Beta Sud", "QN09691N", "Beta"]]

    (thematiques,) = sections_2025["Budgets"].tableaux
    assert thematiques.lignes[:3] == [
        ["Parentalité", "20\u202f000\u00a0€", "69,0\u00a0%", "0\u00a0€", "–", "29", "690\u00a0€"],
        [
            "Langage et expression orale",
            "5\u202f000\u00a0€",
            "17,2\u00a0%",
            "0\u00a0€",
            "–",
            "< 11",
            "s",
        ],
        [
            "Culture et sport",
            "4\u202f000\u00a0€",
            "13,8\u00a0%",
            "0\u00a0€",
            "–",
            "12",
            "333\u00a0€",
        ],
    ]
    assert thematiques.secret == NOTE_SECRET

    publics = sections_2025["Publics"]
    assert publics.chiffres == [
        ("Durée médiane des parcours", "5,9\u00a0mois", "−41,0\u00a0% par rapport à 2024"),
        ("Durée moyenne des parcours", "5,9\u00a0mois", "−39,8\u00a0% par rapport à 2024"),
        ("Actions par parcours", "1,2", "+33,3\u00a0% par rapport à 2024"),
        ("Enfants en CP ou CE1", "< 11", "–"),
        ("Enfants en CM2 ou 6e", "15", "0,0\u00a0% par rapport à 2024"),
        ("Enfants suivis par l'ASE", "0", "–"),
        ("Part suivie par l'ASE", "0,0\u00a0%", "–"),
    ]
    assert [g.titre for g in publics.graphiques][-2:] == [
        "Qui oriente les enfants – PRE de test, 2025 et 2024",
        "Durée des parcours clos – PRE de test, 2025 et 2024",
    ]
    textes = [
        t
        for section in sections_2025.values()
        for t in section.toutes_les_phrases()
        + [c for tableau in section.tableaux for ligne in tableau.lignes for c in ligne]
    ]
    assert not [t for t in textes if "(s)" in t]


NOTE_SECRET = (
    "Secret statistique – « < 11 » : moins de 11 enfants, effectif non diffusé ; « s » : chiffre "
    "masqué pour qu'un petit effectif ne puisse pas être recalculé à partir des autres."
)


def test_petit_quartier_aucun_effectif_revele(sections_beta_2024, con_fixture):
    synthese = sections_beta_2024[0]
    # The map section of one quartier's report (no commune chosen) covers the whole programme
    # (its two quartiers in two communes), and says so in its sentence and its map's title.
    (carte,) = [s for s in sections_beta_2024 if s.titre == "Carte"]
    assert carte.phrases[0] == (
        "Quartiers prioritaires du programme sans enfant accompagné en 2024 : 0 sur 2. Écoles "
        "et collèges REP+ ou REP du programme sans enfant accompagné : 0 sur 0."
    )
    assert [ligne[:2] for ligne in carte.tableaux[0].lignes] == [
        ["Alpha Nord (QN09690N)", "Alpha"],
        ["Beta Sud (QN09691N)", "Beta"],
    ]
    assert carte.graphiques[0].titre == (
        "Enfants accompagnés par quartier prioritaire – PRE de test, carte de tout le programme, "
        "2024"
    )
    # With its commune chosen, the map is the commune's.
    avec_commune = rapport.contenu(
        rapport.lire(
            lambda nom, **p: executer(con_fixture, nom, 11, **p), PRE, BETA, QPV_BETA, 2024
        ),
        contexte(2024, quartier=True, commune=True),
    )
    (carte_beta,) = [s for s in avec_commune if s.titre == "Carte"]
    assert carte_beta.phrases[0].startswith(
        "Quartiers prioritaires de la commune sans enfant accompagné en 2024 : 0 sur 1."
    )
    assert [ligne[0] for ligne in carte_beta.tableaux[0].lignes] == ["Beta Sud (QN09691N)"]
    # A quartier's children all live in it: no « Part résidant en QPV » (100 % or « s »).
    assert synthese.titre_chiffres == "Quatre chiffres clés pour les élus"
    assert synthese.chiffres[:2] == [
        ("Enfants accompagnés", "< 11", "–"),
        ("Durée médiane des parcours", "s", "–"),
    ]
    assert "Part résidant en QPV" not in [c[0] for c in synthese.chiffres]
    # What the figures cover, as on the Synthèse page (an outside reader took the programme's
    # children per référent and the commune's budget for the quartier's).
    assert synthese.chiffres[3][0] == "Part cofinancée (toute la commune)"
    assert synthese.phrases == [
        rapport.NOTE_PERIMETRE,
        "En 2024, le programme a accompagné moins de 11 enfants sur le territoire « PRE de test ».",
        "Il y a eu moins de 11 entrées dans le programme et moins de 11 sorties.",
    ]
    # A chart whose every figure is masked is the pages' sentence, not tokens on empty axes.
    (par_annee,) = [g for g in synthese.graphiques if g.titre.startswith("Enfants accompagnés")]
    assert not par_annee.figure.data
    assert par_annee.legende.startswith(
        "Aucun chiffre de ce graphique n'est diffusé pour PRE de test en 2023–2025 : ils portent "
        "sur trop peu d'enfants"
    )
    (budgets,) = [s for s in sections_beta_2024 if s.titre == "Budgets"]
    assert [g.titre for g in budgets.graphiques] == [
        "Budget par financeur – PRE de test, budget de toute la commune, 2024",
        "Évolution de la programmation – PRE de test, budget de toute la commune, 2023–2025",
    ]
    assert budgets.chiffres[0][0] == "Budget programmé (toute la commune)"
    carte = sections_beta_2024[1]
    assert carte.tableaux[0].lignes == [
        ["Alpha Nord (QN09690N)", "Alpha", "s", "s"],
        ["Beta Sud (QN09691N)", "Beta", "< 11", "s"],
    ]
    assert carte.tableaux[0].secret == NOTE_SECRET
    textes = [t for s in sections_beta_2024 for c in s.chiffres for t in c] + [
        p for s in sections_beta_2024 for p in s.phrases + [r for r in s.references if r]
    ]
    assert not [t for t in textes if re.search(r"(?<![\d,])4(?![\d,])", t)]


def test_docx_sections_chiffres_et_masquage(sections_beta_2024):
    contenu = rapport.docx(sections_beta_2024, contexte(2024, demo=True))
    document = docx.Document(io.BytesIO(contenu))
    # A table-of-contents field, its entries written (the PDF's page numbers come later).
    corps = document.element.body.xml
    assert 'TOC \\o "1-1"' in corps
    sommaire = [p.text for p in document.paragraphs if p.style.name == "TOC 1"]
    assert sommaire[0] == "Synthèse\t00" and sommaire[-1] == "Confidentialité\t00"
    # Headings stay with what follows them, and each part starts on a new page.
    for nom in ("Heading 1", "Heading 2", "Heading 3"):
        assert document.styles[nom].paragraph_format.keep_with_next
    assert all(
        p.paragraph_format.page_break_before
        for p in document.paragraphs
        if p.style.name == "Heading 1" and p.text not in ("Perspectives", "Confidentialité")
    )
    titres = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert titres == [
        "Synthèse",
        "Carte",
        "Budgets",
        "Cité éducative",
        "Publics",
        "Perspectives",
        "Définitions et sources",
        "Confidentialité",
    ]
    paragraphes = [p.text for p in document.paragraphs]
    assert paragraphes[:2] == ["Programme de Réussite Éducative", "Rapport annuel 2024"]
    assert "Territoire : PRE de test" in paragraphes
    assert "Données : au 31/12/2025" in paragraphes
    assert any(p.startswith("Données fictives de démonstration") for p in paragraphes)
    assert rapport.texte_confidentialite(11) in paragraphes
    # Definitions are sentences.
    assert any(p.startswith("Enfants accompagnés. Nombre d'enfants distincts") for p in paragraphes)
    cellules = [c.text for t in document.tables for ligne in t.rows for c in ligne.cells]
    assert [c.text for c in document.tables[0].rows[0].cells] == [
        "Indicateur",
        "2024",
        "Évolution par rapport à 2023",
        "Référence nationale",
    ]
    # A quartier's report: no « Part résidant en QPV » (its children all live in it).
    assert [c.text for c in document.tables[0].rows[3].cells][:3] == [
        "Enfants par référent (ETP)",
        "30,0",
        "+125,6\u00a0%",
    ]
    assert [c.text for c in document.tables[0].rows[1].cells] == [
        "Enfants accompagnés",
        "< 11",
        "–",
        "85\u202f000 enfants en France, soit environ 160 par programme (ANCT, données 2021)",
    ]
    assert "< 11" in cellules and "s" in cellules and "4" not in cellules
    images = document.inline_shapes
    graphiques = [g for s in sections_beta_2024 for g in s.graphiques]
    dessines = [g for g in graphiques if g.figure.data]
    # 9 charts: 3 drawn, 6 with every figure masked or nothing to draw, written as the
    # sentence that says so under their title (outside test: tokens on empty axes).
    assert (len(graphiques), len(images), len(dessines)) == (9, 3, 3)
    for graphique in graphiques:
        if not graphique.figure.data:
            assert graphique.legende in paragraphes
    assert all(i._inline.docPr.get("descr") for i in images)
    assert document.core_properties.language == "fr-FR"
    legendes = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    # The Synthèse key figures (« < 11 » and « s » among them) and the QPV table say why.
    assert {"< 11", "s"} <= {valeur for _, valeur, _ in sections_beta_2024[0].chiffres}
    assert legendes[0] == NOTE_SECRET
    assert NOTE_SECRET in legendes
    assert any(p.startswith("Source") and NOTE_SECRET in p for p in legendes)
    # (The Cité page's own « Phrases pour le compte rendu » say « (secret statistique) ».)
    assert not [
        p.text
        for p in document.paragraphs
        if "(secret statistique)" in p.text
        and p.style.name != "List Bullet"
        and not p.text.startswith("Aucun chiffre de ce graphique")  # the pages' sentence
    ]


def _outils() -> None:
    manquants = [o for o in ("soffice", "pdftoppm", "pdftotext") if shutil.which(o) is None]
    if manquants:
        pytest.fail(
            f"Outils introuvables : {', '.join(manquants)}. Lancez `make test` (cible "
            "`libreoffice`, paquets Debian libreoffice-writer-nogui et poppler-utils)."
        )


def test_pdf_par_libreoffice_et_pages_png(con_demo, tmp_path):
    _outils()
    from pre_pilotage import cartes

    pre_id = executer(con_demo, "programmes", 11)["pre_id"][0]
    nom = executer(con_demo, "programmes", 11)["nom"][0]
    contexte_demo = rapport.Contexte(nom, 2025, 11, "2025-12-31", demo=True)
    cadres = lire(con_demo, 2025, pre_id=pre_id)
    sections = rapport.contenu(cadres, contexte_demo)
    document, pdf = rapport.documents(sections, contexte_demo)
    lecteur = PdfReader(io.BytesIO(pdf))
    pages = len(lecteur.pages)
    assert 12 <= pages <= 24
    # Headings in order, as the PDF's bookmarks (level 1).
    titres = [s.title for s in lecteur.outline if not isinstance(s, list)]
    assert titres == [
        "Synthèse",
        "Carte",
        "Budgets",
        "Cité éducative",
        "Publics",
        "Perspectives",
        "Définitions et sources",
        "Confidentialité",
    ]
    numeros = rapport.pages_des_titres(pdf)
    assert numeros[0] == 2 and numeros == sorted(numeros)
    chemin = tmp_path / "rapport.pdf"
    chemin.write_bytes(pdf)

    def texte_pdf(*options: str) -> str:
        return subprocess.run(
            ["pdftotext", "-layout", *options, str(chemin), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout

    texte = texte_pdf()
    # The title page: territory, period, data date, version, demo warning and the table of
    # contents with the page of each heading.
    couverture = texte_pdf("-f", "1", "-l", "1")
    for attendu in (
        "Rapport annuel 2025",
        f"Territoire : {nom}",
        "Période : année 2025 (du 1er janvier au 31 décembre), comparée à 2024",
        "Données : au 31/12/2025",
        "Version : document produit le",
        "Données fictives de démonstration",
        "Sommaire",
    ):
        assert attendu in couverture, attendu
    sommaire = re.findall(r"^\s*(\S[^.\n]*?)\.{3,}\s*(\d+)\s*$", couverture, re.MULTILINE)
    assert sommaire == [(t, str(n)) for t, n in zip(titres, numeros, strict=True)]
    entrees = [
        p.text for p in docx.Document(io.BytesIO(document)).paragraphs if p.style.name == "TOC 1"
    ]
    assert entrees == [f"{t}\t{n}" for t, n in zip(titres, numeros, strict=True)]
    for attendu in (
        "Éducative – rapport 2025",
        "Chiffres clés",
        "Cité éducative de Valrenne-Montcalve",
        "Indicateurs d'articulation avec le PRE en 2025",
        "À renforcer",
        "Phrases pour le compte rendu",
        "Le PRE dans la Cité et hors de la Cité en 2025",
        "Écoles et collèges REP+ et REP sans enfant accompagné en 2025",
        "Programmation 2025 par thématique",
        "Qui oriente les enfants",
        "Durée des parcours clos",
        "Enfants en CM2 ou 6e",
        "Définitions et sources",
        "Confidentialité",
        # Small counts of the demo's 2025 (a quartier's, a school's…) are « < 11 ».
        "< 11",
    ):
        assert attendu in " ".join(texte.split()), attendu
    assert "(s)" not in texte
    # The list of REP/REP+ schools without a child is the Carte page's, as counted in the text.
    carte = next(s for s in sections if s.titre == "Carte")
    # The report's map names its QPV (read on paper, without hovering).
    noms = sorted(a.text for a in carte.graphiques[0].figure.layout.annotations)
    avec_contour = cadres["qpv"].filter(pl.col("geom").is_not_null())["nom"].to_list()
    assert noms == sorted(avec_contour) and len(avec_contour) == cadres["qpv"].height == 15
    ecoles = next(t for t in carte.tableaux if t.titre.startswith("Écoles et collèges"))
    lacunes = cartes.lacunes_etablissements(cadres["etablissements"])
    assert [ligne[0] for ligne in ecoles.lignes] == lacunes["nom"].to_list()
    assert f"sans enfant accompagné : {lacunes.height} sur " in carte.phrases[0]
    CAPTURES.mkdir(parents=True, exist_ok=True)
    for ancienne in CAPTURES.glob("rapport-page-*.png"):
        ancienne.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", str(chemin), str(CAPTURES / "rapport-page")],
        check=True,
        capture_output=True,
    )
    assert len(list(CAPTURES.glob("rapport-page-*.png"))) == pages


@pytest.fixture
def application(chemin_fixture, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from pre_pilotage.requetes import vider_caches

    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    vider_caches()

    def lancer(role: str):
        at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
        at.session_state["utilisateur"] = Utilisateur("test", "Compte de test", role)
        return at

    return lancer


def test_page_rapport(application):
    at = application("coordination").run()
    at.switch_page("pages/rapport.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Rapport"]
    apercu = " ".join(m.value for m in at.markdown)
    assert "En 2025, le programme a accompagné 41 enfants" in apercu
    boutons = [b.proto.label for b in at.get("download_button")]
    assert boutons[-3:] == [
        "Télécharger le rapport (Word, DOCX)",
        "Télécharger le rapport (PDF)",
        "Télécharger les graphiques et tableaux (ZIP)",
    ]
    # All pages at once: the ZIP says what it holds (PNG charts, XLSX tables, a « lisez-moi »).
    assert any(
        m.value.startswith("Pour préparer un comité : une archive ZIP des ") for m in at.markdown
    )
    # The Rapport page shows no chart of its own: no « PDF de la vue » there.
    assert "PDF de la vue" not in boutons
    # Sections live in the URL, like every setting of a page.
    at.query_params["sections"] = "synthese,budgets"
    at.session_state["sections"] = ["synthese", "budgets"]
    at.run()
    apercu = " ".join(m.value for m in at.markdown)
    assert "**Budgets**" in apercu and "**Publics**" not in apercu


def test_exports_reserves_aux_roles_coordination_et_administration(application):
    at = application("coordination").run()
    assert not at.exception
    menus = [p.proto.popover.label for p in at.get("popover")]
    assert menus.count("Exporter le graphique") == 3
    lecture = application("lecture").run()
    assert not lecture.exception
    assert [p.proto.popover.label for p in lecture.get("popover")] == ["Partager"]
    lecture.switch_page("pages/rapport.py").run()
    assert "Accès refusé" in lecture.error[0].value


def test_cofinancement_de_deux_cites_au_pluriel(con_demo):
    """The demo has two Cités éducatives: their co-financing is told in the plural."""
    programme = executer(con_demo, "programmes", 11)
    contexte_demo = rapport.Contexte(programme["nom"][0], 2025, 11, "2025-12-31", demo=True)
    cadres = lire(con_demo, 2025, pre_id=programme["pre_id"][0])
    financeurs = cadres["financeurs"].filter(pl.col("financeur") == "cite_educative")
    cite = next(s for s in rapport.contenu(cadres, contexte_demo) if s.titre == "Cité éducative")
    assert cadres["cites"].height == 2
    assert (
        f"Les Cités éducatives du territoire cofinancent "
        f"{formats.euros(financeurs['montant_prevu'][0])} de la programmation 2025 "
        f"({formats.pourcentage(financeurs['part'][0])} du total)."
    ) in cite.phrases


def test_docx_en_tete_pied_de_page_et_document_interne(sections_beta_2024):
    def entetes(document):
        section = document.sections[0]
        return (
            [p.text for p in section.header.paragraphs],
            section.footer.paragraphs[0]._p.xml,
        )

    diffusable = docx.Document(io.BytesIO(rapport.docx(sections_beta_2024, contexte(2024))))
    en_tete, pied = entetes(diffusable)
    assert en_tete == ["Programme de Réussite Éducative – rapport 2024 – PRE de test"]
    assert 'w:instr=" PAGE "' in pied and 'w:instr=" NUMPAGES "' in pied
    assert not any("Document interne" in p.text for p in diffusable.paragraphs)

    interne = docx.Document(
        io.BytesIO(rapport.docx(sections_beta_2024, contexte(2024, interne=True)))
    )
    mention = rapport.mention_interne(11)
    assert entetes(interne)[0] == [
        "Programme de Réussite Éducative – rapport 2024 – PRE de test",
        mention,
    ]
    assert mention in [p.text for p in interne.paragraphs[:10]]


def test_pluriels_calcules():
    from pre_pilotage import francais

    assert francais.effectif(0, "école ou collège", "écoles ou collèges") == "0 école ou collège"
    assert francais.effectif(1, "quartier prioritaire") == "1 quartier prioritaire"
    assert francais.effectif(3, "quartier prioritaire") == "3 quartiers prioritaires"
    assert francais.effectif(1200, "enfant") == "1\u202f200 enfants"
    assert rapport.effectif(1, None, "entrées", 11) == "1 entrée"
    assert rapport.effectif(12, None, "sorties", 11) == "12 sorties"
    # « d' » before a vowel (an outside reader met « un nombre de enfants masqué »).
    # Short (outside test): the secrecy note says what « s » means.
    assert rapport.effectif(None, "s", "enfants", 11) == ("un nombre d'enfants non diffusé")
    assert rapport.effectif(None, "s", "sorties", 11) == ("un nombre de sorties non diffusé")


def test_rapport_de_la_demo_lu_comme_la_page_montre_les_cellules_protegees(con_demo):
    """Read the way the page reads it (the stored protection, `requetes.run`), the report's
    quartier table shows each quartier's protected cell of the Carte page: the same number,
    or the same « < 11 » / « s » (never a count the map hides)."""
    from pre_pilotage.requetes import lire_protege

    programme = lire_protege(con_demo, "programmes", 11)
    pre_id, nom = programme["pre_id"][0], programme["nom"][0]
    cadres = rapport.lire(
        lambda requete, **p: lire_protege(con_demo, requete, 11, **p), pre_id, None, None, 2025
    )
    carte = next(
        s
        for s in rapport.contenu(cadres, rapport.Contexte(nom, 2025, 11, "2025-12-31"))
        if s.titre == rapport.SECTIONS["carte"]
    )
    tableau = next(
        t
        for t in carte.tableaux
        if t.titre == "Enfants accompagnés par quartier prioritaire en 2025"
    )
    qpv = lire_protege(
        con_demo,
        "carte_qpv",
        11,
        pre_id=pre_id,
        commune=None,
        annee=2025,
        geographie=2024,
        niveau="territoire",
    )
    attendu = {
        f"{r['nom']} ({r['code_qp']})": r["beneficiaires__secret"]
        or formats.nombre(r["beneficiaires"])
        for r in qpv.to_dicts()
    }
    montre = {ligne[0]: ligne[2] for ligne in tableau.lignes}
    assert montre == attendu
    assert "s" in set(montre.values())  # the demo's map hides some quartiers


def test_annexe_dit_la_protection_et_sa_verification(con_fixture):
    """The annex states the stored protection of the programme: its date, the figures it covers
    and masks, and the fewest values a masked small count keeps (from `secret_cellule`)."""
    import dataclasses

    from pre_pilotage.requetes import lire_protege

    cadres = rapport.lire(
        lambda requete, **p: lire_protege(con_fixture, requete, 11, **p), PRE, None, None, 2025
    )
    cellules, primaires, secondaires, etroite, jour = con_fixture.execute(
        "select count(*), count(*) filter (where statut = 'primaire'), "
        "count(*) filter (where statut = 'secondaire'), "
        "min(haut - bas + 1) filter (where statut <> 'visible' and valeur between 1 and 10), "
        "(select strftime(calculee_le, '%d/%m/%Y') from secret_protection where seuil = 11) "
        "from secret_cellule where seuil = 11 and pre_id = ?",
        [PRE],
    ).fetchall()[0]  # fetched to the end: the connection is shared with other test files
    assert cellules > 50 and primaires > 0 and secondaires > 0 and etroite >= 5
    phrase = rapport.verification(cadres, 11)
    assert phrase == (
        f"La protection statistique de ce programme a été calculée le {jour} sur toutes les "
        f"vues de l'outil (pages, filtres, années, carte) : {cellules} chiffres d'enfants "
        f"distincts, dont {primaires} remplacés par « < 11 » et {secondaires} masqués « s », soit "
        f"{formats.pourcentage(100 * (primaires + secondaires) / cellules)} des chiffres. Elle "
        "est vérifiée par programmation linéaire : compte tenu de tous les chiffres publiés, "
        "chaque petit effectif masqué garde au moins 5 valeurs possibles, et le plus contraint "
        f"en garde {etroite}."
    )
    assert rapport.verification(cadres, 7) is None  # no protection stored at that threshold
    contexte_ = dataclasses.replace(contexte(2025), verification=phrase)
    document = docx.Document(
        io.BytesIO(rapport.docx(rapport.contenu(cadres, contexte_), contexte_))
    )
    textes = [p.text for p in document.paragraphs]
    confidentialite = textes.index(rapport.ANNEXES[1])
    assert textes[confidentialite + 2] == phrase


def test_comparaison_au_dernier_comite_de_pilotage(con_fixture, con_demo, application):
    """« Comparer l'année à l'année précédente et au dernier comité de pilotage »: the year's
    entries and exits of the whole programme, up to the COPIL and since, read from the stored
    protection like every figure (a small count since the COPIL stays « < 11 », and the cells
    that would give it back are « s »)."""
    from pre_pilotage.requetes import lire_protege

    def synthese(con, pre_id, nom, annee, commune=None):
        cadres = rapport.lire(
            lambda requete, **p: lire_protege(con, requete, 11, **p),
            pre_id,
            commune,
            None,
            annee,
            sections=("synthese",),
        )
        (section,) = rapport.contenu(
            cadres,
            rapport.Contexte(nom, annee, 11, "2025-12-31", sections=("synthese",), copil=True),
        )
        tableaux = [(t.titre, t.entetes, t.lignes, t.secret) for t in section.tableaux]
        return section.phrases[-1], tableaux

    # Fixture, 2025: the PRE's COPIL of 20 May 2025 (GV4), nothing since.
    phrase, tableaux = synthese(con_fixture, PRE, "PRE de test", 2025)
    assert phrase == (
        "Depuis le comité de pilotage du 20/05/2025 et jusqu'au 31/12/2025, le programme (tout "
        "son territoire) a enregistré 0 entrée et 0 sortie."
    )
    assert tableaux == [
        (
            "Tout le programme depuis le dernier comité de pilotage de 2025",
            [
                "Depuis le 1er janvier",
                "Au comité du 20/05/2025",
                "Au 31/12/2025",
                "Depuis le comité",
            ],
            [
                ["Entrées dans le programme", "14", "14", "0"],
                ["Sorties du programme", "12", "12", "0"],
            ],
            "",
        )
    ]
    # 2024: the joint COPIL of 18 November (GV2); 7 exits since, masked with what gives them.
    phrase, tableaux = synthese(con_fixture, PRE, "PRE de test", 2024)
    assert phrase.endswith("a enregistré 0 entrée et moins de 11 sorties.")
    # The 34 entries and the 27 exits of 2024 are masked (secondary) since a child and its
    # parcours of a year are one record of the whole-database protection; the 20 exits until
    # the COPIL are shown (the year's total is masked, so they give nothing away).
    assert tableaux[0][2] == [
        ["Entrées dans le programme", "s", "s", "0"],
        ["Sorties du programme", "20", "s", "< 11"],
    ]
    assert tableaux[0][3].startswith("Secret statistique – « < 11 »")
    # 2023: no COPIL of the programme that year.
    phrase, tableaux = synthese(con_fixture, PRE, "PRE de test", 2023)
    assert phrase == (
        "Aucun comité de pilotage du programme n'est enregistré en 2023 avant la fin de la "
        "période : le rapport ne compare pas l'année à un comité."
    )
    assert tableaux == []
    # Demo, 2025, a commune chosen: the comparison is the whole programme's.
    programme = lire_protege(con_demo, "programmes", 11)
    pre_id, nom = programme["pre_id"][0], programme["nom"][0]
    phrase, tableaux = synthese(con_demo, pre_id, nom, 2025, commune="96001")
    assert phrase == (
        "Depuis le comité de pilotage du 05/11/2025 et jusqu'au 31/12/2025, le programme (tout "
        "son territoire) a enregistré 29 entrées et 44 sorties."
    )
    assert tableaux[0][2] == [
        ["Entrées dans le programme", "232", "261", "+29"],
        ["Sorties du programme", "220", "264", "+44"],
    ]
    # The year's totals are the Synthèse page's own cells.
    publics = lire_protege(
        con_demo, "synthese_publics", 11, pre_id=pre_id, commune=None, qpv=None, annee=2025
    ).filter(pl.col("annee") == 2025)
    assert (publics["entrees"][0], publics["sorties"][0]) == (261, 264)
    # The Rapport page offers the comparison; its choice lives in the URL.
    at = application("coordination").run()
    at.switch_page("pages/rapport.py").run()
    assert "Depuis le comité de pilotage" not in " ".join(m.value for m in at.markdown)
    at.query_params["comparaison"] = "copil"
    at.session_state["comparaison"] = "copil"
    at.run()
    assert not at.exception
    apercu = " ".join(m.value for m in at.markdown)
    assert "Depuis le comité de pilotage du 20/05/2025 et jusqu'au 31/12/2025" in apercu
    # In the Word document: the table, under the Synthèse heading.
    contenu = rapport.docx(
        rapport.contenu(
            rapport.lire(
                lambda requete, **p: lire_protege(con_fixture, requete, 11, **p),
                PRE,
                None,
                None,
                2025,
            ),
            contexte(2025, copil=True),
        ),
        contexte(2025, copil=True),
    )
    document = docx.Document(io.BytesIO(contenu))
    entetes = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert [
        "Depuis le 1er janvier",
        "Au comité du 20/05/2025",
        "Au 31/12/2025",
        "Depuis le comité",
    ] in entetes


def test_nom_du_fichier_sans_pre_en_double():
    assert (
        rapport.nom_fichier(rapport.Contexte("PRE de l'Agglomération de démo", 2025, 11), "docx")
        == "rapport-pre-de-l-agglomeration-de-demo-2025.docx"
    )
    assert (
        rapport.nom_fichier(rapport.Contexte("Valenciennes", 2025, 11), "pdf")
        == "rapport-pre-valenciennes-2025.pdf"
    )
