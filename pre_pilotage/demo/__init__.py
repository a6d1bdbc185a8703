"""Deterministic fictional demo database ("Agglomération de démonstration")."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import shapely

from pre_pilotage.db import migrer
from pre_pilotage.demo.geographie import construire_territoire, en_wgs84
from pre_pilotage.demo.programme import ACTIFS_CIBLES, DATE_DONNEES, generer_programme

GRAINE = 20_251_231
VERSION_GENERATEUR = "1"


def _wkb(geometrie) -> bytes:
    return shapely.to_wkb(en_wgs84(geometrie))


def _lignes_geographie(territoire) -> dict[str, list[dict]]:
    lignes: dict[str, list[dict]] = {
        k: []
        for k in (
            "epci",
            "commune",
            "qpv",
            "qpv_commune",
            "etablissement",
            "cite_educative",
            "cite_educative_commune",
            "cite_educative_qpv",
            "cite_educative_etablissement",
        )
    }
    lignes["epci"].append(
        {
            "siren": territoire.siren,
            "nom": territoire.nom_epci,
            "population": sum(c["population"] for c in territoire.communes),
            "geom": _wkb(territoire.contour),
        }
    )
    for c in territoire.communes:
        lignes["commune"].append(
            {
                "code_insee": c["code_insee"],
                "nom": c["nom"],
                "siren_epci": territoire.siren,
                "population": c["population"],
                "geom": _wkb(c["geom"]),
            }
        )
    for q in territoire.qpv:
        lignes["qpv"].append(
            {
                "code_qp": q["code_qp"],
                "nom": q["nom"],
                "annee_geographie": 2024,
                "population": q["population"],
                "geom": _wkb(q["geom"]),
            }
        )
        lignes["qpv_commune"].append({"code_qp": q["code_qp"], "code_insee": q["code_insee"]})
    for e in territoire.etablissements:
        point = en_wgs84(e["geom"])
        lignes["etablissement"].append(
            {
                "uai": e["uai"],
                "nom": e["nom"],
                "type_etablissement": e["type_etablissement"],
                "code_insee": e["code_insee"],
                "longitude": round(point.x, 6),
                "latitude": round(point.y, 6),
                "education_prioritaire": e["education_prioritaire"],
                "uai_tete_reseau": e["uai_tete_reseau"],
                "position_qpv": e["position_qpv"],
                "code_qp_proche": e["code_qp_proche"],
            }
        )
    for cite in territoire.cites:
        lignes["cite_educative"].append(
            {k: cite[k] for k in ("cite_id", "nom", "uai_chef_de_file", "annee_labellisation")}
        )
        for code in cite["communes"]:
            lignes["cite_educative_commune"].append(
                {"cite_id": cite["cite_id"], "code_insee": code}
            )
        for code in cite["qpv"]:
            lignes["cite_educative_qpv"].append({"cite_id": cite["cite_id"], "code_qp": code})
        for uai in cite["etablissements"]:
            lignes["cite_educative_etablissement"].append({"cite_id": cite["cite_id"], "uai": uai})
    return lignes


def _actifs_cibles(programmes: int, beneficiaires_par_an: int | None) -> dict[int, int]:
    if beneficiaires_par_an is None:
        return ACTIFS_CIBLES
    par_programme = beneficiaires_par_an / programmes
    dernier = ACTIFS_CIBLES[max(ACTIFS_CIBLES)]
    return {a: max(20, round(v * par_programme / dernier)) for a, v in ACTIFS_CIBLES.items()}


def _inserer(con: duckdb.DuckDBPyConnection, table: str, lignes: list[dict]) -> None:
    if not lignes:
        return
    colonnes = con.table(table).columns
    cadre = pl.DataFrame(lignes, infer_schema_length=None).select(colonnes)
    con.from_arrow(cadre.to_arrow()).insert_into(table)


def generer_base(
    chemin: Path,
    programmes: int = 1,
    beneficiaires_par_an: int | None = None,
    graine: int = GRAINE,
) -> Path:
    """Build the demo database at `chemin` (replaced if present); same seed, same database."""
    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_name(chemin.name + ".construction")
    provisoire.unlink(missing_ok=True)
    cibles = _actifs_cibles(programmes, beneficiaires_par_an)
    with duckdb.connect(str(provisoire)) as con:
        migrer(con)
        for indice in range(programmes):
            rng = np.random.default_rng([graine, indice])
            territoire = construire_territoire(indice, rng)
            tables = _lignes_geographie(territoire) | generer_programme(territoire, rng, cibles)
            con.execute("begin transaction")
            for table, lignes in tables.items():
                _inserer(con, table, lignes)
            con.execute("commit")
        con.execute(
            "update fiche_action f set beneficiaires_realises = n.nombre from ("
            " select a.fiche_id, count(distinct a.parcours_id) as nombre"
            " from action_parcours a where a.fiche_id is not null group by a.fiche_id) n"
            " where f.fiche_id = n.fiche_id"
        )
        con.executemany(
            "insert into meta values (?, ?)",
            [
                ["donnees_demo", "oui"],
                ["graine", str(graine)],
                ["version_generateur", VERSION_GENERATEUR],
                ["date_donnees", DATE_DONNEES.isoformat()],
                ["programmes", str(programmes)],
            ],
        )
        con.execute("checkpoint")
    provisoire.replace(chemin)
    return chemin
