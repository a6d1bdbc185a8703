"""Cité éducative articulation: scorecard, three-level reading and French sentences, from frames;
the Cité's map and the PRE's figures inside and outside the Cité.

Pure functions: the page runs the six `queries/cite_*.sql` (one row per Cité and year, already
masked) and hands the frames here. Each indicator is read on a three-level scale whose thresholds
are shown on screen; there is deliberately no overall score. The map reuses the Carte page's
masked frames (`carte_*` queries, same parameters, hence the same masked cells), cut to the Cité's
perimeter (`cite_perimetre`), and its builder (`cartes.construire_carte`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import folium
import plotly.graph_objects as go
import polars as pl

from pre_pilotage import cartes, formats, francais, graphiques, lots
from pre_pilotage.indicateurs import indicateur

NIVEAUX = ("À renforcer", "En progrès", "Solide")
REQUETES = (
    "cite_scolarisation_residence",
    "cite_couverture_eps",
    "cite_cofinancement",
    "cite_gouvernance",
    "cite_orientations",
    "cite_etablissements_eps",
)


@dataclass(frozen=True)
class Mesure:
    code: str
    requete: str
    colonne: str
    unite: str  # "pourcentage", "nombre", "euros" or "oui_non"
    # Value from which the reading is "En progrès", then "Solide"; None: no reading (amounts).
    seuils: tuple[float, float] | None
    # (formatted value, raw value, Cité name) -> the end of the sentence after "En <année>, ".
    phrase: Callable[[str, object, str], str]


def _pluriel(n, singulier: str, pluriel: str) -> str:
    """French: 0 and 1 take the singular."""
    return singulier if n is not None and n <= 1 else pluriel


MESURES = (
    Mesure(
        "cite_part_scolarises",
        "cite_scolarisation_residence",
        "part_scolarises_cite",
        "pourcentage",
        (25, 50),
        lambda v, _, c: (
            f"{v} des enfants accompagnés par le PRE sont scolarisés dans une école "
            f"ou un collège de la {c}"
        ),
    ),
    Mesure(
        "cite_part_residant_qpv",
        "cite_scolarisation_residence",
        "part_residant_qpv_cite",
        "pourcentage",
        (25, 50),
        lambda v, _, c: (
            f"{v} des enfants accompagnés par le PRE habitent un quartier prioritaire de la {c}"
        ),
    ),
    Mesure(
        "cite_part_qpv_eps",
        "cite_couverture_eps",
        "part_qpv_couverts",
        "pourcentage",
        (50, 100),
        lambda v, _, c: (
            f"{v} des quartiers prioritaires de la {c} sont couverts par une équipe "
            "pluridisciplinaire de soutien réunie dans l'année"
        ),
    ),
    Mesure(
        "cite_fiches_cofinancees",
        "cite_cofinancement",
        "fiches_cofinancees",
        "nombre",
        (1, 3),
        lambda v, n, c: (
            f"{v} "
            + _pluriel(
                n, "fiche-action du PRE est cofinancée", "fiches-action du PRE sont cofinancées"
            )
            + f" par la {c}"
        ),
    ),
    Mesure(
        "cite_montant_cofinance",
        "cite_cofinancement",
        "montant_cite",
        "euros",
        None,
        lambda v, _, c: f"la {c} apporte {v} aux fiches-action du PRE",
    ),
    Mesure(
        "cite_part_programmation",
        "cite_cofinancement",
        "part_programmation_cite",
        "pourcentage",
        (5, 15),
        lambda v, _, c: (
            f"les fiches-action cofinancées par la {c} représentent {v} de la programmation du PRE"
        ),
    ),
    Mesure(
        "cite_reunions_conjointes",
        "cite_gouvernance",
        "reunions_conjointes",
        "nombre",
        (1, 2),
        lambda v, n, c: (
            f"le PRE et la {c} n'ont tenu aucun comité de pilotage conjoint"
            if n == 0
            else f"le PRE et la {c} ont tenu {v} "
            + _pluriel(n, "comité de pilotage conjoint", "comités de pilotage conjoints")
        ),
    ),
    Mesure(
        "cite_presence_copil",
        "cite_gouvernance",
        "pre_present_copil_cite",
        "oui_non",
        (1, 1),
        lambda _, present, c: (
            f"le PRE a participé au comité de pilotage de la {c}"
            if present
            else f"le PRE n'a participé à aucun comité de pilotage de la {c}"
        ),
    ),
    Mesure(
        "cite_part_orientations",
        "cite_orientations",
        "part_orientations_cite",
        "pourcentage",
        (10, 25),
        lambda v, _, c: (
            f"{v} des orientations vers le PRE d'enfants habitant les communes de la "
            f"{c} viennent d'acteurs de la Cité éducative"
        ),
    ),
    Mesure(
        "cite_part_etablissements_eps",
        "cite_etablissements_eps",
        "part_etablissements_eps",
        "pourcentage",
        (50, 80),
        lambda v, _, c: (
            f"{v} des écoles et collèges de la {c} ont été représentés en réunion "
            "d'équipe pluridisciplinaire de soutien"
        ),
    ),
)


def formater(valeur, unite: str) -> str:
    if unite == "oui_non":
        return formats.VIDE if valeur is None else ("oui" if valeur else "non")
    return formats.selon_unite(valeur, unite)


def lecture(valeur, mesure: Mesure) -> str | None:
    """Three-level reading of a value; None when there is no value or no scale (amounts)."""
    if valeur is None or mesure.seuils is None:
        return None
    valeur = float(valeur)
    bas, haut = mesure.seuils
    if valeur >= haut:
        return NIVEAUX[2]
    if valeur >= bas:
        return NIVEAUX[1]
    return NIVEAUX[0]


def puces_seuils(tableau: pl.DataFrame) -> list[str]:
    """One line per indicator of `tableau_de_bord`: its name and its thresholds, as a list
    under the table (page and report) rather than a column that narrows every other."""
    return [
        f"{indicateur} – {seuils[0].lower()}{seuils[1:]}"
        for indicateur, seuils in zip(tableau["indicateur"], tableau["seuils"], strict=True)
    ]


def texte_seuils(mesure: Mesure) -> str:
    """The thresholds as they are written on screen."""
    if mesure.seuils is None:
        return "Pas d'échelle : montant donné pour information."
    if mesure.unite == "oui_non":
        return "À renforcer : non ; solide : oui."
    if mesure.unite == "pourcentage":
        bas, haut = (formats.pourcentage(s, 0) for s in mesure.seuils)
    else:
        bas, haut = (formater(s, mesure.unite) for s in mesure.seuils)
    if mesure.seuils[0] == mesure.seuils[1] - 1 and mesure.unite == "nombre":
        return f"À renforcer : moins de {bas} ; en progrès : {bas} ; solide : {haut} ou plus."
    return (
        f"À renforcer : moins de {bas} ; en progrès : de {bas} à moins de {haut} ; "
        f"solide : {haut} ou plus."
    )


def _cellule(cadre: pl.DataFrame, cite_id: str, annee: int, colonne: str):
    """(value, secret token) of one Cité and year; (None, None) when the row is missing."""
    ligne = cadre.filter((pl.col("cite_id") == cite_id) & (pl.col("annee") == annee))
    if ligne.is_empty():
        return None, None
    jeton = ligne[f"{colonne}__secret"][0] if f"{colonne}__secret" in ligne.columns else None
    return ligne[colonne][0], jeton


def _evolution(valeur, precedente, mesure: Mesure) -> str | None:
    if mesure.unite == "pourcentage":
        return formats.ecart_points(valeur, precedente)
    if mesure.unite == "oui_non":
        if valeur is None or precedente is None or bool(valeur) == bool(precedente):
            return "inchangé" if valeur is not None and precedente is not None else None
        return f"{formater(precedente, 'oui_non')} → {formater(valeur, 'oui_non')}"
    if valeur is None or precedente is None:
        return None
    ecart = valeur - precedente
    signe = "+" if ecart > 0 else ("−" if ecart < 0 else "")
    return f"{signe}{formater(abs(ecart), mesure.unite)}"


def phrase(mesure: Mesure, nom_cite: str, annee: int, valeur, jeton, precedente, jeton_prec) -> str:
    """A sentence a committee can paste into its minutes."""
    libelle = indicateur(mesure.code).libelle
    libelle = libelle[0].lower() + libelle[1:]
    nom_cite = francais.cite_educative(nom_cite)  # « de la Cité éducative de Bron »
    if jeton:
        return (
            f"En {annee}, l'indicateur « {libelle} » de la {nom_cite} n'est pas diffusé : il "
            "porte sur trop peu d'enfants (secret statistique)."
        )
    if valeur is None:
        return f"En {annee}, l'indicateur « {libelle} » n'est pas calculable pour la {nom_cite}."
    texte = f"En {annee}, " + mesure.phrase(formater(valeur, mesure.unite), valeur, nom_cite)
    if jeton_prec is None and precedente is not None and mesure.unite != "oui_non":
        if valeur == 0 and precedente == 0:
            texte += f", pas plus qu'en {annee - 1}"
        elif valeur == precedente:
            texte += f", comme en {annee - 1}"
        else:
            texte += f", contre {formater(precedente, mesure.unite)} en {annee - 1}"
    elif mesure.unite == "oui_non" and precedente is not None and not jeton_prec:
        if bool(valeur) == bool(precedente):
            texte += f", comme en {annee - 1}" if valeur else f", pas plus qu'en {annee - 1}"
        else:
            texte += (
                f", ce qui n'était pas le cas en {annee - 1}"
                if valeur
                else f", contrairement à {annee - 1}"
            )
    return texte + "."


def filtres_programme(filtres):
    """The sidebar's filters without commune or QPV: the page's figures cover the programme."""
    return dataclasses.replace(filtres, commune=None, nom_commune=None, qpv=None, nom_qpv=None)


# How a Cité's perimeter is known (`cite_educative.perimetre`, query `cite_origine_perimetre`):
# only 'qpv_deduits' and 'communes' need a word; 'qpv_declares' (given by a file) and an unknown
# origin (demo, older base) are shown as they are.
_A_PRECISER = (
    "en ajoutant la liste de ses quartiers à la géographie (fichier cites_qpv, format décrit "
    "dans docs/geographie.md) ; d'ici là, les indicateurs qui dépendent du périmètre sont "
    "provisoires."
)
AVIS_PERIMETRE = {
    "qpv_deduits": "Périmètre déduit des communes de la Cité : ses quartiers prioritaires ont "
    f"été choisis d'après ses communes et son nom. À confirmer {_A_PRECISER}",
    "communes": "Périmètre limité aux communes de la Cité : aucun de ses quartiers prioritaires "
    f"n'est connu. À préciser {_A_PRECISER}",
}


def origines_perimetre(cadre: pl.DataFrame) -> dict[str, str | None]:
    """cite_id → how its perimeter is known, from the `cite_origine_perimetre` frame."""
    return dict(zip(cadre["cite_id"], cadre["perimetre"], strict=True))


def avis_perimetre(perimetre: str | None) -> str | None:
    """The page's notice when a Cité's perimeter is only inferred, else None."""
    return AVIS_PERIMETRE.get(perimetre)


def phrase_perimetre(nom: str, perimetre: str | None) -> str | None:
    """The report's sentence when a Cité's perimeter is only inferred, else None."""
    cite_educative = francais.cite_educative(nom)
    if perimetre == "qpv_deduits":
        return (
            f"Le périmètre de la {cite_educative} est déduit de ses communes et de son nom : ses "
            "quartiers prioritaires restent à confirmer, et les chiffres qui en dépendent sont "
            "provisoires."
        )
    if perimetre == "communes":
        return (
            f"Le périmètre de la {cite_educative} se limite à ses communes, faute de liste de "
            "ses quartiers prioritaires : les chiffres qui en dépendent sont provisoires."
        )
    return None


def cites(cadres: dict[str, pl.DataFrame]) -> list[tuple[str, str]]:
    """(cite_id, name) of the Cités, in the order of the queries (by name)."""
    premier = cadres[REQUETES[0]]
    return list(dict.fromkeys(zip(premier["cite_id"], premier["nom"], strict=True)))


def tableau_de_bord(cadres: dict[str, pl.DataFrame], cite_id: str, nom: str, annee: int):
    """One row per indicator of a Cité: value, change, reading, thresholds and sentence."""
    lignes = []
    for mesure in MESURES:
        cadre = cadres[mesure.requete]
        valeur, jeton = _cellule(cadre, cite_id, annee, mesure.colonne)
        precedente, jeton_prec = _cellule(cadre, cite_id, annee - 1, mesure.colonne)
        masque = jeton is not None
        lignes.append(
            {
                "code": mesure.code,
                "indicateur": indicateur(mesure.code).libelle,
                "valeur": jeton if masque else formater(valeur, mesure.unite),
                "valeur__secret": jeton,  # so that the table says why the value is hidden
                "evolution": None
                if masque or jeton_prec
                else _evolution(valeur, precedente, mesure),
                "lecture": None if masque else lecture(valeur, mesure),
                "seuils": texte_seuils(mesure),
                "phrase": phrase(mesure, nom, annee, valeur, jeton, precedente, jeton_prec),
            }
        )
    # A table shows text: an empty cell is the dash, never "None".
    return pl.DataFrame(lignes, schema_overrides={"valeur__secret": pl.String}).with_columns(
        pl.col("evolution", "lecture").fill_null(formats.VIDE)
    )


def comparaison(cadres: dict[str, pl.DataFrame], annee: int) -> pl.DataFrame:
    """One row per indicator, one column per Cité (formatted value and reading)."""
    colonnes: dict[str, list] = {"indicateur": [indicateur(m.code).libelle for m in MESURES]}
    for cite_id, nom in cites(cadres):
        tableau = tableau_de_bord(cadres, cite_id, nom, annee)
        colonnes[nom] = [
            valeur if lect == formats.VIDE else f"{valeur} ({lect.lower()})"
            for valeur, lect in zip(tableau["valeur"], tableau["lecture"], strict=True)
        ]
    return pl.DataFrame(colonnes)


# --------------------------------------------------------------------------- the Cité's map

COUCHES_CARTE = ("qpv", "rep_plus", "rep", "autres", "cites", "communes")


def lire_carte(run: Callable[..., pl.DataFrame], pre_id: str, annee: int) -> dict:
    """The masked frames of the Cités' maps: the Carte page's queries with the parameters of its
    default view (whole programme, most recent geography), so that each cell shows the same
    value or token on both pages, and the Cités' perimeters."""
    geographies = run("carte_geographies", pre_id=pre_id)["annee_geographie"].to_list()
    geographie = int(geographies[0]) if geographies else 2024
    territoire = {"pre_id": pre_id, "commune": None, "annee": annee}
    selon_geographie = {"geographie": geographie, "niveau": "territoire"}
    return lots.tous(
        run,
        {
            "qpv": ("carte_qpv", territoire | selon_geographie),
            "etablissements": ("carte_etablissements", territoire),
            "contours": ("carte_contours", {"pre_id": pre_id, "niveau": "territoire"}),
            "cites": ("carte_cites", {"pre_id": pre_id} | selon_geographie),
            "perimetre": ("cite_perimetre", {"pre_id": pre_id}),
        },
    )


@dataclass(frozen=True)
class CarteCite:
    """The Carte page's masked frames, cut to one Cité's perimeter."""

    qpv: pl.DataFrame
    etablissements: pl.DataFrame
    contours: pl.DataFrame
    cites: pl.DataFrame

    def secrets(self) -> pl.DataFrame:
        """The masking tokens shown on the map (QPV and schools), for its caption."""
        return pl.concat(
            [cadre.select(pl.col("^.*__secret$")) for cadre in (self.qpv, self.etablissements)],
            how="diagonal",
        )


def perimetre_carte(cite_id: str, cadres: dict[str, pl.DataFrame]) -> CarteCite:
    """The Cité's QPV, schools, communes and outline, from the frames of `lire_carte`. Rows are
    only selected, never recomputed: the figures are the Carte page's."""
    codes = cadres["perimetre"].filter(pl.col("cite_id") == cite_id)

    def de(nature: str) -> list[str]:
        return codes.filter(pl.col("nature") == nature)["code"].to_list()

    return CarteCite(
        qpv=cadres["qpv"].filter(pl.col("code_qp").is_in(de("qpv"))),
        etablissements=cadres["etablissements"].filter(pl.col("uai").is_in(de("etablissement"))),
        contours=cadres["contours"].filter(
            (pl.col("nature") == "commune") & pl.col("code").is_in(de("commune"))
        ),
        cites=cadres["cites"].filter(pl.col("cite_id") == cite_id),
    )


def construire_carte(carte: CarteCite, annee: int) -> folium.Map:
    """The Cité's map: its QPV by children followed, its schools (REP+, REP, others), an EPS badge
    per QPV, its communes and outline; opened on its QPV and schools."""
    return cartes.construire_carte(
        carte.qpv,
        carte.etablissements,
        carte.contours,
        carte.cites,
        "beneficiaires",
        COUCHES_CARTE,
        annee,
        eps=True,
    )


# ------------------------------------------------------------- inside and outside the Cité

GROUPES = (
    ("cite", "Dans le périmètre de la Cité"),
    ("hors_cite", "Hors de la Cité"),
    ("programme", "Ensemble du programme"),
)
# (column prefix in cite_dedans_dehors, label, unit)
FIGURES_DEDANS_DEHORS = (
    ("enfants", "Enfants accompagnés", "nombre"),
    ("part_ecole", "Part orientée par l'Éducation nationale", "pourcentage"),
    ("duree_moyenne_mois", "Durée moyenne des parcours clos", "mois"),
    ("actions_par_enfant", "Actions par enfant accompagné", "decimal"),
)


def _ligne(cadre: pl.DataFrame, cite_id: str) -> dict | None:
    lignes = cadre.filter(pl.col("cite_id") == cite_id)
    return None if lignes.is_empty() else lignes.row(0, named=True)


def dedans_dehors(cadre: pl.DataFrame, cite_id: str) -> pl.DataFrame:
    """One row per key figure, one column per group (with its masking token), from the masked
    `cite_dedans_dehors` frame; the unit of each row is in `unite`."""
    ligne = _ligne(cadre, cite_id) or {}
    colonnes: dict[str, list] = {"code": [], "indicateur": [], "unite": []}
    for groupe, _ in GROUPES:
        colonnes[groupe] = []
        colonnes[f"{groupe}__secret"] = []
    for prefixe, libelle, unite in FIGURES_DEDANS_DEHORS:
        colonnes["code"].append(prefixe)
        colonnes["indicateur"].append(libelle)
        colonnes["unite"].append(unite)
        for groupe, _ in GROUPES:
            valeur = ligne.get(f"{prefixe}_{groupe}")
            colonnes[groupe].append(None if valeur is None else float(valeur))
            colonnes[f"{groupe}__secret"].append(ligne.get(f"{prefixe}_{groupe}__secret"))
    schema = {g: pl.Float64 for g, _ in GROUPES} | {f"{g}__secret": pl.String for g, _ in GROUPES}
    return pl.DataFrame(colonnes, schema_overrides=schema)


def graphique_dedans_dehors(tableau: pl.DataFrame) -> go.Figure:
    """The key figures inside the Cité, outside it and for the whole programme, one panel each."""
    return graphiques.groupes_par_figure(tableau, GROUPES)


def _affiche(ligne: dict, colonne: str) -> bool:
    return ligne.get(colonne) is not None and not ligne.get(f"{colonne}__secret")


def phrases_dedans_dehors(cadre: pl.DataFrame, cite_id: str, nom: str, annee: int) -> list[str]:
    """Sentences a committee can paste into its minutes, from the masked frame only."""
    ligne = _ligne(cadre, cite_id)
    if ligne is None:
        return []
    nom = francais.cite_educative(nom)
    if not (_affiche(ligne, "enfants_cite") and _affiche(ligne, "enfants_hors_cite")):
        return [
            f"En {annee}, les chiffres du PRE dans le périmètre de la {nom} et hors de celui-ci ne "
            "sont pas diffusés : l'un des deux groupes compte trop peu d'enfants (secret "
            "statistique)."
        ]
    dedans, total = ligne["enfants_cite"], ligne["enfants_programme"]
    if not total:
        return [f"En {annee}, le PRE n'a accompagné aucun enfant."]
    if not dedans:
        return [
            f"En {annee}, aucun des {formats.nombre(total)} enfants accompagnés par le PRE "
            f"n'habite un quartier prioritaire de la {nom} ni ne fréquente une école ou un "
            "collège de son périmètre."
        ]
    phrase = (
        f"En {annee}, {formats.nombre(dedans)} des {formats.nombre(total)} enfants accompagnés "
        f"par le PRE ({formats.pourcentage(100 * dedans / total)}) habitent un quartier "
        f"prioritaire de la {nom} ou fréquentent une école ou un collège de son périmètre."
    )
    gabarits = {
        "part_ecole": "Parmi eux, {a} ont été orientés par l'Éducation nationale, contre {b} "
        "des enfants accompagnés hors de la Cité.",
        "duree_moyenne_mois": "Leurs parcours clos en {annee} ont duré {a} en moyenne, contre "
        "{b} hors de la Cité.",
        "actions_par_enfant": "Ils ont bénéficié de {a} {actions} en moyenne, contre {b} hors "
        "de la Cité.",
    }
    secrets = []
    for prefixe, libelle, unite in FIGURES_DEDANS_DEHORS[1:]:
        cite, hors = f"{prefixe}_cite", f"{prefixe}_hors_cite"
        if ligne.get(f"{cite}__secret") or ligne.get(f"{hors}__secret"):
            secrets.append(libelle[0].lower() + libelle[1:])
        elif ligne[cite] is not None and ligne[hors] is not None:
            phrase += " " + gabarits[prefixe].format(
                a=formats.selon_unite(ligne[cite], unite),
                b=formats.selon_unite(ligne[hors], unite),
                annee=annee,
                actions="action" if ligne[cite] < 2 else "actions",
            )
    phrases = [phrase]
    if secrets:
        phrases.append(
            "Ne sont pas diffusés, car ils portent sur trop peu d'enfants (secret statistique) : "
            + ", ".join(secrets)
            + "."
        )
    return phrases
