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
import functools
import hashlib
import io
import re
import shutil
import struct
import subprocess
import tempfile
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from pre_pilotage import (
    carte_image,
    cartes,
    exports,
    formats,
    francais,
    graphiques,
    lots,
    references_nationales,
)
from pre_pilotage import cite as cite_module
from pre_pilotage.confidentialite import ENFANTS_MIN_REPARTITIONS, SUFFIXE_SECRET
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
    # The stored protection's own check, for the annex (`verification`); None: not said.
    verification: str | None = None
    # Also compare the year's end with the programme's last comité de pilotage of the year.
    copil: bool = False
    # A report on one quartier: its map section covers the quartier's commune.
    quartier: bool = False
    # A report on one commune (or a quartier inside a chosen commune).
    commune: bool = False

    @property
    def filtre(self) -> bool:
        """A commune or a quartier is chosen: the budget is a commune's communal fiches, the
        children per référent the whole programme's."""
        return self.commune or self.quartier

    @property
    def budget_de(self) -> str:
        """What the budget covers, after « programmation », when it is not the territory's."""
        if self.quartier:
            return " de la commune du quartier"
        return " de la commune" if self.commune else ""


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
    demandes: lots.Demandes = {
        "references": ("references_nationales", {}),
        "secret": ("secret_resume", {"pre_id": pre_id}),
    }
    if "synthese" in sections:
        demandes["synthese_budget"] = ("synthese_budget", territoire)
        demandes["publics"] = ("synthese_publics", territoire)
        demandes["equipe"] = ("synthese_equipe", {"pre_id": pre_id, "annee": annee})
        demandes["par_annee"] = ("beneficiaires_par_annee", sans_annee)
        # The whole programme's (the comparison has no commune or QPV filter).
        demandes["copil"] = ("synthese_depuis_copil", {"pre_id": pre_id, "annee": annee})
    if "publics" in sections:
        demandes["publics"] = ("synthese_publics", territoire)
        demandes["indicateurs"] = ("publics_indicateurs", territoire)
        demandes["duree_parcours"] = ("publics_duree_parcours", territoire)
        demandes["par_sexe"] = ("publics_par_sexe", territoire)
        demandes["par_tranche_age"] = ("publics_par_tranche_age", territoire)
        demandes["motifs_orientation"] = ("publics_motifs_orientation", territoire)
        demandes["par_orienteur"] = ("publics_par_orienteur", territoire)
    if "budgets" in sections or "cite" in sections:
        demandes["financeurs"] = ("budget_par_financeur", territoire)
    if "cite" in sections:
        demandes["origines_perimetre"] = ("cite_origine_perimetre", {"pre_id": pre_id})
        # The Cité page's figures: whole programme, whatever the commune or QPV chosen.
        programme = {"pre_id": pre_id, "annee": annee}
        for nom in (*cite_module.REQUETES, "cite_dedans_dehors"):
            demandes[nom] = (nom, programme)
    if "budgets" in sections:
        demandes["budget"] = ("budget_chiffres_cles", territoire)
        demandes["budget_annees"] = ("budget_par_annee", sans_annee)
        demandes["thematiques"] = ("budget_par_thematique", territoire)
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
    # The national reference beside each key figure (None: none), as the pages show it.
    references: list[str | None] = field(default_factory=list)
    titre_chiffres: str = "Chiffres clés"
    phrases: list[str] = field(default_factory=list)
    graphiques: list[Graphique] = field(default_factory=list)
    tableaux: list[Tableau] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # indicators defined at the end
    listes: list[tuple[str, list[str]]] = field(default_factory=list)  # titled bullet lists
    sous_sections: list[Section] = field(default_factory=list)  # one heading level below

    def toutes_les_phrases(self) -> list[str]:
        """Its sentences and bullets, then those of its sub-sections (for previews and tests)."""
        phrases = self.phrases + [p for _, liste in self.listes for p in liste]
        return phrases + [p for s in self.sous_sections for p in s.toutes_les_phrases()]


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


def _chiffre(
    cadre: pl.DataFrame,
    code: str,
    annee: int,
    colonne: str | None = None,
    precision: str | None = None,
):
    """A key figure: label, value (or token), change from the year before (or « – »).
    `precision`: what it covers when it is not the report's territory (« tout le programme »)."""
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
        f"{definition.libelle} ({precision})" if precision else definition.libelle,
        jeton or formats.selon_unite(valeur, definition.unite),
        f"{ecart} par rapport à {annee - 1}" if ecart else formats.VIDE,
    )


def _reference(cadres, code: str) -> str | None:
    """The national reference the pages show beside `code`; else the one of its definition."""
    if texte := references_nationales.texte(cadres["references"], code):
        return texte
    documentee = indicateur(code).reference_nationale
    return documentee.removesuffix(".") if documentee else None


def _chiffres(
    section: Section, cadres, annee: int, codes_et_cadres, precisions: dict | None = None
) -> None:
    """Key figures of a section: value, change on a year and national reference.
    `precisions`: per code, what the figure covers when it is not the report's territory."""
    for code, cadre in codes_et_cadres:
        section.chiffres.append(
            _chiffre(cadre, code, annee, precision=(precisions or {}).get(code))
        )
        section.references.append(_reference(cadres, code))
        section.codes.append(code)


def effectif(valeur, jeton: str | None, nom: str, seuil: int) -> str:
    """`41 enfants`, `1 enfant`, `moins de 11 enfants`, or a masked count said as such, never
    its value (`nom` is the plural: « enfants », « entrées »)."""
    if jeton == f"< {seuil}":
        return f"moins de {seuil} {nom}"
    if jeton:
        # Short: the long explanation of « s » is in the report's secrecy note (an outside
        # reader stumbled over it in the middle of a sentence).
        return f"un nombre {francais.de(nom)} non diffusé"
    singulier = " ".join(mot.removesuffix("s") for mot in nom.split())
    return f"{formats.nombre(valeur)} {francais.accord(valeur, singulier, nom)}"


def _legende(contexte: Contexte, source: str, *cadres: pl.DataFrame) -> str:
    parties = [f"Source : {source}."]
    if contexte.date_donnees:
        parties.append(f"Données au {formats.date(contexte.date_donnees)}.")
    if note := exports.note_secret(*cadres):
        parties.append(note)
    return " ".join(parties)


def _graphique(
    code: str, figure, contexte: Contexte, source: str, *cadres, periode=None, perimetre=None
):
    """A chart of the report, titled as on its page. `perimetre`: what it covers when it is not
    the territory (« budget de toute la commune » on a quartier's report). A chart with nothing
    to draw, or only masked cells' tokens, is one sentence instead, as on the pages (an outside
    reader found the report's charts of a small quartier drawn as tokens on empty axes)."""
    definition = indicateur(code)
    periode = str(periode or contexte.annee)
    territoire = f"{contexte.territoire}, {perimetre}" if perimetre else contexte.territoire
    titre = f"{definition.libelle} – {territoire}, {periode}"
    masque = graphiques.tout_masque(figure)
    if masque or not graphiques.a_des_donnees(figure):
        phrase = (
            exports.phrase_tout_masque(territoire, periode, *cadres)
            if masque
            else exports.phrase_sans_donnees(territoire, periode)
        )
        return Graphique(titre, go.Figure(), phrase, phrase)
    return Graphique(
        titre, figure, _legende(contexte, source, *cadres), f"{titre}. {definition.definition}"
    )


# Said wherever a commune's or quartier's figures are shown (`confidentialite.ENFANTS_MIN_REPARTITIONS`).
NOTE_REPARTITIONS = (
    "Répartitions des enfants d'une commune ou d'un quartier (sexe, âge, niveau, profil, "
    "orientation, parcours) : publiées les années où son nombre d'enfants accompagnés est "
    f"affiché et atteint au moins {ENFANTS_MIN_REPARTITIONS}, masquées (« s ») les autres années."
)

NOTE_PERIMETRE = (
    "Enfants par référent : calculé sur l'ensemble du programme. Budget : fiches-action "
    "communales de la commune retenue, ou de celle du quartier (les fiches ne sont pas réparties "
    "par quartier, ni les fiches intercommunales par commune). " + NOTE_REPARTITIONS
)


def _precisions(contexte: Contexte) -> dict[str, str]:
    """Labels' precisions of a quartier's report, as on the pages: its budget is its
    commune's."""
    precisions: dict[str, str] = {}
    if contexte.quartier:
        for code in ("budget_programme", "part_cofinancee", "fiches_action", "montant_verse"):
            precisions[code] = "toute la commune"
        precisions["taux_execution"] = "toute la commune"
    return precisions


def _synthese(cadres, contexte: Contexte) -> Section:
    annee, seuil = contexte.annee, contexte.seuil
    publics, equipe = cadres["publics"], cadres["equipe"]
    nombre = "Quatre" if contexte.quartier else "Cinq"
    section = Section(SECTIONS["synthese"], titre_chiffres=f"{nombre} chiffres clés pour les élus")
    # The Synthèse page's figures, each with its change on a year and its national reference.
    _chiffres(
        section,
        cadres,
        annee,
        (
            ("actifs", publics),
            # A quartier's children all live in it: its share in QPV tells nothing.
            *([] if contexte.quartier else [("part_qpv", publics)]),
            ("duree_mediane_mois", publics),
            ("enfants_par_etp", equipe),
            ("part_cofinancee", cadres["synthese_budget"]),
        ),
        _precisions(contexte),
    )
    if contexte.filtre:
        # The Synthèse page's note under the same figures (an outside reader took the
        # programme's children per référent for the quartier's).
        section.phrases.append(NOTE_PERIMETRE)
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
    if not jeton_p and part is not None and not contexte.quartier:
        section.phrases.append(
            f"{formats.pourcentage(part).capitalize()} des enfants accompagnés résident dans "
            "un quartier prioritaire de la politique de la ville."
        )
    if contexte.copil:
        _depuis_copil(section, cadres["copil"], contexte)
    par_annee = cadres["par_annee"]
    annees = par_annee["annee"].to_list()
    section.graphiques.append(
        _graphique(
            "beneficiaires_par_annee",
            graphiques.beneficiaires_par_annee(par_annee),
            contexte,
            SOURCE_PROGRAMME,
            par_annee,
            periode=formats.periode(annees) if annees else None,
        )
    )
    section.codes.append("beneficiaires_par_annee")
    return section


def _depuis_copil(section: Section, cadre: pl.DataFrame, contexte: Contexte) -> None:
    """The year against the programme's last comité de pilotage of the year: a sentence and a
    table of the year's entries and exits, up to the COPIL and since."""
    annee, seuil = contexte.annee, contexte.seuil
    section.codes.append("depuis_copil")
    if cadre.is_empty():
        section.phrases.append(
            f"Aucun comité de pilotage du programme n'est enregistré en {annee} avant la fin "
            "de la période : le rapport ne compare pas l'année à un comité."
        )
        return
    ligne = cadre.row(0, named=True)
    copil, fin = formats.date(ligne["date_copil"]), formats.date(ligne["date_fin"])

    def case(colonne: str, signe: str = "") -> str:
        valeur, jeton = _cellule(cadre, colonne)
        return jeton or (signe if valeur else "") + formats.nombre(valeur)

    entrees, jeton_e = _cellule(cadre, "entrees_depuis")
    sorties, jeton_s = _cellule(cadre, "sorties_depuis")
    section.phrases.append(
        f"Depuis le comité de pilotage du {copil} et jusqu'au {fin}, le programme (tout son "
        f"territoire) a enregistré {effectif(entrees, jeton_e, 'entrées', seuil)} et "
        f"{effectif(sorties, jeton_s, 'sorties', seuil)}."
    )
    lignes = [
        [libelle, case(f"{nom}_copil"), case(f"{nom}_fin"), case(f"{nom}_depuis", "+")]
        for libelle, nom in (
            ("Entrées dans le programme", "entrees"),
            ("Sorties du programme", "sorties"),
        )
    ]
    section.tableaux.append(
        Tableau(
            f"Tout le programme depuis le dernier comité de pilotage de {annee}",
            [
                "Depuis le 1er janvier",
                f"Au comité du {copil}",
                f"Au {fin}",
                "Depuis le comité",
            ],
            lignes,
            formats.note_secret(c for ligne_ in lignes for c in ligne_),
        )
    )


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
    # The « Parcours » and « Transitions scolaires et protection de l'enfance » key figures of
    # the Publics page, from the same frames.
    publics, indicateurs = cadres["publics"], cadres["indicateurs"]
    _chiffres(
        section,
        cadres,
        annee,
        (
            ("duree_mediane_mois", publics),
            ("duree_moyenne_mois", indicateurs),
            ("actions_par_parcours", indicateurs),
            ("transition_cp_ce1", indicateurs),
            ("transition_cm2_6e", indicateurs),
            ("suivi_ase", indicateurs),
            ("part_suivi_ase", indicateurs),
        ),
    )
    section.phrases += _phrases_transitions(indicateurs, annee)
    for nom, code, unite in (
        ("par_sexe", "part_sexe", "enfants"),
        ("par_tranche_age", "part_tranche_age", "enfants"),
        ("motifs_orientation", "part_motif_orientation", "parcours"),
        ("par_orienteur", "part_orienteur", "parcours"),
        ("duree_parcours", "part_duree_parcours", "parcours"),
    ):
        cadre = cadres[nom]
        sources = (
            cadre["source_nationale"].drop_nulls().unique().to_list()
            if "source_nationale" in cadre.columns
            else []
        )
        section.graphiques.append(
            _graphique(
                code,
                graphiques.repartition(cadre, annee, unite),
                contexte,
                " ; ".join([SOURCE_PROGRAMME, *sources]),
                cadre,
                periode=graphiques.periode_repartition(cadre, annee),
            )
        )
    return section


def _phrases_transitions(indicateurs: pl.DataFrame, annee: int) -> list[str]:
    """School transitions and child welfare, said only when their counts are shown."""
    cp, jeton_cp = _cellule(indicateurs, "transition_cp_ce1", annee)
    cm, jeton_cm = _cellule(indicateurs, "transition_cm2_6e", annee)
    phrases = []
    if cp is not None and cm is not None and not jeton_cp and not jeton_cm:
        phrases.append(
            f"En {annee}, {francais.effectif(cp, 'enfant accompagné')} en CP ou en CE1 et "
            f"{francais.effectif(cm, 'enfant accompagné')} en CM2 ou en 6e : ces passages sont "
            "des axes de travail prioritaires de l'enquête nationale."
        )
    ase, jeton_ase = _cellule(indicateurs, "suivi_ase", annee)
    part, jeton_part = _cellule(indicateurs, "part_suivi_ase", annee)
    if ase == 0 and not jeton_ase:
        phrases.append(
            f"Aucun enfant accompagné n'est suivi par l'Aide sociale à l'enfance (ASE) en {annee}."
        )
    elif ase is not None and not jeton_ase:
        phrase = (
            f"{francais.effectif(ase, 'enfant accompagné').capitalize()} "
            f"{francais.accord(ase, 'est aussi suivi', 'sont aussi suivis')} par l'Aide "
            "sociale à l'enfance (ASE)"
        )
        if part is not None and not jeton_part:
            phrase += f", soit {formats.pourcentage(part)} des enfants accompagnés"
        phrases.append(phrase + ".")
    return phrases


def _case(ligne: dict, colonne: str, unite: str) -> str:
    """A table cell: its masking token, or its value formatted."""
    return ligne.get(f"{colonne}{SUFFIXE_SECRET}") or formats.selon_unite(ligne[colonne], unite)


def _perimetre_budget(contexte: Contexte) -> str | None:
    return "budget de toute la commune" if contexte.quartier else None


def _budgets(cadres, contexte: Contexte) -> Section:
    annee = contexte.annee
    budget, financeurs = cadres["budget"], cadres["financeurs"]
    section = Section(SECTIONS["budgets"])
    _chiffres(
        section,
        cadres,
        annee,
        (
            (code, budget)
            for code in (
                "budget_programme",
                "part_cofinancee",
                "fiches_action",
                "montant_verse",
                "taux_execution",
                "cout_par_beneficiaire",
            )
        ),
        _precisions(contexte),
    )
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
            perimetre=_perimetre_budget(contexte),
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
            periode=formats.periode(liste) if liste else None,
            perimetre=_perimetre_budget(contexte),
        )
    )
    section.codes += ["budget_par_financeur", "evolution_budget"]
    # The Budgets page's « Pour quelles actions ? » table.
    thematiques = cadres["thematiques"]
    section.tableaux.append(
        Tableau(
            f"Programmation {annee} par thématique",
            [
                "Thématique",
                "Prévu",
                "Part du total",
                f"Prévu en {annee - 1}",
                "Évolution sur un an",
                "Enfants ayant suivi une action",
                "Coût par enfant",
            ],
            [
                [
                    r["libelle"],
                    _case(r, "montant_prevu", "euros"),
                    _case(r, "part", "pourcentage"),
                    _case(r, "montant_prevu_precedent", "euros"),
                    formats.variation(r["montant_prevu"], r["montant_prevu_precedent"])
                    or formats.VIDE,
                    _case(r, "beneficiaires", "nombre"),
                    _case(r, "cout_par_beneficiaire", "euros"),
                ]
                for r in thematiques.to_dicts()
            ],
            exports.note_secret(thematiques),
        )
    )
    section.codes.append("budget_par_thematique")
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
    # On one quartier's report the map is its commune's when a commune is chosen, else the
    # whole programme's: said so (« 0 sur 4 » for a single quartier puzzled an outside reader;
    # « de la commune » above the programme's 15 quartiers puzzled another).
    perimetre = None
    de_la_commune = ""
    if contexte.quartier:
        perimetre = (
            "carte de toute la commune" if contexte.commune else "carte de tout le programme"
        )
        de_la_commune = " de la commune" if contexte.commune else " du programme"
    section.phrases.append(
        f"Quartiers prioritaires{de_la_commune} sans enfant accompagné en {annee} : {lacunes} "
        f"sur {qpv.height}. Écoles et collèges REP+ ou REP{de_la_commune} sans enfant "
        f"accompagné : {ecoles} sur {reseaux}."
    )
    section.graphiques.append(
        _graphique(
            "qpv_beneficiaires",
            carte_image.figure_carte(
                qpv, etablissements, cadres["contours"], cadres["cites"], annee=annee, noms=True
            ),
            contexte,
            f"{SOURCE_PROGRAMME} ; contours : IGN, ANCT, INSEE ; écoles : Éducation nationale",
            qpv,
            etablissements,
            perimetre=perimetre,
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
    # The Carte page's « Lacunes de couverture » lists.
    sans_enfant = cartes.lacunes_qpv(qpv)
    if sans_enfant.height:
        section.tableaux.append(
            Tableau(
                f"Quartiers prioritaires sans enfant accompagné en {annee}",
                ["Quartier prioritaire", "Code", "Commune"],
                [
                    [r["nom"], r["code_qp"], r["communes"] or formats.VIDE]
                    for r in sans_enfant.to_dicts()
                ],
            )
        )
    ecoles_sans = cartes.lacunes_etablissements(etablissements)
    if ecoles_sans.height:
        section.tableaux.append(
            Tableau(
                f"Écoles et collèges REP+ et REP sans enfant accompagné en {annee}",
                ["Établissement", "Type", "Réseau", "Commune"],
                [
                    [
                        r["nom"],
                        r["type"] or formats.VIDE,
                        r["education_prioritaire"],
                        r["commune"] or formats.VIDE,
                    ]
                    for r in ecoles_sans.to_dicts()
                ],
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
    indicateurs = {nom: cadres[nom] for nom in cite_module.REQUETES}
    section = Section(SECTIONS["cite"])
    if cites.is_empty():
        section.phrases.append(
            "Aucune Cité éducative n'est labellisée sur les communes du territoire."
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
            f"programmation {contexte.annee}{contexte.budget_de} "
            f"({formats.pourcentage(cite['part'][0])} du total)."
        )
    elif not cites.is_empty():
        # A commune's budget is its communal fiches: the Cités' tables below cover the whole
        # programme (an outside reader read « aucune » beside them as a contradiction).
        fiches = (
            f"fiche-action communale{contexte.budget_de}" if contexte.filtre else "fiche-action"
        )
        section.phrases.append(
            f"Aucune {fiches} n'est cofinancée par "
            f"{'les Cités éducatives' if cites.height > 1 else 'la Cité éducative'} "
            f"en {contexte.annee}."
        )
    if not cites.is_empty():
        section.phrases.append(
            "Les indicateurs d'articulation de chaque Cité avec le PRE sont lus sur trois "
            "niveaux : « À renforcer », « En progrès », « Solide ». Ce sont des repères de "
            "lecture, pas des objectifs nationaux, et aucune note globale n'est calculée. Comme "
            "sur la page « PRE et Cité éducative », ils portent sur le programme entier."
        )
    for cite in cites.to_dicts():
        section.sous_sections.append(
            _une_cite(cite, cadres, indicateurs, qpv, origines.get(cite["cite_id"]), contexte)
        )
    section.codes += ["qpv_beneficiaires", "budget_par_financeur"]
    section.codes += [mesure.code for mesure in cite_module.MESURES]
    return section


def _une_cite(cite: dict, cadres, indicateurs, qpv, origine, contexte: Contexte) -> Section:
    """One Cité: its perimeter, its articulation indicators (the Cité page's table and
    sentences), the PRE inside and outside it, and the children in its QPV."""
    annee, nom, cite_id = contexte.annee, cite["nom"], cite["cite_id"]
    cite_educative = francais.cite_educative(nom)
    section = Section(cite_educative)
    codes = cite["codes_qp"] or []
    section.phrases.append(
        f"{cite_educative}"
        + (
            f" (labellisée en {cite['annee_labellisation']})"
            if cite["annee_labellisation"]
            else " (année de labellisation non renseignée)"
        )
        + " : "
        f"{francais.accord(len((cite['communes'] or '').split(',')), 'commune')} "
        f"{cite['communes'] or formats.VIDE} ; chef de file : "
        f"{cite['chef_de_file'] or 'non renseigné'} ; "
        f"{francais.effectif(len(codes), 'quartier prioritaire')} et "
        f"{francais.effectif(cite['etablissements'], 'école ou collège', 'écoles ou collèges')} "
        "dans son périmètre."
    )
    if phrase := cite_module.phrase_perimetre(nom, origine):
        section.phrases.append(phrase)
    tableau = cite_module.tableau_de_bord(indicateurs, cite_id, nom, annee)
    section.tableaux.append(
        Tableau(
            f"Indicateurs d'articulation avec le PRE en {annee}",
            # The thresholds are a list after the tables: as a fifth column they left each
            # column a few centimetres in portrait.
            ["Indicateur", "Valeur", "Évolution sur un an", "Lecture"],
            [
                list(ligne)
                for ligne in tableau.select("indicateur", "valeur", "evolution", "lecture").rows()
            ],
            exports.note_secret(tableau),
        )
    )
    chiffres = cite_module.dedans_dehors(cadres["cite_dedans_dehors"], cite_id)
    section.tableaux.append(
        Tableau(
            f"Le PRE dans la Cité et hors de la Cité en {annee}",
            ["Indicateur", *(libelle for _, libelle in cite_module.GROUPES)],
            [
                [r["indicateur"], *(_case(r, g, r["unite"]) for g, _ in cite_module.GROUPES)]
                for r in chiffres.to_dicts()
            ],
            exports.note_secret(chiffres),
        )
    )
    quartiers = qpv.filter(pl.col("code_qp").is_in(codes))
    if quartiers.height:
        section.tableaux.append(
            Tableau(
                f"Enfants du PRE résidant dans ses quartiers prioritaires en {annee}",
                _ENTETES_QPV,
                [_ligne_qpv(r) for r in quartiers.to_dicts()],
                exports.note_secret(quartiers),
            )
        )
    section.listes.append(
        (
            "Seuils de lecture des indicateurs d'articulation",
            cite_module.puces_seuils(tableau),
        )
    )
    section.listes.append(
        (
            "Phrases pour le compte rendu",
            tableau["phrase"].to_list()
            + cite_module.phrases_dedans_dehors(cadres["cite_dedans_dehors"], cite_id, nom, annee),
        )
    )
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


def verification(cadres: dict[str, pl.DataFrame], seuil: int) -> str | None:
    """The annex's sentence on the stored protection of the programme at `seuil`: when it was
    computed, how many figures it covers and masks, and the fewest values a masked small count
    keeps (proven by its linear programs). None when the database holds none for it."""
    cadre = cadres.get("secret")
    if cadre is None:
        return None
    lignes = cadre.filter(pl.col("seuil") == seuil)
    if not lignes.height or not lignes["cellules"][0]:
        return None
    r = lignes.row(0, named=True)
    masques = r["primaires"] + r["secondaires"]
    phrase = (
        f"La protection statistique de ce programme a été calculée le "
        f"{formats.date(r['calculee_le'].date())} sur toutes les vues de l'outil (pages, "
        f"filtres, années, carte) : {francais.effectif(r['cellules'], 'chiffre')} "
        f"d'enfants distincts, dont {formats.nombre(r['primaires'])} remplacés par « < {seuil} » "
        f"et {formats.nombre(r['secondaires'])} masqués « s », soit "
        f"{formats.pourcentage(100 * masques / r['cellules'])} des chiffres."
    )
    if r["valeurs_possibles_min"] is not None:
        phrase += (
            " Elle est vérifiée par programmation linéaire : compte tenu de tous les chiffres "
            "publiés, chaque petit effectif masqué garde au moins "
            f"{francais.effectif(r['valeurs_min'], 'valeur possible', 'valeurs possibles')}, "
            "et le plus contraint en garde "
            f"{formats.nombre(r['valeurs_possibles_min'])}."
        )
    return phrase


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


def police_sans_theme(style, police: str = "Arial") -> None:
    """`police` for the style, without the theme's fonts that Word and LibreOffice would put
    first (the template's headings ask for the theme's « major » font, absent on the server)."""
    from docx.oxml.ns import qn

    style.font.name = police
    polices = style.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attribut in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        polices.attrib.pop(qn(attribut), None)


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


# A table up to this many rows is kept on one page (a longer one splits, its header repeated, and
# never leaves fewer than LIGNES_ORPHELINES rows alone at the bottom or top of a page).
LIGNES_INSECABLES = 15
LIGNES_ORPHELINES = 3
LARGEUR_TEXTE_CM = 16.0  # A4 less 2 × 2.5 cm margins (the report and the view's PDF)
# Left and right cell margins of Word's « Table Grid » (0.19 cm each), and a little room for
# LibreOffice's rounding.
MARGES_CELLULE_CM = 2 * 0.19 + 0.12
TAILLES_TABLEAU = (9.5, 8.5, 7.5, 7.0)  # points: smaller only when the words would not fit
# Arial, the documents' font, or the fonts metric-compatible with it that LibreOffice uses
# (Debian's fonts-liberation2, installed with it).
DOSSIERS_POLICES = (
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/msttcorefonts",
)
POLICE = "Arial"
POLICES = {
    False: ("LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf"),
    True: ("LiberationSans-Bold.ttf", "Arial_Bold.ttf", "arialbd.ttf"),
}
# Where a line may break in a cell: ordinary spaces only (never a no-break space: « 692 734 € »).
_COUPURES = re.compile(r"[ \t\n]+")


@functools.cache
def _police(gras: bool):
    """The font file's metrics (PIL, at 1000 units), None when no Arial-compatible font."""
    from PIL import ImageFont

    for dossier in DOSSIERS_POLICES:
        for nom in POLICES[gras]:
            chemin = Path(dossier) / nom
            if chemin.exists():
                return ImageFont.truetype(str(chemin), 1000)
    return None


def largeur_texte(texte: str, gras: bool, taille: float) -> float:
    """Width in cm of `texte` on one line in Arial at `taille` points (its metrics; without the
    font, a generous 0.62 em, or 0.68 bold, a character)."""
    police = _police(gras)
    em = police.getlength(texte) / 1000 if police else len(texte) * (0.68 if gras else 0.62)
    return em * taille / 72 * 2.54


def mots(texte: str) -> list[str]:
    """The pieces a line may never be broken in."""
    return [mot for mot in _COUPURES.split(texte) if mot]


def largeurs_colonnes(
    entetes: list[str], lignes: list[list[str]], largeur: float = LARGEUR_TEXTE_CM
) -> tuple[list[float], float]:
    """Column widths (cm) and font size (pt) of a table: every column at least as wide as its
    longest word (bold in the header), so that no word is ever broken; the room left goes to the
    columns whose text would wrap; a smaller size when the words do not fit at 9.5 pt."""
    colonnes = [
        [(str(entete), True), *((str(ligne[i]), False) for ligne in lignes)]
        for i, entete in enumerate(entetes)
    ]
    for taille in TAILLES_TABLEAU:
        minimum = [
            MARGES_CELLULE_CM
            + max(
                (largeur_texte(mot, gras, taille) for t, gras in c for mot in mots(t)),
                default=0,
            )
            for c in colonnes
        ]
        if sum(minimum) <= largeur:
            break
    souhait = [
        max(m, MARGES_CELLULE_CM + min(max(largeur_texte(t, g, taille) for t, g in c), 7))
        for c, m in zip(colonnes, minimum, strict=True)
    ]
    if sum(souhait) <= largeur:
        return [largeur * s / sum(souhait) for s in souhait], taille
    reste = max(largeur - sum(minimum), 0)
    ecarts = [s - m for s, m in zip(souhait, minimum, strict=True)]
    return [
        m + reste * e / (sum(ecarts) or 1) for m, e in zip(minimum, ecarts, strict=True)
    ], taille


LARGEUR_PAYSAGE_CM = 29.7 - 2 * 2.5  # A4 landscape, same side margins
TAILLE_PAYSAGE = 7.5  # a table whose words fit only at this size or smaller goes landscape


def paysage_utile(entetes: list[str], lignes: list[list[str]]) -> bool:
    """Whether a table, too wide for a portrait page at a readable size, reads larger on a
    landscape page (a fiches-action table of 8 to 10 columns)."""
    _, portrait = largeurs_colonnes(entetes, lignes)
    if portrait > TAILLE_PAYSAGE:
        return False
    return largeurs_colonnes(entetes, lignes, LARGEUR_PAYSAGE_CM)[1] > portrait


def orientation(document, paysage: bool) -> None:
    """Start a new page in landscape (or back in portrait): a new Word section, with the same
    margins, running header and footer as the previous one."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    section_page = document.add_section(WD_SECTION.NEW_PAGE)
    section_page.orientation = WD_ORIENT.LANDSCAPE if paysage else WD_ORIENT.PORTRAIT
    largeur, hauteur = (Cm(29.7), Cm(21)) if paysage else (Cm(21), Cm(29.7))
    section_page.page_width, section_page.page_height = largeur, hauteur


def debut_de_page(document) -> bool:
    """Whether the document's last paragraph ends a Word section (the next one starts a page):
    a heading there needs no page break of its own (it would leave a blank page)."""
    from docx.oxml.ns import qn

    corps = document.element.body
    elements = [e for e in corps if e.tag != qn("w:sectPr")]
    if not elements or elements[-1].tag != qn("w:p"):
        return False
    proprietes = elements[-1].find(qn("w:pPr"))
    return proprietes is not None and proprietes.find(qn("w:sectPr")) is not None


def tableau_oriente(
    document,
    titre: str | None,
    entetes: list[str],
    lignes: list[list[str]],
    note: str,
    niveau: int = 3,
    avant: str | None = None,
    deja_paysage: bool = False,
    fermer: bool = True,
) -> None:
    """A table with its heading (`titre`, unless None), an optional sentence before it and its
    caption (`note`): on a landscape page of its own when it reads larger there
    (`deja_paysage`: the caller opened that page, to put the headings above it there too;
    `fermer=False`: the caller goes back to portrait when something else follows)."""
    paysage = deja_paysage or paysage_utile(entetes, lignes)
    if paysage and not deja_paysage:
        orientation(document, True)
    if titre is not None:
        document.add_heading(titre, level=niveau)
    if avant:
        document.add_paragraph(avant)
    _tableau(
        document,
        entetes,
        lignes,
        legende=bool(note),
        largeur=LARGEUR_PAYSAGE_CM if paysage else LARGEUR_TEXTE_CM,
    )
    if note:
        document.add_paragraph(note, style="Caption")
    if paysage and fermer:
        orientation(document, False)


def _tableau(
    document,
    entetes: list[str],
    lignes: list[list[str]],
    legende: bool = False,
    largeur: float = LARGEUR_TEXTE_CM,
) -> None:
    """A real Word table: header row repeated on every page, rows never split, a short table
    kept on one page (with its caption: `legende`, a caption follows, no blank line then), a
    long one never leaving a few rows alone; no word broken (`largeurs_colonnes`)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    tableau = document.add_table(rows=1, cols=len(entetes))
    tableau.style = "Table Grid"
    tableau.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cellule, texte in zip(tableau.rows[0].cells, entetes, strict=True):
        cellule.text = ""
        cellule.paragraphs[0].add_run(texte).bold = True
    entete = OxmlElement("w:tblHeader")
    entete.set(qn("w:val"), "true")
    tableau.rows[0]._tr.get_or_add_trPr().append(entete)
    for ligne in lignes:
        rangee = tableau.add_row()
        for cellule, texte in zip(rangee.cells, ligne, strict=True):
            cellule.text = texte
    largeurs, taille = largeurs_colonnes(entetes, lignes, largeur)
    tableau.autofit = False
    for colonne, centimetres in zip(tableau.columns, largeurs, strict=True):
        largeur = Cm(centimetres)
        colonne.width = largeur
        for cellule in colonne.cells:
            cellule.width = largeur
    rangees = len(tableau.rows)
    insecable = len(lignes) <= LIGNES_INSECABLES
    for numero, rangee in enumerate(tableau.rows):
        rangee._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        # The header stays with the first rows, the last rows together (and with the caption);
        # a short table stays whole.
        garder = (
            insecable or numero < LIGNES_ORPHELINES or numero >= rangees - LIGNES_ORPHELINES
        ) and (numero < rangees - 1 or legende)
        for cellule in rangee.cells:
            for paragraphe in cellule.paragraphs:
                paragraphe.paragraph_format.keep_with_next = garder
                for run in paragraphe.runs:
                    # The font the widths were measured in, whatever the document's style.
                    run.font.name, run.font.size = POLICE, Pt(taille)
    if not legende:
        document.add_paragraph()


SOMMAIRE = "Sommaire"
# A page number of the draft's table of contents, as wide as the real ones (see `documents`).
_PAGE_INCONNUE = "00"


def _garder_avec_suivant(paragraphe) -> None:
    paragraphe.paragraph_format.keep_with_next = True


def _champ(paragraphe, type_: str) -> None:
    """A complex field's begin, separate or end mark."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    marque = OxmlElement("w:fldChar")
    marque.set(qn("w:fldCharType"), type_)
    run.append(marque)
    paragraphe._p.append(run)


def _sommaire(document, titres: list[str], pages: list[int] | None) -> None:
    """A Word table-of-contents field (levels 1) whose shown entries are written here, with the
    page numbers of the PDF when known: LibreOffice does not update fields when it converts, and
    Word or Writer can still update it (« Mettre à jour la table »)."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    titre = document.add_paragraph(SOMMAIRE, style="TOC Heading")
    _garder_avec_suivant(titre)
    if "TOC 1" in [style.name for style in document.styles]:
        style = document.styles["TOC 1"]
    else:
        from docx.enum.style import WD_STYLE_TYPE

        style = document.styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(4)
    style.paragraph_format.tab_stops.add_tab_stop(
        Cm(16), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )
    debut = document.add_paragraph(style="TOC 1")
    _champ(debut, "begin")
    instruction = OxmlElement("w:r")
    texte = OxmlElement("w:instrText")
    texte.set(qn("xml:space"), "preserve")
    texte.text = ' TOC \\o "1-1" \\h \\z \\u '
    instruction.append(texte)
    debut._p.append(instruction)
    _champ(debut, "separate")
    for numero, titre_section in enumerate(titres):
        page = str(pages[numero]) if pages else _PAGE_INCONNUE
        entree = debut if numero == 0 else document.add_paragraph(style="TOC 1")
        entree.add_run(f"{titre_section}\t{page}")
    _champ(entree if titres else debut, "end")


def _page_de_titre(document, sections: list[Section], contexte: Contexte, pages) -> None:
    from docx.shared import Pt, RGBColor

    document.add_paragraph("Programme de Réussite Éducative", style="Title")
    sous_titre = document.add_paragraph().add_run(f"Rapport annuel {contexte.annee}")
    sous_titre.font.size, sous_titre.bold = Pt(20), True
    sous_titre.font.color.rgb = RGBColor(0x00, 0x00, 0x91)
    document.add_paragraph(
        "Contribution au rapport annuel du contrat de ville « Engagements Quartiers 2030 »"
    ).runs[0].font.size = Pt(13)
    document.add_paragraph()
    for libelle, valeur in (
        ("Territoire", contexte.territoire),
        (
            "Période",
            f"année {contexte.annee} (du 1er janvier au 31 décembre), comparée à "
            f"{contexte.annee - 1}",
        ),
        (
            "Données",
            f"au {formats.date(contexte.date_donnees)}"
            if contexte.date_donnees
            else "date non renseignée",
        ),
        (
            "Version",
            f"document produit le {formats.date(dt.date.today())} par le tableau de bord de "
            "pilotage du PRE",
        ),
    ):
        ligne = document.add_paragraph()
        ligne.add_run(f"{libelle} : ").bold = True
        ligne.add_run(valeur)
    if contexte.interne:
        document.add_paragraph().add_run(mention_interne(contexte.seuil)).bold = True
    if contexte.demo:
        avertissement = document.add_paragraph().add_run(
            "Données fictives de démonstration : territoire, enfants, écoles et montants sont "
            "inventés."
        )
        avertissement.bold = True
        avertissement.font.color.rgb = RGBColor(0xB3, 0x40, 0x00)
    document.add_paragraph()
    _sommaire(document, [s.titre for s in sections] + [PERSPECTIVES, *ANNEXES], pages)


PERSPECTIVES = "Perspectives"
ANNEXES = ["Définitions et sources", "Confidentialité"]


def tableau_des_chiffres(section: Section, contexte: Contexte) -> tuple[list, list, str]:
    """A section's key figures as a table (headers, rows) and their secrecy note.

    The year before is said once, in the header: « +8,1 % » under « Évolution par rapport à
    2024 »."""
    precedente = f" par rapport à {contexte.annee - 1}"
    entetes = ["Indicateur", str(contexte.annee), f"Évolution{precedente}"]
    lignes = [
        [libelle, valeur, evolution.removesuffix(precedente)]
        for libelle, valeur, evolution in section.chiffres
    ]
    if any(section.references):
        entetes.append("Référence nationale")
        for ligne, reference in zip(lignes, section.references, strict=True):
            ligne.append(reference or formats.VIDE)
    return entetes, lignes, formats.note_secret(valeur for _, valeur, _ in section.chiffres)


def _ecrire_section(
    document, section: Section, niveau: int, contexte: Contexte, rendre, nouvelle_page=True
) -> None:
    """A section under a heading of `niveau`, its parts one level below; every heading stays
    with what follows it (never alone at the bottom of a page)."""
    from docx.shared import Cm

    # Each part of the report starts on a new page, and so does each Cité but the first (a
    # landscape table's section break has already started one).
    nouvelle_page = nouvelle_page and not debut_de_page(document)
    titre = document.add_heading(section.titre, level=niveau)
    titre.paragraph_format.page_break_before = nouvelle_page
    sous = min(niveau + 1, 3)
    if section.chiffres:
        document.add_heading(section.titre_chiffres, level=sous)
        entetes, lignes, note = tableau_des_chiffres(section, contexte)
        _tableau(document, entetes, lignes, legende=bool(note))
        if note:
            document.add_paragraph(note, style="Caption")
    for phrase in section.phrases:
        document.add_paragraph(phrase)
    for graphique in section.graphiques:
        document.add_heading(graphique.titre, level=sous)
        if not graphique.figure.data:
            # Nothing drawn (no data, or only masked cells): the sentence that says why.
            document.add_paragraph(graphique.legende)
            continue
        image_paragraphe = document.add_paragraph()
        _garder_avec_suivant(image_paragraphe)
        # Its size is set from the figure, not read from the image: the draft of `documents`
        # (blank images, same layout) tells the pages before the charts are drawn.
        image = image_paragraphe.add_run().add_picture(
            io.BytesIO(rendre(graphique.figure)),
            width=Cm(LARGEUR_IMAGE_CM),
            height=Cm(
                LARGEUR_IMAGE_CM
                * exports.hauteur_sans_legende(graphique.figure)
                / exports.LARGEUR_PX
            ),
        )
        image._inline.docPr.set("descr", graphique.texte_alternatif)
        document.add_paragraph(graphique.legende, style="Caption")
    for tableau in section.tableaux:
        tableau_oriente(
            document, tableau.titre, tableau.entetes, tableau.lignes, tableau.secret, sous
        )
    for titre, liste in section.listes:
        document.add_heading(titre, level=sous)
        for element in liste:
            document.add_paragraph(element, style="List Bullet")
    for numero, partie in enumerate(section.sous_sections):
        _ecrire_section(document, partie, sous, contexte, rendre, nouvelle_page=numero > 0)


LARGEUR_IMAGE_CM = 14.5


def _phrase(texte: str) -> str:
    """A definition written as a sentence: capital first letter, final full stop."""
    texte = texte.strip()
    if not texte:
        return texte
    texte = texte[0].upper() + texte[1:]
    return texte if texte.endswith((".", "!", "?", "»", ")")) else texte + "."


def docx(
    sections: list[Section],
    contexte: Contexte,
    rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende,
    pages: list[int] | None = None,
) -> bytes:
    """The report as a Word document (editable in Word and LibreOffice Writer); `pages`: the
    page of each level-1 heading, shown in the table of contents (`documents` finds them)."""
    import docx as python_docx
    from docx.shared import Cm, Pt, RGBColor

    document = python_docx.Document()
    section_page = document.sections[0]
    section_page.page_width, section_page.page_height = Cm(21), Cm(29.7)
    for marge in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section_page, marge, Cm(2.5))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10.5)
    for nom in ("Title", "Heading 1", "Heading 2", "Heading 3", "TOC Heading"):
        style = document.styles[nom]
        police_sans_theme(style)
        style.font.color.rgb = RGBColor(0x00, 0x00, 0x91)
        style.paragraph_format.keep_with_next = True
    document.styles["Heading 3"].font.size = Pt(11)
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

    _page_de_titre(document, sections, contexte, pages)
    for section in sections:
        _ecrire_section(document, section, 1, contexte, rendre)

    # The outlook is the coordinator's to write, in the Word document.
    document.add_heading(PERSPECTIVES, level=1)
    a_rediger = document.add_paragraph().add_run(
        f"Section à rédiger par la coordination du PRE : orientations pour {contexte.annee + 1}, "
        "actions à poursuivre, à créer ou à arrêter, points d'attention retenus par le comité "
        "de pilotage."
    )
    a_rediger.italic = True
    document.add_heading(ANNEXES[0], level=1).paragraph_format.page_break_before = True
    vus = []
    for section in sections:
        for partie in (section, *section.sous_sections):
            vus += [code for code in partie.codes if code not in vus]
    for code in vus:
        definition = indicateur(code)
        paragraphe = document.add_paragraph()
        paragraphe.add_run(f"{definition.libelle}. ").bold = True
        paragraphe.add_run(
            f"{_phrase(definition.definition)} Formule : {_phrase(definition.formule)}"
        )
        if definition.reference_nationale:
            paragraphe.add_run(f" Référence nationale : {_phrase(definition.reference_nationale)}")
        for run in paragraphe.runs:  # the annex is set a little smaller than the body
            run.font.size = Pt(9.5)
    document.add_paragraph(
        "Sources : données du programme, pseudonymisées, importées dans le tableau de bord de "
        "pilotage du PRE ; géographie prioritaire : ANCT (quartiers prioritaires, Cités "
        "éducatives), INSEE et IGN (communes) ; écoles et réseaux d'éducation prioritaire : "
        "ministère de l'Éducation nationale ; références nationales : ANCT, enquête nationale "
        "PRE 2022 (données 2021), et CGET, enquêtes nationales antérieures à 2017."
    )
    document.add_heading(ANNEXES[1], level=1)
    note = document.add_paragraph(texte_confidentialite(contexte.seuil))
    note.paragraph_format.keep_together = True  # never split over two pages
    if contexte.verification:
        document.add_paragraph(contexte.verification).paragraph_format.keep_together = True
    tampon = io.BytesIO()
    document.save(tampon)
    return tampon.getvalue()


def pages_des_titres(document_pdf: bytes) -> list[int]:
    """The page (from 1) of each level-1 heading of a PDF made by `pdf`, from its bookmarks."""
    from pypdf import PdfReader

    lecteur = PdfReader(io.BytesIO(document_pdf))
    return [
        lecteur.get_destination_page_number(signet) + 1
        for signet in lecteur.outline
        if not isinstance(signet, list)
    ]


def _png_blanc() -> bytes:
    """A 1 × 1 white PNG: the draft's stand-in for every chart (its size is set by `docx`)."""

    def morceau(nature: bytes, donnees: bytes) -> bytes:
        return (
            struct.pack(">I", len(donnees))
            + nature
            + donnees
            + struct.pack(">I", zlib.crc32(nature + donnees))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + morceau(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + morceau(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + morceau(b"IEND", b"")
    )


def _figures(sections: list[Section]) -> list[go.Figure]:
    """Every chart of the sections and their sub-sections, in the document's order (a chart
    with nothing drawn is a sentence in the document: no image)."""
    return [
        figure
        for section in sections
        for figure in (
            *(g.figure for g in section.graphiques if g.figure.data),
            *_figures(section.sous_sections),
        )
    ]


def jpeg(png: bytes) -> bytes:
    """A chart's PNG as a JPEG of quality 90 at the same resolution: what LibreOffice's PDF
    export makes of it anyway (its default), given to it ready (a faster conversion)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    tampon = io.BytesIO()
    image.convert("RGB").save(tampon, "JPEG", quality=90, dpi=image.info.get("dpi", (300, 300)))
    return tampon.getvalue()


@dataclass
class _Prepare:
    """What makes the numbered DOCX and its PDF: the page of each level-1 heading, and each
    chart drawn (in the order of `_figures`), as PNG, and as JPEG once the PDF asked for it."""

    pages: list[int]
    png: list[bytes]
    jpeg: list[bytes] | None = None


# The last reports prepared, by their content: the PDF asked after the DOCX of the same report
# (or the other way round) reuses its page numbers and charts.
_PREPARES: OrderedDict[str, _Prepare] = OrderedDict()
_VERROU_PREPARES = threading.Lock()
PREPARES_GARDES = 4


def vider_cache() -> None:
    with _VERROU_PREPARES:
        _PREPARES.clear()


def _empreinte(sections: list[Section], contexte: Contexte, rendre) -> str:
    """A digest of everything the document shows (texts, tables, figures, context, the day of
    production and the renderer)."""

    def contenu_de(section: Section) -> list:
        return [
            section.titre,
            section.titre_chiffres,
            section.chiffres,
            section.references,
            section.phrases,
            [
                (g.titre, g.legende, g.texte_alternatif, g.figure.to_json())
                for g in section.graphiques
            ],
            [(t.titre, t.entetes, t.lignes, t.secret) for t in section.tableaux],
            section.listes,
            section.codes,
            [contenu_de(partie) for partie in section.sous_sections],
        ]

    empreinte = hashlib.sha256(
        repr((contexte, dt.date.today(), id(rendre), [contenu_de(s) for s in sections])).encode()
    )
    return empreinte.hexdigest()


def _preparer(
    sections: list[Section], contexte: Contexte, rendre: Callable[[go.Figure], bytes]
) -> _Prepare:
    """The page numbers and the charts (see `_Prepare`), from the cache when the same report was
    prepared a moment ago.

    A draft (blank images of the charts' size: the same layout, page numbers of the same width)
    is converted to PDF, whose bookmarks tell on which page each heading falls, while the charts
    are drawn in another thread: the browser and LibreOffice work at the same time."""
    cle = _empreinte(sections, contexte, rendre)
    with _VERROU_PREPARES:
        if cle in _PREPARES:
            _PREPARES.move_to_end(cle)
            return _PREPARES[cle]
    blanc = _png_blanc()
    figures = _figures(sections)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pre-rapport") as dessin:
        dessins = dessin.submit(lambda: [rendre(figure) for figure in figures])
        brouillon = pdf(docx(sections, contexte, lambda _figure: blanc))
        pages = pages_des_titres(brouillon)
        png = dessins.result()
    if len(pages) != len(sections) + 1 + len(ANNEXES):
        raise RapportImpossible("LibreOffice n'a pas produit les signets des titres du rapport.")
    prepare = _Prepare(pages, png)
    with _VERROU_PREPARES:
        _PREPARES[cle] = prepare
        while len(_PREPARES) > PREPARES_GARDES:
            _PREPARES.popitem(last=False)
    return prepare


def _images(sections: list[Section], images: list[bytes]) -> Callable[[go.Figure], bytes]:
    """The renderer giving each chart of `sections` its image drawn beforehand."""
    rang = {id(figure): numero for numero, figure in enumerate(_figures(sections))}
    return lambda figure: images[rang[id(figure)]]


def docx_numerote(
    sections: list[Section],
    contexte: Contexte,
    rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende,
) -> bytes:
    """The DOCX whose table of contents gives the PDF's page numbers (charts in PNG)."""
    prepare = _preparer(sections, contexte, rendre)
    return docx(sections, contexte, _images(sections, prepare.png), prepare.pages)


def pdf_numerote(
    sections: list[Section],
    contexte: Contexte,
    rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende,
) -> bytes:
    """The PDF of `docx_numerote`'s document, converted with its charts in JPEG (`jpeg`)."""
    prepare = _preparer(sections, contexte, rendre)
    if prepare.jpeg is None:
        prepare.jpeg = [jpeg(png) for png in prepare.png]
    return pdf(docx(sections, contexte, _images(sections, prepare.jpeg), prepare.pages))


def documents(
    sections: list[Section],
    contexte: Contexte,
    rendre: Callable[[go.Figure], bytes] = exports.image_sans_legende,
) -> tuple[bytes, bytes]:
    """The DOCX (see `docx_numerote`) and its PDF (`pdf_numerote`): one draft, charts drawn once."""
    return docx_numerote(sections, contexte, rendre), pdf_numerote(sections, contexte, rendre)


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
    # « PRE de l'Agglomération… » already says PRE: not « rapport-pre-pre-de-… ».
    sigle = "" if re.match(r"pre\b", contexte.territoire, re.IGNORECASE) else "PRE "
    return exports.nom_fichier(f"rapport {sigle}{contexte.territoire} {contexte.annee}", extension)
