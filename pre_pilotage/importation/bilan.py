"""What an import would change, per file type: rows and key figures before → after.

Computed after validation, before writing, from the database and the validated rows; the page
shows it and asks for confirmation, the command line refuses without `--remplacer`, whenever
existing rows would be replaced. Mirrors what ecriture.py deletes and inserts.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pre_pilotage import formats

LIBELLES = {
    "beneficiaires": "Enfants et parcours",
    "actions": "Actions des parcours",
    "eps": "Réunions des EPS",
    "fiches_action": "Fiches-action",
    "financements": "Financements",
    "gouvernance": "Réunions de gouvernance",
    "equipe": "Équipe",
}


@dataclass(frozen=True)
class Mesure:
    libelle: str  # « fiches-action », « budget programmé »
    avant: float
    apres: float
    unite: str = "nombre"  # nombre, enfants, euros, etp

    def texte(self, valeur: float) -> str:
        if self.unite == "enfants":
            # Counts of children (parcours, situations examined) follow the statistical
            # secret here too: the administrator's screen is shared like any other.
            from pre_pilotage.protection import seuils_en_usage

            seuil = max(seuils_en_usage())
            if 1 <= valeur <= seuil - 1:
                return f"< {seuil}"
        if self.unite == "euros":
            return formats.euros(valeur)
        if self.unite == "etp":
            return formats.nombre(valeur, 2).rstrip("0").rstrip(",") + " ETP"
        return formats.nombre(valeur)

    def __str__(self) -> str:
        return f"{self.libelle} : {self.texte(self.avant)} → {self.texte(self.apres)}"


@dataclass(frozen=True)
class Changement:
    type_fichier: str
    remplacees: int  # existing rows this import deletes or overwrites
    mesures: tuple[Mesure, ...]

    @property
    def libelle(self) -> str:
        return LIBELLES[self.type_fichier]

    def __str__(self) -> str:
        return f"{self.libelle} — " + " ; ".join(map(str, self.mesures))


def _un(con, sql: str, params: list) -> float:
    valeur = con.execute(sql, params).fetchone()[0]
    return float(valeur or 0)


_FINANCEMENT_ANNEE = (
    " from financement where fiche_id in"
    " (select fiche_id from fiche_action where pre_id = ? and annee = ?)"
)
_LIGNES_FINANCEMENT = "select count(*)" + _FINANCEMENT_ANNEE
_BUDGET = "select sum(montant_prevu)" + _FINANCEMENT_ANNEE
_BUDGET_GARDE = _BUDGET + " and fiche_id in (select unnest(?::varchar[]))"
_PARCOURS_REMPLACES = (
    "select count(*) from parcours where pre_id = ?"
    " and (annee_import = ? or parcours_id in (select unnest(?::varchar[])))"
)
_PARCOURS_ECRASES = (
    "select count(*) from parcours where pre_id = ? and (annee_import = ?"
    " or (annee_import is null and parcours_id in (select unnest(?::varchar[]))))"
)
_PARCOURS_RETIRES = (
    "select count(*) from parcours where pre_id = ? and annee_import = ?"
    " and parcours_id not in (select unnest(?::varchar[]))"
)
_ACTIONS_RETIREES = (
    "select count(*) from action_parcours where parcours_id in (select parcours_id from parcours"
    " where pre_id = ? and annee_import = ? and parcours_id not in (select unnest(?::varchar[])))"
)
_SORTIES = "select count(*) from parcours where pre_id = ? and year(date_sortie) = ?"
# Exits of the parcours the import rewrites (its year's previous import, and those of the file
# from earlier years' imports; a more recent year's import keeps its own).
_SORTIES_REMPLACEES = (
    "select count(*) from parcours where pre_id = ? and year(date_sortie) = ?"
    " and coalesce(annee_import, 0) <= ? and (annee_import = ? or parcours_id in (select unnest(?::varchar[])))"
)
_ACTIFS_REMPLACES = _PARCOURS_REMPLACES + " and actif_dans_annee(date_entree, date_sortie, ?)"
_REUNIONS_EPS = (
    " from eps_reunion r join eps e using (eps_id) where e.pre_id = ? and year(r.date_reunion) = ?"
)


def calculer(
    con: duckdb.DuckDBPyConnection, valides: dict[str, list[dict]], pre_id: str, annee: int
) -> list[Changement]:
    """One Changement per imported file type, in the order of the formats."""
    changements = []
    p = [pre_id, annee]
    for type_fichier in LIBELLES:
        if type_fichier not in valides:
            continue
        lignes = valides[type_fichier]
        if type_fichier == "equipe":
            avant = _un(con, "select count(*) from equipe where pre_id = ? and annee = ?", p)
            etp = _un(con, "select sum(etp) from equipe where pre_id = ? and annee = ?", p)
            mesures = (
                Mesure("personnes", avant, len(lignes)),
                Mesure("équivalents temps plein", etp, sum(r["etp"] for r in lignes), "etp"),
            )
        elif type_fichier == "fiches_action":
            avant = _un(con, "select count(*) from fiche_action where pre_id = ? and annee = ?", p)
            mesures = (Mesure("fiches-action", avant, len(lignes)),)
            if "financements" not in valides:
                # Financing lines of the fiches still present are kept (ecriture._fiches).
                gardees = [r["fiche_id"] for r in lignes]
                budget = _un(con, _BUDGET, p)
                apres = _un(con, _BUDGET_GARDE, [*p, gardees])
                mesures += (Mesure("budget programmé", budget, apres, "euros"),)
        elif type_fichier == "financements":
            avant = _un(con, _LIGNES_FINANCEMENT, p)
            budget = _un(con, _BUDGET, p)
            mesures = (
                Mesure("lignes de financement", avant, len(lignes)),
                Mesure(
                    "budget programmé",
                    budget,
                    sum(float(r["montant_prevu"]) for r in lignes),
                    "euros",
                ),
            )
        elif type_fichier == "beneficiaires":
            ids = [r["parcours_id"] for r in lignes]
            actifs = (
                "select count(*) from parcours where pre_id = ?"
                " and actif_dans_annee(date_entree, date_sortie, ?)"
            )
            avant_actifs = _un(con, actifs, p)
            # A parcours of an earlier year's import is updated with the newer file's data: the
            # documented yearly flow, not a replacement to confirm.
            avant = _un(con, _PARCOURS_ECRASES, [*p, ids])
            actifs_remplaces = _un(con, _ACTIFS_REMPLACES, [*p, ids, annee])
            plus_recents = _un(
                con,
                "select count(*) from parcours where pre_id = ? and annee_import > ?"
                " and parcours_id in (select unnest(?::varchar[]))",
                [*p, ids],
            )
            mesures = (
                Mesure(
                    f"parcours actifs en {annee}",
                    avant_actifs,
                    avant_actifs - actifs_remplaces + len(ids) - plus_recents,
                    "enfants",
                ),
            )
            # Parcours of this year's previous import missing from the new file: removed, with
            # their actions (ecriture._beneficiaires).
            nb_retires = _un(con, _PARCOURS_RETIRES, [*p, ids])
            if nb_retires:
                mesures += (
                    Mesure("parcours absents du nouveau fichier", nb_retires, 0, "enfants"),
                )
                if actions_retirees := _un(con, _ACTIONS_RETIREES, [*p, ids]):
                    mesures += (
                        Mesure("actions de ces parcours (supprimées)", actions_retirees, 0),
                    )
            sorties_avant = _un(con, _SORTIES, p)
            recents = {
                v
                for (v,) in con.execute(
                    "select parcours_id from parcours where pre_id = ? and annee_import > ?", p
                ).fetchall()
            }
            sorties_apres = (
                sorties_avant
                - _un(con, _SORTIES_REMPLACEES, [*p, annee, annee, ids])
                + sum(
                    1
                    for r in lignes
                    if r["parcours_id"] not in recents
                    and r.get("date_sortie") is not None
                    and r["date_sortie"].year == annee
                )
            )
            if sorties_apres != sorties_avant:
                mesures += (Mesure(f"sorties en {annee}", sorties_avant, sorties_apres, "enfants"),)
        elif type_fichier == "actions":
            avant = _un(
                con,
                "select count(*) from action_parcours where year(date_debut) = ? and parcours_id"
                " in (select parcours_id from parcours where pre_id = ?)",
                [annee, pre_id],
            )
            mesures = (Mesure(f"actions commencées en {annee}", avant, len(lignes)),)
        elif type_fichier == "eps":
            avant = _un(con, "select count(*)" + _REUNIONS_EPS, p)
            situations = _un(con, "select sum(r.nb_situations)" + _REUNIONS_EPS, p)
            mesures = (
                Mesure("réunions", avant, len(lignes)),
                Mesure(
                    "situations examinées",
                    situations,
                    sum(r["nb_situations"] for r in lignes),
                    "enfants",
                ),
            )
        else:  # gouvernance
            avant = _un(
                con,
                "select count(*) from gouvernance_reunion where starts_with(reunion_id, ?)"
                " and year(date_reunion) = ?",
                [f"{pre_id}-G", annee],
            )
            mesures = (Mesure("réunions", avant, len(lignes)),)
        changements.append(Changement(type_fichier, int(avant), mesures))
    return changements
