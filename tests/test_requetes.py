"""Exact rows of the key queries on the fixture database, and checks on every .sql file."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from pre_pilotage import config
from pre_pilotage.requetes import charger, executer
from tests.fixture_base import ALPHA, BETA, PRE, QPV_ALPHA, QPV_BETA

TOUTES = sorted(p.stem for p in config.DOSSIER_REQUETES.glob("*.sql"))
VALEURS_TEST = {
    "pre_id": PRE,
    "commune": None,
    "qpv": None,
    "annee": 2025,
    "geographie": 2024,
    "niveau": "territoire",
}


def lignes(cadre: pl.DataFrame, colonnes: list[str] | None = None) -> list[tuple]:
    return cadre.select(colonnes or cadre.columns).rows()


def territoire(commune=None, qpv=None, annee=2025) -> dict:
    return {"pre_id": PRE, "commune": commune, "qpv": qpv, "annee": annee}


@pytest.mark.parametrize("nom", TOUTES)
def test_chaque_requete_a_un_entete_et_s_execute(con_fixture, nom):
    requete = charger(nom)
    assert requete.description and requete.grain
    cadre = executer(con_fixture, nom, 11, **{p: VALEURS_TEST[p] for p in requete.parametres})
    assert isinstance(cadre, pl.DataFrame)


def test_aucune_requete_inutilisee():
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [
            *Path(config.RACINE, "pages").glob("*.py"),
            *Path(config.RACINE, "pre_pilotage").glob("*.py"),
            *Path(config.RACINE, "pre_pilotage", "protection").glob("*.py"),
        ]
    )
    # Asked by `run("nom", …)`, named in a demand of several results (`run.plusieurs`), or
    # read by the protection's catalogue (the views a user can select).
    nommees = set(re.findall(r"\"(\w+)\"", sources))
    assert set(TOUTES) - nommees == set()


def test_parametres_verifies(con_fixture):
    with pytest.raises(TypeError, match="paramètres attendus"):
        executer(con_fixture, "synthese_budget", 11, pre_id=PRE, annee=2025)


def test_synthese_publics_programme(con_fixture):
    cadre = executer(con_fixture, "synthese_publics", 11, **territoire())
    colonnes = [
        "annee",
        "actifs",
        "entrees",
        "sorties",
        "beneficiaires_qpv",
        "beneficiaires_hors_qpv",
        "part_qpv",
        "duree_mediane_mois",
    ]
    assert lignes(cadre, colonnes) == [
        (2024, 54, 34, 27, 39, 15, 72.2, 10.0),
        (2025, 41, 14, 12, 15, 26, 36.6, 5.9),
    ]
    assert cadre["actifs__secret"].null_count() == 2


def test_synthese_publics_petit_qpv_masque(con_fixture):
    # Beta Sud has 4 children in 2024 and none in 2025: no 4 may be shown, nor the rates on them.
    cadre = executer(con_fixture, "synthese_publics", 11, **territoire(qpv=QPV_BETA))
    assert lignes(
        cadre, ["annee", "actifs", "entrees", "sorties", "part_qpv", "duree_mediane_mois"]
    ) == [
        (2024, None, None, None, None, None),
        (2025, 0, 0, 0, None, None),
    ]
    assert lignes(cadre, ["actifs__secret", "entrees__secret", "sorties__secret"]) == [
        ("< 11", "< 11", "< 11"),
        (None, None, None),
    ]
    assert 4 not in cadre.select(pl.col(pl.Int64)).to_numpy().ravel().tolist()


def test_synthese_publics_commune(con_fixture):
    cadre = executer(con_fixture, "synthese_publics", 11, **territoire(commune=ALPHA))
    assert lignes(cadre, ["annee", "actifs", "entrees", "sorties"]) == [
        (2024, 50, 30, 23),
        (2025, 27, 0, 12),
    ]


def test_synthese_equipe(con_fixture):
    cadre = executer(con_fixture, "synthese_equipe", 11, pre_id=PRE, annee=2025)
    assert lignes(cadre, ["annee", "actifs_programme", "etp_referents", "enfants_par_etp"]) == [
        (2024, 54, 1.8, 30.0),
        (2025, 41, 2.0, 20.5),
    ]


@pytest.mark.parametrize(
    ("commune", "qpv", "attendu"),
    [
        (
            None,
            None,
            [
                (2024, 2, 25_000.0, 13_000.0, 12_000.0, 48.0),
                (2025, 3, 29_000.0, 14_000.0, 15_000.0, 51.7),
            ],
        ),
        (
            ALPHA,
            None,
            [(2024, 1, 5_000.0, 3_000.0, 2_000.0, 40.0), (2025, 1, 4_000.0, 0.0, 4_000.0, 100.0)],
        ),
        (
            None,
            QPV_BETA,
            [(2024, 0, 0.0, 0.0, 0.0, None), (2025, 1, 5_000.0, 2_000.0, 3_000.0, 60.0)],
        ),
    ],
)
def test_synthese_budget(con_fixture, commune, qpv, attendu):
    cadre = executer(con_fixture, "synthese_budget", 11, **territoire(commune, qpv))
    assert lignes(cadre) == attendu


def test_beneficiaires_par_annee(con_fixture):
    cadre = executer(con_fixture, "beneficiaires_par_annee", 11, pre_id=PRE, commune=None, qpv=None)
    assert lignes(cadre, ["annee", "actifs", "entrees", "sorties"]) == [
        (2023, 20, 20, 0),
        (2024, 54, 34, 27),
        (2025, 41, 14, 12),
    ]


def test_tranches_age_avec_masquage_complementaire(con_fixture):
    # 2024: 12 children aged 2-5 (G3), 20 aged 6-10 (G1), 19 aged 11-16 (G2, G4), 3 aged 17 (G6).
    # Two bands masked: every share of the year is masked with them (same group).
    cadre = executer(con_fixture, "beneficiaires_par_tranche_age", 11, **territoire(annee=2024))
    assert lignes(
        cadre,
        [
            "tranche_age",
            "beneficiaires",
            "beneficiaires__secret",
            "part",
            "part__secret",
            "part_nationale",
        ],
    ) == [
        ("2-5 ans", None, "s", None, "s", 14.6),
        ("6-10 ans", 20, None, None, "s", 52.4),
        ("11-16 ans", 19, None, None, "s", 31.5),
        ("17 ans et plus", None, "< 11", None, "s", 1.5),
    ]


def test_tranches_age_sans_masquage(con_fixture):
    cadre = executer(con_fixture, "beneficiaires_par_tranche_age", 11, **territoire())
    assert lignes(cadre, ["libelle", "beneficiaires", "part"]) == [
        ("2 à 5 ans", 12, 29.3),
        ("6 à 10 ans", 14, 34.1),
        ("11 à 16 ans", 15, 36.6),
        ("17 ans et plus", 0, 0.0),
    ]


def test_budget_par_financeur(con_fixture):
    cadre = executer(con_fixture, "budget_par_financeur", 11, **territoire())
    assert lignes(cadre) == [
        ("etat", "État – politique de la ville", 14_000.0, 48.3),
        ("epci", "EPCI", 8_000.0, 27.6),
        ("commune", "Communes", 6_000.0, 20.7),
        ("caf", "CAF", 1_000.0, 3.4),
    ]


def test_listes_du_territoire(con_fixture):
    assert lignes(executer(con_fixture, "programmes", 11)) == [(PRE, "PRE de test")]
    assert lignes(executer(con_fixture, "communes_du_programme", 11, pre_id=PRE)) == [
        (ALPHA, "Alpha"),
        (BETA, "Beta"),
    ]
    assert lignes(executer(con_fixture, "qpv_du_programme", 11, pre_id=PRE, commune=BETA)) == [
        (QPV_BETA, "Beta Sud", BETA)
    ]
    assert lignes(executer(con_fixture, "qpv_du_programme", 11, pre_id=PRE, commune=None)) == [
        (QPV_ALPHA, "Alpha Nord", ALPHA),
        (QPV_BETA, "Beta Sud", BETA),
    ]
    assert lignes(executer(con_fixture, "annees_disponibles", 11, pre_id=PRE)) == [
        (2025,),
        (2024,),
        (2023,),
    ]


def test_references_nationales(con_fixture):
    cadre = executer(con_fixture, "references_nationales", 11)
    par_cle = {
        (i, m): (libelle, v)
        for i, m, libelle, v in cadre.select("indicateur", "modalite", "libelle", "valeur").rows()
    }
    assert par_cle[("enfants_par_referent", "ensemble")] == (
        "Enfants par référent de parcours",
        68.0,
    )
    assert par_cle[("tranche_age", "6-10 ans")] == ("Tranche d'âge – 6 à 10 ans", 52.4)
    assert par_cle[("sexe", "M")] == ("Sexe – Garçons", 58.2)
    assert cadre["source"].null_count() == 0 and cadre.height == 21


def test_plusieurs_resultats_a_la_fois(monkeypatch, chemin_fixture, con_fixture):
    """`run.plusieurs` computes uncached results concurrently: same masked frames as one by one."""
    from pre_pilotage import lots, requetes

    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    requetes.vider_caches()
    demandes = {
        f"{nom}-{annee}-{qpv}": (nom, territoire(qpv=qpv, annee=annee))
        for nom in ("synthese_publics", "publics_par_sexe", "publics_par_residence")
        for annee in (2024, 2025)
        for qpv in (None, QPV_BETA)
    } | {"references": ("references_nationales", {})}
    try:
        ensemble = lots.tous(requetes.run, demandes)
        assert list(ensemble) == list(demandes)
        for cle, (nom, params) in demandes.items():
            # One at a time, what `run` reads: the stored whole-database protection.
            attendu = requetes.lire_protege(con_fixture, nom, 11, **params)
            assert ensemble[cle].equals(attendu), cle
        # Masked cells stay masked (the fixture's QPV Bêta has fewer than 11 children, so its
        # breakdown by sex is not published: `confidentialite.ENFANTS_MIN_REPARTITIONS`).
        beta = ensemble[f"publics_par_sexe-2025-{QPV_BETA}"]
        assert set(beta["effectif__secret"]) == {"s"}
        # Second time: from the cache, the same frames.
        encore = requetes.run.plusieurs(demandes)
        assert all(encore[cle].equals(ensemble[cle]) for cle in demandes)
        # A runner without `plusieurs` is called one query at a time, in the demands' order.
        appels = []

        def un_a_un(nom, **params):
            appels.append(nom)
            return executer(con_fixture, nom, 11, **params)

        assert list(lots.tous(un_a_un, demandes)) == list(demandes)
        assert appels == [nom for nom, _ in demandes.values()]
    finally:
        requetes.vider_caches()


def test_une_annee_sans_donnees_n_est_pas_comparee_a_des_zeros(con_fixture):
    """The fixture programme starts in 2023: its 2022 row is blank (no team, programming nor
    imported file that year), not zeros that pages compared with (« contre 0,0 % en 2024 »);
    2023 stays beside 2024."""
    from pre_pilotage.requetes import lire_protege

    def lignes(annee):
        cadre = lire_protege(
            con_fixture,
            "synthese_publics",
            11,
            pre_id="pre-test",
            commune=None,
            qpv=None,
            annee=annee,
        )
        return cadre.select("annee", "actifs", "actifs__secret", "entrees", "part_qpv").rows()

    assert lignes(2023) == [(2022, None, None, None, None), (2023, 20, None, 20, 100.0)]
    assert lignes(2024)[0] == (2023, 20, None, 20, 100.0)
