"""Writing validated, pseudonymised rows: a year's rows of a programme are replaced, other years kept.

Each file type replaces only its own data: importing some of the files leaves the others' rows.

Called inside the import's single transaction; never commits itself.
"""

from __future__ import annotations

import duckdb

from pre_pilotage.db import inserer_lignes

# Order inside a transaction: fiches before their financing, parcours before their actions.
ORDRE = (
    "equipe",
    "fiches_action",
    "financements",
    "beneficiaires",
    "actions",
    "eps",
    "gouvernance",
)


def ecrire(
    con: duckdb.DuckDBPyConnection, type_fichier: str, lignes: list[dict], pre_id: str, annee: int
) -> None:
    {
        "equipe": _equipe,
        "fiches_action": _fiches,
        "financements": _financements,
        "beneficiaires": _beneficiaires,
        "actions": _actions,
        "eps": _eps,
        "gouvernance": _gouvernance,
    }[type_fichier](con, lignes, pre_id, annee)


def _equipe(con, lignes, pre_id, annee):
    con.execute("delete from equipe where pre_id = ? and annee = ?", [pre_id, annee])
    inserer_lignes(
        con,
        "equipe",
        [
            {
                "pre_id": pre_id,
                "annee": annee,
                "personne_id": r["personne_id"],
                "fonction": r["fonction"],
                "etp": r["etp"],
            }
            for r in lignes
        ],
    )


def _fiches(con, lignes, pre_id, annee):
    # The financing of a fiche still present is the financements file's data: kept when that
    # file is not part of this import (an import replaces only its own files' data).
    con.execute(
        "delete from financement where fiche_id in"
        " (select fiche_id from fiche_action where pre_id = ? and annee = ?)"
        " and fiche_id not in (select unnest(?::varchar[]))",
        [pre_id, annee, [r["fiche_id"] for r in lignes]],
    )
    con.execute("delete from fiche_action where pre_id = ? and annee = ?", [pre_id, annee])
    inserer_lignes(
        con,
        "fiche_action",
        [
            {
                "fiche_id": r["fiche_id"],
                "numero": r["identifiant_fiche"],
                "pre_id": pre_id,
                "annee": annee,
                "intitule": r["intitule"],
                "thematique": r["thematique"],
                "niveau": r["niveau"],
                "code_insee": r.get("commune") if r["niveau"] == "communal" else None,
                "porteur": r.get("porteur"),
                "beneficiaires_prevus": r.get("beneficiaires_prevus"),
                "beneficiaires_realises": r.get("beneficiaires_realises"),
                "statut": r.get("statut"),
            }
            for r in lignes
        ],
    )


def _financements(con, lignes, pre_id, annee):
    con.execute(
        "delete from financement where fiche_id in"
        " (select fiche_id from fiche_action where pre_id = ? and annee = ?)",
        [pre_id, annee],
    )
    inserer_lignes(
        con,
        "financement",
        [
            {
                "fiche_id": r["fiche_id"],
                "financeur": r["financeur"],
                "montant_prevu": r["montant_prevu"],
                "montant_accorde": r.get("montant_accorde"),
                "montant_verse": r.get("montant_verse"),
            }
            for r in lignes
        ],
    )


def _beneficiaires(con, lignes, pre_id, annee):
    # A parcours also present in a more recent year's file keeps that file's data.
    plus_recents = {
        v
        for (v,) in con.execute(
            "select parcours_id from parcours where pre_id = ? and annee_import > ?",
            [pre_id, annee],
        ).fetchall()
    }
    retenues = [r for r in lignes if r["parcours_id"] not in plus_recents]
    # Parcours replaced: those of this year's previous import and those present in the file.
    con.execute("create temp table parcours_remplaces (parcours_id varchar)")
    try:
        inserer_lignes(
            con, "parcours_remplaces", [{"parcours_id": r["parcours_id"]} for r in retenues]
        )
        con.execute(
            "insert into parcours_remplaces select parcours_id from parcours"
            " where pre_id = ? and annee_import = ?",
            [pre_id, annee],
        )
        # A parcours of this year's previous import that the new file no longer has is gone,
        # with its actions of every year (an outside test found them left behind, pointing at
        # nothing); `bilan.calculer` shows how many before the replacement is confirmed.
        con.execute(
            "delete from action_parcours where parcours_id in"
            " (select parcours_id from parcours where pre_id = ? and annee_import = ?)"
            " and parcours_id not in (select unnest(?::varchar[]))",
            [pre_id, annee, [r["parcours_id"] for r in retenues]],
        )
        con.execute(
            "delete from parcours_motif where parcours_id in"
            " (select parcours_id from parcours_remplaces)"
        )
        con.execute(
            "delete from parcours where parcours_id in (select parcours_id from parcours_remplaces)"
        )
    finally:
        con.execute("drop table parcours_remplaces")
    enfants = {}
    for r in retenues:
        enfants[r["beneficiaire_id"]] = {
            "beneficiaire_id": r["beneficiaire_id"],
            "pre_id": pre_id,
            "sexe": r["sexe"],
            "annee_naissance": r["annee_naissance"],
            "niveau_scolaire": r.get("niveau_scolaire"),
            "uai": r.get("uai"),
            "zone_residence": "qpv"
            if r.get("code_qpv")
            else ("qva" if r.get("quartier_veille_active") else "hors"),
            "code_qp": r.get("code_qpv"),
            "code_insee_residence": r["commune_residence"],
            "annee_import": annee,
        }
    con.execute(
        "delete from beneficiaire where pre_id = ? and beneficiaire_id in"
        " (select unnest(?::varchar[]))",
        [pre_id, list(enfants)],
    )
    inserer_lignes(con, "beneficiaire", list(enfants.values()))
    inserer_lignes(
        con,
        "parcours",
        [
            {
                "parcours_id": r["parcours_id"],
                "beneficiaire_id": r["beneficiaire_id"],
                "pre_id": pre_id,
                "date_orientation": r.get("date_orientation"),
                "date_premiere_eps": r.get("date_premiere_eps"),
                "date_entree": r["date_entree"],
                "date_sortie": r.get("date_sortie"),
                "motif_sortie": r.get("motif_sortie"),
                "profil": int(r["profil"]),
                "referent_id": r.get("referent"),
                "orienteur": r["orienteur"],
                "oriente_par_cite_educative": bool(r.get("oriente_par_cite_educative")),
                "suivi_ase": bool(r.get("suivi_ase")),
                "annee_import": annee,
            }
            for r in retenues
        ],
    )
    inserer_lignes(
        con,
        "parcours_motif",
        [
            {"parcours_id": r["parcours_id"], "motif": motif}
            for r in retenues
            for motif in r["motifs"]
        ],
    )
    # Children left without any parcours are not kept.
    con.execute(
        "delete from beneficiaire b where b.pre_id = ? and not exists"
        " (select 1 from parcours p where p.beneficiaire_id = b.beneficiaire_id)",
        [pre_id],
    )


def _actions(con, lignes, pre_id, annee):
    con.execute(
        "delete from action_parcours where year(date_debut) = ? and parcours_id in"
        " (select parcours_id from parcours where pre_id = ?)",
        [annee, pre_id],
    )
    inserer_lignes(
        con,
        "action_parcours",
        [
            {
                "parcours_id": r["parcours_id"],
                "type_action": r["type_action"],
                "fiche_id": r.get("fiche_id"),
                "date_debut": r["date_debut"],
            }
            for r in lignes
        ],
    )


def _eps(con, lignes, pre_id, annee):
    con.execute(
        "delete from eps_reunion_partenaire where reunion_id in (select r.reunion_id from"
        " eps_reunion r join eps e using (eps_id) where e.pre_id = ? and year(r.date_reunion) = ?)",
        [pre_id, annee],
    )
    con.execute(
        "delete from eps_reunion where year(date_reunion) = ? and eps_id in"
        " (select eps_id from eps where pre_id = ?)",
        [annee, pre_id],
    )
    existantes = {
        nom: eps_id
        for eps_id, nom in con.execute(
            "select eps_id, nom from eps where pre_id = ?", [pre_id]
        ).fetchall()
    }
    nouvelles, reunions, partenaires = {}, [], []
    for r in lignes:
        eps_id = existantes.get(r["eps"]) or nouvelles.get(r["eps"], {}).get("eps_id")
        if eps_id is None:
            eps_id = f"{pre_id}-EPS-{len(existantes) + len(nouvelles) + 1:03d}"
            nouvelles[r["eps"]] = {
                "eps_id": eps_id,
                "pre_id": pre_id,
                "nom": r["eps"],
                "code_insee": r["commune"],
                "code_qp": r.get("code_qpv"),
            }
        reunion_id = f"{pre_id}-{r['identifiant_reunion']}"
        reunions.append(
            {
                "reunion_id": reunion_id,
                "eps_id": eps_id,
                "date_reunion": r["date_reunion"],
                "nb_professionnels": r["nb_professionnels"],
                "nb_situations": r["nb_situations"],
            }
        )
        for type_partenaire in r.get("partenaires") or []:
            partenaires.append(
                {
                    "reunion_id": reunion_id,
                    "type_partenaire": type_partenaire,
                    "uai": None,
                    "acteur_cite_educative": type_partenaire == "cite_educative",
                }
            )
        for uai in (r.get("etablissements") or "").split("|"):
            if uai.strip():
                partenaires.append(
                    {
                        "reunion_id": reunion_id,
                        "type_partenaire": "education_nationale",
                        "uai": uai.strip(),
                        "acteur_cite_educative": False,
                    }
                )
    inserer_lignes(con, "eps", list(nouvelles.values()))
    inserer_lignes(con, "eps_reunion", reunions)
    inserer_lignes(con, "eps_reunion_partenaire", partenaires)


def _gouvernance(con, lignes, pre_id, annee):
    prefixe = f"{pre_id}-G"
    con.execute(
        "delete from gouvernance_participation where reunion_id in (select reunion_id from"
        " gouvernance_reunion where starts_with(reunion_id, ?) and year(date_reunion) = ?)",
        [prefixe, annee],
    )
    con.execute(
        "delete from gouvernance_reunion where starts_with(reunion_id, ?)"
        " and year(date_reunion) = ?",
        [prefixe, annee],
    )
    inserer_lignes(
        con,
        "gouvernance_reunion",
        [
            {
                "reunion_id": f"{prefixe}-{r['identifiant_reunion']}",
                "date_reunion": r["date_reunion"],
                "instance": r["instance"],
                "cite_id": r.get("cite_educative"),
            }
            for r in lignes
        ],
    )
    inserer_lignes(
        con,
        "gouvernance_participation",
        [
            {"reunion_id": f"{prefixe}-{r['identifiant_reunion']}", "pre_id": pre_id}
            for r in lignes
            if r["pre_present"]
        ],
    )
