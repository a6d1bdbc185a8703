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

Parcours details (ORIENTATIONS, SCOLARITE_ET_MOTIFS; actions: ACTIONS_FICHES below):
  G1 profile 3, oriented by the school, CE1, exit "objectifs atteints", oriented 15/06/2023,
     first EPS 05/07/2023 (20 days), motives résultats scolaires + comportement
  G2 profile 2, service social départemental, 6e, open, 04/12/2023 -> 08/01/2024 (35 days),
     résultats scolaires + isolement social
  G3 profile 3, PMI, maternelle, exit "relais droit commun", 26/08/2024 -> 16/09/2024 (21 days),
     langage
  G4 profile 1, school, 3e, exit "déménagement", 01/12/2023 -> 05/01/2024 (35 days), followed by
     child welfare (ASE), absentéisme + santé mentale
  G5 profile 2, famille, CE1 (G5-00 to G5-05) or CE2 (the 8 others), open,
     25/11/2024 -> 06/01/2025 (42 days), langage + parentalité
  G6 profile 1, CCAS, lycée, exit "limite d'âge", 18/03/2024 -> 15/04/2024 (28 days), ASE,
     isolement social
EPS (EPS, EPS_REUNIONS): EPS-A in Alpha / Alpha Nord, EPS-B in Beta / Beta Sud.
Figures, 2024 (54 children, 54 parcours) | 2025 (41 children, 41 parcours):
  sex            F 19, M 35 | F 29, M 12
  school level   maternelle 12, élémentaire 20, collège 19, lycée 3 | 12, 14, 15, 0
  profile        1: 7 (G4+G6), 2: 15, 3: 32 | 1: 0, 2: 29, 3: 12
  residence      Alpha Nord 35, Beta Sud 4, QVA 0, outside 15 | 15, 0, 14, 12
  motives        résultats 35, isolement 18, comportement 20, langage 12, absentéisme 4, santé
                 mentale 4 | résultats 15, isolement 15, langage 26, parentalité 14
  who oriented   école 24, service social 15, PMI 12, CCAS 3 | service social 15, PMI 12, famille 14
  exits          objectifs 20, déménagement 4, limite d'âge 3, all 6 to 12 months, mean
                 8 039 / 27 days = 9,8 months | relais 12, all under 6 months, mean 5,9 months
  action types   soutien scolaire 20, parentalité 15, sport 12, psychologue 3 | parentalité 29,
  (parcours)     sport 12, orthophonie 6; actions per parcours 51 / 54 = 0,9 | 48 / 41 = 1,2
  first EPS      34 parcours, median delay 35 days | 14 parcours, 42 days
  transitions    CP/CE1 20 (G1), CM2/6e 15 (G2) | CP/CE1 6 (G5 00-05), CM2/6e 15
  ASE            7 (G4 + G6) | 0
  EPS meetings   4 (Alpha 3, Beta 1), 30 / 4 = 7,5 professionals, 22 situations (Beta: 4)
                 | 4 (2 + 2), 26 / 4 = 6,5 professionals, 23 situations (Beta: 9)

Programming (FINANCEMENTS, planned amounts; EXECUTION and DETAILS_FICHES below):
  FA0 2023 intercommunal scolarite      État 8 000 + CAF 2 000 = 10 000 (État exactly 80 %)
  FA1 2024 intercommunal ingenierie     État 10 000 + EPCI 10 000 = 20 000
  FA2 2024 communal Alpha scolarite     État 3 000 + commune 1 500 + Cité 500 = 5 000
  FA3 2025 intercommunal parentalite    État 12 000 + EPCI 8 000 = 20 000
  FA4 2025 communal Beta langage        État 2 000 + commune 2 000 + CAF 1 000 = 5 000
  FA5 2025 communal Alpha culture_sport commune 4 000 (100 %)
Budget: 2023 = 10 000; 2024 = 25 000; 2025 = 29 000 (État 14 000, EPCI 8 000, communes 6 000,
CAF 1 000; co-financed (29 000 − 14 000) / 29 000 = 51,7 %; change from 2024 +16,0 %).
Granted / paid (unlisted lines: granted = paid = planned):
  2024: granted 25 000, paid 24 500 (FA2 commune paid 1 000) -> execution 98,0 %.
  2025: FA3 État 12 000 / 6 000; FA4 État 2 000 / 1 000, commune 1 500 / 1 500, CAF 1 000 / 0;
  FA5 commune 4 000 / 2 000. Granted 28 500, paid 18 500 -> execution 64,9 %.
  2025 by funder: État 14 000 / 14 000 / 7 000 (50,0 %); EPCI 8 000 / 8 000 / 8 000 (100,0 %);
  communes 6 000 / 5 500 / 3 500 (63,6 %); CAF 1 000 / 1 000 / 0 (0,0 %).
  By fiche 2025: FA3 20 000 / 20 000 / 14 000 (70,0 %); FA4 5 000 / 4 500 / 2 500 (55,6 %);
  FA5 4 000 / 4 000 / 2 000 (50,0 %).
Single funder (one funder >= 80 % of the planned money): FA0 (80 %) in 2023, FA5 (100 %) in 2025.
Cost per child (whole programme only): 2023 = 10 000 / 20 = 500 €; 2024 = 25 000 / 54 = 463 €;
2025 = 29 000 / 41 = 707 € (+52,7 %).
Children linked to fiches (ACTIONS_FICHES, distinct children): FA2 2024 scolarite = G1 = 20
(5 000 / 20 = 250 €); FA3 2025 parentalite = G2 + G5 = 29 (20 000 / 29 = 690 €); FA4 2025
langage = 6 of G5 (masked, and its cost); FA5 2025 culture_sport = G3 = 12 (4 000 / 12 = 333 €).
Planned / actual beneficiaries (DETAILS_FICHES): FA3 40 / 35, FA4 15 / 6 (masked), FA5 20 / 12,
FA2 30 / 25, FA0 20 / 20, FA1 none.

Cité éducative (CITE: cite-99001 "Cité éducative d'Alpha", commune Alpha, QPV Alpha Nord; its
schools C1 collège Jean-Zay (chef de file) and E1 école Condorcet; E2 is in Alpha, outside it).
Schools of the children (UAI_GROUPES): G1 E1, G2 C1, G3 E1, G5 E2, G4 and G6 unknown.
  1. schooled in the Cité: 2024 G1+G2+G3 = 47 / 54 = 87,0 % (masked: the other 7 are "< 11", so
     the 47 and the share are "s"), 2025 G2+G3 = 27 / 41 = 65,9 % (others 14);
     living in Alpha Nord: 2024 35 / 54 = 64,8 % (others 19), 2025 15 / 41 = 36,6 % (others 26).
  2. Alpha Nord covered by EPS-A: 2024 and 2025 1 / 1 = 100,0 %.
  3. co-financed by the Cité: 2024 FA2 (communal Alpha) 1 fiche, 500 € from the Cité, fiches of
     5 000 € = 20,0 % of 25 000 €; 2025 none (0,0 % of 29 000 €).
  4. governance (GOUVERNANCE): 2024 one copil_cite with the PRE and one copil_conjoint -> 1 joint
     meeting, PRE present; 2025 one copil_cite without the PRE, one copil_pre -> 0, absent.
  5. orientations by Cité actors (G6 flagged), children living in Alpha, year of orientation:
     2024 G3+G6 = 15 orientations, 3 from the Cité (masked, and its share; the other 12 "s");
     2025 none.
  6. Cité schools at EPS meetings (EPS_PARTENAIRES): 2024 C1 and E1 = 2 / 2 = 100,0 % (2 meetings
     with a Cité actor); 2025 E1 = 1 / 2 = 50,0 % (1 meeting).
  Perimeter (cite_perimetre): commune Alpha, QPV Alpha Nord, schools C1 and E1; its QPV are
  declared (cite_educative.perimetre = 'qpv_declares': no notice on the page).
  Inside vs outside the Cité (cite_dedans_dehors; inside = living in Alpha Nord or schooled at C1
  or E1; one parcours per child; actions: ACTIONS_FICHES, all of a parcours active in the year):
     2025  inside G2+G3 = 27, outside G5 = 14, programme 41; oriented by the school 0 | 0 | 0
           (0,0 %); exits G3 12 | 0 | 12, mean 181 days = 5,9 months | none | 5,9; actions
           (16 + 12) / 27 = 1,0 | (14 + 6) / 14 = 1,4 | 48 / 41 = 1,2.
     2024  inside G1+G2+G3 = 47, outside G4+G6 = 7, programme 54; by the school G1 20 | G4 4 | 24
           (others 27 | 3 | 30); exits G1 20 | G4+G6 7 | 27, means 303 days = 10,0 months |
           (4 x 335 + 3 x 213) / 7 = 9,3 | 8 039 / 27 = 9,8; actions 48 / 47 = 1,0 | 3 / 7 = 0,4 |
           51 / 54 = 0,9. Masked: the 7 outside (and its parts 4, 3 and 7 exits) are "< 11", so
           every inside count is "s" (inside = 54 - outside) and every inside and outside share
           or mean is "s"; the programme's column is shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from pre_pilotage import protection
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
    ("FA0", 2023, "intercommunal", None, "scolarite", [("etat", 8_000), ("caf", 2_000)]),
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

# (fiche, funder): (granted, paid); lines not listed are granted and paid as planned.
EXECUTION = {
    ("FA2", "commune"): (1_500, 1_000),
    ("FA3", "etat"): (12_000, 6_000),
    ("FA4", "etat"): (2_000, 1_000),
    ("FA4", "commune"): (1_500, 1_500),
    ("FA4", "caf"): (1_000, 0),
    ("FA5", "commune"): (4_000, 2_000),
}

# fiche: (carrier, status, planned beneficiaries, actual beneficiaries)
DETAILS_FICHES = {
    "FA0": ("Association Lire ensemble", "realisee", 20, 20),
    "FA1": ("EPCI de test", "realisee", None, None),
    "FA2": ("Centre social Alpha", "realisee", 30, 25),
    "FA3": ("École des parents", "en_cours", 40, 35),
    "FA4": ("Médiathèque de Beta", "validee", 15, 6),
    "FA5": (None, "en_cours", 20, 12),
}

# Actions used by children of a group (members first..last - 1), linked to a fiche or not.
ACTIONS_FICHES = [
    ("G1", 0, 20, "soutien_scolaire", "FA2"),
    ("G2", 0, 15, "parentalite", "FA3"),
    ("G2", 0, 1, "parentalite", "FA3"),  # a second action on the same fiche: one child
    ("G5", 0, 14, "parentalite", "FA3"),
    ("G5", 0, 6, "orthophonie", "FA4"),
    ("G3", 0, 12, "sport", "FA5"),
    ("G6", 0, 3, "psychologue", None),
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


# group: (profile, who oriented, orientation date, first EPS date, followed by child welfare)
ORIENTATIONS = {
    "G1": (3, "ecole", dt.date(2023, 6, 15), dt.date(2023, 7, 5), False),
    "G2": (2, "service_social_departemental", dt.date(2023, 12, 4), dt.date(2024, 1, 8), False),
    "G3": (3, "pmi", dt.date(2024, 8, 26), dt.date(2024, 9, 16), False),
    "G4": (1, "ecole", dt.date(2023, 12, 1), dt.date(2024, 1, 5), True),
    "G5": (2, "famille", dt.date(2024, 11, 25), dt.date(2025, 1, 6), False),
    "G6": (1, "ccas", dt.date(2024, 3, 18), dt.date(2024, 4, 15), True),
}
# group: (school level, exit reason, orientation motives)
SCOLARITE_ET_MOTIFS = {
    "G1": ("CE1", "objectifs_atteints", ("resultats_scolaires", "comportement")),
    "G2": ("6e", None, ("resultats_scolaires", "isolement_social")),
    "G3": ("maternelle", "relais_droit_commun", ("langage",)),
    "G4": ("3e", "demenagement", ("absenteisme", "sante_mentale")),
    "G5": ("CE2", None, ("langage", "parentalite")),
    "G6": ("lycee", "limite_age", ("isolement_social",)),
}
# Children G5-00 to G5-05 are in CE1 (the CP/CE1 transition), the other G5 children in CE2.
CE1_DANS_G5 = 6

EPS = [("EPS-A", "EPS Alpha Nord", ALPHA, QPV_ALPHA), ("EPS-B", "EPS Beta Sud", BETA, QPV_BETA)]
# eps, date, professionals present, situations examined
EPS_REUNIONS = [
    ("EPS-A", dt.date(2024, 2, 12), 8, 5),
    ("EPS-A", dt.date(2024, 5, 13), 10, 7),
    ("EPS-A", dt.date(2024, 10, 7), 7, 6),
    ("EPS-B", dt.date(2024, 3, 11), 5, 4),
    ("EPS-A", dt.date(2025, 1, 6), 9, 8),
    ("EPS-A", dt.date(2025, 6, 2), 7, 6),
    ("EPS-B", dt.date(2025, 2, 3), 6, 3),
    ("EPS-B", dt.date(2025, 9, 15), 4, 6),
]


CITE = "cite-99001"
C1, E1, E2 = "0969001A", "0969002B", "0969003C"
ETABLISSEMENTS = [
    # uai, name, type, in the Cité
    (C1, "Collège Jean-Zay", "college", True),
    (E1, "École Condorcet", "ecole", True),
    (E2, "École des Champs", "ecole", False),
]
UAI_GROUPES = {"G1": E1, "G2": C1, "G3": E1, "G5": E2}
ORIENTES_PAR_LA_CITE = ("G6",)
# reunion, date, instance, cite, PRE present
GOUVERNANCE = [
    ("GV1", dt.date(2024, 3, 5), "copil_cite", CITE, True),
    ("GV2", dt.date(2024, 11, 18), "copil_conjoint", CITE, True),
    ("GV3", dt.date(2025, 3, 10), "copil_cite", CITE, False),
    ("GV4", dt.date(2025, 5, 20), "copil_pre", None, True),
]
# EPS meeting (index in EPS_REUNIONS), partner type, uai, Cité actor
EPS_PARTENAIRES = [
    (0, "college", C1, True),
    (0, "ecole", E1, True),
    (1, "ecole", E2, False),
    (2, "ecole", E1, True),
    (4, "ecole", E1, True),
    (4, "service_social", None, False),
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
                    "insert into beneficiaire (beneficiaire_id, pre_id, sexe, annee_naissance,"
                    " zone_residence, code_qp, code_insee_residence) values (?, ?, ?, ?, ?, ?, ?)",
                    [f"B-{ident}", PRE, sexe, naissance, zone, qpv, commune],
                )
                con.execute(
                    "insert into parcours (parcours_id, beneficiaire_id, pre_id, date_entree,"
                    " date_sortie, profil, orienteur) values (?, ?, ?, ?, ?, 2, 'ecole')",
                    [f"P-{ident}", f"B-{ident}", PRE, entree, sortie],
                )
        for fiche, annee, niveau, commune, thematique, lignes in FINANCEMENTS:
            con.execute(
                "insert into fiche_action (fiche_id, numero, pre_id, annee, intitule, thematique,"
                " niveau, code_insee) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [fiche, fiche, PRE, annee, f"Fiche {fiche}", thematique, niveau, commune],
            )
            for financeur, montant in lignes:
                accorde, verse = EXECUTION.get((fiche, financeur), (montant, montant))
                con.execute(
                    "insert into financement values (?, ?, ?, ?, ?)",
                    [fiche, financeur, montant, accorde, verse],
                )
        for fiche, (porteur, statut, prevus, realises) in DETAILS_FICHES.items():
            con.execute(
                "update fiche_action set porteur = ?, statut = ?, beneficiaires_prevus = ?,"
                " beneficiaires_realises = ? where fiche_id = ?",
                [porteur, statut, prevus, realises, fiche],
            )
        for groupe, premier, dernier, type_action, fiche in ACTIONS_FICHES:
            for k in range(premier, dernier):
                con.execute(
                    "insert into action_parcours (parcours_id, type_action, fiche_id)"
                    " values (?, ?, ?)",
                    [f"P-{groupe}-{k:02d}", type_action, fiche],
                )
        _detailler_parcours(con)
        _ajouter_cite_educative(con)
        con.execute("insert into meta values ('date_donnees', '2025-12-31')")
        if demo:
            con.execute("insert into meta values ('donnees_demo', 'oui')")
    protection.proteger_fichier(chemin)
    return chemin


def _detailler_parcours(con: duckdb.DuckDBPyConnection) -> None:
    """Profiles, orientation, school levels, exits, EPS dates, motives and EPS meetings."""
    for groupe, (profil, orienteur, orientation, eps, ase) in ORIENTATIONS.items():
        niveau, motif_sortie, motifs = SCOLARITE_ET_MOTIFS[groupe]
        con.execute(
            "update parcours set profil = ?, orienteur = ?, motif_sortie = ?,"
            " date_orientation = ?, date_premiere_eps = ?, suivi_ase = ?"
            " where parcours_id like ?",
            [profil, orienteur, motif_sortie, orientation, eps, ase, f"P-{groupe}-%"],
        )
        con.execute(
            "update beneficiaire set niveau_scolaire = ? where beneficiaire_id like ?",
            [niveau, f"B-{groupe}-%"],
        )
        for motif in motifs:
            con.execute(
                "insert into parcours_motif select parcours_id, ? from parcours"
                " where parcours_id like ?",
                [motif, f"P-{groupe}-%"],
            )
    for k in range(CE1_DANS_G5):
        con.execute(
            "update beneficiaire set niveau_scolaire = 'CE1' where beneficiaire_id = ?",
            [f"B-G5-{k:02d}"],
        )
    for eps_id, nom, commune, qpv in EPS:
        con.execute("insert into eps values (?, ?, ?, ?, ?)", [eps_id, PRE, nom, commune, qpv])
    for numero, (eps_id, date_reunion, professionnels, situations) in enumerate(EPS_REUNIONS):
        con.execute(
            "insert into eps_reunion values (?, ?, ?, ?, ?)",
            [f"R{numero:02d}", eps_id, date_reunion, professionnels, situations],
        )


def _ajouter_cite_educative(con: duckdb.DuckDBPyConnection) -> None:
    """The Cité éducative of Alpha, schools, governance, EPS partners, orientations (docstring)."""
    con.execute(
        "insert into cite_educative (cite_id, nom, uai_chef_de_file, annee_labellisation,"
        " perimetre) values (?, 'Cité éducative d''Alpha', ?, 2022, 'qpv_declares')",
        [CITE, C1],
    )
    con.execute("insert into cite_educative_commune values (?, ?)", [CITE, ALPHA])
    con.execute(
        "insert into cite_educative_qpv (cite_id, code_qp) values (?, ?)", [CITE, QPV_ALPHA]
    )
    for uai, nom, genre, dans_cite in ETABLISSEMENTS:
        con.execute(
            "insert into etablissement (uai, nom, type_etablissement, code_insee)"
            " values (?, ?, ?, ?)",
            [uai, nom, genre, ALPHA],
        )
        if dans_cite:
            con.execute(
                "insert into cite_educative_etablissement (cite_id, uai) values (?, ?)",
                [CITE, uai],
            )
    for groupe, uai in UAI_GROUPES.items():
        con.execute(
            "update beneficiaire set uai = ? where beneficiaire_id like ?", [uai, f"B-{groupe}-%"]
        )
    for groupe in ORIENTES_PAR_LA_CITE:
        con.execute(
            "update parcours set oriente_par_cite_educative = true where parcours_id like ?",
            [f"P-{groupe}-%"],
        )
    for reunion, date_reunion, instance, cite, present in GOUVERNANCE:
        con.execute(
            "insert into gouvernance_reunion values (?, ?, ?, ?)",
            [reunion, date_reunion, instance, cite],
        )
        if present:
            con.execute("insert into gouvernance_participation values (?, ?)", [reunion, PRE])
    for numero, type_partenaire, uai, acteur in EPS_PARTENAIRES:
        con.execute(
            "insert into eps_reunion_partenaire values (?, ?, ?, ?)",
            [f"R{numero:02d}", type_partenaire, uai, acteur],
        )
