"""Whole-database protection: stored, read by the views, audited by linear programming.

The fixture is audited in full; the demo on a fixed sample (the full demo audit is
`python -m pre_pilotage secret audit`, run by `make bench`). The three-step attack of issue 18
(a Cité share × the programme's children − the other QPV of the Cité, then the share living in a
QPV − every other QPV) is replayed on the demo as its author did it, with a calculator.
"""

from __future__ import annotations

import io
import math
import shutil
import sys
import types
from collections import defaultdict

import duckdb
import numpy as np
import polars as pl
import pytest

from pre_pilotage import protection, requetes
from pre_pilotage.confidentialite import ENFANTS_MIN_REPARTITIONS
from pre_pilotage.protection import audit, catalogue, moteur

PRE_TEST = "pre-test"
PRE_DEMO = "pre-90001"


@pytest.fixture(scope="module")
def audit_fixture(con_fixture):
    return audit.auditer(con_fixture, 11)


def test_la_protection_de_la_fixture_est_a_jour(con_fixture):
    assert protection.etat(con_fixture, 11) is None
    ligne = con_fixture.execute(
        "select version, valeurs_min, vues, cellules from secret_protection where seuil = 11"
    ).fetchall()[0]
    # 410 views: 407 and the split at the last COPIL of 2023, 2024 and 2025 (its cells are
    # those of the year's entries and exits, or zeros, or already met elsewhere). 89 cells:
    # 111 before a child and its parcours of the year were one record (22 counts of parcours
    # are the same people as a count of children).
    assert ligne == (protection.VERSION, 5, 410, 89)


def test_audit_complet_de_la_fixture_sans_cellule_recalculable(audit_fixture):
    assert audit_fixture.auditees == audit_fixture.sensibles > 0
    assert audit_fixture.dangereuses == []
    assert audit_fixture.incoherences == []
    assert audit_fixture.non_conclues == 0
    assert all(c.possibles >= 5 for c in audit_fixture.constats)


def test_audit_par_annee_dans_l_intervalle_du_modele_complet(con_fixture, audit_fixture):
    """The audit proves cells in their year's model with the neighbouring years' envelopes
    (on the fixture all 17; 14 when the cells tied across years were fixed at their true
    values): each range it reports lies within the cell's range in the model of all years,
    and those first ranges agree with it on every cell's safety."""
    assert audit_fixture.prouvees_par_annee == audit_fixture.auditees == 17
    vues_, cellules = moteur.collecter(con_fixture, parallele=True)
    etats = audit._publie(vues_, cellules, con_fixture, 11, audit.Audit(11, 5))
    complets, _ = moteur.modeles(vues_, cellules, 11, par_annee=False)
    solveurs = {}
    for modele in complets.values():
        solveur = moteur.Solveur(modele, cellules, etats, 11)
        solveurs.update(dict.fromkeys(modele.lignes, solveur))
    assert {c.cellule for c in audit_fixture.constats} <= solveurs.keys()
    for constat in audit_fixture.constats:
        bas, haut, _, _ = solveurs[constat.cellule].intervalle(constat.cellule)
        assert bas <= constat.bas and constat.haut <= haut, constat
        assert moteur.possibles(bas, haut) >= 5


def test_une_meme_population_a_le_meme_etat_dans_toutes_les_vues(con_fixture):
    # A QPV's children on the map are the same set as the QPV-filtered Synthèse's children
    # living in a QPV: one cell, shown the same way (value or token) in both views.
    for annee in (2024, 2025):
        carte = requetes.lire_protege(
            con_fixture,
            "carte_qpv",
            11,
            pre_id=PRE_TEST,
            commune=None,
            annee=annee,
            geographie=2024,
            niveau="territoire",
        )
        vus = []
        for ligne in carte.iter_rows(named=True):
            synthese = requetes.lire_protege(
                con_fixture,
                "synthese_publics",
                11,
                pre_id=PRE_TEST,
                commune=None,
                qpv=ligne["code_qp"],
                annee=annee,
            ).row(1, named=True)
            assert (synthese["beneficiaires_qpv"], synthese["beneficiaires_qpv__secret"]) == (
                ligne["beneficiaires"],
                ligne["beneficiaires__secret"],
            )
            vus.append(ligne["beneficiaires__secret"])
        assert "< 11" in vus or None in vus


def test_un_zero_est_montre_zero_dans_toutes_les_vues(con_fixture):
    # A count of zero is « 0 » on every page: the per-view pass could pick one as a
    # complementary cell (commune 96901's exits of 2024 to « droit commun », none, were « s »
    # on Publics in 2025 and « 0 » in 2024), which hid nothing since the joint pass counts
    # every zero as known. Not in the rows of a breakdown that is not published (below
    # `ENFANTS_MIN_REPARTITIONS` children): they are no cells of the models, and show nothing.
    vues_, _ = audit.publiees(con_fixture, 11)
    masques_a_zero = []
    zeros = 0
    for vue in vues_:
        cadre = protection.lire_vue(con_fixture, vue.nom, vue.params, 11)
        for colonne in vue.regles.counts:
            for i, (valeur, jeton) in enumerate(
                zip(vue.cadre[colonne], cadre[colonne + "__secret"], strict=True)
            ):
                if valeur == 0 and i not in vue.non_diffusees:
                    zeros += 1
                    if jeton is not None:
                        masques_a_zero.append((vue.nom, vue.cle, i, colonne))
    assert masques_a_zero == []
    assert zeros > 100


def test_repartitions_d_un_petit_territoire_non_publiees(con_fixture):
    """A commune's or QPV's breakdowns (sex, age…) of a year are published only when its number
    of children of that year is shown and at least `ENFANTS_MIN_REPARTITIONS`; otherwise every
    count is « s », every share masked, zeros included. Commune 96901 of the fixture: 27
    children in 2025, so its rows of 2025 are never published; 50 in 2024, but
    that count is masked (« s ») to protect the small counts of that year, so its rows of 2024,
    cells of the protection, are left unpublished at the end (`moteur.retirer_non_diffusees`).
    Cells shown only in unpublished rows are hidden cells, protected like any masked cell."""
    assert ENFANTS_MIN_REPARTITIONS == 50
    effectifs = requetes.lire_protege(
        con_fixture, "beneficiaires_par_annee", 11, pre_id=PRE_TEST, commune="96901", qpv=None
    )
    assert effectifs.select("annee", "actifs", "actifs__secret").rows() == [
        (2023, 20, None),
        (2024, None, "s"),
        (2025, 27, None),
    ]
    sorties = requetes.lire_protege(
        con_fixture,
        "publics_motifs_sortie",
        11,
        pre_id=PRE_TEST,
        commune="96901",
        qpv=None,
        annee=2025,
    )
    assert set(sorties["annee"].to_list()) == {2024, 2025}
    assert set(sorties["effectif__secret"].to_list()) == {"s"}
    assert sorties["effectif"].null_count() == sorties.height
    assert sorties["part"].null_count() == sorties.height
    # The programme's own breakdown is published as before (the programme is no territory of
    # the rule): its zero of 2024 is « 0 ».
    programme = requetes.lire_protege(
        con_fixture,
        "publics_motifs_sortie",
        11,
        pre_id=PRE_TEST,
        commune=None,
        qpv=None,
        annee=2025,
    )
    ligne = programme.filter(
        (pl.col("annee") == 2024) & (pl.col("modalite") == "relais_droit_commun")
    ).row(0, named=True)
    assert (ligne["effectif"], ligne["effectif__secret"]) == (0, None)
    sexe = requetes.lire_protege(
        con_fixture,
        "publics_par_sexe",
        11,
        pre_id=PRE_TEST,
        commune=None,
        qpv="QN09691N",
        annee=2025,
    )
    assert set(sexe["effectif__secret"].to_list()) == {"s"}
    assert sexe["part"].null_count() == sexe.height

    def vue_sexe(vues_, commune):
        cles = {"pre_id": PRE_TEST, "commune": commune, "qpv": None, "annee": 2025}
        return next(v for v in vues_ if v.nom == "publics_par_sexe" and v.params == cles)

    # Before the protection: the commune's rows of 2025 are unpublished, their cells hidden
    # (or, when the same children are shown elsewhere, left to that other view); those of
    # 2024 are published cells.
    vues_, cellules = moteur.collecter(con_fixture)
    assert vue_sexe(vues_, None).non_diffusees == set()
    commune = vue_sexe(vues_, "96901")
    annees = commune.cadre["annee"].to_list()
    assert commune.non_diffusees == {i for i, a in enumerate(annees) if a == 2025}
    assert {annees[i] for (i, _), u in commune.cellules.items() if not cellules.cachee[u]} == {2024}
    assert all(cellules.cachee[u] for (i, _), u in commune.cellules.items() if annees[i] == 2025)
    # As published: every row unpublished; the cells left in them are all hidden (its 2024
    # rows' children are shown elsewhere: the programme's boys, a « < 11 » of a quartier).
    vues_, cellules = audit.publiees(con_fixture, 11)
    commune = vue_sexe(vues_, "96901")
    assert commune.non_diffusees == set(range(len(annees)))
    assert all(cellules.cachee[u] for u in commune.cellules.values())
    assert vue_sexe(vues_, None).non_diffusees == set()


def test_retirer_non_diffusees_cache_les_cellules(con_demo):
    """A territory's count masked by the protection though of 50 children or more hides its
    breakdown rows of that year: a cell also shown in a published row leaves them, the others
    become hidden cells (never shown, still protected); no cell is lost and every view still
    points at its own values (on the demo, as if every count of its commune 96001 were
    masked)."""
    vues_, cellules = moteur.collecter(con_demo)
    avant = len(cellules)
    caches_avant = sum(cellules.cachee)
    valeurs = {
        (v, c): cellules.valeur[u] for v, vue in enumerate(vues_) for c, u in vue.cellules.items()
    }

    def montre(vue, i):
        return None if vue.params.get("commune") == "96001" else vue.cadre["actifs"][i]

    nouvelles = moteur.retirer_non_diffusees(vues_, cellules, montre)
    assert len(cellules) == avant
    assert len(nouvelles) > 100
    assert sum(cellules.cachee) == caches_avant + len(nouvelles)
    touchees = 0
    for v, vue in enumerate(vues_):
        if moteur._repartition(vue) and vue.params.get("commune") == "96001":
            assert vue.non_diffusees == set(range(vue.cadre.height))
            assert all(cellules.cachee[u] for u in vue.cellules.values())
            touchees += 1
        for c, u in vue.cellules.items():
            assert (v, *c) in cellules.occurrences[u]
            assert cellules.valeur[u] == valeurs[(v, c)]
            # A cell of a published row is never hidden; a hidden one is in no published row.
            assert cellules.cachee[u] == (c[0] in vue.non_diffusees)
    assert touchees > 5
    assert all(cellules.occurrences)


def _deux_communes(source, chemin) -> None:
    """The demo reduced to two communes: 96010 (about 30 children a year, so its breakdowns
    are never published) and 96001, which takes the children, QPV, EPS and fiches-action of
    every other commune (several hundred children); protected again."""
    shutil.copy(source, chemin)
    with duckdb.connect(str(chemin)) as con:
        autres = [
            c
            for (c,) in con.execute(
                "select code_insee from programme_commune "
                "where code_insee not in ('96001', '96010')"
            ).fetchall()
        ]
        con.execute(
            "update qpv_commune set code_insee = '96001' where list_contains(?, code_insee)",
            [autres],
        )
        for requete in (
            "update beneficiaire set code_insee_residence = '96001' "
            "where list_contains(?, code_insee_residence)",
            "update eps set code_insee = '96001' where list_contains(?, code_insee)",
            "update fiche_action set code_insee = '96001' where list_contains(?, code_insee)",
            "delete from programme_commune where list_contains(?, code_insee)",
            "delete from cite_educative_commune where list_contains(?, code_insee)",
        ):
            con.execute(requete, [autres])
    protection.proteger_fichier(chemin, [11])


def test_une_petite_commune_n_est_pas_la_difference_de_deux_repartitions(chemin_demo, tmp_path):
    """Measured on main of 03/12/2026: in a programme of two communes, the breakdowns of the
    smaller one (fewer than 50 children) were not published, but the programme's and the
    larger commune's were, and their difference gave them: 235 girls in the programme in 2025,
    225 in commune 96001, so 10 in commune 96010. Its cells are now hidden cells of the
    protection: no small count of 96010 is the difference of two shown figures, and the audit
    finds none of them narrowed."""
    chemin = tmp_path / "deux.duckdb"
    _deux_communes(chemin_demo, chemin)
    con = duckdb.connect(str(chemin), read_only=True)
    try:
        vues_, cellules = moteur.collecter(con)
        petites = paires = 0
        for vue in vues_:
            if not moteur._repartition(vue) or vue.params.get("qpv") is not None:
                continue
            if vue.params.get("commune") != "96010":
                continue
            lus = {
                commune: protection.lire_vue(con, vue.nom, {**vue.params, "commune": commune}, 11)
                for commune in (None, "96001", "96010")
            }
            cles = [c for c in ("annee", "modalite") if c in vue.cadre.columns]
            for colonne in vue.regles.counts:
                assert set(lus["96010"][colonne + "__secret"].to_list()) == {"s"}
                for i, valeur in enumerate(vue.cadre[colonne].to_list()):
                    if not valeur or valeur >= 11:
                        continue
                    petites += 1
                    montres = []
                    for commune in (None, "96001"):
                        cadre = lus[commune]
                        for c in cles:
                            cadre = cadre.filter(pl.col(c) == vue.cadre[c][i])
                        if cadre.height == 1 and cadre[colonne + "__secret"][0] is None:
                            montres.append(cadre[colonne][0])
                    if len(montres) == 2:
                        paires += 1
                        assert montres[0] - montres[1] != valeur, (vue.nom, vue.cle, i, colonne)
        assert petites > 50
        cibles = {u for u in range(len(cellules)) if cellules.cachee[u]}
        assert len(cibles) > 100
        resultat = audit.auditer(con, 11, entiers=False, cibles=cibles, echantillon=150)
        assert resultat.auditees == 150
        assert resultat.dangereuses == []
    finally:
        con.close()


def test_les_chiffres_du_programme_restent_affiches(tmp_path):
    """Two programmes of one commune each, with 7 and 8 QPV and 460 and 526 children a year
    (`bench/protection_nationale.py`, the real geography's benchmark): measured on 03/12/2026,
    the first one's children of 2024 (396) and entries (177) were « s », masked for a
    quartier's 1-child count that its year's model could not prove (held by the bounds of
    other years' cells) by the cheapest cells sharing its children, one after the other, the
    programme's own figures last. Every headline figure of both is now shown, and their small
    counts keep at least 5 values (the audit, on a sample)."""
    from bench.protection_nationale import base_communale

    chemin = tmp_path / "communes.duckdb"
    pre_ids = base_communale(chemin, [7, 8], 460 / 7)
    protection.proteger_fichier(chemin, [11])
    con = duckdb.connect(str(chemin), read_only=True)
    try:
        masques = []
        for pre_id in pre_ids:
            cadre = protection.lire_vue(
                con,
                "beneficiaires_par_annee",
                {"pre_id": pre_id, "commune": None, "qpv": None},
                11,
            )
            assert cadre.height == 5
            for colonne in ("actifs", "entrees", "sorties"):
                for annee, jeton in zip(cadre["annee"], cadre[colonne + "__secret"], strict=True):
                    if jeton is not None:
                        masques.append((pre_id, annee, colonne, jeton))
        assert masques == []
        resultat = audit.auditer(con, 11, entiers=False, echantillon=100)
        assert resultat.auditees == 100
        assert resultat.dangereuses == []
    finally:
        con.close()


def test_repartitions_publiees_seulement_si_l_effectif_l_est(con_fixture, con_demo):
    """The final rule, on the stored protections of the fixture and of the demo: a territory's
    breakdown row of a year shows a figure exactly when that year's number of children of the
    territory is shown and at least `ENFANTS_MIN_REPARTITIONS`, so that the rule tells nothing a
    reader does not see (a count masked by the protection hides its breakdowns too)."""
    for con in (con_fixture, con_demo):
        vues_, _ = moteur.collecter(con)
        effectifs = {}
        for vue in vues_:
            if vue.nom == "beneficiaires_par_annee":
                cadre = protection.lire_vue(con, vue.nom, vue.params, 11)
                for annee, valeur, jeton in cadre.select(
                    "annee", "actifs", "actifs__secret"
                ).iter_rows():
                    effectifs[(*moteur._territoire(vue.params), annee)] = (
                        jeton is None and valeur >= ENFANTS_MIN_REPARTITIONS
                    )
        publiees = non_publiees = 0
        ecarts = []
        for vue in vues_:
            if not moteur._repartition(vue):
                continue
            cadre = protection.lire_vue(con, vue.nom, vue.params, 11)
            jetons = defaultdict(set)  # year -> tokens of its counts (None: a figure)
            for i, annee in enumerate(cadre["annee"].to_list()):
                for c in vue.regles.counts:
                    jetons[annee].add(cadre[c + "__secret"][i])
            for annee, vus in jetons.items():
                regle = effectifs.get((*moteur._territoire(vue.params), annee), False)
                publiees += regle
                non_publiees += not regle
                # Unpublished: only « s »; published: some figure or « < 11 » (a year of few
                # exits can have all its counts small).
                if (vus == {"s"}) == regle:
                    ecarts.append((vue.nom, vue.cle, annee, vus))
        assert ecarts == []
        assert non_publiees > 0
        # The fixture's territories have fewer than 50 children, or a masked count (above).
        assert publiees > 0 if con is con_demo else publiees == 0


def test_un_chiffre_d_enfants_n_est_jamais_recalcule_par_une_vue(con_fixture, monkeypatch):
    appels = []
    monkeypatch.setattr(requetes, "executer", lambda *a, **k: appels.append(a) or None)
    cadre = requetes.lire_protege(
        con_fixture, "synthese_publics", 11, pre_id=PRE_TEST, commune=None, qpv=None, annee=2025
    )
    assert appels == []  # read from secret_vue, not computed
    assert cadre["annee"].to_list() == [2024, 2025]


def test_filtres_sans_protection_refuses_en_francais(con_fixture):
    with pytest.raises(protection.ProtectionIndisponible, match="n'a pas de protection"):
        requetes.lire_protege(
            con_fixture, "synthese_publics", 11, pre_id=PRE_TEST, commune=None, qpv=None, annee=1999
        )


def test_base_modifiee_apres_la_protection_refusee(chemin_fixture, tmp_path):
    copie = tmp_path / "modifiee.duckdb"
    shutil.copy(chemin_fixture, copie)
    with duckdb.connect(str(copie)) as con:
        assert protection.etat(con, 11) is None
        assert "seuil de 7 enfants" in protection.etat(con, 7)
        con.execute("update beneficiaire set sexe = 'F' where sexe = 'M'")
        assert protection.etat(con, 11) == (
            "Les données ont changé depuis le calcul de la protection statistique : elle doit "
            "être recalculée."
        )
    assert protection.mettre_a_jour_fichier(copie) is True
    with duckdb.connect(str(copie), read_only=True) as con:
        assert protection.etat(con, 11) is None


def test_echec_du_calcul_laisse_donnees_et_protection(chemin_fixture, tmp_path, monkeypatch):
    copie = tmp_path / "echec.duckdb"
    shutil.copy(chemin_fixture, copie)
    with duckdb.connect(str(copie), read_only=True) as con:
        avant = con.execute("select * from secret_protection").fetchall()
    with duckdb.connect(str(copie)) as con:
        con.execute("begin transaction")
        con.execute("delete from parcours where parcours_id like 'P-%-01'")
        monkeypatch.setattr(moteur, "calculer", lambda *a, **k: 1 / 0)
        with pytest.raises(protection.EchecProtection) as erreur:
            protection.proteger(con)
        assert isinstance(erreur.value.__cause__, ZeroDivisionError)
        con.execute("rollback")
    with duckdb.connect(str(copie), read_only=True) as con:
        assert con.execute("select * from secret_protection").fetchall() == avant
        assert protection.etat(con, 11) is None


# ------------------------------------------------------------------------------------ demo


@pytest.fixture(scope="module")
def lire_demo(con_demo):
    def lire(nom, **params):
        return requetes.lire_protege(con_demo, nom, 11, pre_id=PRE_DEMO, **params)

    return lire


def _valeurs_possibles(bas: float, haut: float) -> int:
    return max(0, math.floor(haut) - math.ceil(bas) + 1)


def test_un_s_compte_au_moins_un_enfant(con_demo, lire_demo):
    """A zero is « 0 » everywhere, so a reader knows every « s » is at least 1. An outside test
    on Publics, QPV La Cité des Fleurs, 2025 (age bands): 37 children, 19 and 12 shown, so
    « 2 à 5 ans » (« < 11 ») + « 17 ans et plus » (« s ») = 6; with the models' « s » ≥ 0 the
    first was left [2 ; 6], with « s » ≥ 1 only [2 ; 5]: 4 values. The models now know it.
    Not in a breakdown that is not published: there a zero is « s » too, so its hidden cells
    (`moteur.cacher`) can be 0 for a reader, and their ranges start from 0."""
    etats = con_demo.execute(
        "select statut, raison like 'répartition non publiée%' as cachee, min(bas), "
        "count(*) filter (where bas < 1) from secret_cellule "
        "where seuil = 11 and statut <> 'visible' group by all order by all"
    ).fetchall()
    assert [(statut, cachee, bas, sous_un > 0) for statut, cachee, bas, sous_un in etats] == [
        ("primaire", False, 1, False),
        ("secondaire", False, 1, False),
        ("secondaire", True, 0, True),
    ]
    ages = lire_demo("publics_par_tranche_age", commune=None, qpv="QN09607N", annee=2025)
    ages = ages.filter(pl.col("annee") == 2025)
    visibles = ages.filter(pl.col("effectif__secret").is_null())["effectif"].sum()
    masques = ages.filter(pl.col("effectif__secret").is_not_null())
    total = lire_demo("synthese_publics", commune=None, qpv="QN09607N", annee=2025)
    total = total.filter(pl.col("annee") == 2025)
    assert total["actifs__secret"].to_list() == [None]
    reste = total["actifs"][0] - visibles
    # Each masked band at least 1 (« s » included), « < 11 » at most 10.
    for i, jeton in enumerate(masques["effectif__secret"]):
        if jeton != "< 11":
            continue
        autres = [j for k, j in enumerate(masques["effectif__secret"]) if k != i]
        haut = min(10, reste - len(autres))
        bas = max(1, reste - sum(10 if j == "< 11" else math.inf for j in autres))
        assert _valeurs_possibles(bas, haut) >= 5


def test_aucun_s_redonne_par_sa_propre_repartition(con_demo):
    """An outside test read « Filles : s » beside « Garçons : 24 » and the quartier's 36
    children: the « s » hid nothing and cost a figure. In the stored protection of the demo, no
    group of a partition view (by sex, age band… of one year) whose children make up a shown
    cell has exactly one masked part of 11 or more (`moteur.republier` shows it again)."""
    from pre_pilotage.protection import moteur

    vues_, cellules = audit.publiees(con_demo, 11)  # as published: the protection's cells
    statuts = dict(
        con_demo.execute("select cellule, statut from secret_cellule where seuil = 11").fetchall()
    )
    assert len(statuts) == len(cellules)
    relations = moteur._partitions(vues_, cellules)
    assert len(relations) > 500
    redonnes = []
    for total, *parts in relations:
        masques = [u for u in [total, *parts] if statuts[u] != "visible"]
        if len(masques) == 1 and statuts[masques[0]] == "secondaire":
            if cellules.valeur[masques[0]] >= 11:
                redonnes.append(masques[0])
    assert redonnes == []


def test_parts_d_un_total_affiche_montrees_sauf_celles_des_effectifs_masques(con_demo, lire_demo):
    """An outside test found « Répartition par lieu de résidence » (Publics, programme, 2025)
    wholly masked while the Carte showed most quartiers' children: a share was masked on its
    whole group as soon as one count of the group was. The group's total is the programme's
    children of the year, a shown figure: each share is then its own count over it, shown where
    the count is, masked where it is, to the tenth of a percent of that figure."""
    total = lire_demo("synthese_publics", commune=None, qpv=None, annee=2025)
    total = total.filter(pl.col("annee") == 2025)
    assert total["actifs__secret"].to_list() == [None]
    enfants = total["actifs"][0]
    lieux = lire_demo("publics_par_residence", commune=None, qpv=None, annee=2025)
    lieux = lieux.filter(pl.col("annee") == 2025)
    montrees = lieux.filter(pl.col("effectif__secret").is_null() & (pl.col("effectif") > 0))
    masquees = lieux.filter(pl.col("effectif__secret").is_not_null())
    assert montrees.height >= 5 and masquees.height >= 1
    assert montrees["part__secret"].to_list() == [None] * montrees.height
    assert montrees["part"].to_list() == [
        round(100 * e / enfants, 1) for e in montrees["effectif"].to_list()
    ]
    assert masquees["part"].to_list() == [None] * masquees.height
    assert masquees["part__secret"].to_list() == ["s"] * masquees.height


def test_l_attaque_en_trois_temps_echoue(con_demo, lire_demo):
    """Issue 18: share of the Cité × children − visible QPV, then share in QPV − visible QPV."""
    enfants = lire_demo("synthese_publics", commune=None, qpv=None, annee=2025).row(1, named=True)
    cite = lire_demo("cite_scolarisation_residence", annee=2025)
    cite = cite.filter((cite["cite_id"] == "cite-90001") & (cite["annee"] == 2025)).row(
        0, named=True
    )
    carte = lire_demo("carte_qpv", commune=None, annee=2025, geographie=2024, niveau="territoire")
    quartiers = {r["code_qp"]: r for r in carte.iter_rows(named=True)}
    perimetre = [
        q
        for (q,) in con_demo.execute(
            "select code_qp from cite_educative_qpv where cite_id = 'cite-90001'"
        ).fetchall()
    ]

    def intervalle_part(part, total):
        # A share shown to 0,1 % beside a shown total gives the count within rounding.
        return (part - 0.05) / 100 * total, (part + 0.05) / 100 * total

    def intervalle_reste(total, codes):
        """Range left for each masked QPV of `codes` once the shown ones are subtracted."""
        caches = [q for q in codes if quartiers[q]["beneficiaires"] is None]
        reste = [total[0], total[1]]
        for q in codes:
            if quartiers[q]["beneficiaires"] is not None:
                reste = [
                    reste[0] - quartiers[q]["beneficiaires"],
                    reste[1] - quartiers[q]["beneficiaires"],
                ]
        resultats = {}
        for q in caches:
            autres = [c for c in caches if c != q]
            haut_autres = sum(
                10 if quartiers[c]["beneficiaires__secret"] == "< 11" else math.inf for c in autres
            )
            bas_autres = sum(
                1 if quartiers[c]["beneficiaires__secret"] == "< 11" else 0 for c in autres
            )
            bas, haut = max(reste[0] - haut_autres, 1), min(reste[1] - bas_autres, 10)
            resultats[q] = _valeurs_possibles(bas, haut)
        return resultats

    # Step 1: children living in a QPV of the Cité.
    if cite["residant_qpv_cite"] is not None:
        residents = (cite["residant_qpv_cite"],) * 2
    elif cite["part_residant_qpv_cite"] is not None and enfants["actifs"] is not None:
        residents = intervalle_part(cite["part_residant_qpv_cite"], enfants["actifs"])
    else:
        residents = None
    if residents is not None:
        # Step 2: minus the other QPV of the Cité shown on the map.
        for q, possibles in intervalle_reste(residents, perimetre).items():
            if quartiers[q]["beneficiaires__secret"] == "< 11":
                assert possibles >= 5, q
    # Step 3: the programme's children in a QPV minus every QPV shown.
    if enfants["part_qpv"] is not None and enfants["actifs"] is not None:
        en_qpv = intervalle_part(enfants["part_qpv"], enfants["actifs"])
        for q, possibles in intervalle_reste(en_qpv, list(quartiers)).items():
            if quartiers[q]["beneficiaires__secret"] == "< 11":
                assert possibles >= 5, q
    # The quartier the attack pinned at 10 is still masked, and not recomputable by the LP.
    assert quartiers["QN09604N"]["beneficiaires"] is None


def test_les_parcours_ne_redonnent_pas_les_enfants(con_demo, lire_demo):
    """A parcours count over the same children as a masked count of children gives it away:
    every child of the demo has one parcours per year, which the pages show (« parcours
    actifs » equals « enfants accompagnés » wherever both are shown). Measured by an outside
    tester: the parcours of a commune in two years and its entries gave its masked exits (10);
    « parcours actifs » of a QPV gave its masked number of children."""
    (multiples,) = con_demo.execute(
        "select count(*) from (select beneficiaire_id, year(date_entree) from parcours "
        "group by all having count(*) > 1)"
    ).fetchall()[0]
    assert multiples == 0  # the premise: one parcours per child and year
    filtres = [
        p
        for nom, p in catalogue.vues(con_demo, [PRE_DEMO])
        if nom == "publics_indicateurs" and p["annee"] >= 2021
    ]
    assert len(filtres) > 100
    revelees = []
    for params in filtres:
        autres = {k: v for k, v in params.items() if k != "pre_id"}
        parcours = {
            r["annee"]: r for r in lire_demo("publics_indicateurs", **autres).iter_rows(named=True)
        }
        enfants = {
            r["annee"]: r for r in lire_demo("synthese_publics", **autres).iter_rows(named=True)
        }
        annee = params["annee"]
        for a in (annee - 1, annee):
            # Same children, same state: a shown parcours count never stands for masked children.
            if enfants[a]["actifs"] is None and parcours[a]["parcours_actifs"] is not None:
                revelees.append((autres, a, "actifs"))
        # Parcours of both years and the year's entries give the exits of the year before.
        connus = (
            parcours[annee - 1]["parcours_actifs"],
            parcours[annee]["parcours_actifs"],
            enfants[annee]["entrees"],
        )
        if None not in connus and enfants[annee - 1]["sorties"] is None:
            # Masked exits so given are safe only when they are not a small count.
            if 1 <= connus[0] + connus[2] - connus[1] <= 10:
                revelees.append((autres, annee - 1, "sorties"))
    assert revelees == []


def test_audit_de_la_demo_sur_echantillon(con_demo):
    # Linear relaxation only (a cell it finds unsafe is unsafe): the integer checks of the whole
    # demo are `make bench`'s (bench/secret.py).
    resultat = audit.auditer(con_demo, 11, echantillon=40, graine=18, entiers=False)
    assert resultat.auditees == 40
    assert resultat.incoherences == []
    assert resultat.dangereuses == []


def _fichiers_equipe(chemin_fixture, dossier):
    from pre_pilotage.importation import Fichier
    from pre_pilotage.importation.exemples import ecrire_exemples

    ecrire_exemples(chemin_fixture, dossier, PRE_TEST, [2025])
    return [Fichier(p.name, p.read_bytes()) for p in sorted(dossier.glob("2025_equipe.csv"))]


def test_un_import_recalcule_la_protection_dans_sa_transaction(chemin_fixture, tmp_path):
    from pre_pilotage.importation import importer

    copie = tmp_path / "import.duckdb"
    shutil.copy(chemin_fixture, copie)
    fichiers = _fichiers_equipe(chemin_fixture, tmp_path / "exemples")
    rapport = importer(
        copie, fichiers, PRE_TEST, 2025, b"cle-de-test-suffisamment-longue", remplacer=True
    )
    assert rapport.ecrit, rapport.erreurs
    with duckdb.connect(str(copie), read_only=True) as con:
        assert protection.etat(con, 11) is None
        assert con.execute("select count(*) from lot_import").fetchone()[0] == 1


def test_un_import_dont_la_protection_echoue_ne_change_rien(chemin_fixture, tmp_path, monkeypatch):
    from pre_pilotage.importation import importer

    copie = tmp_path / "import-echec.duckdb"
    shutil.copy(chemin_fixture, copie)
    fichiers = _fichiers_equipe(chemin_fixture, tmp_path / "exemples")
    with duckdb.connect(str(copie), read_only=True) as con:
        avant = con.execute("select * from secret_protection").fetchall()
    monkeypatch.setattr(moteur, "calculer", lambda *a, **k: 1 / 0)
    with pytest.raises(protection.EchecProtection, match="erreur interne ZeroDivisionError"):
        importer(
            copie, fichiers, PRE_TEST, 2025, b"cle-de-test-suffisamment-longue", remplacer=True
        )
    with duckdb.connect(str(copie), read_only=True) as con:
        assert con.execute("select count(*) from lot_import").fetchone()[0] == 0
        assert con.execute("select * from secret_protection").fetchall() == avant
        assert protection.etat(con, 11) is None


class _HighsQuiEchoue:
    """A HiGHS stand-in: « infeasible » until `reussites` cold starts have run."""

    def __init__(self, hs, echecs: int):
        self.hs, self.echecs, self.appels = hs, echecs, []
        self.statut = hs.HighsModelStatus.kInfeasible

    def getModelStatus(self):
        return self.statut

    def clearSolver(self):
        self.appels.append("clearSolver")

    def setOptionValue(self, nom, valeur):
        self.appels.append(f"{nom}={valeur}")

    def run(self):
        self.appels.append("run")
        self.echecs -= 1
        if self.echecs < 0:
            self.statut = self.hs.HighsModelStatus.kOptimal

    def modelStatusToString(self, statut):
        return "Infeasible"


def test_un_echec_du_demarrage_a_chaud_est_resolu_a_froid():
    """An outside test's two-year import: the warm-started primal simplex called a year model
    infeasible (the true data are a point of it), the same model from the slack basis was
    optimal. The solve is redone cold, then with presolve, before giving up in French."""
    import highspy

    h = _HighsQuiEchoue(highspy, echecs=0)
    assert moteur._statut_sur(highspy, h) == highspy.HighsModelStatus.kOptimal
    assert h.appels == ["clearSolver", "presolve=off", "run", "presolve=off"]
    h = _HighsQuiEchoue(highspy, echecs=1)
    assert moteur._statut_sur(highspy, h) == highspy.HighsModelStatus.kOptimal
    assert h.appels[-4:] == ["clearSolver", "presolve=on", "run", "presolve=off"]
    h = _HighsQuiEchoue(highspy, echecs=2)
    with pytest.raises(moteur.EchecSolveur, match=r"n.a pas pu être résolu \(HiGHS : Infeasible\)"):
        moteur._statut_sur(highspy, h)
    assert h.appels[-1] == "presolve=off"  # the copy's options as they were


def test_une_protection_impossible_est_dite_en_francais(
    chemin_fixture, tmp_path, monkeypatch, capsys
):
    """Import and recomputation by the command line: a solver that fails is told in French,
    without a trace, and nothing changes in the database."""
    from pre_pilotage.__main__ import main

    copie = tmp_path / "echec-solveur.duckdb"
    shutil.copy(chemin_fixture, copie)
    fichiers = _fichiers_equipe(chemin_fixture, tmp_path / "exemples")
    dossier = tmp_path / "a-importer"
    dossier.mkdir()
    for fichier in fichiers:
        (dossier / fichier.nom).write_bytes(fichier.contenu)
    with duckdb.connect(str(copie), read_only=True) as con:
        avant = {t: con.table(t).fetchall() for t in ("secret_protection", "lot_import", "equipe")}

    def panne(self, colonnes, couts, sens):
        raise moteur.EchecSolveur(
            "un programme linéaire de la protection n'a pas pu être résolu (HiGHS : Infeasible)"
        )

    monkeypatch.setattr(moteur.Solveur, "_resoudre", panne)
    monkeypatch.setenv("PRE_CLE_PSEUDONYMISATION", "cle-de-test-suffisamment-longue")
    commandes = [
        ["secret", "proteger", "--base", str(copie)],
        [
            "importer",
            "--programme",
            PRE_TEST,
            "--annee",
            "2025",
            "--base",
            str(copie),
            "--remplacer",
            *map(str, sorted(dossier.iterdir())),
        ],
    ]
    for commande in commandes:
        with duckdb.connect(str(copie)) as con:
            con.execute("delete from secret_empreinte")  # every programme recomputed
        capsys.readouterr()
        assert main(commande) == 5
        erreur = capsys.readouterr().err
        assert (
            "La protection statistique n'a pas pu être calculée (un programme linéaire de la "
            "protection n'a pas pu être résolu (HiGHS : Infeasible)). Rien n'a été modifié"
        ) in erreur
        assert "Traceback" not in erreur
        with duckdb.connect(str(copie), read_only=True) as con:
            assert {t: con.table(t).fetchall() for t in avant} == avant


def test_commande_secret_audit_et_proteger(chemin_fixture, tmp_path, capsys):
    from pre_pilotage.__main__ import main

    copie = tmp_path / "base.duckdb"
    shutil.copy(chemin_fixture, copie)
    sortie = tmp_path / "secret.md"
    assert main(["secret", "audit", "--base", str(copie), "--sortie", str(sortie)]) == 0
    lu = capsys.readouterr().out
    assert (
        "Seuil 11 : petits effectifs masqués audités : 17 sur 17 ; recalculables à moins de " in lu
    )
    assert "5 valeurs près : 0 ; incohérences : 0" in lu
    rapport = sortie.read_text(encoding="utf-8")
    assert "## base.duckdb (seuil 11)" in rapport
    assert "| **unsafe (fewer than 5 values)** | **0** |" in rapport
    # A base changed after its protection: the audit refuses in French, `proteger` recomputes.
    with duckdb.connect(str(copie)) as con:
        con.execute("update beneficiaire set sexe = 'F' where sexe = 'M'")
    assert main(["secret", "audit", "--base", str(copie), "--sortie", str(sortie)]) == 1
    assert "Les données ont changé depuis le calcul" in capsys.readouterr().err
    assert main(["secret", "proteger", "--base", str(copie)]) == 0
    assert capsys.readouterr().out.startswith("Seuil 11 : ")
    with duckdb.connect(str(copie), read_only=True) as con:
        assert protection.etat(con, 11) is None


def _noter_collectes(monkeypatch) -> list:
    """The programmes of each group the protection collects, in order."""
    collectes: list = []
    original = protection.requeter
    monkeypatch.setattr(
        protection,
        "requeter",
        lambda con, pre_ids: collectes.append(pre_ids) or original(con, pre_ids),
    )
    return collectes


def test_protection_par_groupes_de_programmes_identique(tmp_path, monkeypatch):
    """Programmes protected by groups (national scale) give exactly the one-group protection:
    the same stored views and cells, cells numbered across groups, one summary row."""
    from tests import fixture_programmes

    chemin = fixture_programmes.construire(tmp_path / "programmes.duckdb")

    def vues_stockees(con) -> dict:
        return {
            (requete, cle): pl.read_ipc_stream(io.BytesIO(cadre))
            for requete, cle, cadre in con.execute(
                "select requete, parametres, cadre from secret_vue where seuil = 11"
            ).fetchall()
        }

    with duckdb.connect(str(chemin), read_only=True) as con:
        vues_avant = vues_stockees(con)
        cellules_avant = con.execute(
            "select pre_id, annee, valeur, statut, exemple from secret_cellule order by all"
        ).fetchall()
        (programmes,) = con.execute("select count(*) from programme").fetchone()
    assert programmes == 7
    monkeypatch.setattr(protection, "PROGRAMMES_PAR_LOT", 2)
    with duckdb.connect(str(chemin)) as con:
        con.execute("delete from secret_empreinte")  # recompute every programme
    collectes = _noter_collectes(monkeypatch)
    # Two worker processes protect the groups while this process reads the next one.
    monkeypatch.setenv("PRE_PROTECTION_FILS", "2")
    en_processus = []
    original = protection._en_processus
    monkeypatch.setattr(
        protection,
        "_en_processus",
        lambda *a: en_processus.append(a[4]) or original(*a),
    )
    # In the app, the caller runs inside a Streamlit script run, whose page script is
    # `__main__`: a spawned child re-imports `__main__` by path, and must not run the page.
    script = tmp_path / "page.py"
    marque = tmp_path / "page-executee"
    script.write_text(f"open({str(marque)!r}, 'w').close()\nraise SystemExit(3)\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    bilans = protection.proteger_fichier(chemin, [11])
    assert not marque.exists()
    assert sys.modules["__main__"] is page
    assert [len(lot) for lot in collectes] == [2, 2, 2, 1]
    assert en_processus == [2]
    with duckdb.connect(str(chemin), read_only=True) as con:
        vues_apres = vues_stockees(con)
        assert vues_apres.keys() == vues_avant.keys() and len(vues_avant) > 200
        for cle, cadre in vues_avant.items():
            assert cadre.equals(vues_apres[cle]) and cadre.schema == vues_apres[cle].schema, cle
        assert (
            con.execute(
                "select pre_id, annee, valeur, statut, exemple from secret_cellule order by all"
            ).fetchall()
            == cellules_avant
        )
        numeros = [
            n for (n,) in con.execute("select cellule from secret_cellule order by 1").fetchall()
        ]
        assert numeros == list(range(len(cellules_avant)))
        assert con.execute(
            "select count(*), max(cellules), max(vues) from secret_protection where seuil = 11"
        ).fetchone() == (1, len(cellules_avant), bilans[11]["vues"])
        assert protection.etat(con, 11) is None


def test_lots_bornes_par_vues_et_parcours(tmp_path, monkeypatch):
    """Programmes are grouped in order until the group's views × parcours would pass
    `VOLUME_PAR_LOT` (a larger programme alone) or it holds `PROGRAMMES_PAR_LOT`: small
    programmes share each query's run, a large one does not weigh on another's memory."""
    from tests import fixture_programmes

    chemin = fixture_programmes.construire(tmp_path / "programmes.duckdb")
    with duckdb.connect(str(chemin), read_only=True) as con:
        programmes = catalogue.programmes(con)
        # 45 views each; parcours: 60, 25, 30, 6, 12, 20, 45.
        assert [len(catalogue.vues(con, [p])) for p in programmes] == [45] * 7
        monkeypatch.setattr(protection, "VOLUME_PAR_LOT", 2_500)
        assert protection._lots(con, programmes) == [
            ["pre-dunkerque"],  # 2,700 alone
            ["pre-lens", "pre-lille"],  # 1,125 + 1,350
            ["pre-maubeuge", "pre-roubaix", "pre-tourcoing"],  # 270 + 540 + 900
            ["pre-valenciennes"],  # 2,025: with the group before, 3,735
        ]
        monkeypatch.setattr(protection, "PROGRAMMES_PAR_LOT", 2)
        assert protection._lots(con, programmes) == [
            ["pre-dunkerque"],
            ["pre-lens", "pre-lille"],
            ["pre-maubeuge", "pre-roubaix"],
            ["pre-tourcoing"],
            ["pre-valenciennes"],
        ]


def test_echec_dans_un_processus_laisse_la_protection(tmp_path, monkeypatch):
    """A group that fails in a worker process raises in the caller, which rolls back: the
    stored protection and the data stay as they were, and the workers are gone."""
    import multiprocessing

    from tests import fixture_programmes

    chemin = fixture_programmes.construire(tmp_path / "programmes.duckdb")
    with duckdb.connect(str(chemin), read_only=True) as con:
        avant = con.execute("select * from secret_cellule order by all").fetchall()
    monkeypatch.setattr(protection, "PROGRAMMES_PAR_LOT", 2)
    monkeypatch.setenv("PRE_PROTECTION_FILS", "2")
    original = protection.requeter
    appels = []

    def requeter(con, pre_ids):
        demandes, bruts, enfants = original(con, pre_ids)
        appels.append(pre_ids)
        if len(appels) == 3:  # the third group: a request the worker cannot read
            demandes = [("requete_disparue", demandes[0][1]), *demandes[1:]]
        return demandes, bruts, enfants

    monkeypatch.setattr(protection, "requeter", requeter)
    with duckdb.connect(str(chemin)) as con:
        con.execute("delete from secret_empreinte")  # recompute every programme
    with pytest.raises(protection.EchecProtection) as erreur:
        protection.proteger_fichier(chemin, [11])
    assert isinstance(erreur.value.__cause__, FileNotFoundError)
    assert "Requête inconnue : requete_disparue" in str(erreur.value.__cause__)
    assert multiprocessing.active_children() == []
    with duckdb.connect(str(chemin), read_only=True) as con:
        assert con.execute("select * from secret_cellule order by all").fetchall() == avant
        assert con.execute("select count(*) from secret_empreinte").fetchone() == (0,)


def test_fils_de_protection_sans_effet_sur_le_resultat(con_fixture, monkeypatch):
    """The joint pass gives the same states whatever the number of threads (each model reads
    the states as they were when the pass began)."""
    collecte = moteur.collecter(con_fixture)
    resultats = []
    for fils in ("1", "3"):
        monkeypatch.setenv("PRE_PROTECTION_FILS", fils)
        assert moteur.fils_de_protection() == int(fils)
        resultats.append(moteur.calculer(con_fixture, 11, collecte=collecte))
    assert resultats[0].etats.tolist() == resultats[1].etats.tolist()
    assert resultats[0].intervalles == resultats[1].intervalles
    assert (resultats[0].etats == moteur.SECONDAIRE).sum() > 0
    monkeypatch.setenv("PRE_PROTECTION_FILS", "deux")
    with pytest.raises(ValueError, match="« deux » n'est pas un nombre entier de fils"):
        moteur.fils_de_protection()


def _protection_stockee(chemin) -> tuple[dict, list]:
    with duckdb.connect(str(chemin), read_only=True) as con:
        vues = {
            (requete, cle, pre_id): pl.read_ipc_stream(io.BytesIO(cadre))
            for requete, cle, cadre, pre_id in con.execute(
                "select requete, parametres, cadre, pre_id from secret_vue where seuil = 11"
            ).fetchall()
        }
        cellules = con.execute(
            "select pre_id, annee, valeur, statut, exemple, bas, haut from secret_cellule "
            "where seuil = 11 order by all"
        ).fetchall()
    return vues, cellules


def _tailles_des_lots(programmes: int) -> list[int]:
    """Sizes of the groups `proteger` makes of this many programmes (the last one smaller)."""
    taille = protection.PROGRAMMES_PAR_LOT
    return [min(taille, programmes - k) for k in range(0, programmes, taille)]


def test_seuls_les_programmes_modifies_sont_recalcules(tmp_path, monkeypatch):
    """An import changes one programme: only the programmes whose rows changed (their own
    tables, or tables attached to them such as a fiche-action's financements) are recomputed,
    and the stored protection is exactly the one a full recomputation gives. A change of the
    shared tables (communes, geography) recomputes every programme."""
    from tests import fixture_programmes

    chemin = fixture_programmes.construire(tmp_path / "programmes.duckdb")
    with duckdb.connect(str(chemin)) as con:
        # Roubaix: three boys among its twelve children (small cells, complementary masking).
        con.execute(
            "update beneficiaire set sexe = 'M' where beneficiaire_id in "
            "('B-pre-roubaix-00', 'B-pre-roubaix-01', 'B-pre-roubaix-02')"
        )
        # Lille: a co-financing amount, in a table without pre_id (attached to its fiche).
        con.execute(
            "update financement set montant_prevu = 6000 "
            "where fiche_id = 'pre-lille-FA1' and financeur = 'caf'"
        )
        assert protection.etat(con, 11) is not None
    complete = tmp_path / "complete.duckdb"
    shutil.copy(chemin, complete)
    collectes = _noter_collectes(monkeypatch)
    bilans = protection.proteger_fichier(chemin, [11])
    assert collectes == [["pre-lille", "pre-roubaix"]]
    assert bilans[11]["programmes_recalcules"] == 2
    # The same database recomputed in full (its per-programme fingerprints forgotten).
    with duckdb.connect(str(complete)) as con:
        con.execute("delete from secret_empreinte")
    collectes.clear()
    protection.proteger_fichier(complete, [11])
    assert [len(lot) for lot in collectes] == _tailles_des_lots(len(fixture_programmes.PROGRAMMES))
    vues_partielles, cellules_partielles = _protection_stockee(chemin)
    vues_completes, cellules_completes = _protection_stockee(complete)
    assert vues_partielles.keys() == vues_completes.keys()
    for cle, cadre in vues_completes.items():
        assert cadre.equals(vues_partielles[cle]), cle
    assert cellules_partielles == cellules_completes
    assert ("pre-roubaix", 2025, 3, "primaire") in {c[:4] for c in cellules_partielles}
    with duckdb.connect(str(chemin), read_only=True) as con:
        assert protection.etat(con, 11) is None
        assert con.execute("select count(*) from secret_vue where pre_id is null").fetchone() == (
            0,
        )
        numeros = [n for (n,) in con.execute("select cellule from secret_cellule").fetchall()]
        assert len(set(numeros)) == len(numeros) == bilans[11]["cellules"]
        assert con.execute(
            "select vues, cellules, primaires from secret_protection where seuil = 11"
        ).fetchone() == (len(vues_completes), len(cellules_completes), bilans[11]["primaires"])
    # Nothing changed: nothing recomputed. A shared table changed: every programme.
    collectes.clear()
    protection.proteger_fichier(chemin, [11])
    assert collectes == []
    with duckdb.connect(str(chemin)) as con:
        con.execute("update commune set population = 50001 where code_insee = '62498'")
    protection.proteger_fichier(chemin, [11])
    assert [len(lot) for lot in collectes] == _tailles_des_lots(len(fixture_programmes.PROGRAMMES))


def test_republier_montre_ce_qu_une_somme_donne_deja():
    """A complementary cell that a declared sum of its year gives exactly is shown again; never a
    small count, and not through an identity between years (its offset is not public)."""
    from pre_pilotage.protection.moteur import PRIMAIRE, SECONDAIRE, VISIBLE

    cellules = moteur.Cellules(
        valeur=[100, 60, 40, 5, 30, 35, 300],
        pre_id=["p"] * 7,
        annee=[2024, 2024, 2024, 2024, 2024, 2024, 2025],
        records=[None] * 7,
        occurrences=[[] for _ in range(7)],
        total=[False] * 7,
        cachee=[False] * 7,
    )
    etats = np.array(
        [VISIBLE, VISIBLE, SECONDAIRE, PRIMAIRE, SECONDAIRE, VISIBLE, SECONDAIRE], dtype=np.int8
    )
    relations = [
        ([(0, 1), (1, -1), (2, -1)], 0.0),  # 100 = 60 + 40: the 40 is given
        ([(5, 1), (4, -1), (3, -1)], 0.0),  # 35 = 30 + 5: two masked terms, nothing given
        ([(4, 1), (4, -1), (2, -1), (0, 1), (1, -1)], 0.0),  # a cell twice, cancelled
    ]
    blocs = {("p", 2024): moteur.Programme([0, 1, 2, 3, 4, 5], {}, [], relations, 0)}
    # Between years: 300 = 100 + 200 (its offset on the data stays unknown to a reader).
    liantes = [([(6, 1), (0, -1)], 200.0), ([(6, 1), (0, -1), (1, -1), (2, -1)], 0.0)]
    assert moteur.republier(blocs, liantes, cellules, etats, 11) == 1
    assert etats.tolist() == [VISIBLE, VISIBLE, VISIBLE, PRIMAIRE, SECONDAIRE, VISIBLE, SECONDAIRE]


def _intervalle_exact(solveur: moteur.Solveur, u: int) -> tuple[int, float]:
    """The integer range of a cell by scipy's MILP, solved to optimality (small models)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csc_matrix

    solveur.h.run()  # the matrix is column-wise once solved
    lp = solveur.h.getLp()
    a = lp.a_matrix_
    matrice = csc_matrix(
        (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)),
        shape=(lp.num_row_, lp.num_col_),
    )
    bas_l, haut_l = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    bas_l = np.where(bas_l <= -1e29, -np.inf, bas_l)
    haut_l = np.where(haut_l >= 1e29, np.inf, haut_l)
    objectif = np.zeros(lp.num_col_)
    objectif[solveur.modele.colonnes_cellule[solveur.modele.lignes[u]]] = 1.0
    extremes = []
    for signe in (1.0, -1.0):
        res = milp(
            signe * objectif,
            integrality=np.ones(lp.num_col_),
            bounds=Bounds(np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)),
            constraints=LinearConstraint(matrice, bas_l, haut_l),
        )
        extremes.append(math.inf if res.status == 3 else round(float(objectif @ res.x)))
    return extremes[0], extremes[1]


def test_les_verifications_entieres_s_arretent_apres_des_echecs_en_serie():
    """On the demo every integer check ran out of time: after `ECHECS_ENTIERS` in a row the
    audit stops trying (its ranges are reported at the linear relaxation, as when the budget
    is spent); a check that concludes starts the count again."""
    budget = audit._Entiers(math.inf)
    for _ in range(audit.ECHECS_ENTIERS - 1):
        budget.noter(False)
    assert budget.ouvert()
    budget.noter(True)
    for _ in range(audit.ECHECS_ENTIERS - 1):
        budget.noter(False)
    assert budget.ouvert()
    budget.noter(False)
    assert not budget.ouvert()
    assert not audit._Entiers(0.0).ouvert()  # deadline passed


def test_intervalle_entier_part_des_donnees_et_s_arrete_a_la_regle(con_fixture):
    """The integer check starts from the real data: with a rule it can meet, the values it
    returns are reached by integer points (inside the exact integer range, at least the rule
    apart); with a rule too wide to meet, it returns the exact integer range."""
    vues_, cellules = moteur.collecter(con_fixture, parallele=True)
    etats = audit._publie(vues_, cellules, con_fixture, 11, audit.Audit(11, 5))
    complets, _ = moteur.modeles(vues_, cellules, 11, par_annee=False)
    verifiees = 0
    for modele in complets.values():
        solveur = moteur.Solveur(modele, cellules, etats, 11)
        for u in modele.cellules:
            if not moteur.sensible(cellules, etats, u, 11):
                continue
            bas_lp, haut_lp, _, _ = solveur.intervalle(u)
            exact = _intervalle_exact(solveur, u)
            assert bas_lp <= exact[0] <= cellules.valeur[u] <= exact[1] <= haut_lp
            if not math.isfinite(haut_lp):
                continue
            bas, haut, conclu = moteur.intervalle_entier(solveur, u, bas_lp, haut_lp, 5)
            assert conclu
            if moteur.possibles(*exact) >= 5:
                assert exact[0] <= bas and haut <= exact[1] and haut - bas >= 4, (u, exact)
            else:
                assert (bas, haut) == exact
            assert moteur.intervalle_entier(solveur, u, bas_lp, haut_lp, 1000) == (*exact, True)
            verifiees += 1
    assert verifiees == 17  # every masked small count of the fixture (the audit's 17)


def _cycle_pair(k: int) -> tuple[moteur.Solveur, int]:
    """Three shown counts of k (even) over classes x1+x2, x2+x3, x1+x3+x4, and x4 hidden (« s »,
    so at least 1): x4 = 2·x2 − k is an even number from 2 to k, while the linear relaxation
    reaches 1 at x2 = (k+1)/2."""
    x2 = k // 2 + 1
    x1 = x3 = k - x2
    numeros = iter(range(100))
    c1, c2, c3, c4 = ([next(numeros) for _ in range(n)] for n in (x1, x2, x3, 2))
    records = [(*c1, *c2), (*c2, *c3), (*c1, *c3, *c4), tuple(c4)]
    cellules = moteur.Cellules(
        valeur=[len(r) for r in records],
        pre_id=["p"] * 4,
        annee=[2025] * 4,
        records=records,
        occurrences=[[] for _ in records],
        total=[False] * 4,
        cachee=[False] * 4,
    )
    (modele,) = moteur.modeles([], cellules, 11)[0].values()
    etats = np.array([moteur.VISIBLE] * 3 + [moteur.SECONDAIRE])
    return moteur.Solveur(modele, cellules, etats, 11), 3


def test_intervalle_entier_plus_etroit_que_la_relaxation():
    solveur, u = _cycle_pair(10)
    assert solveur.intervalle(u)[:2] == (1, 10) and not solveur.entiere
    # The rule of 5 values is met by integer points: stop there, inside the integer range.
    bas, haut, conclu = moteur.intervalle_entier(solveur, u, 1, 10, 5)
    assert conclu and 2 <= bas and haut <= 10 and haut - bas >= 4
    assert bas % 2 == 0 and haut % 2 == 0  # values x4 can really take
    assert moteur.intervalle_entier(solveur, u, 1, 10, 1000) == (2, 10, True)
    # Range too narrow for the rule: the exact integer range, narrower than the relaxation's.
    solveur, u = _cycle_pair(4)
    assert solveur.intervalle(u)[:2] == (1, 4)
    assert moteur.intervalle_entier(solveur, u, 1, 4, 5) == (2, 4, True)


def test_audit_de_la_demo_entre_les_annees(con_demo):
    """The demo programme is too large for one model of all years in the per-year passes: its
    years saw each other only through each cell's own range, and the full audit found 50
    small counts an attacker combining the years pinned to fewer than 5 values (the 2022 exits
    of QN09607N and QN09612N exactly: 8). The yearly counts of these quartiers, and of the one
    the issue's attack used, now keep 5 values in the model of all years."""
    vues_, cellules = moteur.collecter(con_demo, parallele=True)
    quartiers = ("QN09604N", "QN09607N", "QN09612N")
    cibles = {
        u
        for u in range(len(cellules))
        for v, _, _ in cellules.occurrences[u]
        if vues_[v].nom == "beneficiaires_par_annee" and any(q in vues_[v].cle for q in quartiers)
    }
    resultat = audit.auditer(con_demo, 11, collecte=(vues_, cellules), cibles=cibles, entiers=False)
    assert resultat.auditees >= 10
    # Some need more than their year: the year-by-year proof does not settle them.
    assert resultat.prouvees_par_annee < resultat.auditees
    # Most of the others are proven in the three years around their own (on main: 17 of 19).
    assert resultat.prouvees_par_fenetre > 0
    assert resultat.dangereuses == []


def _chaine_de_stocks() -> tuple[moteur.Cellules, dict, dict, dict[int, tuple[int, int]]]:
    """Five years of one programme: a stock S and entries E each year, all small counts
    (hidden), linked by S(N) = S(N−1) + E(N). True stocks 2, 4, 6, 8, 10; entries 1, 2, 2, 2, 2.
    Returns the cells, the model of all years, the year models, and the cells (S, E) per year."""
    annees = range(2020, 2025)
    stocks = dict(zip(annees, (2, 4, 6, 8, 10), strict=True))
    entrees = dict(zip(annees, (1, 2, 2, 2, 2), strict=True))
    numeros = iter(range(1000))
    valeurs, annee_, records, par_annee = [], [], [], {}
    for annee in annees:
        par_annee[annee] = (len(valeurs), len(valeurs) + 1)
        for n in (stocks[annee], entrees[annee]):
            valeurs.append(n)
            annee_.append(annee)
            records.append(tuple(next(numeros) for _ in range(n)))
    cellules = moteur.Cellules(
        valeur=valeurs,
        pre_id=["p"] * len(valeurs),
        annee=annee_,
        records=records,
        occurrences=[[] for _ in valeurs],
        total=[False] * len(valeurs),
        cachee=[False] * len(valeurs),
    )
    relations = [
        ([(par_annee[a][0], 1), (par_annee[a - 1][0], -1), (par_annee[a][1], -1)], 0.0)
        for a in annees
        if a > 2020
    ]
    (complet,) = moteur.modeles([], cellules, 11, par_annee=False)[0].values()
    complet.relations = list(relations)
    blocs = moteur.modeles([], cellules, 11)[0]
    for modele in blocs.values():
        dedans = set(modele.cellules)
        modele.relations = [r for r in relations if any(u in dedans for u, _ in r[0])]
    return cellules, {("p", None): complet}, blocs, par_annee


def test_fenetres_de_trois_annees_entre_annee_seule_et_toutes_les_annees():
    """A window of three years, the years around it fixed at their true values, is a model
    whose points (completed by the true data) are points of the model of all years: the 2022
    stock has one value with the other years fixed, 4..7 in the window 2021-2023, 3..8 with
    every year free (worked out by hand from the identities)."""
    cellules, grands, blocs, par_annee = _chaine_de_stocks()
    etats = np.full(len(cellules), moteur.PRIMAIRE, dtype=np.int8)
    fenetres = moteur.fenetres(grands, cellules)
    # One window per year, shifted at the ends; each asked about its own year's cells.
    assert {
        cle: sorted({cellules.annee[u] for u in f.cellules}) for cle, f in fenetres.items()
    } == {
        ("p", 2020): [2020, 2021, 2022],
        ("p", 2021): [2020, 2021, 2022],
        ("p", 2022): [2021, 2022, 2023],
        ("p", 2023): [2022, 2023, 2024],
        ("p", 2024): [2022, 2023, 2024],
    }
    assert all(f.centre == frozenset(par_annee[a]) for (_, a), f in fenetres.items())
    s2022 = par_annee[2022][0]

    def intervalle(modele):
        solveur = moteur.Solveur(modele, cellules, etats, 11, externes_fixes=True)
        return solveur.intervalle(s2022)[:2]

    assert intervalle(blocs[("p", 2022)]) == (6, 6)
    assert intervalle(fenetres[("p", 2022)]) == (4, 7)
    assert intervalle(grands[("p", None)]) == (3, 8)


@pytest.mark.parametrize("seuil_ipm", [0, 10**9])
def test_enveloppes_des_annees_voisines(monkeypatch, seuil_ipm):
    """The 2022 year model with its neighbours' identity terms over the convex hull of
    points of their models (the years beyond fixed at their true values): by hand,
    S2021 = 2 + E2021 ranges over 3..10 (2020 fixed) and S2023 = 10 − E2024 = 8 (2024 fixed),
    so S2023 − E2023 over −2..7; then S2022 = S2021 + E2022 ≥ 4 and S2022 = S2023 − E2023 ≤ 7:
    4..7, what the window of three years gives, with a model of one year; the other years
    fixed give 6..6. The same whether the first solve of a neighbouring year's model is by
    interior point (large models) or by the simplex."""
    monkeypatch.setattr(moteur, "VARIABLES_POINT_INTERIEUR", seuil_ipm)
    cellules, _, blocs, par_annee = _chaine_de_stocks()
    etats = np.full(len(cellules), moteur.PRIMAIRE, dtype=np.int8)
    enveloppes = moteur.enveloppes(blocs, cellules, etats, 11)
    assert set(enveloppes) == set(blocs)
    # 2022's neighbours: one identity each, its terms pushed down and up, and the real data.
    (liens_avant, avant), (liens_apres, apres) = enveloppes[("p", 2022)].enveloppe
    assert len(liens_avant) == len(liens_apres) == 1
    assert sorted(avant[:, 0].tolist()) == [-10, -4, -3]  # −S2021
    assert sorted(apres[:, 0].tolist()) == [-2, 6, 7]  # S2023 − E2023
    solveur = moteur.Solveur(enveloppes[("p", 2022)], cellules, etats, 11, externes_fixes=True)
    assert solveur.intervalle(par_annee[2022][0])[:2] == (4, 7)
    assert moteur.Solveur(blocs[("p", 2022)], cellules, etats, 11, externes_fixes=True).intervalle(
        par_annee[2022][0]
    )[:2] == (6, 6)
    # The first and last years have one neighbour each.
    assert len(enveloppes[("p", 2020)].enveloppe) == len(enveloppes[("p", 2024)].enveloppe) == 1


def test_pas_d_enveloppe_si_une_identite_saute_une_annee():
    """The envelopes' argument holds for identities between two consecutive years only: one
    tying 2020 to 2022 (a neighbouring year to a year fixed beyond it, for 2021's model) and
    the year models are returned without envelopes."""
    cellules, _, blocs, par_annee = _chaine_de_stocks()
    etats = np.full(len(cellules), moteur.PRIMAIRE, dtype=np.int8)
    saut = ([(par_annee[2020][0], 1), (par_annee[2022][1], -1)], 0.0)
    for annee in (2020, 2022):
        blocs[("p", annee)].relations.append(saut)
    enveloppes = moteur.enveloppes(blocs, cellules, etats, 11)
    assert set(enveloppes) == set(blocs)
    assert all(m.enveloppe is None for m in enveloppes.values())


@pytest.mark.parametrize("seuil_ipm", [0, 10**9])
def test_premiere_resolution_par_point_interieur_memes_intervalles(monkeypatch, seuil_ipm):
    """A large model's first solve is by interior point (then crossover): the ranges are the
    ones worked out by hand, whichever way the first solve goes; an objective without bound
    (a secondary cell has no upper limit) still comes back as unbounded."""
    monkeypatch.setattr(moteur, "VARIABLES_POINT_INTERIEUR", seuil_ipm)
    cellules, grands, _, par_annee = _chaine_de_stocks()
    etats = np.full(len(cellules), moteur.PRIMAIRE, dtype=np.int8)
    complet = grands[("p", None)]
    s2022 = par_annee[2022][0]
    solveur = moteur.Solveur(complet, cellules, etats, 11)
    assert solveur.premiere
    bas, _ = solveur._optimiser(s2022, -1)
    # The interior point method ran for the first solve only when the model is large enough.
    assert (solveur.h.getInfo().ipm_iteration_count > 0) == (seuil_ipm == 0)
    assert not solveur.premiere
    assert (bas, solveur._optimiser(s2022, +1)[0]) == (3, 8)
    assert solveur.h.getInfo().ipm_iteration_count == 0
    # The 2024 stock and entries masked as secondary: the entries have no upper limit then
    # (S2024 = S2023 + E2024, S2024 unbounded), from the first solve on.
    s2024, e2024 = par_annee[2024]
    etats[[s2024, e2024]] = moteur.SECONDAIRE
    solveur = moteur.Solveur(complet, cellules, etats, 11)
    assert solveur._optimiser(e2024, +1)[0] == math.inf
    assert solveur._optimiser(e2024, -1)[0] == 1  # an « s » is at least one child


@pytest.mark.parametrize("valeurs_min, prouvee_par", [(4, "enveloppe"), (5, "tout")])
def test_passe_grands_prouve_au_plus_petit_modele_suffisant(valeurs_min, prouvee_par):
    """The 2022 stock keeps 4 values in its year model with its neighbours' envelopes, 6 in
    the model of all years: with a rule of 4 the year model proves it; with 5 the model of all
    years does, without suppressing more."""
    cellules, grands, blocs, par_annee = _chaine_de_stocks()
    etats = np.full(len(cellules), moteur.PRIMAIRE, dtype=np.int8)
    surs_fixes: set[int] = set()
    surs_grands: set[int] = set()
    ajoutees = moteur.passe_grands(
        grands, blocs, cellules, etats, 11, valeurs_min, surs_fixes, surs_grands
    )
    s2022 = par_annee[2022][0]
    assert ajoutees == 0 and (etats == moteur.PRIMAIRE).all()
    assert (s2022 in surs_fixes, s2022 in surs_grands) == (
        (True, False) if prouvee_par == "enveloppe" else (False, True)
    )


def test_modele_complet_en_parts_independant_des_fils(monkeypatch):
    """The model of all years is solved in parts (for several cores); what it suppresses
    does not depend on the number of threads, and every small count ends proven."""
    resultats = []
    for fils in ("1", "2"):
        monkeypatch.setenv("PRE_PROTECTION_FILS", fils)
        cellules, grands, _, _ = _chaine_de_stocks()
        etats = np.full(len(cellules), moteur.PRIMAIRE, dtype=np.int8)
        surs: set[int] = set()
        # A rule of 7 values: the stocks pinned by the identities need more suppression.
        ajoutees = moteur.passe_jointe(grands, cellules, etats, 11, 7, surs, {}, parts=2)
        sensibles = {u for u in range(len(cellules)) if moteur.sensible(cellules, etats, u, 11)}
        assert ajoutees > 0 and sensibles <= surs
        resultats.append(etats.tolist())
    assert resultats[0] == resultats[1]
