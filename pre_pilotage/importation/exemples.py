"""Example files in the import formats, written from a database (the demo one): one CSV per format
and year, as a French spreadsheet saves them (`;`, UTF-8 with BOM, dates JJ/MM/AAAA, `1 234,56`)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import duckdb

from pre_pilotage.importation.schemas import FORMATS

_REQUETES = {
    "beneficiaires": (
        "select b.beneficiaire_id, p.parcours_id, b.sexe, b.annee_naissance, b.niveau_scolaire,"
        " b.uai, b.code_insee_residence, b.code_qp, b.zone_residence = 'qva', p.date_orientation,"
        " p.date_premiere_eps, p.date_entree, p.date_sortie, p.motif_sortie, p.profil,"
        " p.referent_id, p.orienteur, p.oriente_par_cite_educative, p.suivi_ase,"
        " (select string_agg(m.motif, '|' order by m.motif) from parcours_motif m"
        "  where m.parcours_id = p.parcours_id)"
        " from parcours p join beneficiaire b using (beneficiaire_id)"
        " where p.pre_id = $pre_id and actif_dans_annee(p.date_entree, p.date_sortie, $annee)"
        " order by p.date_entree, p.parcours_id"
    ),
    "actions": (
        "select a.parcours_id, a.type_action, f.numero, a.date_debut from action_parcours a"
        " join parcours p using (parcours_id) left join fiche_action f using (fiche_id)"
        " where p.pre_id = $pre_id and year(a.date_debut) = $annee"
        " order by a.date_debut, a.parcours_id, a.type_action"
    ),
    "eps": (
        "select r.reunion_id, e.nom, e.code_insee, e.code_qp, r.date_reunion,"
        " r.nb_professionnels, r.nb_situations,"
        " (select string_agg(t.type_partenaire, '|' order by t.type_partenaire)"
        "  from eps_reunion_partenaire t where t.reunion_id = r.reunion_id and t.uai is null),"
        " (select string_agg(t.uai, '|' order by t.uai)"
        "  from eps_reunion_partenaire t where t.reunion_id = r.reunion_id and t.uai is not null)"
        " from eps_reunion r join eps e using (eps_id)"
        " where e.pre_id = $pre_id and year(r.date_reunion) = $annee"
        " order by r.date_reunion, r.reunion_id"
    ),
    "fiches_action": (
        "select numero, annee, intitule, thematique, niveau, code_insee, porteur,"
        " beneficiaires_prevus, beneficiaires_realises, statut from fiche_action"
        " where pre_id = $pre_id and annee = $annee order by numero"
    ),
    "financements": (
        "select a.numero, f.financeur, f.montant_prevu, f.montant_accorde, f.montant_verse"
        " from financement f join fiche_action a using (fiche_id)"
        " where a.pre_id = $pre_id and a.annee = $annee order by a.numero, f.financeur"
    ),
    "gouvernance": (
        "select g.reunion_id, g.date_reunion, g.instance, g.cite_id,"
        " exists (select 1 from gouvernance_participation p"
        "  where p.reunion_id = g.reunion_id and p.pre_id = $pre_id)"
        " from gouvernance_reunion g"
        " where starts_with(g.reunion_id, $pre_id) and year(g.date_reunion) = $annee"
        " order by g.date_reunion, g.reunion_id"
    ),
    "equipe": (
        "select annee, personne_id, fonction, etp from equipe"
        " where pre_id = $pre_id and annee = $annee order by fonction, personne_id"
    ),
}
# File columns, in the order of each query's select.
_COLONNES = {
    "beneficiaires": (
        "identifiant_enfant",
        "identifiant_parcours",
        "sexe",
        "annee_naissance",
        "niveau_scolaire",
        "uai",
        "commune_residence",
        "code_qpv",
        "quartier_veille_active",
        "date_orientation",
        "date_premiere_eps",
        "date_entree",
        "date_sortie",
        "motif_sortie",
        "profil",
        "referent",
        "orienteur",
        "oriente_par_cite_educative",
        "suivi_ase",
        "motifs",
    ),
    "actions": ("identifiant_parcours", "type_action", "fiche_action", "date_debut"),
    "eps": (
        "identifiant_reunion",
        "eps",
        "commune",
        "code_qpv",
        "date_reunion",
        "nb_professionnels",
        "nb_situations",
        "partenaires",
        "etablissements",
    ),
    "fiches_action": (
        "identifiant_fiche",
        "annee",
        "intitule",
        "thematique",
        "niveau",
        "commune",
        "porteur",
        "beneficiaires_prevus",
        "beneficiaires_realises",
        "statut",
    ),
    "financements": (
        "identifiant_fiche",
        "financeur",
        "montant_prevu",
        "montant_accorde",
        "montant_verse",
    ),
    "gouvernance": (
        "identifiant_reunion",
        "date_reunion",
        "instance",
        "cite_educative",
        "pre_present",
    ),
    "equipe": ("annee", "identifiant_personne", "fonction", "etp"),
}


def _cellule(valeur) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, dt.date):
        return valeur.strftime("%d/%m/%Y")
    if isinstance(valeur, float) or hasattr(valeur, "as_tuple"):
        texte = f"{float(valeur):,.2f}".replace(",", "\u00a0").replace(".", ",")
        return texte.removesuffix(",00")
    return str(valeur)


def _csv(type_fichier: str, lignes: list[tuple]) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(_COLONNES[type_fichier])
    for ligne in lignes:
        ecrivain.writerow([_cellule(v) for v in ligne])
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def _lignes(con: duckdb.DuckDBPyConnection, type_fichier: str, pre_id: str, annee: int) -> list:
    assert set(_COLONNES[type_fichier]) <= {c.nom for c in FORMATS[type_fichier].colonnes}
    return con.execute(_REQUETES[type_fichier], {"pre_id": pre_id, "annee": annee}).fetchall()


def extrait(lignes: dict[str, list[tuple]], lignes_max: int) -> dict[str, list[tuple]]:
    """At most `lignes_max` rows per file, that still import together: actions of the parcours
    kept, fiches-action those actions use (then the first others), financing of those fiches.

    Cutting each file on its own gave actions of parcours and fiches absent from the extract
    (the 13 errors of the first shipped examples)."""
    garde = {t: v[:lignes_max] for t, v in lignes.items()}
    if "beneficiaires" in lignes and "actions" in lignes:
        # Parcours with actions in the year first, so that the actions file is not empty.
        avec_actions = {a[0] for a in lignes["actions"]}
        garde["beneficiaires"] = sorted(
            lignes["beneficiaires"], key=lambda b: b[1] not in avec_actions
        )[:lignes_max]
        parcours = {ligne[1] for ligne in garde["beneficiaires"]}
        garde["actions"] = [a for a in lignes["actions"] if a[0] in parcours][:lignes_max]
    if "fiches_action" in lignes:
        utilisees = {a[2] for a in garde.get("actions", []) if a[2]}
        fiches = [f for f in lignes["fiches_action"] if f[0] in utilisees]
        fiches += [f for f in lignes["fiches_action"] if f[0] not in utilisees]
        garde["fiches_action"] = sorted(fiches[: max(lignes_max, len(utilisees))])
        if "financements" in lignes:
            gardees = {f[0] for f in garde["fiches_action"]}
            garde["financements"] = [f for f in lignes["financements"] if f[0] in gardees]
    return garde


def contenu_exemple(
    con: duckdb.DuckDBPyConnection,
    type_fichier: str,
    pre_id: str,
    annee: int,
    lignes_max: int | None = None,
) -> bytes:
    """One format's CSV bytes for a programme and year (an extract consistent with the others
    when `lignes_max` is given)."""
    if lignes_max is None:
        return _csv(type_fichier, _lignes(con, type_fichier, pre_id, annee))
    return _csv(type_fichier, _extrait_annee(con, pre_id, annee, lignes_max)[type_fichier])


def _extrait_annee(con, pre_id: str, annee: int, lignes_max: int) -> dict[str, list[tuple]]:
    return extrait({t: _lignes(con, t, pre_id, annee) for t in _REQUETES}, lignes_max)


def ecrire_exemples(
    base: Path, dossier: Path, pre_id: str, annees: list[int], lignes_max: int | None = None
) -> list[Path]:
    """Write `<annee>_<format>.csv` for every format and year; returns the files written."""
    dossier.mkdir(parents=True, exist_ok=True)
    ecrits = []
    with duckdb.connect(str(base), read_only=True) as con:
        for annee in annees:
            lignes = (
                {t: _lignes(con, t, pre_id, annee) for t in _REQUETES}
                if lignes_max is None
                else _extrait_annee(con, pre_id, annee, lignes_max)
            )
            for type_fichier in _REQUETES:
                chemin = dossier / f"{annee}_{type_fichier}.csv"
                chemin.write_bytes(_csv(type_fichier, lignes[type_fichier]))
                ecrits.append(chemin)
    return ecrits
