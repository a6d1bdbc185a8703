"""The protection's batched collection gives exactly the one-by-one frames.

Every view of the fixture (all of them) and of the demo (a fixed sample of parameter sets per
query, the one-by-one run of all 3,869 costing half a minute) is computed both ways and compared
frame by frame: values, types and row order.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import polars as pl

from pre_pilotage.protection import catalogue, groupees, moteur
from pre_pilotage.requetes import charger


def _comparer(con: duckdb.DuckDBPyConnection, demandes: list[tuple[str, dict]]) -> None:
    groupes = moteur._bruts(con, demandes, parallele=False, groupe=True)
    seuls = moteur._bruts(con, demandes, parallele=False, groupe=False)
    for (nom, params), a, b in zip(demandes, groupes, seuls, strict=True):
        assert a.schema == b.schema, (nom, params)
        assert a.equals(b), (nom, params, a, b)


def test_toutes_les_requetes_protegees_se_groupent():
    refusees = [
        nom
        for nom in catalogue.requetes_protegees()
        if groupees.sql_groupee(charger(nom).sql) is None
    ]
    assert refusees == []


def test_fixture_groupee_egale_requete_par_requete(con_fixture):
    _comparer(con_fixture, catalogue.vues(con_fixture))


def test_chaque_requete_du_catalogue_tourne_groupee_sur_la_fixture(con_fixture):
    """The typed parameter frame fits every query: none falls back to one run per set."""
    par_nom: dict[str, list[dict]] = defaultdict(list)
    for nom, params in catalogue.vues(con_fixture):
        par_nom[nom].append(params)
    repli = [
        nom
        for nom, liste in par_nom.items()
        if groupees.executer(con_fixture, charger(nom).sql, charger(nom).parametres, liste) is None
    ]
    assert repli == []
    assert len(par_nom) >= 20


def test_un_type_de_parametre_inconnu_retombe_sur_l_execution_une_a_une(con_fixture):
    sql = "select $d as d order by d"
    assert groupees.executer(con_fixture, sql, {"d": "DATE"}, [{"d": "2025-01-01"}]) is None
    lot = groupees.executer(
        con_fixture,
        "select $n + g as m from range(1, 2) t(g) order by g",
        {"n": "INTEGER"},
        [
            {"n": 1},
            {"n": None},
        ],
    )
    assert [c["m"].to_list() for c in lot] == [[2], [None]]


def test_demo_groupee_egale_requete_par_requete_sur_echantillon(con_demo):
    par_nom: dict[str, list] = defaultdict(list)
    for demande in catalogue.vues(con_demo):
        par_nom[demande[0]].append(demande)
    echantillon = [d for liste in par_nom.values() for d in liste[::15]]
    assert len(par_nom) >= 20 and len(echantillon) > 200
    _comparer(con_demo, echantillon)


def test_ordre_final_garde_avec_egalites_et_requetes_non_groupables():
    con = duckdb.connect()
    con.execute(
        "create table t as select * from (values ('a', 3, 1), ('a', 1, 2), ('b', 2, 1), "
        "('a', 2, 2), ('b', 5, 2)) as v(g, x, y)"
    )
    sql = (
        "-- a comment with order by inside\n"
        "select g, x, 'order by' as texte from t where g = $g and x > $x order by y desc, x"
    )
    lot = groupees.executer(
        con,
        sql,
        {"g": "VARCHAR", "x": "INTEGER"},
        [{"g": "a", "x": 0}, {"g": "b", "x": 9}, {"g": "a", "x": 1}],
    )
    assert lot is not None
    assert lot[0].rows() == [("a", 1, "order by"), ("a", 2, "order by"), ("a", 3, "order by")]
    assert lot[1].rows() == [] and lot[1].columns == ["g", "x", "texte"]
    assert lot[2].rows() == [("a", 2, "order by"), ("a", 3, "order by")]
    for non_groupable in (
        "select x from t where g = $g",  # no final order: nothing to keep
        "select x from t where g = $g order by x limit 2",
        "select x from t where g = $g union all select 1 order by x",
        "select distinct x from t where g = $g order by x",
    ):
        assert groupees.sql_groupee(non_groupable) is None, non_groupable
        assert groupees.executer(con, non_groupable, {"g": "VARCHAR"}, [{"g": "a"}]) is None


def test_une_requete_refusee_par_duckdb_retombe_sur_l_execution_une_a_une(con_fixture, monkeypatch):
    monkeypatch.setattr(groupees, "sql_groupee", lambda sql: "select * from table_inexistante")
    demandes = catalogue.vues(con_fixture)[:5]
    assert (
        groupees.executer(
            con_fixture,
            charger(demandes[0][0]).sql,
            charger(demandes[0][0]).parametres,
            [demandes[0][1]],
        )
        is None
    )
    attendus = [moteur._brut(con_fixture, nom, p, curseur=True) for nom, p in demandes]
    for a, b in zip(moteur._bruts(con_fixture, demandes, parallele=False), attendus, strict=True):
        assert a.equals(b)
    assert isinstance(attendus[0], pl.DataFrame)
