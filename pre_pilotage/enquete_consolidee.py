"""The national survey, consolidated: the PRE's answers stored as submitted (migration
059_enquete_consolidee), their totals and distributions for France, a région or a département,
and the response rate against the ANCT list of PRE.

A masked value (« < 11 » is 1 to 10, « s » is any number) is never summed as a number: a total
that includes one is a range (« de 45 à 72 ») or a floor (« au moins 45 »), with the count of
masked cells; a consolidated child count below 11 is itself shown « < 11 ». No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pre_pilotage import db, enquete, formats
from pre_pilotage.confidentialite import SUFFIXE_SECRET
from pre_pilotage.enquete_lecture import EFFECTIFS, SEUIL_ENQUETE, Reponse
from pre_pilotage.francais import effectif
from pre_pilotage.importation import ouvrir, ouvrir_ecriture
from pre_pilotage.indicateurs import indicateur

JETON_PETIT = f"< {SEUIL_ENQUETE}"
# Key figures that add up across programmes (the others are rates, means, medians).
SOMMABLES = EFFECTIFS | {"budget_programme"}
# Counts of children or parcours: consolidated below 11, they are hidden.
ENFANTS = {
    "actifs",
    "entrees",
    "sorties",
    "transition_cp_ce1",
    "transition_cm2_6e",
    "suivi_ase",
    "situations_examinees",
}
COLONNES_SOMMABLES = {"effectif", "parcours_actifs", "personnes", "etp", "montant_prevu"}
COLONNES_ENFANTS = {"effectif", "parcours_actifs"}
MESURES = {
    "valeur": "Valeur",
    "effectif": "Effectif",
    "part": "Part",
    "part_nationale": "Part nationale",
    "parcours_actifs": "Ensemble des parcours actifs",
    "personnes": "Personnes",
    "etp": "Équivalents temps plein",
    "montant_prevu": "Montant programmé",
}


# ------------------------------------------------------------------------------ storage


def _lignes_valeurs(reponse: Reponse) -> list[dict]:
    return [
        {
            "pre_id": reponse.pre_id,
            "annee": reponse.annee,
            "feuille": v.feuille,
            "code": v.code,
            "modalite": v.modalite,
            "colonne": v.colonne,
            "unite": v.unite,
            "valeur": v.valeur,
            "jeton": v.jeton,
            "cellule": v.cellule,
        }
        for v in reponse.valeurs
    ]


def _affiche(valeur, jeton, unite) -> str:
    if jeton:
        return jeton
    return formats.selon_unite(valeur, unite) if valeur is not None else formats.VIDE


def changements(con, reponse: Reponse) -> pl.DataFrame | None:
    """What replacing the stored answer of this PRE and year would change (before → after);
    None when nothing is stored yet."""
    deja = con.execute(
        "select empreinte from enquete_nationale.reponse where pre_id = ? and annee = ?",
        [reponse.pre_id, reponse.annee],
    ).fetchone()
    if deja is None:
        return None
    avant = {
        (r[0], r[1], r[2]): (r[3], r[4], r[5])
        for r in con.execute(
            "select code, modalite, colonne, valeur, jeton, unite from enquete_nationale.valeur "
            "where pre_id = ? and annee = ?",
            [reponse.pre_id, reponse.annee],
        ).fetchall()
    }
    apres = {(v.code, v.modalite, v.colonne): (v.valeur, v.jeton, v.unite) for v in reponse.valeurs}
    lignes = []
    for cle in sorted(set(avant) | set(apres)):
        a, b = avant.get(cle), apres.get(cle)
        if a is not None and b is not None and a[:2] == b[:2]:
            continue
        code, modalite, colonne = cle
        lignes.append(
            {
                "programme": reponse.nom,
                "indicateur": indicateur(code).libelle,
                "modalite": modalite or formats.VIDE,
                "mesure": MESURES.get(colonne, colonne),
                "avant": _affiche(*a) if a else "absent",
                "apres": _affiche(*b) if b else "absent",
            }
        )
    return (
        pl.DataFrame(
            lignes,
            schema=["programme", "indicateur", "modalite", "mesure", "avant", "apres"],
            orient="row",
        )
        if lignes
        else pl.DataFrame(
            schema={
                c: pl.String
                for c in ["programme", "indicateur", "modalite", "mesure", "avant", "apres"]
            }
        )
    )


@dataclass
class Enregistrement:
    """What `enregistrer` did: nothing and the changes to confirm, or the answers written."""

    a_confirmer: dict[str, pl.DataFrame] = field(default_factory=dict)  # pre_id -> changes
    ecrites: list[str] = field(default_factory=list)  # pre_id
    inchangees: list[str] = field(default_factory=list)  # same values already stored

    @property
    def confirmation_requise(self) -> bool:
        return bool(self.a_confirmer)


def enregistrer(
    base: Path, reponses: list[Reponse], utilisateur: str, remplacer: bool = False
) -> Enregistrement:
    """Store the answers, all or nothing. An answer that would replace a stored one with other
    values is not written unless `remplacer`: its changes are returned to be confirmed."""
    resultat = Enregistrement()
    db.migrer_fichier(base)
    with ouvrir_ecriture(base) as con:
        a_ecrire = []
        for r in reponses:
            diff = changements(con, r)
            if diff is not None and diff.is_empty():
                resultat.inchangees.append(r.pre_id)
            elif diff is not None and not remplacer:
                resultat.a_confirmer[r.pre_id] = diff
            else:
                a_ecrire.append(r)
        if resultat.a_confirmer:
            return resultat
        con.execute("begin transaction")
        try:
            for r in a_ecrire:
                con.execute(
                    "delete from enquete_nationale.valeur where pre_id = ? and annee = ?",
                    [r.pre_id, r.annee],
                )
                con.execute(
                    "delete from enquete_nationale.reponse where pre_id = ? and annee = ?",
                    [r.pre_id, r.annee],
                )
                db.inserer_lignes(
                    con,
                    "enquete_nationale.reponse",
                    [
                        {
                            "pre_id": r.pre_id,
                            "annee": r.annee,
                            "nom_programme": r.nom,
                            "communes": " ; ".join(r.communes),
                            "seuil": r.seuil,
                            "empreinte": r.empreinte,
                            "importe_le": dt.datetime.now(),
                            "importe_par": utilisateur,
                        }
                    ],
                )
                db.inserer_lignes(con, "enquete_nationale.valeur", _lignes_valeurs(r))
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        resultat.ecrites = [r.pre_id for r in a_ecrire]
    return resultat


def charger_base(base: Path, annee: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`charger` on the database file (read-only, closed at once; the app has migrated it)."""
    with ouvrir(base, lecture_seule=True) as con:
        return charger(con, annee)


def charger(con, annee: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(answers, values) stored for the survey of `annee`."""
    curseur = con.cursor()
    try:
        reponses = curseur.sql(
            "select pre_id, nom_programme, communes, importe_le, importe_par "
            "from enquete_nationale.reponse where annee = $annee order by nom_programme",
            params={"annee": annee},
        ).pl()
        valeurs = curseur.sql(
            "select pre_id, feuille, code, modalite, colonne, unite, valeur, jeton, cellule "
            "from enquete_nationale.valeur where annee = $annee order by pre_id, cellule",
            params={"annee": annee},
        ).pl()
    finally:
        curseur.close()
    # Sheets in the workbook's order, then rows and columns as written.
    rangs = {nom: i for i, nom in enumerate(enquete.FEUILLES)}
    valeurs = valeurs.with_columns(
        pl.col("feuille").replace_strict(rangs, default=len(rangs)).alias("_rang"),
        pl.col("cellule").str.extract(r"(\d+)$").cast(pl.Int64).alias("_ligne"),
        pl.col("cellule").str.extract(r"^([A-Z]+)").alias("_colonne"),
    )
    valeurs = valeurs.sort("pre_id", "_rang", "_ligne", "_colonne").drop(
        "_rang", "_ligne", "_colonne"
    )
    return reponses, valeurs


# ------------------------------------------------------------------------------ territories


def departement_commune(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def placer(reponses: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Each answer's département and région (from its first commune) and whether one of its
    communes is on the ANCT list of PRE."""
    regions = dict(zip(tables["departement"]["code"], tables["departement"]["region"], strict=True))
    liste = set(tables["pre_commune"]["code_insee"])
    lignes = []
    for r in reponses.iter_rows(named=True):
        communes = [c.strip() for c in r["communes"].split(";") if c.strip()]
        dep = departement_commune(communes[0]) if communes else None
        lignes.append(
            {
                "pre_id": r["pre_id"],
                "departement": dep,
                "region": regions.get(dep),
                "liste_anct": any(c in liste for c in communes),
            }
        )
    return reponses.join(
        pl.DataFrame(
            lignes,
            schema={
                "pre_id": pl.String,
                "departement": pl.String,
                "region": pl.String,
                "liste_anct": pl.Boolean,
            },
        ),
        on="pre_id",
        how="left",
    )


def structures_anct(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per PRE structure of the ANCT list (structure porteuse × commune)."""
    return (
        tables["pre_commune"]
        .select("code_insee", "departement", "region", pl.col("porteurs").str.split(" ; "))
        .explode("porteurs")
        .rename({"porteurs": "porteur"})
    )


def dans_territoire(cadre: pl.DataFrame, code: str) -> pl.DataFrame:
    """Rows of France (`FR`), a région (`R32`) or a département (`D59`)."""
    if code.startswith("R"):
        return cadre.filter(pl.col("region") == code[1:])
    if code.startswith("D"):
        return cadre.filter(pl.col("departement") == code[1:])
    return cadre


def taux_de_reponse(
    places: pl.DataFrame, tables: dict[str, pl.DataFrame], code: str
) -> pl.DataFrame:
    """By région (France) or by département (a région or a département): PRE of the ANCT list,
    answers from them, answers from PRE not on the list, and the response rate; a total row."""
    niveau = "region" if code == "FR" else "departement"
    noms_table = tables["region"] if niveau == "region" else tables["departement"]
    noms = dict(zip(noms_table["code"], noms_table["nom"], strict=True))
    structures = dans_territoire(structures_anct(tables), code)
    repondants = dans_territoire(places, code)
    liste = structures.group_by(niveau).agg(pl.len().alias("pre_liste"))
    sur_liste = (
        repondants.filter(pl.col("liste_anct"))
        .group_by(niveau)
        .agg(pl.col("pre_id").n_unique().alias("repondants"))
    )
    hors = (
        repondants.filter(~pl.col("liste_anct"))
        .group_by(niveau)
        .agg(pl.col("pre_id").n_unique().alias("hors_liste"))
    )
    cadre = (
        liste.join(sur_liste, on=niveau, how="full", coalesce=True)
        .join(hors, on=niveau, how="full", coalesce=True)
        .with_columns(pl.col("pre_liste", "repondants", "hors_liste").fill_null(0))
        .with_columns(
            pl.col(niveau)
            .replace_strict(noms, default=pl.col(niveau))
            .fill_null("Commune hors des départements connus")
            .alias("territoire")
        )
        .sort("territoire")
    )
    total = pl.DataFrame(
        {
            niveau: ["total"],
            "pre_liste": [int(cadre["pre_liste"].sum())],
            "repondants": [int(cadre["repondants"].sum())],
            "hors_liste": [int(cadre["hors_liste"].sum())],
            "territoire": ["Ensemble"],
        }
    ).cast(cadre.schema)
    return (
        pl.concat([cadre, total])
        .with_columns(
            pl.when(pl.col("pre_liste") > 0)
            .then(pl.col("repondants") / pl.col("pre_liste") * 100)
            .alias("taux")
        )
        .select("territoire", "pre_liste", "repondants", "hors_liste", "taux")
    )


# ------------------------------------------------------------------------------ totals


@dataclass(frozen=True)
class Total:
    """A sum over programmes whose masked cells are bounds, not numbers."""

    connu: float  # sum of the numbers given
    petits: int  # « < 11 » cells: 1 to 10 each
    secrets: int  # « s » cells: any number
    vides: int  # « – »: no value
    enfants: bool  # a count of children or parcours: hidden below 11

    @property
    def minimum(self) -> float:
        return self.connu + self.petits

    @property
    def maximum(self) -> float | None:
        return None if self.secrets else self.connu + (SEUIL_ENQUETE - 1) * self.petits

    @property
    def masques(self) -> int:
        return self.petits + self.secrets

    def exact(self) -> float | None:
        """The total when it is known and may be shown, else None (see `texte`)."""
        if self.masques or (self.enfants and 0 < self.connu < SEUIL_ENQUETE):
            return None
        return self.connu

    def texte(self, unite: str) -> str | None:
        """What stands for the total when it is not an exact number that may be shown."""
        if self.exact() is not None:
            return None
        if not self.masques:
            return JETON_PETIT  # an exact child count of 1 to 10
        haut = self.maximum
        if self.enfants and haut is not None and haut < SEUIL_ENQUETE:
            return JETON_PETIT
        if self.enfants and self.minimum < SEUIL_ENQUETE:
            # A floor below 11 would say that the count may be small: only the ceiling is said.
            return f"au plus {formats.selon_unite(haut, unite)}" if haut is not None else "s"
        bas = formats.selon_unite(self.minimum, unite)
        if haut is None:
            return f"au moins {bas}"
        return f"de {bas} à {formats.selon_unite(haut, unite)}"


def total(valeurs: list, jetons: list, enfants: bool) -> Total:
    return Total(
        connu=float(sum(v for v in valeurs if v is not None)),
        petits=sum(j == JETON_PETIT for j in jetons),
        secrets=sum(j == "s" for j in jetons),
        vides=sum(j == formats.VIDE for j in jetons),
        enfants=enfants,
    )


def _sommable(code: str, colonne: str) -> bool:
    return colonne in COLONNES_SOMMABLES or (colonne == "valeur" and code in SOMMABLES)


def _enfants(code: str, colonne: str) -> bool:
    return colonne in COLONNES_ENFANTS or (colonne == "valeur" and code in ENFANTS)


def _quantile(valeurs: list[float], q: float) -> float | None:
    return float(pl.Series(valeurs).quantile(q, "linear")) if valeurs else None


def consolider(valeurs: pl.DataFrame) -> pl.DataFrame:
    """One row per indicator, row label and measure, over the answers given: a total (sums) or
    the distribution across programmes (rates, means, medians)."""
    lignes = []
    cles = ["feuille", "code", "modalite", "colonne", "unite"]
    for (feuille, code, modalite, colonne, unite), groupe in valeurs.group_by(
        cles, maintain_order=True
    ):
        nombres = [v for v in groupe["valeur"].to_list() if v is not None]
        jetons = [j for j in groupe["jeton"].to_list() if j is not None]
        ligne = {
            "feuille": feuille,
            "code": code,
            "indicateur": indicateur(code).libelle,
            "modalite": modalite,
            "colonne": colonne,
            "mesure": MESURES.get(colonne, colonne),
            "unite": unite,
            "programmes": groupe["pre_id"].n_unique(),
            "masquees": sum(j != formats.VIDE for j in jetons),
            "sommable": _sommable(code, colonne),
            "total": None,
            "total" + SUFFIXE_SECRET: None,
            "minimum": None,
            "maximum": None,
            "mediane": None,
            "q1": None,
            "q3": None,
        }
        if ligne["sommable"]:
            t = total(nombres, jetons, _enfants(code, colonne))
            ligne |= {
                "total": t.exact(),
                "total" + SUFFIXE_SECRET: t.texte(unite),
                "minimum": t.minimum
                if t.exact() is None and t.texte(unite) != JETON_PETIT
                else None,
                "maximum": t.maximum
                if t.exact() is None and t.texte(unite) != JETON_PETIT
                else None,
            }
        else:
            ligne |= {
                "mediane": _quantile(nombres, 0.5),
                "q1": _quantile(nombres, 0.25),
                "q3": _quantile(nombres, 0.75),
                "minimum": min(nombres) if nombres else None,
                "maximum": max(nombres) if nombres else None,
                "nombres": len(nombres),
            }
        lignes.append(ligne)
    schema = {
        "feuille": pl.String,
        "code": pl.String,
        "indicateur": pl.String,
        "modalite": pl.String,
        "colonne": pl.String,
        "mesure": pl.String,
        "unite": pl.String,
        "programmes": pl.Int64,
        "masquees": pl.Int64,
        "sommable": pl.Boolean,
        "total": pl.Float64,
        "total" + SUFFIXE_SECRET: pl.String,
        "minimum": pl.Float64,
        "maximum": pl.Float64,
        "mediane": pl.Float64,
        "q1": pl.Float64,
        "q3": pl.Float64,
        "nombres": pl.Int64,
    }
    _proteger_repartitions(lignes)
    return pl.DataFrame(lignes, schema=schema)


def _proteger_repartitions(lignes: list[dict]) -> None:
    """A distribution whose rows add up to a published total (one value per child or parcours)
    must not let its one hidden small count be recomputed by difference: the smallest other
    exact count is then hidden too (« s »)."""
    par_code: dict[str, list[dict]] = {}
    for ligne in lignes:
        if ligne["colonne"] in ("effectif", "parcours_actifs"):
            par_code.setdefault(ligne["code"], []).append(ligne)
    secret = "total" + SUFFIXE_SECRET
    for groupe in par_code.values():
        if any(ligne["colonne"] == "parcours_actifs" for ligne in groupe):
            continue  # several values per parcours: the rows do not add up to a total
        petites = [g for g in groupe if g[secret] == JETON_PETIT and not g["masquees"]]
        autres = [g for g in groupe if g["total"] is not None and g["total"] > 0]
        if len(petites) == 1 and len(autres) == len(groupe) - 1 - sum(
            g["total"] == 0 for g in groupe
        ):
            cachee = min(autres, key=lambda g: g["total"], default=None)
            if cachee is not None:
                cachee["total"], cachee[secret] = None, "s"


def chiffres_cles(consolide: pl.DataFrame) -> pl.DataFrame:
    """The key figures (one line each) with the text that says their total or spread."""
    cles = consolide.filter(pl.col("colonne") == "valeur")
    return cles.with_columns(
        pl.struct(cles.columns).map_elements(_resume, return_dtype=pl.String).alias("resume")
    )


def _resume(ligne: dict) -> str:
    """French text of a consolidated line: its total, or its median and quartiles."""
    unite = ligne["unite"]
    if ligne["sommable"]:
        texte = ligne["total" + SUFFIXE_SECRET] or formats.selon_unite(ligne["total"], unite)
        if ligne["masquees"]:
            texte += f" ({effectif(ligne['masquees'], 'case masquée')} dans les réponses)"
        return texte
    if not ligne["nombres"]:
        return "aucune valeur chiffrée (cases masquées ou vides)"
    f = lambda v: formats.selon_unite(v, unite)  # noqa: E731
    texte = f"médiane {f(ligne['mediane'])}"
    if ligne["nombres"] > 1:
        texte += f" (quartiles {f(ligne['q1'])} et {f(ligne['q3'])} ; de {f(ligne['minimum'])} à {f(ligne['maximum'])})"
    texte += f", sur {ligne['nombres']} PRE"
    if ligne["masquees"]:
        texte += f" ; {effectif(ligne['masquees'], 'valeur masquée non comptée')}"
    return texte


def repartition(consolide: pl.DataFrame, code: str) -> pl.DataFrame:
    """A distribution's rows: consolidated count and, when every count is known, the share."""
    lignes = consolide.filter((pl.col("code") == code) & (pl.col("colonne") == "effectif"))
    base = consolide.filter((pl.col("code") == code) & (pl.col("colonne") == "parcours_actifs"))
    exacts = lignes["total"].is_not_null().all() and lignes["masquees"].sum() == 0
    if base.height:
        denominateur = base["total"][0] if base["masquees"][0] == 0 else None
    else:
        denominateur = float(lignes["total"].sum()) if exacts else None
    return lignes.with_columns(
        (
            pl.col("total") / denominateur * 100
            if denominateur and lignes["total"].is_not_null().all()
            else pl.lit(None, dtype=pl.Float64)
        ).alias("part"),
    ).select("modalite", "total", "total" + SUFFIXE_SECRET, "masquees", "programmes", "part")


COLONNES_CHIFFRES = {
    "indicateur": ("Indicateur", "texte"),
    "total": ("Total consolidé", "@unite"),
    "mediane": ("Médiane entre PRE", "@unite"),
    "programmes": ("PRE", "nombre"),
    "masquees": ("Cases masquées", "nombre"),
}
COLONNES_TAUX = {
    "territoire": ("Territoire", "texte"),
    "pre_liste": ("PRE de la liste ANCT", "nombre"),
    "repondants": ("Dont ayant répondu", "nombre"),
    "hors_liste": ("Réponses de PRE hors liste", "nombre"),
    "taux": ("Taux de réponse", "pourcentage"),
}
COLONNES_PAR_TERRITOIRE = {
    "territoire": ("Territoire", "texte"),
    "programmes": ("PRE ayant répondu", "nombre"),
    "actifs": ("Enfants accompagnés", "nombre"),
    "entrees": ("Entrées", "nombre"),
    "budget_programme": ("Budget programmé", "euros"),
}
COLONNES_REPARTITION = {
    "modalite": ("Modalité", "texte"),
    "total": ("Effectif consolidé", "nombre"),
    "masquees": ("Cases masquées", "nombre"),
    "programmes": ("PRE", "nombre"),
    "part": ("Part", "pourcentage"),
}
COLONNES_EXPORT = {
    "feuille": ("Feuille", "texte"),
    "indicateur": ("Indicateur", "texte"),
    "modalite": ("Ligne", "texte"),
    "mesure": ("Mesure", "texte"),
    "total": ("Total consolidé", "@unite"),
    "mediane": ("Médiane entre PRE", "@unite"),
    "q1": ("Premier quartile", "@unite"),
    "q3": ("Troisième quartile", "@unite"),
    "resume": ("En clair", "texte"),
    "programmes": ("PRE ayant répondu", "nombre"),
    "masquees": ("Cases masquées", "nombre"),
}


def tableau_export(consolide: pl.DataFrame) -> pl.DataFrame:
    """Every consolidated line with its French summary, for the XLSX export."""
    return consolide.with_columns(
        pl.struct(consolide.columns).map_elements(_resume, return_dtype=pl.String).alias("resume"),
        pl.col("modalite").replace("", formats.VIDE),
    )


PAR_TERRITOIRE = ("actifs", "entrees", "budget_programme")


def par_territoire(
    valeurs: pl.DataFrame, places: pl.DataFrame, tables: dict[str, pl.DataFrame], code: str
) -> pl.DataFrame:
    """By région (France) or département: answers, and the consolidated children accompanied,
    entries and programmed budget of the PRE that answered there (bounds when masked)."""
    niveau = "region" if code == "FR" else "departement"
    noms_table = tables["region"] if niveau == "region" else tables["departement"]
    noms = dict(zip(noms_table["code"], noms_table["nom"], strict=True))
    lignes = []
    for (cle,), groupe in dans_territoire(places, code).group_by(niveau):
        consolide = consolider(valeurs.filter(pl.col("pre_id").is_in(groupe["pre_id"])))
        ligne = {
            "territoire": noms.get(cle, "Commune hors des départements connus"),
            "programmes": groupe["pre_id"].n_unique(),
        }
        for indicateur_ in PAR_TERRITOIRE:
            trouve = consolide.filter(
                (pl.col("code") == indicateur_) & (pl.col("colonne") == "valeur")
            )
            ligne[indicateur_] = trouve["total"][0] if trouve.height else None
            ligne[indicateur_ + SUFFIXE_SECRET] = (
                trouve["total" + SUFFIXE_SECRET][0] if trouve.height else None
            )
        lignes.append(ligne)
    schema = {"territoire": pl.String, "programmes": pl.Int64} | {
        nom: type_
        for indicateur_ in PAR_TERRITOIRE
        for nom, type_ in ((indicateur_, pl.Float64), (indicateur_ + SUFFIXE_SECRET, pl.String))
    }
    return pl.DataFrame(lignes, schema=schema).sort("territoire")
