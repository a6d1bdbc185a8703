"""Export files opened and checked: PNG size and dpi, SVG, PDF, XLSX, CSV; masking in each.

The masked fixture cells: in 2024, the 3 children aged 17 or more (G6) are shown « < 11 » and the
12 children aged 2 to 5 (G3) « s » (complementary suppression), their shares « s »; no export
may contain 3, 12, nor their shares 5,6 % and 22,2 %.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import openpyxl
import polars as pl
import pytest
from PIL import Image
from pypdf import PdfReader

from pre_pilotage import carte_image, config, enquete, exports, formats, graphiques, rendu
from pre_pilotage.requetes import executer
from tests.fixture_base import PRE

COLONNES = {
    "libelle": ("Tranche d'âge", "texte"),
    "beneficiaires": ("Enfants", "nombre"),
    "part": ("Part des enfants", "pourcentage"),
    "part_nationale": ("Part nationale", "pourcentage"),
}
EXPLICATION_PRIMAIRE = "« < 11 » : moins de 11 enfants, effectif non diffusé"
EXPLICATION_SECONDAIRE = (
    "« s » : chiffre masqué pour qu'un petit effectif ne puisse pas être recalculé à partir des "
    "autres"
)
NOTE_SECRET = f"Secret statistique – {EXPLICATION_PRIMAIRE} ; {EXPLICATION_SECONDAIRE}."
LEGENDE = exports.Legende(
    titre="Répartition par tranche d'âge – PRE de test, 2024",
    territoire="PRE de test",
    periode="2024",
    source="données du programme ; ANCT, enquête nationale PRE 2022",
    date_donnees="2025-12-31",
    secret=NOTE_SECRET,
)
CAPTURES = config.RACINE / "tests" / "captures"
# 2024: two age bands masked (3 and 12 children), so every share of the year (a group's shares
# are masked together when one of its cells is): 5,6 %, 22,2 %, 37,0 % (20 of 54), 35,2 % (19).
VALEURS_MASQUEES = {"3", "12", "5,6 %", "22,2 %", "37,0 %", "35,2 %"}


def territoire(annee=2024, qpv=None):
    return {"pre_id": PRE, "commune": None, "qpv": qpv, "annee": annee}


@pytest.fixture(scope="module")
def ages(con_fixture):
    return executer(con_fixture, "beneficiaires_par_tranche_age", 11, **territoire())


@pytest.fixture(scope="module")
def figure_masquee(con_fixture):
    cadre = executer(con_fixture, "publics_par_tranche_age", 11, **territoire())
    return graphiques.repartition(cadre, 2024)


@pytest.fixture(scope="module")
def images(figure_masquee):
    """The same chart in the three formats, from one warm browser."""
    avant = rendu.demarrages()
    fichiers = {f: exports.graphique(figure_masquee, LEGENDE, f) for f in ("png", "svg", "pdf")}
    fichiers["demarrages"] = rendu.demarrages() - avant
    return fichiers


def textes(contenu: str) -> list[str]:
    return [t.replace("\u202f", " ").replace("\u00a0", " ").strip() for t in contenu if t.strip()]


def test_png_a_la_resolution_d_impression(images):
    with Image.open(io.BytesIO(images["png"])) as image:
        largeur, hauteur = image.size
        dpi = image.info["dpi"]
    assert largeur == 1890 and hauteur > 900
    assert round(dpi[0]) == round(dpi[1]) == 300
    assert largeur / 300 * 2.54 == pytest.approx(16.0, abs=0.01)  # an A4 column, 2,5 cm margins
    # One browser for every export of the process, started at most once here.
    assert images["demarrages"] <= 1


def test_svg_legende_francaise_et_masquage(images):
    racine = ET.fromstring(images["svg"])
    assert racine.tag.endswith("svg")
    contenu = textes(racine.itertext())
    assert "Répartition par tranche d'âge – PRE de test, 2024" in contenu
    legende = " ".join(contenu)
    assert "Source : données du programme ; ANCT, enquête nationale PRE 2022." in legende
    assert "Données au 31/12/2025." in legende
    assert NOTE_SECRET in legende
    # The masked bar is labelled with its token and unit (a bare « < 11 » on a percentage
    # axis reads « less than 11 % »), never with the hidden count or share.
    assert "< 11 enfants" in contenu
    assert not VALEURS_MASQUEES & set(contenu)
    assert "100,0 %" in contenu  # 2023: the 20 children, all aged 6 to 10, shown


def test_pdf_une_page_avec_le_jeton(images):
    lecteur = PdfReader(io.BytesIO(images["pdf"]))
    assert len(lecteur.pages) == 1
    texte = lecteur.pages[0].extract_text().replace("\u202f", " ").replace("\u00a0", " ")
    assert "Répartition par tranche d'âge" in texte and "Données au 31/12/2025" in texte
    assert "< 11 enfants" in texte
    assert not VALEURS_MASQUEES & {ligne.strip() for ligne in texte.splitlines()}
    # Its properties carry the chart's French title, not the drawing browser's page title.
    assert lecteur.metadata.title == "Répartition par tranche d'âge – PRE de test, 2024"
    assert lecteur.metadata.author == "Tableau de bord du PRE"


def test_note_du_secret_selon_les_jetons_presents(ages):
    # The fixture's age bands hold both kinds of masked cells.
    assert exports.note_secret(ages) == NOTE_SECRET
    assert LEGENDE.lignes() == [
        "Source : données du programme ; ANCT, enquête nationale PRE 2022. Données au 31/12/2025.",
        NOTE_SECRET,
    ]
    primaires = ages.filter(pl.col("libelle") == "17 ans et plus").drop("part__secret")
    assert exports.note_secret(primaires) == f"Secret statistique – {EXPLICATION_PRIMAIRE}."
    visibles = ages.filter(pl.col("beneficiaires__secret").is_null()).drop("part__secret")
    assert exports.note_secret(visibles) == ""
    # Another threshold (PRE_SEUIL_SECRET) is said as its own token.
    assert formats.note_secret(["< 7", "12", None]) == (
        "Secret statistique – « < 7 » : moins de 7 enfants, effectif non diffusé."
    )


def test_csv_pour_excel_francais(ages):
    contenu = exports.csv_tableau(ages, COLONNES)
    assert contenu.startswith("\ufeff".encode())
    lignes = contenu.decode("utf-8-sig").splitlines()
    assert [ligne.split(";") for ligne in lignes] == [
        ["Tranche d'âge", "Enfants", "Part des enfants (%)", "Part nationale (%)"],
        ["2 à 5 ans", "s", "s", "14,6"],
        ["6 à 10 ans", "20", "s", "52,4"],
        ["11 à 16 ans", "19", "s", "31,5"],
        ["17 ans et plus", "< 11", "s", "1,5"],
    ]


def test_csv_neutralise_les_formules():
    cadre = pl.DataFrame({"texte": ['=HYPERLINK("x")', "@A1", "Beta"], "ecart": [-5.0, 1.0, 0.0]})
    lignes = exports.csv_tableau(
        cadre, {"texte": ("Nom", "texte"), "ecart": ("Écart", "pourcentage")}
    )
    assert lignes.decode("utf-8-sig").splitlines()[1:] == [
        '"\'=HYPERLINK(""x"")";-5,0',
        "'@A1;1,0",
        "Beta;0,0",
    ]
    # The survey workbook writes its text cells as the exports' workbooks do.
    assert enquete.texte_xlsx is exports.texte_xlsx


def test_xlsx_texte_pris_pour_une_formule_sans_apostrophe_ecrite():
    """An outside reader found « '+0,8 pt » in a key-figures workbook: the apostrophe that
    protects a CSV cell was written into the text. In a workbook the text is stored as text,
    with Excel's own quote prefix (a style, not shown) where a spreadsheet would read a formula
    on editing; never a formula."""
    cadre = pl.DataFrame({"texte": ["+0,8\u00a0pt", '=HYPERLINK("x")', "@A1", "Beta"]})
    livre = openpyxl.load_workbook(
        io.BytesIO(exports.xlsx_tableau(cadre, {"texte": ("Écart", "texte")}, LEGENDE, ()))
    )
    cellules = [ligne[0] for ligne in livre.worksheets[0].iter_rows(min_row=2)]
    assert [(c.value, c.data_type, c.quotePrefix) for c in cellules] == [
        ("+0,8\u00a0pt", "s", True),
        ('=HYPERLINK("x")', "s", True),
        ("@A1", "s", True),
        ("Beta", "s", False),
    ]


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("\u200b=1+1", "'\u200b=1+1"),  # zero-width space in front
        ("\u2060\ufeff @A1", "'\u2060\ufeff @A1"),  # word joiner, BOM and a space
        ("\uff1dHYPERLINK(1)", "'\uff1dHYPERLINK(1)"),  # full-width equals sign
        ("\uff0b33 6 12", "'\uff0b33 6 12"),  # full-width plus sign
        ("\u00a0-2", "'\u00a0-2"),  # no-break space in front
        ("\u200b", "\u200b"),
        ("Beta \uff1d Alpha", "Beta \uff1d Alpha"),
        ("< 11", "< 11"),
    ],
)
def test_neutralisation_a_travers_les_caracteres_invisibles(texte, attendu):
    assert exports.neutraliser(texte) == attendu


def test_xlsx_valeurs_formats_et_definitions(ages):
    livre = openpyxl.load_workbook(
        io.BytesIO(exports.xlsx_tableau(ages, COLONNES, LEGENDE, ("part_tranche_age",)))
    )
    assert livre.sheetnames == ["Tableau", "Filtres et définitions"]
    feuille = livre["Tableau"]
    lignes = [[c.value for c in ligne] for ligne in feuille.iter_rows()]
    assert lignes == [
        ["Tranche d'âge", "Enfants", "Part des enfants", "Part nationale"],
        ["2 à 5 ans", "s", "s", 14.6],
        ["6 à 10 ans", 20, "s", 52.4],
        ["11 à 16 ans", 19, "s", 31.5],
        ["17 ans et plus", "< 11", "s", 1.5],
    ]
    assert all(c.font.bold for c in feuille[1])
    assert feuille["B3"].number_format == "#,##0"
    assert feuille["D3"].number_format == '0.0" %"'
    assert feuille["C3"].data_type == "s" and feuille["C3"].alignment.horizontal == "right"
    assert feuille["B5"].data_type == "s" and feuille["B5"].alignment.horizontal == "right"
    assert feuille.freeze_panes == "A2"
    assert all(feuille.column_dimensions[c].width >= 10 for c in "ABCD")
    notes = [
        [v for v in ligne if v is not None]
        for ligne in livre["Filtres et définitions"].iter_rows(values_only=True)
    ]
    assert notes[0] == ["Répartition par tranche d'âge – PRE de test, 2024"]
    assert ["Territoire", "PRE de test"] in notes and ["Période", "2024"] in notes
    assert ["Données au", "31/12/2025"] in notes
    assert [
        "Secret statistique",
        f"{EXPLICATION_PRIMAIRE} ; {EXPLICATION_SECONDAIRE}.",
    ] in notes
    assert ["Part des enfants", "pourcentage (0 à 100)"] in notes
    assert any(ligne and ligne[0] == "Répartition par tranche d'âge" for ligne in notes)
    cellules = {c.value for f in livre for ligne in f.iter_rows() for c in ligne}
    assert not {3, 12, 5.6, 22.2} & cellules


def test_png_de_la_carte(con_demo):
    pre_id = executer(con_demo, "programmes", 11)["pre_id"][0]
    carte = {"pre_id": pre_id, "commune": None, "annee": 2025}
    qpv = executer(con_demo, "carte_qpv", 11, **carte, geographie=2024, niveau="territoire")
    figure = carte_image.figure_carte(
        qpv,
        executer(con_demo, "carte_etablissements", 11, **carte),
        executer(con_demo, "carte_contours", 11, pre_id=pre_id, niveau="territoire"),
        executer(con_demo, "carte_cites", 11, pre_id=pre_id, geographie=2024, niveau="territoire"),
        annee=2025,
    )
    legende = exports.Legende(
        "Enfants accompagnés par quartier prioritaire – Agglomération, 2025",
        "Agglomération",
        "2025",
        "données du programme ; contours : IGN, ANCT",
        "2025-12-31",
        exports.note_secret(qpv),
    )
    noms = [trace.name for trace in figure.data]
    assert {"Communes", "Intercommunalité", "périmètre de Cité éducative"} <= set(noms)
    # In the demo, « Les Hauts de Sambre » has fewer than 11 children in 2025: hatched.
    assert qpv.filter(pl.col("beneficiaires__secret") == "< 11").height >= 1
    # « Les Coteaux » is hidden to protect it (« s »): a class of its own, not « < 11 ».
    assert qpv.filter(pl.col("beneficiaires__secret") == "s")["nom"].to_list() == ["Les Coteaux"]
    assert [n for n in noms if n and n.startswith("«")] == [
        EXPLICATION_PRIMAIRE,
        "« s » : masqué pour protéger un autre chiffre",
    ]
    assert legende.secret == NOTE_SECRET
    png = exports.graphique(figure, legende, "png")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size[0] == 1890 and round(image.info["dpi"][0]) == 300
    CAPTURES.mkdir(parents=True, exist_ok=True)
    (CAPTURES / "export-carte.png").write_bytes(png)
    svg = textes(ET.fromstring(exports.graphique(figure, legende, "svg")).itertext())
    assert "Légende" in svg and EXPLICATION_PRIMAIRE in svg
    assert "« s » : masqué pour protéger un autre chiffre" in svg
    assert "Enfants accompagnés par quartier prioritaire – Agglomération, 2025" in svg


def test_flux_financeurs_thematiques_exporte_dans_les_trois_formats(con_fixture):
    # A Sankey has no `showlegend`: its export used to fail with an AttributeError.
    flux = executer(con_fixture, "budget_flux_financeurs_thematiques", 11, **territoire(annee=2025))
    figure = graphiques.flux_financeurs_thematiques(flux)
    legende = exports.Legende(
        "Des financeurs aux thématiques – PRE de test, 2025",
        "PRE de test",
        "2025",
        "données du programme",
        "2025-12-31",
    )
    png = exports.graphique(figure, legende, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as image:
        assert image.size[0] == 1890 and round(image.info["dpi"][0]) == 300
    CAPTURES.mkdir(parents=True, exist_ok=True)
    (CAPTURES / "export-flux-financeurs.png").write_bytes(png)
    svg = textes(ET.fromstring(exports.graphique(figure, legende, "svg")).itertext())
    # Names beside the nodes (outside the flows), each with its amount on a second line.
    assert ["État – politique de la ville", "14 000 €"] == svg[
        svg.index("État – politique de la ville") : svg.index("État – politique de la ville") + 2
    ]
    assert {"Parentalité", "20 000 €", "Culture et sport", "4 000 €", "CAF", "1 000 €"} <= set(svg)
    pdf = exports.graphique(figure, legende, "pdf")
    assert pdf.startswith(b"%PDF-")
    texte = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Des financeurs aux thématiques" in texte


def test_noms_de_fichiers_et_qr_code():
    assert exports.nom_fichier("Budget par financeur – Aubricourt (96003), 2025", "png") == (
        "budget-par-financeur-aubricourt-96003-2025.png"
    )
    png = exports.qr_png("http://127.0.0.1:8501/synthese?pre=pre-90001&annee=2025")
    with Image.open(io.BytesIO(png)) as image:
        assert image.size[0] == image.size[1] >= 200
    assert b"<title>QR code du lien de la vue</title>" in exports.qr_svg("http://x/synthese")


def test_texte_alternatif_des_graphiques(figure_masquee):
    # The chart's text alternative lists its labels: masked ones by their token.
    texte = exports.resume(figure_masquee)
    assert "2023 – 6 à 10 ans : 100,0 %" in texte
    assert (
        "2024 – 2 à 5 ans : s ; 6 à 10 ans : s ; 11 à 16 ans : s ; 17 ans et plus : < 11" in texte
    )
    masques = r"\b(3|12|5,6 %|22,2 %|37,0 %|35,2 %)(?![\d,])"
    assert not re.search(masques, texte.replace("2 à 5", ""))


def test_tableau_du_graphique_reprend_les_etiquettes_et_les_jetons():
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.add_bar(x=["2024", "2025"], y=[12, None], name="Enfants", text=["12", "< 11"])
    fig.add_scatter(
        x=["2024", "2025"], y=[30, 40], name="Entrées", mode="lines", customdata=["30", "s"]
    )
    fig.add_bar(x=["2025"], y=[3], name="Sans étiquette")
    assert exports.tableau_du_graphique(fig) == (
        ["", "Enfants", "Entrées"],
        [["2024", "12", "30"], ["2025", "< 11", "s"]],
    )
    flux = go.Figure(go.Sankey(node={"label": ["État", "Parentalité"]}))
    assert exports.tableau_du_graphique(flux) is None


def test_annees_masquees_des_entrees_et_sorties_dites_dans_la_legende():
    """Masked entries and exits had no point and no word: a reader of the exported image took
    them for none (outside test). The legend names the years; the chart's table keeps the
    series' plain name and the tokens."""
    import polars as pl

    from pre_pilotage import graphiques

    cadre = pl.DataFrame(
        {
            "annee": [2023, 2024, 2025],
            "actifs": [27, 28, None],
            "entrees": [None, 12, None],
            "sorties": [14, 15, 16],
            "actifs__secret": [None, None, "s"],
            "entrees__secret": ["< 11", None, "s"],
            "sorties__secret": [None, None, None],
        }
    )
    fig = graphiques.beneficiaires_par_annee(cadre)
    assert [trace.name for trace in fig.data] == [
        "Enfants accompagnés",
        "Entrées (secret statistique en 2023 et 2025)",
        "Sorties",
    ]
    entetes, lignes = exports.tableau_du_graphique(fig)
    assert entetes == ["", "Enfants accompagnés", "Entrées", "Sorties"]
    assert lignes == [
        ["2023", "27", "< 11", "14"],
        ["2024", "28", "12", "15"],
        ["2025", "s", "s", "16"],
    ]
