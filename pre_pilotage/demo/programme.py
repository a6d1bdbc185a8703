"""Fictional programme activity of one demo territory: team, children, parcours, EPS, programming.

Distributions are calibrated on the ANCT national PRE survey 2022 (2021 data, `002_*.txt`) and the
Valenciennes Métropole PRE (`003_*.txt`); see docs/donnees-demo.md.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

import numpy as np
import shapely

from pre_pilotage.demo.geographie import Territoire
from pre_pilotage.pseudonymisation import CLE_DEMO, pseudonyme

ANNEES = (2021, 2022, 2023, 2024, 2025)
DATE_DONNEES = dt.date(2025, 12, 31)
# Active children per year for the main demo programme (400-700, growing as in Valenciennes).
ACTIFS_CIBLES = {2021: 450, 2022: 490, 2023: 540, 2024: 590, 2025: 630}
DUREE_MOYENNE_MOIS = 15.5

SEXES = (("M", 0.582), ("F", 0.418))
# Age at entry; the ageing of children during the parcours brings the active population close
# to the national 14.6 / 52.4 / 31.5 / 1.5 % split.
AGES_ENTREE = ((2, 5, 0.19), (6, 10, 0.53), (11, 16, 0.275), (17, 17, 0.005))
PROFILS = ((1, 0.23), (2, 0.44), (3, 0.33))
ORIENTEURS = (
    ("ecole", 0.58),
    ("service_social_departemental", 0.12),
    ("ccas", 0.06),
    ("pmi", 0.05),
    ("sante", 0.06),
    ("famille", 0.07),
    ("association", 0.04),
    ("autre", 0.02),
)
MOTIFS = (
    ("resultats_scolaires", 0.62),
    ("isolement_social", 0.38),
    ("comportement", 0.30),
    ("parentalite", 0.25),
    ("langage", 0.22),
    ("absenteisme", 0.12),
    ("sante", 0.12),
    ("sante_mentale", 0.10),
    ("autre", 0.05),
)
MOTIFS_SORTIE = (
    ("objectifs_atteints", 0.45),
    ("relais_droit_commun", 0.20),
    ("demenagement", 0.12),
    ("fin_adhesion_famille", 0.10),
    ("limite_age", 0.05),
    ("autre", 0.08),
)
ZONES = (("qpv", 0.78), ("qva", 0.07), ("hors", 0.15))
ACTIONS = {
    "soutien_scolaire": "scolarite",
    "orthophonie": "langage",
    "psychologue": "sante_bien_etre",
    "acces_aux_soins": "sante_bien_etre",
    "sport": "culture_sport",
    "culture": "culture_sport",
    "parentalite": "parentalite",
    "estime_de_soi": "estime_de_soi",
    "expression_orale": "langage",
}
NIVEAUX = {
    2: "non_scolarise",
    3: "maternelle",
    4: "maternelle",
    5: "maternelle",
    6: "CP",
    7: "CE1",
    8: "CE2",
    9: "CM1",
    10: "CM2",
    11: "6e",
    12: "5e",
    13: "4e",
    14: "3e",
}

FICHES_INTERCOMMUNALES = (
    ("Ingénierie et coordination du PRE", "ingenierie"),
    ("Ateliers parents-enfants intercommunaux", "parentalite"),
    ("Bilans et suivis orthophoniques", "langage"),
    ("Consultations de psychologues", "sante_bien_etre"),
    ("Accès aux soins et prévention bien-être", "sante_bien_etre"),
    ("Prise de parole et théâtre", "langage"),
    ("Estime de soi par la sophrologie", "estime_de_soi"),
    ("Découverte culturelle et sorties familiales", "culture_sport"),
    ("Pratique sportive encadrée", "culture_sport"),
    ("Coup de pouce scolaire en petit groupe", "scolarite"),
)
FICHES_COMMUNALES = (
    ("Accompagnement à la scolarité", "scolarite"),
    ("Café des parents", "parentalite"),
    ("Atelier langage en maternelle", "langage"),
    ("Activités sportives de proximité", "culture_sport"),
)
PORTEURS = (
    "Centre social",
    "Association sportive",
    "Compagnie de théâtre",
    "CCAS",
    "Association de parents",
    "Médiathèque",
    "Maison de santé",
)
PARTENAIRES_EPS = (
    ("service_social_departemental", 0.8),
    ("pmi", 0.45),
    ("ccas", 0.5),
    ("sante", 0.35),
    ("association", 0.6),
    ("prevention_specialisee", 0.3),
    ("centre_social", 0.55),
)


@functools.cache
def _cumul_table(table) -> np.ndarray:
    poids = np.array([p[-1] for p in table], dtype=float)
    return _cumul(poids / poids.sum())


def _cumul(p) -> np.ndarray:
    """Cumulative distribution exactly as `Generator.choice(n, p=p)` computes it."""
    cdf = np.asarray(p, dtype=float).cumsum()
    cdf /= cdf[-1]
    return cdf


def _tirer(rng, cdf: np.ndarray) -> int:
    """Same draw as `int(rng.choice(len(cdf), p=p))`, without re-checking `p` at every call
    (the national-scale demo draws millions of times)."""
    return int(cdf.searchsorted(rng.random(), side="right"))


def _choix(rng, table, taille=None):
    valeurs = [v for v, *_ in table]
    if taille is None:
        return valeurs[_tirer(rng, _cumul_table(table))]
    poids = np.array([p[-1] for p in table], dtype=float)
    indices = rng.choice(len(valeurs), size=taille, p=poids / poids.sum())
    return [valeurs[int(i)] for i in indices]


def _date_dans(rng, annee: int) -> dt.date:
    return dt.date(annee, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))


def generer_programme(
    territoire: Territoire, rng: np.random.Generator, actifs_cibles: dict[int, int]
) -> dict[str, list[dict]]:
    """Rows of every programme table for one territory, keyed by table name."""
    lignes: dict[str, list[dict]] = defaultdict(list)
    pre_id = f"pre-{90001 + territoire.indice}"
    suffixe = "" if territoire.indice == 0 else f" n° {territoire.indice + 1}"
    lignes["programme"].append(
        {
            "pre_id": pre_id,
            "nom": f"PRE de l'Agglomération de démonstration{suffixe}",
            "porteur": territoire.nom_epci,
            "type_porteur": "EPCI",
            "siren_epci": territoire.siren,
        }
    )
    for commune in territoire.communes:
        lignes["programme_commune"].append({"pre_id": pre_id, "code_insee": commune["code_insee"]})

    referents = _generer_equipe(territoire, pre_id, lignes)
    fiches = _generer_programmation(territoire, rng, pre_id, lignes)
    eps_par_qpv = _generer_eps(territoire, rng, pre_id, lignes)
    _generer_parcours(
        territoire, rng, pre_id, actifs_cibles, referents, fiches, eps_par_qpv, lignes
    )
    _generer_gouvernance(territoire, rng, pre_id, lignes)
    return lignes


def _generer_equipe(territoire, pre_id, lignes) -> list[str]:
    etp_referents = [1.0, 1.0, 0.8, 1.0, 0.9, 1.0]
    ident = f"{territoire.indice}"
    referents = [pseudonyme(CLE_DEMO, "personne", f"{ident}-referent-{k}", "R-") for k in range(6)]
    for annee in ANNEES:
        membres = [("responsable", "responsable", 1.0)]
        membres += [(f"coordination-{k}", "coordination", 1.0) for k in range(3)]
        # The sixth référent post was created in 2023.
        nb_referents = 5 if annee < 2023 else 6
        for k in range(nb_referents):
            lignes["equipe"].append(
                {
                    "pre_id": pre_id,
                    "annee": annee,
                    "personne_id": referents[k],
                    "fonction": "referent",
                    "etp": etp_referents[k],
                }
            )
        for source, fonction, etp in membres:
            lignes["equipe"].append(
                {
                    "pre_id": pre_id,
                    "annee": annee,
                    "personne_id": pseudonyme(CLE_DEMO, "personne", f"{ident}-{source}", "R-"),
                    "fonction": fonction,
                    "etp": etp,
                }
            )
    return referents


def _generer_programmation(territoire, rng, pre_id, lignes) -> dict[int, list[dict]]:
    """Thirty fiches-action a year (10 intercommunal, 20 communal) with their financing lines."""
    cites_par_commune = {c: cite for cite in territoire.cites for c in cite["communes"]}
    communes_qpv = [
        c
        for c in territoire.communes
        if any(q["code_insee"] == c["code_insee"] for q in territoire.qpv)
    ]
    totaux_cibles = {2021: 598_400, 2022: 621_900, 2023: 648_250, 2024: 671_800, 2025: 692_734}
    fiches_par_annee: dict[int, list[dict]] = {}
    for annee in ANNEES:
        fiches = []
        for k, (intitule, thematique) in enumerate(FICHES_INTERCOMMUNALES):
            cout = 0 if thematique == "ingenierie" else int(rng.integers(16, 34)) * 1_000
            fiches.append(
                {
                    "intitule": intitule,
                    "thematique": thematique,
                    "niveau": "intercommunal",
                    "code_insee": None,
                    "cout": cout,
                    "porteur": territoire.nom_epci if k == 0 else _choix_porteur(rng),
                }
            )
        for commune in communes_qpv:
            for intitule, thematique in rng.permutation(FICHES_COMMUNALES)[:2]:
                fiches.append(
                    {
                        "intitule": f"{intitule} – {commune['nom']}",
                        "thematique": str(thematique),
                        "niveau": "communal",
                        "code_insee": commune["code_insee"],
                        "cout": int(rng.integers(30, 95)) * 100,
                        "porteur": _choix_porteur(rng),
                    }
                )
        # Ingénierie takes what the other fiches leave of the year's total, as in Valenciennes
        # where the team is the main cost of the programming.
        fiches[0]["cout"] = totaux_cibles[annee] - sum(f["cout"] for f in fiches[1:])
        for numero, fiche in enumerate(fiches, start=1):
            fiche["fiche_id"] = f"{pre_id}-{annee}-FA{numero:02d}"
            cite = cites_par_commune.get(fiche["code_insee"])
            parts = _parts_financeurs(rng, fiche, cite, numero, territoire)
            _lignes_financement(rng, fiche, parts, annee, lignes)
            statut = "en_cours" if annee == ANNEES[-1] else "realisee"
            lignes["fiche_action"].append(
                {
                    "fiche_id": fiche["fiche_id"],
                    "numero": fiche["fiche_id"],
                    "pre_id": pre_id,
                    "annee": annee,
                    "intitule": fiche["intitule"],
                    "thematique": fiche["thematique"],
                    "niveau": fiche["niveau"],
                    "code_insee": fiche["code_insee"],
                    "porteur": fiche["porteur"],
                    "beneficiaires_prevus": None
                    if fiche["thematique"] == "ingenierie"
                    else int(rng.integers(3, 9)) * 10,
                    "beneficiaires_realises": None,
                    "statut": statut,
                }
            )
        fiches_par_annee[annee] = fiches
    return fiches_par_annee


def _choix_porteur(rng) -> str:
    return str(PORTEURS[int(rng.integers(0, len(PORTEURS)))])


def _parts_financeurs(rng, fiche, cite, numero, territoire) -> dict[str, float]:
    if fiche["thematique"] == "ingenierie":
        return {"etat": 0.52, "epci": 0.48}
    if fiche["niveau"] == "intercommunal":
        if numero == 2:
            # One intercommunal action depends on the State alone (flagged as fragile).
            return {"etat": 0.85, "caf": 0.15}
        parts = {"etat": rng.uniform(0.45, 0.6), "epci": rng.uniform(0.2, 0.35)}
        if fiche["thematique"] in ("parentalite", "culture_sport"):
            parts["caf"] = rng.uniform(0.05, 0.15)
        if fiche["thematique"] == "sante_bien_etre":
            parts["ars"] = rng.uniform(0.05, 0.12)
        parts["departement"] = rng.uniform(0.03, 0.1)
        return parts
    parts = {"etat": rng.uniform(0.4, 0.55), "commune": rng.uniform(0.25, 0.4)}
    if cite is not None:
        # The first Cité co-finances much more of the PRE's local actions than the second, which
        # co-finances those of its first commune only (the part is drawn all the same, so that
        # the rest of the demo keeps its draws).
        premiere = cite is territoire.cites[0]
        if rng.random() < (0.8 if premiere else 0.35):
            part = rng.uniform(0.15, 0.3) if premiere else rng.uniform(0.08, 0.15)
            if premiere or fiche["code_insee"] == cite["communes"][0]:
                parts["cite_educative"] = part
    if fiche["thematique"] == "scolarite" and rng.random() < 0.5:
        parts["education_nationale"] = rng.uniform(0.05, 0.1)
    return parts


def _lignes_financement(rng, fiche, parts, annee, lignes) -> None:
    total_parts = sum(parts.values())
    financeurs = list(parts)
    montants = [round(fiche["cout"] * parts[f] / total_parts) for f in financeurs]
    montants[0] += fiche["cout"] - sum(montants)  # lines add up to the fiche's cost exactly
    for financeur, prevu in zip(financeurs, montants, strict=True):
        accorde = prevu if rng.random() < 0.8 else round(prevu * rng.uniform(0.85, 1.0))
        if annee == ANNEES[-1]:
            verse = round(accorde * rng.uniform(0.5, 0.8))
        else:
            verse = accorde if rng.random() < 0.9 else round(accorde * rng.uniform(0.8, 1.0))
        lignes["financement"].append(
            {
                "fiche_id": fiche["fiche_id"],
                "financeur": financeur,
                "montant_prevu": prevu,
                "montant_accorde": accorde,
                "montant_verse": verse,
            }
        )


def _generer_eps(territoire, rng, pre_id, lignes) -> dict[str, str]:
    """27 EPS: one per QPV and twelve more in the largest communes; about 110 meetings a year.

    In the last year, the EPS of one QPV of the second Cité éducative (the one with the fewest
    EPS) did not meet, so that the Cités' EPS coverage differs."""
    eps_par_qpv = {}
    lieux = [(q["code_insee"], q["code_qp"], f"EPS {q['nom']}") for q in territoire.qpv]
    communes_triees = sorted(territoire.communes, key=lambda c: -c["population"])
    for k in range(12):
        commune = communes_triees[k % 6]
        qpv_commune = [q for q in territoire.qpv if q["code_insee"] == commune["code_insee"]]
        code_qp = qpv_commune[k % len(qpv_commune)]["code_qp"] if qpv_commune else None
        lieux.append(
            (commune["code_insee"], code_qp, f"EPS {commune['nom']} – secteur {k // 6 + 1}")
        )
    qpv_seconde = territoire.cites[1]["qpv"] if len(territoire.cites) > 1 else []
    sans_reunion = min(qpv_seconde, key=lambda c: sum(lieu[1] == c for lieu in lieux), default=None)
    cites_par_commune = {c: k for k, cite in enumerate(territoire.cites) for c in cite["communes"]}
    etabs_par_commune = defaultdict(list)
    for e in territoire.etablissements:
        etabs_par_commune[e["code_insee"]].append(e["uai"])
    numero_reunion = 0
    for numero, (code_insee, code_qp, nom) in enumerate(lieux, start=1):
        eps_id = f"{pre_id}-EPS{numero:02d}"
        if code_qp and code_qp not in eps_par_qpv:
            eps_par_qpv[code_qp] = eps_id
        lignes["eps"].append(
            {
                "eps_id": eps_id,
                "pre_id": pre_id,
                "nom": nom,
                "code_insee": code_insee,
                "code_qp": code_qp,
            }
        )
        rang_cite = cites_par_commune.get(code_insee)
        for annee in ANNEES:
            nb_reunions = (
                int(rng.choice([3, 4, 4, 5])) if annee >= 2023 else int(rng.choice([3, 3, 4]))
            )
            # Meetings that did not take place are still drawn (into rows thrown away), so that
            # the rest of the demo keeps its draws.
            en_sommeil = code_qp is not None and code_qp == sans_reunion and annee == ANNEES[-1]
            cible = defaultdict(list) if en_sommeil else lignes
            for _ in range(nb_reunions):
                numero_reunion += 1
                reunion_id = f"{pre_id}-R{numero_reunion:05d}"
                cible["eps_reunion"].append(
                    {
                        "reunion_id": reunion_id,
                        "eps_id": eps_id,
                        "date_reunion": _date_dans(rng, annee),
                        "nb_professionnels": max(3, int(rng.poisson(8))),
                        "nb_situations": int(rng.integers(2, 9)),
                    }
                )
                ecoles = etabs_par_commune[code_insee]
                for uai in rng.choice(
                    ecoles, size=min(len(ecoles), int(rng.integers(1, 4))), replace=False
                ):
                    cible["eps_reunion_partenaire"].append(
                        {
                            "reunion_id": reunion_id,
                            "type_partenaire": "education_nationale",
                            "uai": str(uai),
                            "acteur_cite_educative": False,
                        }
                    )
                for type_partenaire, probabilite in PARTENAIRES_EPS:
                    if rng.random() < probabilite:
                        cible["eps_reunion_partenaire"].append(
                            {
                                "reunion_id": reunion_id,
                                "type_partenaire": type_partenaire,
                                "uai": None,
                                "acteur_cite_educative": False,
                            }
                        )
                presence_cite = {0: 0.7, 1: 0.2}.get(rang_cite, 0.0)
                if rng.random() < presence_cite:
                    cible["eps_reunion_partenaire"].append(
                        {
                            "reunion_id": reunion_id,
                            "type_partenaire": "cite_educative",
                            "uai": None,
                            "acteur_cite_educative": True,
                        }
                    )
    return eps_par_qpv


def _generer_parcours(
    territoire, rng, pre_id, actifs_cibles, referents, fiches, eps_par_qpv, lignes
) -> None:
    poids_qpv = np.array([q["population"] for q in territoire.qpv], dtype=float)
    poids_communes = np.array([c["population"] for c in territoire.communes], dtype=float)
    cumul_qpv = _cumul(poids_qpv / poids_qpv.sum())
    cumul_communes = _cumul(poids_communes / poids_communes.sum())
    cumul_ages = _cumul([p for *_, p in AGES_ENTREE])
    ecoles = [e for e in territoire.etablissements if e["type_etablissement"] == "ecole"]
    positions_ecoles = np.array([e["geom"] for e in ecoles])
    colleges = {
        e["uai"]: e for e in territoire.etablissements if e["type_etablissement"] == "college"
    }
    cites_par_commune = {c: k for k, cite in enumerate(territoire.cites) for c in cite["communes"]}
    secteur = {
        c["code_insee"]: referents[k % len(referents)] for k, c in enumerate(territoire.communes)
    }
    ratio_entrees = 1.04 * 12 / (12 + DUREE_MOYENNE_MOIS)
    # Two years of earlier entries so that 2021 starts with a realistic stock of open parcours.
    entrees_par_annee = {
        2019: actifs_cibles[ANNEES[0]] * ratio_entrees * 0.95,
        2020: actifs_cibles[ANNEES[0]] * ratio_entrees * 0.98,
    }
    entrees_par_annee |= {a: actifs_cibles[a] * ratio_entrees for a in ANNEES}
    numero = 0
    for annee, volume in entrees_par_annee.items():
        for _ in range(int(rng.poisson(volume))):
            numero += 1
            source = f"{territoire.indice}-{numero}"
            beneficiaire_id = pseudonyme(CLE_DEMO, "beneficiaire", source, "B-")
            zone = _choix(rng, ZONES)
            if zone == "qpv":
                qpv = territoire.qpv[_tirer(rng, cumul_qpv)]
                code_qp, code_insee = qpv["code_qp"], qpv["code_insee"]
                pres_de = qpv["geom"].centroid
            else:
                commune = territoire.communes[_tirer(rng, cumul_communes)]
                code_qp, code_insee = None, commune["code_insee"]
                pres_de = commune["geom"].representative_point()
            age_min, age_max, _ = AGES_ENTREE[_tirer(rng, cumul_ages)]
            age = int(rng.integers(age_min, age_max + 1))
            # Nearest school after a random jitter of up to 600 m (one draw per school, in order).
            eloignement = shapely.distance(positions_ecoles, pres_de) + rng.uniform(
                0, 600, size=len(ecoles)
            )
            ecole = ecoles[int(np.argmin(eloignement))]
            if age <= 10:
                uai = ecole["uai"] if age >= 3 else None
            elif age <= 14:
                uai = colleges[ecole["uai_tete_reseau"]]["uai"]
            else:
                uai = None
            entree = _date_dans(rng, annee)
            duree_jours = int(np.clip(rng.gamma(4.0, DUREE_MOYENNE_MOIS / 4.0), 3, 40) * 30.44)
            sortie = entree + dt.timedelta(days=duree_jours)
            ouvert = sortie > DATE_DONNEES
            orientation = entree - dt.timedelta(days=int(rng.integers(15, 80)))
            premiere_eps = orientation + dt.timedelta(
                days=int(rng.integers(5, max(6, (entree - orientation).days)))
            )
            orienteur = _choix(rng, ORIENTEURS)
            rang_cite = cites_par_commune.get(code_insee)
            # Share of the school and association orientations that come through the Cité's
            # actors (only the flag depends on it, never the number of draws).
            part_cite = {0: 0.7, 1: 0.34}.get(rang_cite, 0.0)
            parcours_id = pseudonyme(CLE_DEMO, "parcours", source, "P-")
            lignes["beneficiaire"].append(
                {
                    "beneficiaire_id": beneficiaire_id,
                    "pre_id": pre_id,
                    "sexe": _choix(rng, SEXES),
                    "annee_naissance": annee - age,
                    "niveau_scolaire": NIVEAUX.get(age, "lycee"),
                    "uai": uai,
                    "zone_residence": zone,
                    "code_qp": code_qp,
                    "code_insee_residence": code_insee,
                }
            )
            lignes["parcours"].append(
                {
                    "parcours_id": parcours_id,
                    "beneficiaire_id": beneficiaire_id,
                    "pre_id": pre_id,
                    "date_orientation": orientation,
                    "date_premiere_eps": premiere_eps,
                    "date_entree": entree,
                    "date_sortie": None if ouvert else sortie,
                    "motif_sortie": None if ouvert else _choix(rng, MOTIFS_SORTIE),
                    "profil": _choix(rng, PROFILS),
                    "referent_id": secteur[code_insee],
                    "orienteur": orienteur,
                    "oriente_par_cite_educative": bool(
                        orienteur in ("ecole", "association") and rng.random() < part_cite
                    ),
                    "suivi_ase": bool(rng.random() < 0.06),
                }
            )
            motifs = [m for m, p in MOTIFS if rng.random() < p] or ["resultats_scolaires"]
            for motif in motifs:
                lignes["parcours_motif"].append({"parcours_id": parcours_id, "motif": motif})
            annee_action = min(max(annee, ANNEES[0]), ANNEES[-1])
            # A parcours closed before the first demo year has no action (the draws are kept so
            # that the rest of the demo stays the same).
            garder_actions = ouvert or sortie >= dt.date(annee_action, 1, 1)
            for type_action in rng.choice(
                list(ACTIONS), size=int(rng.integers(1, 4)), replace=False
            ):
                thematique = ACTIONS[str(type_action)]
                candidates = [
                    f
                    for f in fiches[annee_action]
                    if f["thematique"] == thematique and f["code_insee"] in (None, code_insee)
                ]
                fiche = candidates[int(rng.integers(0, len(candidates)))] if candidates else None
                if not garder_actions:
                    continue
                lignes["action_parcours"].append(
                    {
                        "parcours_id": parcours_id,
                        "type_action": str(type_action),
                        "fiche_id": fiche["fiche_id"] if fiche else None,
                        "date_debut": max(entree, dt.date(annee_action, 1, 1)),
                    }
                )


def _generer_gouvernance(territoire, rng, pre_id, lignes) -> None:
    numero = 0

    def reunion(annee, instance, cite_id, presents, saison=None):
        nonlocal numero
        numero += 1
        reunion_id = f"{pre_id}-G{numero:03d}"
        date = _date_dans(rng, annee)
        if saison is not None:
            # The programme's own COPIL meets in spring (March to May) and in autumn (September
            # to November), as PRE usually do; the day comes from the same draw.
            date = dt.date(annee, saison + date.month % 3, min(date.day, 28))
        lignes["gouvernance_reunion"].append(
            {
                "reunion_id": reunion_id,
                "date_reunion": date,
                "instance": instance,
                "cite_id": cite_id,
            }
        )
        if presents:
            lignes["gouvernance_participation"].append({"reunion_id": reunion_id, "pre_id": pre_id})

    premiere, seconde = territoire.cites
    for annee in ANNEES:
        for saison in (3, 9):
            reunion(annee, "copil_pre", None, True, saison)
        for _ in range(4):
            reunion(annee, "comite_technique", None, True)
        # The first Cité invites the PRE to its COPIL and holds a joint COPIL from 2023; the
        # second meets without the PRE most years.
        for _ in range(2):
            reunion(annee, "copil_cite", premiere["cite_id"], True)
        if annee >= 2023:
            reunion(annee, "copil_conjoint", premiere["cite_id"], True)
        for k in range(2):
            reunion(annee, "copil_cite", seconde["cite_id"], annee >= 2024 and k == 0)
