"""A small database whose every figure can be computed by hand (see the comments).

Children, by group (all groups of one programme "pre-test"):
  G1 20 boys born 2016, QPV Alpha Nord, 01/09/2023 -> 30/06/2024 (303 days)
  G2 15 girls born 2013, QPV Alpha Nord, 01/02/2024 -> open
  G3 12 boys born 2020, outside QPV in Alpha, 01/10/2024 -> 31/03/2025 (181 days)
  G4  4 girls born 2009, QPV Beta Sud, 15/01/2024 -> 15/12/2024 (335 days)
  G5 14 girls born 2018, quartier de veille active in Beta, 10/01/2025 -> open
  G6  3 boys born 2007, outside QPV in Alpha, 01/05/2024 -> 30/11/2024 (213 days)
Active: 2023 = 20; 2024 = 20+15+12+4+3 = 54; 2025 = 15+12+14 = 41.
Entries: 2023 = 20; 2024 = 15+12+4+3 = 34; 2025 = 14. Exits: 2023 = 0; 2024 = 20+4+3 = 27;
2025 = 12.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pre_pilotage.db import migrer

PRE = "pre-test"
ALPHA, BETA = "96901", "96902"
QPV_ALPHA, QPV_BETA = "QN09690N", "QN09691N"

GROUPES = [
    # name, size, sex, birth year, zone, qpv, commune, entry, exit
    ("G1", 20, "M", 2016, "qpv", QPV_ALPHA, ALPHA, dt.date(2023, 9, 1), dt.date(2024, 6, 30)),
    ("G2", 15, "F", 2013, "qpv", QPV_ALPHA, ALPHA, dt.date(2024, 2, 1), None),
    ("G3", 12, "M", 2020, "hors", None, ALPHA, dt.date(2024, 10, 1), dt.date(2025, 3, 31)),
    ("G4", 4, "F", 2009, "qpv", QPV_BETA, BETA, dt.date(2024, 1, 15), dt.date(2024, 12, 15)),
    ("G5", 14, "F", 2018, "qva", None, BETA, dt.date(2025, 1, 10), None),
    ("G6", 3, "M", 2007, "hors", None, ALPHA, dt.date(2024, 5, 1), dt.date(2024, 11, 30)),
]

FINANCEMENTS = [
    # fiche, year, level, commune, thematique, [(funder, planned)]
    ("FA1", 2024, "intercommunal", None, "ingenierie", [("etat", 10_000), ("epci", 10_000)]),
    (
        "FA2",
        2024,
        "communal",
        ALPHA,
        "scolarite",
        [("etat", 3_000), ("commune", 1_500), ("cite_educative", 500)],
    ),
    ("FA3", 2025, "intercommunal", None, "parentalite", [("etat", 12_000), ("epci", 8_000)]),
    (
        "FA4",
        2025,
        "communal",
        BETA,
        "langage",
        [("etat", 2_000), ("commune", 2_000), ("caf", 1_000)],
    ),
    ("FA5", 2025, "communal", ALPHA, "culture_sport", [("commune", 4_000)]),
]

EQUIPE = [
    (2023, "R1", "referent", 1.0),
    (2023, "R2", "referent", 0.5),
    (2024, "R1", "referent", 1.0),
    (2024, "R2", "referent", 0.8),
    (2024, "C1", "coordination", 1.0),
    (2025, "R1", "referent", 1.0),
    (2025, "R2", "referent", 1.0),
    (2025, "C1", "coordination", 1.0),
]


def construire(chemin: Path, demo: bool = False) -> Path:
    with duckdb.connect(str(chemin)) as con:
        migrer(con)
        con.execute("insert into epci (siren, nom) values ('999999901', 'EPCI de test')")
        con.execute(
            "insert into commune (code_insee, nom, siren_epci, population) values "
            "(?, 'Alpha', '999999901', 20000), (?, 'Beta', '999999901', 8000)",
            [ALPHA, BETA],
        )
        con.execute(
            "insert into qpv (code_qp, nom, annee_geographie, population) values "
            "(?, 'Alpha Nord', 2024, 3000), (?, 'Beta Sud', 2024, 1500)",
            [QPV_ALPHA, QPV_BETA],
        )
        con.execute(
            "insert into qpv_commune values (?, ?), (?, ?)", [QPV_ALPHA, ALPHA, QPV_BETA, BETA]
        )
        con.execute(
            "insert into programme values (?, 'PRE de test', 'EPCI de test', 'EPCI', '999999901')",
            [PRE],
        )
        con.execute("insert into programme_commune values (?, ?), (?, ?)", [PRE, ALPHA, PRE, BETA])
        for annee, personne, fonction, etp in EQUIPE:
            con.execute(
                "insert into equipe values (?, ?, ?, ?, ?)", [PRE, annee, personne, fonction, etp]
            )
        for nom, taille, sexe, naissance, zone, qpv, commune, entree, sortie in GROUPES:
            for k in range(taille):
                ident = f"{nom}-{k:02d}"
                con.execute(
                    "insert into beneficiaire values (?, ?, ?, ?, null, null, ?, ?, ?)",
                    [f"B-{ident}", PRE, sexe, naissance, zone, qpv, commune],
                )
                con.execute(
                    "insert into parcours (parcours_id, beneficiaire_id, pre_id, date_entree,"
                    " date_sortie, profil, orienteur) values (?, ?, ?, ?, ?, 2, 'ecole')",
                    [f"P-{ident}", f"B-{ident}", PRE, entree, sortie],
                )
        for fiche, annee, niveau, commune, thematique, lignes in FINANCEMENTS:
            con.execute(
                "insert into fiche_action (fiche_id, pre_id, annee, intitule, thematique, niveau,"
                " code_insee) values (?, ?, ?, ?, ?, ?, ?)",
                [fiche, PRE, annee, f"Fiche {fiche}", thematique, niveau, commune],
            )
            for financeur, montant in lignes:
                con.execute(
                    "insert into financement values (?, ?, ?, ?, ?)",
                    [fiche, financeur, montant, montant, montant],
                )
        con.execute("insert into meta values ('date_donnees', '2025-12-31')")
        if demo:
            con.execute("insert into meta values ('donnees_demo', 'oui')")
    return chemin
