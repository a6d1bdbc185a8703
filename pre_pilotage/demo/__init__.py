"""Deterministic fictional demo database ("Agglomération de démonstration")."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from pre_pilotage.db import inserer_lignes, migrer
from pre_pilotage.demo.geographie import construire_territoire, en_wgs84
from pre_pilotage.demo.programme import ACTIFS_CIBLES, DATE_DONNEES, generer_programme
from pre_pilotage.geographie import Geographie, completer, lignes_tables

GRAINE = 20_251_231
VERSION_GENERATEUR = "2"  # 2: the two Cités éducatives differ on every indicator
PROGRAMMES_PAR_LOT = 50


def _lignes_geographie(territoire) -> dict[str, list[dict]]:
    """The territory's geography rows, completed by the same code as real geography (simplified
    levels, school positions, QPV ↔ school links, Cité perimeters)."""
    geo = Geographie(territoire=f"EPCI {territoire.siren}")
    t = geo.tables
    t["epci"].append(
        {
            "siren": territoire.siren,
            "nom": territoire.nom_epci,
            "population": sum(c["population"] for c in territoire.communes),
            "geom": en_wgs84(territoire.contour),
        }
    )
    for c in territoire.communes:
        t["commune"].append(
            {
                "code_insee": c["code_insee"],
                "nom": c["nom"],
                "siren_epci": territoire.siren,
                "population": c["population"],
                "geom": en_wgs84(c["geom"]),
            }
        )
    for q in territoire.qpv:
        t["qpv"].append(
            {
                "code_qp": q["code_qp"],
                "nom": q["nom"],
                "annee_geographie": 2024,
                "population": q["population"],
                "population_enfants": q["population_enfants"],
                "geom": en_wgs84(q["geom"]),
            }
        )
        t["qpv_commune"].append({"code_qp": q["code_qp"], "code_insee": q["code_insee"]})
    for e in territoire.etablissements:
        point = en_wgs84(e["geom"])
        t["etablissement"].append(
            {
                "uai": e["uai"],
                "nom": e["nom"],
                "type_etablissement": e["type_etablissement"],
                "code_insee": e["code_insee"],
                "longitude": round(point.x, 6),
                "latitude": round(point.y, 6),
                "education_prioritaire": e["education_prioritaire"],
                "uai_tete_reseau": e["uai_tete_reseau"],
            }
        )
    for cite in territoire.cites:
        t["cite_educative"].append(
            {k: cite[k] for k in ("cite_id", "nom", "uai_chef_de_file", "annee_labellisation")}
        )
        for code in cite["communes"]:
            t["cite_educative_commune"].append({"cite_id": cite["cite_id"], "code_insee": code})
        for code in cite["qpv"]:
            t["cite_educative_qpv"].append(
                {"cite_id": cite["cite_id"], "code_qp": code, "origine": "declare"}
            )
        for uai in cite["etablissements"]:
            t["cite_educative_etablissement"].append(
                {"cite_id": cite["cite_id"], "uai": uai, "origine": "declare"}
            )
    return lignes_tables(completer(geo))


def _actifs_cibles(programmes: int, beneficiaires_par_an: int | None) -> dict[int, int]:
    if beneficiaires_par_an is None:
        return ACTIFS_CIBLES
    par_programme = beneficiaires_par_an / programmes
    dernier = ACTIFS_CIBLES[max(ACTIFS_CIBLES)]
    return {a: max(20, round(v * par_programme / dernier)) for a, v in ACTIFS_CIBLES.items()}


def generer_base(
    chemin: Path,
    programmes: int = 1,
    beneficiaires_par_an: int | None = None,
    graine: int = GRAINE,
    proteger: bool = True,
    actifs_par_programme: list[int] | None = None,
) -> Path:
    """Build the demo database at `chemin` (replaced if present); same seed, same database.

    `actifs_par_programme`: children active in the last year of each programme (then
    `programmes` is its length), instead of `beneficiaires_par_an` shared out evenly.

    `proteger`: compute the statistical protection the app reads (`pre_pilotage.protection`);
    without it the app refuses to show figures until an administrator computes it.
    """
    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_name(chemin.name + ".construction")
    provisoire.unlink(missing_ok=True)
    if actifs_par_programme is not None:
        programmes = len(actifs_par_programme)
    cibles = _actifs_cibles(programmes, beneficiaires_par_an)
    with duckdb.connect(str(provisoire)) as con:
        migrer(con)
        # Rows are written in batches of programmes: one insert per table and batch instead of
        # one per programme (the national-scale demo has 530 of them).
        lot: dict[str, list[dict]] = {}
        for indice in range(programmes):
            rng = np.random.default_rng([graine, indice])
            territoire = construire_territoire(indice, rng)
            if actifs_par_programme is not None:
                cibles = _actifs_cibles(1, actifs_par_programme[indice])
            tables = _lignes_geographie(territoire) | generer_programme(territoire, rng, cibles)
            for table, lignes in tables.items():
                lot.setdefault(table, []).extend(lignes)
            if (indice + 1) % PROGRAMMES_PAR_LOT == 0 or indice + 1 == programmes:
                con.execute("begin transaction")
                for table, lignes in lot.items():
                    inserer_lignes(con, table, lignes)
                con.execute("commit")
                lot = {}
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
    if proteger:
        from pre_pilotage import protection

        protection.proteger_fichier(provisoire)
    provisoire.replace(chemin)
    return chemin


def demo_ancienne(chemin: Path) -> str | None:
    """Version of the generator that built `chemin`, when it is an untouched demo database built
    by an older generator (no import, no loaded geography); None otherwise.

    `make run` rebuilds such a database, so that a checkout that has moved on shows the demo its
    code describes. Anything a user may have added keeps the file as it is.
    """
    try:
        with duckdb.connect(str(chemin), read_only=True) as con:
            meta = dict(con.execute("select cle, valeur from meta").fetchall())
            ajouts = con.execute(
                "select (select count(*) from lot_import) + (select count(*) from geographie_source)"
            ).fetchone()[0]
    except duckdb.Error:
        return None
    version = meta.get("version_generateur")
    if meta.get("donnees_demo") != "oui" or version == VERSION_GENERATEUR or ajouts:
        return None
    return version or "?"
