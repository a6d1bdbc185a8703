"""Aggregates across the programmes of a territory (« Territoires » page): children followed,
entries, budget by funder, co-financed share, cost per child, caseload, each as the territory's
figure and its distribution across programmes.

Secrecy: no child figure is computed here. Each programme's child counts and rates are its
programme-level cells as the whole-database protection stored them (`secret_vue`, the frames
`protection.lire_vue` returns), at the lecture threshold; a sum or a quantile of published cells
publishes nothing new. A programme whose cell is masked (« < 11 », « s ») is left out of that
figure, and the page says how many were. Money is not a child count: every programme counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import polars as pl

from pre_pilotage import formats, references_nationales
from pre_pilotage.protection.catalogue import cle_parametres

# The programme-level views read: the children, entries, budget and cost of budget_chiffres_cles
# (the Programmation page's key figures), the team and caseload of synthese_equipe (Synthèse).
PROGRAMME = "budget_chiffres_cles"
EQUIPE = "synthese_equipe"
SOURCE = "Données des programmes (tableau de bord PRE), protégées par le secret statistique"
# Quantiles of fewer programmes are not shown: they would nearly give each programme's figure.
MINIMUM_QUANTILES = 5


def _parametres_programme(pre_id: str, annee: int) -> dict:
    return {"pre_id": pre_id, "commune": None, "qpv": None, "annee": annee}


def annees(con: duckdb.DuckDBPyConnection, seuil: int) -> dict[int, list[str]]:
    """Years with data -> programmes with data that year, from the keys of the stored views
    (one statement; no frame is read)."""
    curseur = con.cursor()
    try:
        cles = curseur.execute(
            "select parametres from secret_vue where seuil = ? and requete = ?", [seuil, EQUIPE]
        ).fetchall()
    finally:
        curseur.close()
    resultat: dict[int, list[str]] = {}
    for (cle,) in cles:
        params = dict(json.loads(cle))
        resultat.setdefault(int(params["annee"]), []).append(params["pre_id"])
    return {a: sorted(p) for a, p in sorted(resultat.items(), reverse=True)}


def cellules(
    con: duckdb.DuckDBPyConnection, seuil: int, annee: int, pre_ids: list[str]
) -> pl.DataFrame:
    """One row per programme: its protected programme-level cells of `annee` (value and token),
    read from the stored protection in one statement, as `protection.lire_vue` reads each."""
    cles = {cle_parametres(_parametres_programme(p, annee)): (PROGRAMME, p) for p in pre_ids}
    cles |= {cle_parametres({"pre_id": p, "annee": annee}): (EQUIPE, p) for p in pre_ids}
    curseur = con.cursor()
    try:
        lignes = curseur.execute(
            "select requete, parametres, cadre from secret_vue"
            " where seuil = ? and requete in (?, ?) and parametres in (select unnest(?))",
            [seuil, PROGRAMME, EQUIPE, list(cles)],
        ).fetchall()
    finally:
        curseur.close()
    trouves: dict[tuple[str, str], pl.DataFrame] = {}
    for requete, parametres, cadre in lignes:
        if cles.get(parametres, (None,))[0] == requete:
            trouves[(requete, cles[parametres][1])] = pl.read_ipc_stream(cadre)
    rangees = []
    for pre_id in pre_ids:
        programme, equipe = trouves.get((PROGRAMME, pre_id)), trouves.get((EQUIPE, pre_id))
        if programme is None or equipe is None:
            continue
        rangee = {"pre_id": pre_id}
        for cadre, colonnes in (
            (programme, ("actifs", "entrees", "budget_programme", "cout_par_beneficiaire")),
            (equipe, ("actifs_programme", "etp_referents", "enfants_par_etp")),
        ):
            ligne = cadre.filter(pl.col("annee") == annee)
            for colonne in colonnes:
                rangee[colonne] = ligne[colonne][0] if ligne.height else None
                jeton = f"{colonne}__secret"
                rangee[jeton] = ligne[jeton][0] if ligne.height and jeton in ligne.columns else None
        rangees.append(rangee)
    schema = {"pre_id": pl.String}
    for colonne in (
        "actifs",
        "entrees",
        "budget_programme",
        "cout_par_beneficiaire",
        "actifs_programme",
        "etp_referents",
        "enfants_par_etp",
    ):
        schema |= {colonne: pl.Float64, f"{colonne}__secret": pl.String}
    return pl.DataFrame(rangees, schema=schema, orient="row")


def programmes_du_territoire(
    programmes_communes: pl.DataFrame, departements: list[str] | None
) -> list[str]:
    """Programmes with a commune in one of `departements` (None: France, every programme)."""
    if departements is None:
        return sorted(set(programmes_communes["pre_id"]))
    codes = programmes_communes["code_insee"]
    deps = [c[:3] if c.startswith("97") else c[:2] for c in codes]
    return sorted(
        {p for p, d in zip(programmes_communes["pre_id"], deps, strict=True) if d in departements}
    )


# Decimals of each unit, rounded half up like DuckDB's round() in the queries (16,25 -> 16,3).
DECIMALES = {"nombre": 1, "decimal": 1, "pourcentage": 1, "euros": 0}


def arrondi(valeur: float | None, decimales: int) -> float | None:
    """`valeur` rounded half away from zero (Python's round() goes to the even digit)."""
    if valeur is None:
        return None
    pas = Decimal(1).scaleb(-decimales)
    return float(Decimal(repr(float(valeur))).quantize(pas, rounding=ROUND_HALF_UP))


@dataclass
class Distribution:
    """A figure across programmes: how many counted, and its quantiles (None under 5)."""

    programmes: int
    mediane: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None


def distribution(valeurs: list[float]) -> Distribution:
    """Median, quartiles (linear interpolation), min and max of at least 5 values."""
    if len(valeurs) < MINIMUM_QUANTILES:
        return Distribution(len(valeurs))
    serie = pl.Series(valeurs, dtype=pl.Float64)
    return Distribution(
        len(valeurs),
        serie.quantile(0.5, "linear"),
        serie.quantile(0.25, "linear"),
        serie.quantile(0.75, "linear"),
        serie.min(),
        serie.max(),
    )


@dataclass
class Agregats:
    """The territory's figures: one row per indicator, one per funder, and what was left out."""

    annee: int
    programmes: int  # programmes of the territory with data in the year
    indicateurs: pl.DataFrame
    financeurs: pl.DataFrame
    # For the child figures: token -> programmes left out because their count is masked.
    ecartes: dict[str, int] = field(default_factory=dict)


def _visibles(cadre: pl.DataFrame, colonne: str) -> pl.DataFrame:
    return cadre.filter(pl.col(f"{colonne}__secret").is_null() & pl.col(colonne).is_not_null())


def agreger(
    cellules_: pl.DataFrame,
    financeurs: pl.DataFrame,
    references: pl.DataFrame,
    annee: int,
) -> Agregats:
    """The aggregates of the programmes of `cellules_` (one row each, see `cellules`);
    `financeurs`: their rows of `budget_par_programme_et_financeur`."""
    pre_ids = cellules_["pre_id"].to_list()
    financeurs = financeurs.filter(pl.col("pre_id").is_in(pre_ids))
    n = len(pre_ids)
    enfants = _visibles(cellules_, "actifs")
    entrees = _visibles(cellules_, "entrees")
    equipe = _visibles(cellules_, "actifs_programme").filter(pl.col("etp_referents") > 0)
    budgets = {p: 0.0 for p in pre_ids} | dict(
        financeurs.group_by("pre_id").agg(pl.col("montant_prevu").sum()).iter_rows()
    )
    etat = {p: 0.0 for p in pre_ids} | dict(
        financeurs.filter(pl.col("financeur") == "etat")
        .group_by("pre_id")
        .agg(pl.col("montant_prevu").sum())
        .iter_rows()
    )
    avec_budget = [p for p in pre_ids if budgets[p] > 0]
    total_budget = sum(budgets.values())
    budget_enfants = sum(budgets[p] for p in enfants["pre_id"])
    total_enfants = enfants["actifs"].sum() if enfants.height else None
    couts = _visibles(cellules_, "cout_par_beneficiaire")
    caseload = _visibles(cellules_, "enfants_par_etp")

    def ligne(code, libelle, unite, valeur, valeurs, retenus, reference):
        d = distribution(valeurs)
        quantiles = {
            c: arrondi(getattr(d, c), DECIMALES[unite])
            for c in ("mediane", "q1", "q3", "minimum", "maximum")
        }
        entiers = all(v is None or v == int(v) for v in quantiles.values())
        return {
            "code": code,
            "indicateur": libelle,
            "unite": unite,
            "territoire": valeur,
            "programmes": f"{formats.nombre(retenus)} sur {formats.nombre(n)}",
            **quantiles,
            # A median of children between two programmes' counts may end in ,5.
            "unite_repartition": "decimal" if unite == "nombre" and not entiers else unite,
            "reference": reference or formats.VIDE,
        }

    def reference(code):
        return references_nationales.texte(references, code)

    lignes = [
        ligne(
            "actifs",
            "Enfants accompagnés",
            "nombre",
            total_enfants,
            enfants["actifs"].to_list(),
            enfants.height,
            reference("actifs"),
        ),
        ligne(
            "entrees",
            "Entrées",
            "nombre",
            entrees["entrees"].sum() if entrees.height else None,
            entrees["entrees"].to_list(),
            entrees.height,
            None,
        ),
        ligne(
            "budget_programme",
            "Budget programmé",
            "euros",
            total_budget if avec_budget else None,
            [budgets[p] for p in avec_budget],
            len(avec_budget),
            reference("budget_programme"),
        ),
        ligne(
            "part_cofinancee",
            "Part cofinancée (hors État)",
            "pourcentage",
            arrondi(100 * (total_budget - sum(etat.values())) / total_budget, 1)
            if total_budget
            else None,
            [arrondi(100 * (budgets[p] - etat[p]) / budgets[p], 1) for p in avec_budget],
            len(avec_budget),
            reference("part_cofinancee"),
        ),
        ligne(
            "cout_par_beneficiaire",
            "Coût par enfant",
            "euros",
            arrondi(budget_enfants / total_enfants, 0)
            if total_enfants and budget_enfants
            else None,
            couts["cout_par_beneficiaire"].to_list(),
            couts.height,
            reference("cout_par_beneficiaire"),
        ),
        ligne(
            "enfants_par_etp",
            "Enfants par ETP référent",
            "decimal",
            arrondi(equipe["actifs_programme"].sum() / equipe["etp_referents"].sum(), 1)
            if equipe.height
            else None,
            caseload["enfants_par_etp"].to_list(),
            caseload.height,
            reference("enfants_par_etp"),
        ),
    ]
    ecartes: dict[str, int] = {}
    for jeton in cellules_["actifs__secret"].drop_nulls():
        ecartes[jeton] = ecartes.get(jeton, 0) + 1
    return Agregats(
        annee, n, pl.DataFrame(lignes), _par_financeur(financeurs, pre_ids, references), ecartes
    )


def _par_financeur(
    financeurs: pl.DataFrame, pre_ids: list[str], references: pl.DataFrame
) -> pl.DataFrame:
    """One row per funder: territory total, share, distribution across the programmes with a
    budget that year (a programme without this funder counts 0)."""
    avec_budget = sorted(set(financeurs["pre_id"]))
    total = financeurs["montant_prevu"].sum()
    parts = {
        m: v
        for i, m, v in zip(
            references["indicateur"], references["modalite"], references["valeur"], strict=True
        )
        if i == "financement"
    }
    source = {
        m: f"{s.split(',')[0]}, données {a}"
        for i, m, s, a in zip(
            references["indicateur"],
            references["modalite"],
            references["source"],
            references["annee_donnees"],
            strict=True,
        )
        if i == "financement"
    }
    lignes = []
    for (financeur, libelle, _ordre), groupe in sorted(
        financeurs.group_by("financeur", "libelle", "ordre"), key=lambda g: g[0][2]
    ):
        montants = dict(zip(groupe["pre_id"], groupe["montant_prevu"], strict=True))
        d = distribution([montants.get(p, 0.0) for p in avec_budget])
        somme = groupe["montant_prevu"].sum()
        lignes.append(
            {
                "financeur": libelle,
                "montant": somme,
                "part": arrondi(100 * somme / total, 1) if total else None,
                "programmes": f"{formats.nombre(groupe.height)} sur {formats.nombre(len(pre_ids))}",
                **{
                    c: arrondi(getattr(d, c), 0)
                    for c in ("mediane", "q1", "q3", "minimum", "maximum")
                },
                "reference": (
                    f"{formats.pourcentage(parts[financeur])} du budget ({source[financeur]})"
                    if financeur in parts
                    else formats.VIDE
                ),
            }
        )
    schema = {
        "financeur": pl.String,
        "montant": pl.Float64,
        "part": pl.Float64,
        "programmes": pl.String,
        "mediane": pl.Float64,
        "q1": pl.Float64,
        "q3": pl.Float64,
        "minimum": pl.Float64,
        "maximum": pl.Float64,
        "reference": pl.String,
    }
    return pl.DataFrame(lignes, schema=schema)


def phrase_ecartes(agregats: Agregats) -> str | None:
    """Why some programmes are left out of the child figures (French), or None."""
    total = sum(agregats.ecartes.values())
    if not total:
        return None
    raisons = []
    for jeton, nombre in sorted(agregats.ecartes.items(), key=lambda e: e[0] == "s"):
        compte = f"{formats.nombre(nombre)} " if len(agregats.ecartes) > 1 or total > 1 else ""
        if jeton == formats.JETON_SECONDAIRE:
            raisons.append(
                f"{compte}masqué pour protéger un petit effectif d'un autre chiffre, « s »"
            )
        else:
            seuil = jeton.removeprefix("<").strip()
            raisons.append(
                f"{compte}{'de ' if compte else ''}moins de {seuil} enfants, « {jeton} »"
            )
    debut = (
        f"{formats.nombre(total)} programme sur {formats.nombre(agregats.programmes)} est écarté"
        if total == 1
        else f"{formats.nombre(total)} programmes sur {formats.nombre(agregats.programmes)} "
        "sont écartés"
    )
    return (
        f"{debut} des chiffres d'enfants (enfants accompagnés, entrées, coût par enfant, enfants "
        f"par ETP de référent) : {'son' if total == 1 else 'leur'} nombre d'enfants n'est pas "
        f"diffusé ({' ; '.join(raisons)}). "
        f"{'Ses' if total == 1 else 'Leurs'} montants restent comptés dans le budget et la part "
        "cofinancée."
    )


def note_methode(agregats: Agregats, seuil: int) -> str:
    """How the table reads (French): what the columns are, and why quantiles may be missing."""
    note = (
        "Chiffres d'enfants : ceux que chaque programme publie, protégés par le secret "
        f"statistique au seuil de {seuil} enfants, quel que soit le rôle du compte. "
        "Territoire : total des programmes retenus (pour la part cofinancée, le coût par enfant "
        "et les enfants par ETP de référent, rapport des totaux). Médiane, quartiles, minimum "
        "et maximum : répartition des valeurs des programmes retenus."
    )
    if agregats.programmes < MINIMUM_QUANTILES:
        pluriel = "s" if agregats.programmes > 1 else ""
        note += (
            f" Avec {formats.nombre(agregats.programmes)} programme{pluriel} seulement, la "
            f"répartition n'est pas montrée (il en faut au moins {MINIMUM_QUANTILES}) : elle "
            "donnerait presque le chiffre de chaque programme."
        )
    else:
        note += (
            f" Une répartition sur moins de {MINIMUM_QUANTILES} programmes retenus n'est pas "
            "montrée (« – »)."
        )
    return note


def references(agregats: Agregats) -> list[str]:
    """The national references beside the territory's figures, one French sentence each."""
    return [
        f"{libelle} : {reference}"
        for cadre, colonne in (
            (agregats.indicateurs, "indicateur"),
            (agregats.financeurs, "financeur"),
        )
        for libelle, reference in zip(cadre[colonne], cadre["reference"], strict=True)
        if reference != formats.VIDE
    ]
