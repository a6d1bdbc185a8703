"""The « Territoires » view: every PRE of France, a région or a département, the QPV 2024, REP/REP+
schools and Cités éducatives of the national reference (geographie.nationale), and the coverage
gaps at that scale. Pure functions over polars frames; no Streamlit, no child figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

FRANCE = "FR"


def code_region(code: str) -> str:
    return f"R{code}"


def code_departement(code: str) -> str:
    return f"D{code}"


def options(tables: dict[str, pl.DataFrame], departement: str | None = None) -> dict[str, str]:
    """Territory codes (`FR`, `R32`, `D59`) and their French labels; only the account's
    département when it is limited to one. Régions and départements with a QPV or a PRE only."""
    deps = tables["departement"]
    presents = set(tables["qpv"]["departement"]) | set(tables["pre_commune"]["departement"])
    if departement is not None:
        ligne = deps.filter(pl.col("code") == departement)
        nom = ligne["nom"][0] if ligne.height else departement
        return {code_departement(departement): f"{nom} ({departement})"}
    choix = {FRANCE: "France entière"}
    regions_presentes = set(deps.filter(pl.col("code").is_in(presents))["region"])
    for r in tables["region"].sort("nom").iter_rows(named=True):
        if r["code"] in regions_presentes:
            choix[code_region(r["code"])] = f"{r['nom']} (région)"
    for d in deps.filter(pl.col("code").is_in(presents)).sort("code").iter_rows(named=True):
        choix[code_departement(d["code"])] = f"{d['nom']} ({d['code']})"
    return choix


@dataclass
class Vue:
    """One territory's rows of every layer."""

    code: str
    niveau: str  # "france", "region" or "departement"
    libelle: str
    pre: pl.DataFrame
    qpv: pl.DataFrame
    ecoles: pl.DataFrame
    cites: pl.DataFrame
    departements: pl.DataFrame
    couvertes: pl.DataFrame  # communes covered by an intercommunal PRE only
    corrections: pl.DataFrame  # rows of the ANCT list whose code was corrected or is doubtful


def selectionner(tables: dict[str, pl.DataFrame], code: str) -> Vue:
    deps = tables["departement"]
    if code == FRANCE:
        niveau, filtre, libelle = "france", pl.lit(True), "France entière"
        filtre_liste = pl.lit(True)
        departements = deps
    elif code.startswith("R"):
        region = code[1:]
        niveau, filtre = "region", pl.col("region") == region
        filtre_liste = pl.col("region_code_liste") == region
        libelle = tables["region"].filter(pl.col("code") == region)["nom"][0]
        departements = deps.filter(pl.col("region") == region)
    else:
        dep = code[1:]
        niveau, filtre = "departement", pl.col("departement") == dep
        filtre_liste = pl.col("departement_code_liste") == dep
        departements = deps.filter(pl.col("code") == dep)
        libelle = f"{departements['nom'][0]} ({dep})"
    return Vue(
        code,
        niveau,
        libelle,
        tables["pre_commune"].filter(filtre).sort("nom"),
        tables["qpv"].filter(filtre).sort("code_qp"),
        tables["ecole"].filter(filtre),
        tables["cite"].filter(filtre).sort("nom"),
        departements,
        tables["commune_couverte"].filter(filtre).sort("nom"),
        # A row shows where it names its département, and where its code of the list points.
        tables["correction_code"].filter(filtre | filtre_liste).sort("ligne")
        if "correction_code" in tables
        else pl.DataFrame(schema=_SCHEMA_CORRECTION),
    )


def chiffres(vue: Vue) -> dict[str, int]:
    """Counts of places (no child figure): communes with a PRE, QPV, schools, networks, Cités."""
    reseaux = reseaux_du_territoire(vue)
    return {
        "communes_pre": vue.pre.height,
        "qpv": vue.qpv.height,
        "qpv_sans_pre": vue.qpv.filter(~pl.col("pre")).height,
        "ecoles_rep_plus": vue.ecoles.filter(pl.col("education_prioritaire") == "REP+").height,
        "reseaux_rep_plus": reseaux.filter(pl.col("education_prioritaire") == "REP+").height,
        "cites": vue.cites["cite_id"].n_unique(),
    }


def qpv_sans_pre(vue: Vue) -> pl.DataFrame:
    """QPV none of whose communes has a PRE, communal or intercommunal (ANCT list)."""
    return vue.qpv.filter(~pl.col("pre")).select(
        "code_qp",
        "nom",
        _quartier(),
        pl.format("{} ({}), {}", "nom", "code_qp", "noms_communes").alias("quartier_commune"),
        "noms_communes",
        "departement",
        "noms_cites",
    )


def _quartier() -> pl.Expr:
    return pl.format("{} ({})", pl.col("nom"), pl.col("code_qp")).alias("quartier")


def qpv_cite_sans_pre(vue: Vue) -> pl.DataFrame:
    """QPV in a commune of a Cité éducative, none of whose communes has a PRE."""
    return vue.qpv.filter(~pl.col("pre") & (pl.col("cites") != "")).select(
        "code_qp", "nom", _quartier(), "noms_communes", "noms_cites"
    )


def reseaux_du_territoire(vue: Vue) -> pl.DataFrame:
    """One row per REP/REP+ network (its tête de réseau) with a school in the territory: its
    collège, commune, schools, and how many of them are in a commune with a PRE."""
    ecoles = vue.ecoles.filter(pl.col("uai_tete_reseau").is_not_null())
    if ecoles.is_empty():
        return pl.DataFrame(
            schema={
                "uai_tete_reseau": pl.String,
                "education_prioritaire": pl.String,
                "tete": pl.String,
                "commune": pl.String,
                "ecoles": pl.UInt32,
                "ecoles_pre": pl.UInt32,
            }
        )
    tetes = vue.ecoles.select(
        pl.col("uai").alias("uai_tete_reseau"),
        pl.col("nom").alias("tete"),
        pl.col("commune").alias("commune_tete"),
    )
    return (
        ecoles.group_by("uai_tete_reseau")
        .agg(
            pl.col("education_prioritaire").first(),
            pl.col("commune").first(),
            pl.len().alias("ecoles"),
            pl.col("pre").sum().cast(pl.UInt32).alias("ecoles_pre"),
        )
        .join(tetes, on="uai_tete_reseau", how="left")
        .with_columns(
            pl.col("tete").fill_null(pl.col("uai_tete_reseau")),
            pl.col("commune_tete").fill_null(pl.col("commune")).alias("commune"),
        )
        .select(
            "uai_tete_reseau", "education_prioritaire", "tete", "commune", "ecoles", "ecoles_pre"
        )
        .sort("commune", "tete")
    )


def reseaux_rep_plus_hors_pre(vue: Vue) -> pl.DataFrame:
    """REP+ networks none of whose schools is in a commune covered by a PRE."""
    reseaux = reseaux_du_territoire(vue)
    return reseaux.filter(
        (pl.col("education_prioritaire") == "REP+") & (pl.col("ecoles_pre") == 0)
    ).select(
        "tete",
        "uai_tete_reseau",
        "commune",
        "ecoles",
    )


def ecoles_rep_plus_hors_pre(vue: Vue) -> pl.DataFrame:
    """REP+ schools and collèges in a commune covered by no PRE."""
    return (
        vue.ecoles.filter((pl.col("education_prioritaire") == "REP+") & ~pl.col("pre"))
        .select("nom", "uai", "commune")
        .sort("commune", "nom")
    )


def qpv_sans_position(vue: Vue) -> pl.DataFrame:
    """QPV whose contour in the file is unusable (a degenerate ring): counted, not drawn."""
    return vue.qpv.filter(pl.col("longitude").is_null()).select("code_qp", "nom", "noms_communes")


def communes_sans_position(vue: Vue) -> pl.DataFrame:
    """PRE communes that no file places (no QPV, no REP/REP+ school, no commune contour), and why."""
    sans = vue.pre.filter(pl.col("longitude").is_null())
    raison = (
        pl.col("sans_position")
        if "sans_position" in sans.columns
        else pl.lit("ni QPV 2024 ni école REP ou REP+ dans la commune")
    )
    return sans.select("nom", "code_insee", "porteurs", raison.alias("raison"))


def codes_corriges(vue: Vue) -> pl.DataFrame:
    """Rows of the ANCT list whose code, not in the département the row names, was replaced by
    the one commune of that name in that département."""
    return vue.corrections.filter(pl.col("code_retenu").is_not_null()).select(
        pl.format("{} ({})", "commune_retenue", "libelle").alias("commune"),
        pl.format("{} ({})", "code_liste", "commune_code_liste").alias("code_liste"),
        "code_retenu",
        "ligne",
    )


def lignes_a_verifier(vue: Vue) -> pl.DataFrame:
    """Rows of the ANCT list whose code is not in the département they name and whose commune
    could not be found there by name: kept as they are (their code), to check."""
    return vue.corrections.filter(pl.col("code_retenu").is_null()).select(
        "libelle", "code_liste", "motif", "ligne"
    )


_SCHEMA_CORRECTION = {
    "ligne": pl.Int64,
    "departement": pl.String,
    "region": pl.String,
    "libelle": pl.String,
    "code_liste": pl.String,
    "commune_code_liste": pl.String,
    "departement_code_liste": pl.String,
    "region_code_liste": pl.String,
    "code_retenu": pl.String,
    "commune_retenue": pl.String,
    "motif": pl.String,
}


def avec_programmes(vue: Vue, programmes_communes: pl.DataFrame) -> pl.DataFrame:
    """The territory's PRE communes with the programmes of the database that cover them."""
    noms = (
        programmes_communes.group_by("code_insee").agg(
            pl.col("nom_programme").sort().str.join(" ; ").alias("programmes")
        )
        if programmes_communes.height
        else pl.DataFrame(schema={"code_insee": pl.String, "programmes": pl.String})
    )
    return vue.pre.join(noms, on="code_insee", how="left").with_columns(
        pl.col("programmes").fill_null("")
    )
