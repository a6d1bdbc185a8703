"""A database of several programmes whose aggregates can be computed by hand (Territoires page).

Every child of a programme is alike (girl born 2015, CE2, outside any QPV, entered 03/02/2025,
still followed): each programme-level count is the programme's size, and no breakdown can split it
into small cells that would call for secondary masking. One year of data, 2025.

  programme          commune (dép.)      children  budget 2025 (planned)              ETP référents
  PRE de Roubaix     59512 (59)               12  État 30 000 + commune 10 000 = 40 000    1
  PRE de Tourcoing   59599 (59)               20  État 40 000 + CAF 10 000 = 50 000        1
  PRE de Lille       59350 (59)               30  État 50 000 + commune 25 000 + CAF 5 000 2
  PRE de Valenciennes 59606 (59)              45  État 60 000 + EPCI 30 000 = 90 000       2
  PRE de Dunkerque   59183 (59)               60  État 90 000 + commune 30 000 = 120 000   3
  PRE de Maubeuge    59392 (59)                6  État 20 000                              0,5
  PRE de Lens        62498 (62)               25  État 40 000 + commune 10 000 = 50 000    1

Nord, threshold 11: Maubeuge's 6 children are « < 11 », so it is left out of every child figure.
  children 12 + 20 + 30 + 45 + 60 = 167 (entries the same); median 30, quartiles 20 and 45
  (linear interpolation, 5 values), min 12, max 60.
  budget (every programme, money is not a child count) 400 000, of which État 290 000: co-financed
  110 000 / 400 000 = 27,5 %; by funder État 290 000, commune 65 000, EPCI 30 000, CAF 15 000.
  cost per child over the programmes whose children are shown: 380 000 / 167 = 2 275 €;
  per programme 3 333, 2 500, 2 667, 2 000, 2 000 -> median 2 500, quartiles 2 000 and 2 667.
  children per ETP référent: 167 / 9 = 18,6; per programme 12, 20, 15, 22,5, 20 -> median 20,
  quartiles 15 and 20.
France: the Nord's six and Lens: children 192 over 6 programmes shown, 1 left out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pre_pilotage import protection
from pre_pilotage.db import migrer

ANNEE = 2025
# pre_id, name, commune code, commune name, children, [(funder, planned)], ETP of référents
PROGRAMMES = [
    (
        "pre-roubaix",
        "PRE de Roubaix",
        "59512",
        "Roubaix",
        12,
        [("etat", 30_000), ("commune", 10_000)],
        1,
    ),
    (
        "pre-tourcoing",
        "PRE de Tourcoing",
        "59599",
        "Tourcoing",
        20,
        [("etat", 40_000), ("caf", 10_000)],
        1,
    ),
    (
        "pre-lille",
        "PRE de Lille",
        "59350",
        "Lille",
        30,
        [("etat", 50_000), ("commune", 25_000), ("caf", 5_000)],
        2,
    ),
    (
        "pre-valenciennes",
        "PRE de Valenciennes",
        "59606",
        "Valenciennes",
        45,
        [("etat", 60_000), ("epci", 30_000)],
        2,
    ),
    (
        "pre-dunkerque",
        "PRE de Dunkerque",
        "59183",
        "Dunkerque",
        60,
        [("etat", 90_000), ("commune", 30_000)],
        3,
    ),
    ("pre-maubeuge", "PRE de Maubeuge", "59392", "Maubeuge", 6, [("etat", 20_000)], 0.5),
    ("pre-lens", "PRE de Lens", "62498", "Lens", 25, [("etat", 40_000), ("commune", 10_000)], 1),
]


def construire(chemin: Path) -> Path:
    """Write the database at `chemin`, protected like an imported one."""
    with duckdb.connect(str(chemin)) as con:
        migrer(con)
        for pre_id, nom, code, commune, enfants, lignes, etp in PROGRAMMES:
            con.execute(
                "insert into commune (code_insee, nom, population) values (?, ?, 50000)",
                [code, commune],
            )
            con.execute(
                "insert into programme values (?, ?, ?, 'commune', null)",
                [pre_id, nom, f"Ville de {commune}"],
            )
            con.execute("insert into programme_commune values (?, ?)", [pre_id, code])
            # ETP per person at most 1: whole référents, then the remainder.
            restant, rang = etp, 0
            while restant > 0:
                part = min(1, restant)
                con.execute(
                    "insert into equipe values (?, ?, ?, 'referent', ?)",
                    [pre_id, ANNEE, f"{pre_id}-R{rang}", part],
                )
                restant, rang = restant - part, rang + 1
            for k in range(enfants):
                ident = f"{pre_id}-{k:02d}"
                con.execute(
                    "insert into beneficiaire (beneficiaire_id, pre_id, sexe, annee_naissance,"
                    " niveau_scolaire, zone_residence, code_insee_residence)"
                    " values (?, ?, 'F', 2015, 'CE2', 'hors', ?)",
                    [f"B-{ident}", pre_id, code],
                )
                con.execute(
                    "insert into parcours (parcours_id, beneficiaire_id, pre_id, date_entree,"
                    " profil, orienteur) values (?, ?, ?, ?, 2, 'ecole')",
                    [f"P-{ident}", f"B-{ident}", pre_id, dt.date(ANNEE, 2, 3)],
                )
            fiche = f"{pre_id}-FA1"
            con.execute(
                "insert into fiche_action (fiche_id, numero, pre_id, annee, intitule, thematique,"
                " niveau) values (?, ?, ?, ?, 'Accompagnement', 'scolarite', 'intercommunal')",
                [fiche, "FA1", pre_id, ANNEE],
            )
            for financeur, montant in lignes:
                con.execute(
                    "insert into financement values (?, ?, ?, ?, ?)",
                    [fiche, financeur, montant, montant, montant],
                )
        con.execute("insert into meta values ('date_donnees', '2025-12-31')")
    protection.proteger_fichier(chemin)
    return chemin
