"""« Rapport » for the contrat de ville: masked frames in, a DOCX (and its PDF) out; no Streamlit.

`lire(run, ...)` gathers the frames of the chosen sections with the same queries as the pages
(`run` is `requetes.run`, or any runner with its contract: tests pass `executer` on the fixture
database); `contenu(...)` turns them into sections of key figures, short generated French
sentences, charts (the pages' own builders) and tables; `docx(...)` writes the document, with
a title page, the definitions and sources of every indicator used, and the confidentiality
note; `pdf(...)` converts it with LibreOffice. Every count comes already masked: a masked cell is
written as its token (« < 11 », « s ») and a sentence never states a masked value.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from pre_pilotage import carte_image, exports, formats, francais, graphiques, lots
from pre_pilotage import cite as cite_module
from pre_pilotage.confidentialite import SUFFIXE_SECRET
from pre_pilotage.indicateurs import indicateur

SECTIONS = {
    "synthese": "Synthèse",
    "carte": "Carte",
    "budgets": "Budgets",
    "cite": "Cité éducative",
    "publics": "Publics",
}
SOURCE_PROGRAMME = "données du programme (tableau de bord PRE)"


class RapportImpossible(RuntimeError):
    """Raised with a French message when the PDF cannot be made."""


@dataclass(frozen=True)
class Contexte:
    """Who the report is about and how it is protected."""

    territoire: str
    annee: int
    seuil: int
    date_donnees: str | None = None
    demo: bool = False
    sections: tuple[str, ...] = tuple(SECTIONS)
    # An internal document of the PRE's team, made below the élus' floor (acces.SEUIL_LECTURE):
    # says so on its title page and on every page's header.
    interne: bool = False


# ------------------------------------------------------------------------------------ reading


def lire(
    run: Callable[..., pl.DataFrame],
    pre_id: str,
    commune: str | None,
    qpv: str | None,
    annee: int,
    sections: tuple[str, ...] = tuple(SECTIONS),
) -> dict[str, pl.DataFrame]:
    """The masked frames the chosen sections need, by name (the pages' own queries)."""
    territoire = {"pre_id": pre_id, "commune": commune, "qpv": qpv, "annee": annee}
    sans_annee = {"pre_id": pre_id, "commune": commune, "qpv": qpv}
    demandes: lots.Demandes = {"references": ("references_nationales", {})}
    if "synthese" in sections:
        demandes["publics"] = ("synthese_publics", territoire)
        demandes["equipe"] = ("synthese_equipe", {"pre_id": pre_id, "annee": annee})
        demandes["par_annee"] = ("beneficiaires_par_annee", sans_annee)
    if "publics" in sections:
        demandes["par_sexe"] = ("publics_par_sexe", territoire)
        demandes["par_tranche_age"] = ("publics_par_tranche_age", territoire)
        demandes["motifs_orientation"] = ("publics_motifs_orientation", territoire)
        demandes["par_orienteur"] = ("publics_par_orienteur", territoire)
    if "budgets" in sections or "cite" in sections:
        demandes["financeurs"] = ("budget_par_financeur", territoire)
    if "cite" in sections:
        demandes["origines_perimetre"] = ("cite_origine_perimetre", {"pre_id": pre_id})
    if "budgets" in sections:
        demandes["budget"] = ("budget_chiffres_cles", territoire)
        demandes["budget_annees"] = ("budget_par_annee", sans_annee)
    if "carte" in sections or "cite" in sections:
        demandes["geographies"] = ("carte_geographies", {"pre_id": pre_id})
    cadres = lots.tous(run, demandes)
    if "carte" in sections or "cite" in sections:
        # The map's queries need the geography year, read with the others above.
        geographie = int(cadres.pop("geographies")["annee_geographie"].max() or 2024)
        carte = {"pre_id": pre_id, "commune": commune, "annee": annee}
        selon_geographie = {"pre_id": pre_id, "geographie": geographie, "niveau": "territoire"}
        demandes = {
            "qpv": ("carte_qpv", carte | {"geographie": geographie, "niveau": "territoire"}),
            "cites": ("carte_cites", selon_geographie),
        }
        if "carte" in sections:
            demandes["etablissements"] = ("carte_etablissements", carte)
            demandes["contours"] = ("carte_contours", {"pre_id": pre_id, "niveau": "territoire"})
        cadres |= lots.tous(run, demandes)
    return cadres


# ---------------------------------------------------------------------------------- content


@dataclass
class Graphique:
    titre: str
    figure: go.Figure
    legende: str  # source, data date, confidentiality note
    texte_alternatif: str


@dataclass
class Tableau:
    titre: str
    entetes: list[str]
    lignes: list[list[str]]
    secret: str = ""  # what its masked cells' tokens mean (follows the table), "" when none


@dataclass
class Section:
    titre: str
    chiffres: list[tuple[str, str, str]] = field(default_factory=list)  # label, value, change
    phrases: list[str] = field(default_factory=list)
    graphiques: list[Graphique] = field(default_factory=list)
    tableaux: list[Tableau] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # indicators defined at the end


def _cellule(cadre: pl.DataFrame, colonne: str, annee: int | None = None):
    """(value, token) of a per-year frame's column for `annee` (or its first row)."""
    if annee is not None and "annee" in cadre.columns:
        cadre = cadre.filter(pl.col("annee") == annee)
    if cadre.is_empty():
        return None, None
    jetons = colonne + SUFFIXE_SECRET
    jeton = cadre[jetons][0] if jetons in cadre.columns else None
    return (None if jeton else cadre[colonne][0]), jeton


def _valeur(cadre: pl.DataFrame, code: str, annee: int, colonne: str | None = None) -> str:
    valeur, jeton = _cellule(cadre, colonne or code, annee)
    return jeton or formats.selon_unite(valeur, indicateur(code).unite)


def _chiffre(cadre: pl.DataFrame, code: str, annee: int, colonne: str | None = None):
    """A key figure: label, value (or token), change from the year before (or « – »)."""
    definition = indicateur(code)
    valeur, jeton = _cellule(cadre, colonne or code, annee)
    avant, jeton_avant = _cellule(cadre, colonne or code, annee - 1)
    ecart = None
    if not jeton and not jeton_avant:
        if definition.unite == "pourcentage":
            ecart = formats.ecart_points(valeur, avant)
        else:
            ecart = formats.variation(valeur, avant)
    return (
        definition.libelle,
        jeton or formats.selon_unite(valeur, definition.unite),
        f"{ecart} par rapport à {annee - 1}" if ecart else formats.VIDE,
    )


def effectif(valeur, jeton: str | None, nom: str, seuil: int) -> str:
    """`41 enfants`, `moins de 11 enfants`, or a masked count said as such, never its value."""
    if jeton == f"< {seuil}":
        return f"moins de {seuil} {nom}"
    if jeton:
        return (
            f"un nombre de {nom} masqué pour qu'un petit effectif ne puisse pas être recalculé "
            "à partir des autres"
        )
    return f"{formats.nombre(valeur)} {nom}"


def _legende(contexte: Contexte, source: str, *cadres: pl.DataFrame) -> str:
    parties = [f"Source : {source}."]
    if contexte.date_donnees:
        parties.append(f"Données au {formats.date(contexte.date_donnees)}.")
    if note := exports.note_secret(*cadres):
        parties.append(note)
    return " ".join(parties)


def _graphique(code: str, figure, contexte: Contexte, source: str, *cadres, periode=None):
    definition = indicateur(code)
    titre = f"{definition.libelle} – {contexte.territoire}, {periode or contexte.annee}"
    return Graphique(
        titre, figure, _legende(contexte, source, *cadres), f"{titre}. {definition.definition}"
    )


def _synthese(cadres, contexte: Contexte) -> Section:
    annee, seuil = contexte.annee, contexte.seuil
    publics, equipe = cadres["publics"], cadres["equipe"]
    section = Section(SECTIONS["synthese"])
    for code, cadre in (
        ("actifs", publics),
        ("entrees", publics),
        ("sorties", publics),
        ("part_qpv", publics),
        ("duree_mediane_mois", publics),
        ("enfants_par_etp", equipe),
    ):
        section.chiffres.append(_chiffre(cadre, code, annee))
        section.codes.append(code)
    actifs, jeton = _cellule(publics, "actifs", annee)
    avant, jeton_avant = _cellule(publics, "actifs", annee - 1)
    phrase = (
        f"En {annee}, le programme a accompagné {effectif(actifs, jeton, 'enfants', seuil)} "
        f"sur le territoire « {contexte.territoire} »"
    )
    evolution = None if jeton or jeton_avant else formats.variation(actifs, avant)
    phrase += f" ({evolution} par rapport à {annee - 1})." if evolution else "."
    section.phrases.append(phrase)
    entrees, jeton_e = _cellule(publics, "entrees", annee)
    sorties, jeton_s = _cellule(publics, "sorties", annee)
    section.phrases.append(
        f"Il y a eu {effectif(entrees, jeton_e, 'entrées', seuil)} dans le programme et "
        f"{effectif(sorties, jeton_s, 'sorties', seuil)}."
    )
    part, jeton_p = _cellule(publics, "part_qpv", annee)
    if not jeton_p and part is not None:
        section.phrases.append(
            f"{formats.pourcentage(part).capitalize()} des enfants accompagnés résident dans "
            "un quartier prioritaire de la politique de la ville."
        )
    par_annee = cadres["par_annee"]
    annees = par_annee["annee"].to_list()
    section.graphiques.append(
        _graphique(
            "beneficiaires_par_annee",
            graphiques.beneficiaires_par_annee(par_annee),
            contexte,
            SOURCE_PROGRAMME,
            par_annee,
            periode=f"{min(annees)}–{max(annees)}" if annees else None,
        )
    )
    section.codes.append("beneficiaires_par_annee")
    return section


def _premiere_modalite(cadre: pl.DataFrame, annee: int):
    """The category with the largest shown share of the year (masked shares are left aside)."""
    lignes = cadre.filter(
        (pl.col("annee") == annee) & pl.col("part").is_not_null() & (pl.col("part") > 0)
    )
    if "part__secret" in lignes.columns:
        lignes = lignes.filter(pl.col("part__secret").is_null())
    if lignes.is_empty():
        return None
    return lignes.sort("part", descending=True, maintain_order=True).row(0, named=True)


def _publics(cadres, contexte: Contexte) -> Section:
    annee = contexte.annee
    section = Section(SECTIONS["publics"])
    sexe = cadres["par_sexe"].filter(pl.col("annee") == annee)
    garcons = sexe.filter(pl.col("modalite") == "M")
    if garcons.height and not ("part__secret" in garcons.columns and garcons["part__secret"][0]):
        phrase = (
            f"Les garçons représentent {formats.pourcentage(garcons['part'][0])} des enfants "
            "accompagnés"
        )
        if garcons["part_nationale"][0] is not None:
            phrase += f" ({formats.pourcentage(garcons['part_nationale'][0])} au niveau national)"
        section.phrases.append(phrase + ".")
    for nom, code, debut, unite in (
        ("par_tranche_age", "part_tranche_age", "La tranche d'âge la plus représentée", "enfants"),
        (
            "motifs_orientation",
            "part_motif_orientation",
            "Le premier motif d'orientation",
            "parcours",
        ),
        ("par_orienteur", "part_orienteur", "Le partenaire qui oriente le plus", "parcours"),
    ):
        premiere = _premiere_modalite(cadres[nom], annee)
        if premiere:
            section.phrases.append(
                f"{debut} est « {premiere['libelle']} » "
                f"({formats.pourcentage(premiere['part'])} des {unite})."
            )
        section.codes.append(code)
    section.codes.insert(0, "part_sexe")
    for nom, code, unite in (
        ("par_sexe", "part_sexe", "enfants"),
        ("par_tranche_age", "part_tranche_age", "enfants"),
        ("motifs_orientation", "part_motif_orientation", "parcours"),
    ):
        cadre = cadres[nom]
        sources = [s for s in cadre["source_nationale"].drop_nulls().unique().to_list()]
        section.graphiques.append(
            _graphique(
                code,
                graphiques.repartition(cadre, annee, unite),
                contexte,
                " ; ".join([SOURCE_PROGRAMME, *sources]),
                cadre,
                periode=f"{annee} et {annee - 1}",
            )
        )
    return section


def _budgets(cadres, contexte: Contexte) -> Section:
    annee = contexte.annee
    budget, financeurs = cadres["budget"], cadres["financeurs"]
    section = Section(SECTIONS["budgets"])
    for code in (
        "budget_programme",
        "part_cofinancee",
        "fiches_action",
        "montant_verse",
        "taux_execution",
        "cout_par_beneficiaire",
    ):
        section.chiffres.append(_chiffre(budget, code, annee))
        section.codes.append(code)
    montant, _ = _cellule(budget, "budget_programme", annee)
    part, _ = _cellule(budget, "part_cofinancee", annee)
    if montant:
        phrase = f"En {annee}, la programmation s'élève à {formats.euros(montant)}"
        if part is not None:
            phrase += (
                f", dont {formats.pourcentage(part)} apportés par d'autres financeurs que l'État"
            )
        section.phrases.append(phrase + ".")
    else:
        section.phrases.append(f"Aucune fiche-action n'est programmée en {annee}.")
    if financeurs.height:
        premier = financeurs.sort("montant_prevu", descending=True).row(0, named=True)
        section.phrases.append(
            f"Premier financeur : {premier['libelle']} ({formats.euros(premier['montant_prevu'])}"
            f", soit {formats.pourcentage(premier['part'])} du total)."
        )
    taux, jeton = _cellule(budget, "taux_execution", annee)
    if taux is not None and not jeton:
        section.phrases.append(
            f"À la date des données, {formats.pourcentage(taux)} des montants accordés ont été "
            "versés."
        )
    section.graphiques.append(
        _graphique(
            "budget_par_financeur",
            graphiques.budget_par_financeur(financeurs),
            contexte,
            SOURCE_PROGRAMME,
            financeurs,
        )
    )
    annees = cadres["budget_annees"]
    liste = annees["annee"].to_list()
    section.graphiques.append(
        _graphique(
            "evolution_budget",
            graphiques.evolution_budget(annees),
            contexte,
            SOURCE_PROGRAMME,
            periode=f"{min(liste)}–{max(liste)}" if liste else None,
        )
    )
    section.codes += ["budget_par_financeur", "evolution_budget"]
    return section


def _ligne_qpv(r: dict) -> list[str]:
    return [
        f"{r['nom']} ({r['code_qp']})",
        r["communes"] or formats.VIDE,
        r.get("beneficiaires__secret") or formats.nombre(r["beneficiaires"]),
        r.get("part_programme__secret") or formats.pourcentage(r["part_programme"]),
    ]


_ENTETES_QPV = ["Quartier prioritaire", "Commune", "Enfants accompagnés", "Part du programme"]


def _carte(cadres, contexte: Contexte) -> Section:
    annee = contexte.annee
    qpv, etablissements = cadres["qpv"], cadres["etablissements"]
    section = Section(SECTIONS["carte"])
    lacunes = qpv.filter(
        (pl.col("beneficiaires") == 0) & pl.col("beneficiaires__secret").is_null()
    ).height
    ecoles = etablissements.filter(
        pl.col("education_prioritaire").is_not_null()
        & (pl.col("beneficiaires") == 0)
        & pl.col("beneficiaires__secret").is_null()
    ).height
    reseaux = etablissements.filter(pl.col("education_prioritaire").is_not_null()).height
    section.phrases.append(
        f"Quartiers prioritaires sans enfant accompagné en {annee} : {lacunes} sur "
        f"{qpv.height}. Écoles et collèges REP+ ou REP sans enfant accompagné : {ecoles} sur "
        f"{reseaux}."
    )
    section.graphiques.append(
        _graphique(
            "qpv_beneficiaires",
            carte_image.figure_carte(
                qpv, etablissements, cadres["contours"], cadres["cites"], annee=annee
            ),
            contexte,
            f"{SOURCE_PROGRAMME} ; contours : IGN, ANCT, INSEE ; écoles : Éducation nationale",
            qpv,
            etablissements,
        )
    )
    section.tableaux.append(
        Tableau(
            f"Enfants accompagnés par quartier prioritaire en {annee}",
            _ENTETES_QPV,
            [_ligne_qpv(r) for r in qpv.to_dicts()],
            exports.note_secret(qpv),
        )
    )
    section.codes += [
        "qpv_beneficiaires",
        "qpv_part_programme",
        "qpv_sans_beneficiaire",
        "etablissement_ep_sans_beneficiaire",
    ]
    return section


def _cite(cadres, contexte: Contexte) -> Section:
    cites, qpv, financeurs = cadres["cites"], cadres["qpv"], cadres["financeurs"]
    origines = cite_module.origines_perimetre(cadres["origines_perimetre"])
    section = Section(SECTIONS["cite"])
    if cites.is_empty():
        section.phrases.append(
            "Aucune Cité éducative n'est labellisée sur les communes du territoire."
        )
    for cite in cites.to_dicts():
        codes = cite["codes_qp"] or []
        section.phrases.append(
            f"{francais.cite_educative(cite['nom'])} (labellisée en {cite['annee_labellisation'] or formats.VIDE}) : "
            f"communes {cite['communes'] or formats.VIDE} ; collège chef de file "
            f"{cite['chef_de_file'] or 'non renseigné'} ; {len(codes)} quartier(s) "
            f"prioritaire(s) et {cite['etablissements']} école(s) ou collège(s) dans son "
            "périmètre."
        )
        origine = origines.get(cite["cite_id"])
        if phrase := cite_module.phrase_perimetre(cite["nom"], origine):
            section.phrases.append(phrase)
        quartiers = qpv.filter(pl.col("code_qp").is_in(codes))
        lignes = [_ligne_qpv(r) for r in quartiers.to_dicts()]
        if lignes:
            section.tableaux.append(
                Tableau(
                    f"{francais.cite_educative(cite['nom'])} : enfants du PRE résidant dans ses quartiers en "
                    f"{contexte.annee}",
                    _ENTETES_QPV,
                    lignes,
                    exports.note_secret(quartiers),
                )
            )
    cite = financeurs.filter(pl.col("financeur") == "cite_educative")
    if cite.height:
        sujet = (
            "Les Cités éducatives du territoire cofinancent"
            if cites.height > 1
            else "La Cité éducative cofinance"
        )
        section.phrases.append(
            f"{sujet} {formats.euros(cite['montant_prevu'][0])} de la "
            f"programmation {contexte.annee} ({formats.pourcentage(cite['part'][0])} du total)."
        )
    elif not cites.is_empty():
        section.phrases.append(
            "Aucune fiche-action n'est cofinancée par "
            f"{'les Cités éducatives' if cites.height > 1 else 'la Cité éducative'} "
            f"en {contexte.annee}."
        )
    section.codes += ["qpv_beneficiaires", "budget_par_financeur"]
    return section


_CONSTRUIRE = {
    "synthese": _synthese,
    "carte": _carte,
    "budgets": _budgets,
    "cite": _cite,
    "publics": _publics,
}


def contenu(cadres: dict[str, pl.DataFrame], contexte: Contexte) -> list[Section]:
    """The chosen sections, in the order of SECTIONS."""
    return [_CONSTRUIRE[nom](cadres, contexte) for nom in SECTIONS if nom in contexte.sections]


def texte_confidentialite(seuil: int) -> str:
    return (
        "Ce document ne contient aucune donnée individuelle : les enfants ne figurent dans le "
        "tableau de bord que sous un pseudonyme, et seuls des effectifs agrégés sont publiés. "
        f"Tout effectif de 1 à {seuil - 1} enfants est remplacé par « < {seuil} », et d'autres "
        "cases sont masquées (« s ») lorsque c'est nécessaire pour qu'un petit effectif ne "
        "puisse pas être retrouvé à partir des totaux, des autres cases ou de l'année "
        "précédente. Les taux, moyennes et médianes calculés sur un groupe masqué sont masqués "
        "eux aussi. Ces règles s'appliquent à chaque chiffre, tableau, graphique et carte de ce "
        "rapport."
    )


# ------------------------------------------------------------------------------------- DOCX


def _langue_francaise(document) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for nom in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        proprietes = document.styles[nom].element.get_or_add_rPr()
        langue = proprietes.find(qn("w:lang"))
        if langue is None:  # (an lxml element without children is falsy: no `or` here)
            langue = OxmlElement("w:lang")
            proprietes.append(langue)
        langue.set(qn("w:val"), "fr-FR")


def _tableau(document, entetes: list[str], lignes: list[list[str]]) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT

    tableau = document.add_table(rows=1, cols=len(entetes))
    tableau.style = "Table Grid"
    tableau.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cellule, texte in zip(tableau.rows[0].cells, entetes, strict=True):
        cellule.text = ""
        cellule.paragraphs[0].add_run(texte).bold = True
    # The header row repeats on every page of a long table.
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    entete = OxmlElement("w:tblHeader")
    entete.set(qn("w:val"), "true")
    tableau.rows[0]._tr.get_or_add_trPr().append(entete)
    for ligne in lignes:
        rangee = tableau.add_row()
        for cellule, texte in zip(rangee.cells, ligne, strict=True):
            cellule.text = texte
    for rangee in tableau.rows:  # a row is never split across two pages
        rangee._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    document.add_paragraph()


def docx(
    sections: list[Section],
    contexte: Contexte,
    rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende,
) -> bytes:
    """The report as a Word document (editable in Word and LibreOffice Writer)."""
    import docx as python_docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt, RGBColor

    document = python_docx.Document()
    section_page = document.sections[0]
    section_page.page_width, section_page.page_height = Cm(21), Cm(29.7)
    for marge in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section_page, marge, Cm(2.5))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10.5)
    for nom in ("Title", "Heading 1", "Heading 2"):
        document.styles[nom].font.name = "Arial"
        document.styles[nom].font.color.rgb = RGBColor(0x00, 0x00, 0x91)
    legende = document.styles["Caption"].font
    legende.name, legende.size, legende.bold, legende.italic = "Arial", Pt(9), False, True
    legende.color.rgb = RGBColor(0x3A, 0x3A, 0x3A)
    _langue_francaise(document)
    titre = f"Programme de Réussite Éducative – rapport {contexte.annee}"
    proprietes = document.core_properties
    proprietes.title, proprietes.language = titre, "fr-FR"
    proprietes.subject = f"Contrat de ville – {contexte.territoire}"
    proprietes.author = "Tableau de bord de pilotage du PRE"
    _en_tete_et_pied(section_page, f"{titre} – {contexte.territoire}", contexte)

    # Title page.
    document.add_paragraph(titre, style="Title")
    document.add_paragraph(
        "Contribution au rapport annuel du contrat de ville « Engagements Quartiers 2030 »"
    ).runs[0].font.size = Pt(14)
    for ligne in (
        f"Territoire : {contexte.territoire}",
        f"Année : {contexte.annee}",
        f"Données au {formats.date(contexte.date_donnees)}" if contexte.date_donnees else "",
        f"Document produit le {formats.date(dt.date.today())} par le tableau de bord de "
        "pilotage du PRE",
        "Sections : " + ", ".join(s.titre for s in sections),
    ):
        if ligne:
            document.add_paragraph(ligne)
    if contexte.interne:
        document.add_paragraph().add_run(mention_interne(contexte.seuil)).bold = True
    if contexte.demo:
        avertissement = document.add_paragraph().add_run(
            "Données fictives de démonstration : territoire, enfants, écoles et montants sont "
            "inventés."
        )
        avertissement.bold = True
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for section in sections:
        document.add_heading(section.titre, level=1)
        if section.chiffres:
            document.add_heading("Chiffres clés", level=2)
            _tableau(
                document,
                ["Indicateur", str(contexte.annee), "Évolution sur un an"],
                [list(chiffre) for chiffre in section.chiffres],
            )
            if note := formats.note_secret(valeur for _, valeur, _ in section.chiffres):
                document.add_paragraph(note, style="Caption")
        for phrase in section.phrases:
            document.add_paragraph(phrase)
        for graphique in section.graphiques:
            document.add_heading(graphique.titre, level=2)
            image = (
                document.add_paragraph()
                .add_run()
                .add_picture(io.BytesIO(rendre(graphique.figure)), width=Cm(16))
            )
            image._inline.docPr.set("descr", graphique.texte_alternatif)
            document.add_paragraph(graphique.legende, style="Caption")
        for tableau in section.tableaux:
            document.add_heading(tableau.titre, level=2)
            _tableau(document, tableau.entetes, tableau.lignes)
            if tableau.secret:
                document.add_paragraph(tableau.secret, style="Caption")

    document.add_heading("Définitions et sources", level=1)
    vus = []
    for section in sections:
        vus += [code for code in section.codes if code not in vus]
    for code in vus:
        definition = indicateur(code)
        paragraphe = document.add_paragraph()
        paragraphe.add_run(f"{definition.libelle}. ").bold = True
        paragraphe.add_run(f"{definition.definition} Formule : {definition.formule}")
        if definition.reference_nationale:
            paragraphe.add_run(f" Référence nationale : {definition.reference_nationale}")
    document.add_paragraph(
        "Sources : données du programme, pseudonymisées, importées dans le tableau de bord de "
        "pilotage du PRE ; géographie prioritaire : ANCT (quartiers prioritaires, Cités "
        "éducatives), INSEE et IGN (communes) ; écoles et réseaux d'éducation prioritaire : "
        "ministère de l'Éducation nationale ; références nationales : ANCT, enquête nationale "
        "PRE 2022 (données 2021), et CGET, enquêtes nationales antérieures à 2017."
    )
    document.add_heading("Confidentialité", level=1)
    document.add_paragraph(texte_confidentialite(contexte.seuil))
    tampon = io.BytesIO()
    document.save(tampon)
    return tampon.getvalue()


def mention_interne(seuil: int) -> str:
    """What an internal document (below the élus' floor of 11) says on each of its pages."""
    return (
        f"Document interne à l'équipe du PRE, établi au seuil de {seuil} enfants : "
        "à ne pas diffuser aux élus, aux comités ni aux partenaires."
    )


def _en_tete_et_pied(section_page, titre: str, contexte: Contexte) -> None:
    """Running header (title, territory; internal mention) and « Page N sur M » footer."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    en_tete = section_page.header.paragraphs[0]
    en_tete.text = titre
    en_tete.runs[0].font.size = Pt(8)
    if contexte.interne:
        mention = section_page.header.add_paragraph().add_run(mention_interne(contexte.seuil))
        mention.bold, mention.font.size = True, Pt(8)
    pied = section_page.footer.paragraphs[0]
    pied.alignment = 1  # centred
    for texte, champ in (("Page ", "PAGE"), (" sur ", "NUMPAGES")):
        pied.add_run(texte).font.size = Pt(8)
        element = OxmlElement("w:fldSimple")
        element.set(qn("w:instr"), f" {champ} ")
        numero = OxmlElement("w:r")
        valeur = OxmlElement("w:t")
        valeur.text = "1"
        numero.append(valeur)
        element.append(numero)
        pied._p.append(element)


def chemin_libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf(document: bytes, delai: int = 180) -> bytes:
    """The DOCX converted to PDF by LibreOffice (headless, its own profile for each call)."""
    soffice = chemin_libreoffice()
    if soffice is None:
        raise RapportImpossible(
            "Le PDF est produit par LibreOffice, introuvable sur le serveur : installez le "
            "paquet Debian « libreoffice-writer-nogui » (`make libreoffice`), ou téléchargez le "
            "document Word et enregistrez-le en PDF."
        )
    with tempfile.TemporaryDirectory(prefix="pre-rapport-") as dossier:
        racine = Path(dossier)
        source = racine / "rapport.docx"
        source.write_bytes(document)
        try:
            subprocess.run(
                [
                    soffice,
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation={(racine / 'profil').as_uri()}",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(racine),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=delai,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            raise RapportImpossible(f"LibreOffice n'a pas pu produire le PDF ({exc}).") from exc
        sortie = racine / "rapport.pdf"
        if not sortie.exists():
            raise RapportImpossible("LibreOffice n'a pas produit de PDF.")
        return sortie.read_bytes()


def nom_fichier(contexte: Contexte, extension: str) -> str:
    return exports.nom_fichier(f"rapport PRE {contexte.territoire} {contexte.annee}", extension)
