"""Record lineage: every count cell comes with the identifiers of the records it counts.

For each query whose `secret:` header declares counts, `executer_brut` returns `x__ids` beside
every count column `x`: the sorted distinct identifiers (`b:` a child, `p:` a parcours), as many as
the count, or a NULL list for the counts declared without lineage (`-- lineage: x=none (why)`).
Checked on the fixture and the demo databases over many views; then that the lists are really
record-level (the programme is the union of its communes, a QPV of the map is that QPV's Synthèse
cell, inside and outside a Cité make the programme).
"""

from __future__ import annotations

import itertools

import duckdb
import polars as pl
import pytest

from pre_pilotage import config
from pre_pilotage.requetes import SUFFIXE_LIGNAGE, charger, executer, executer_brut
from tests.fixture_base import ALPHA, BETA, CITE, PRE, QPV_ALPHA, QPV_BETA

ENFANT, PARCOURS = "b:", "p:"
ENFANTS_ET_FLUX = {"actifs": ENFANT, "entrees": PARCOURS, "sorties": PARCOURS}
SYNTHESE = ENFANTS_ET_FLUX | {"beneficiaires_qpv": ENFANT, "beneficiaires_hors_qpv": ENFANT}

# The kind of record behind every count column of every query (None: declared without lineage).
NATURE: dict[str, dict[str, str | None]] = {
    "beneficiaires_par_annee": ENFANTS_ET_FLUX,
    "beneficiaires_par_tranche_age": {"beneficiaires": ENFANT},
    "budget_chiffres_cles": SYNTHESE,
    "budget_execution_par_fiche": {"beneficiaires_realises": None},
    "budget_par_annee": ENFANTS_ET_FLUX,
    "budget_par_thematique": {"beneficiaires": ENFANT},
    "carte_etablissements": {"beneficiaires": ENFANT},
    "carte_qpv": {"beneficiaires": ENFANT},
    "carte_qpv_fiches_action": {"enfants": ENFANT},
    "cite_dedans_dehors": {
        f"{quoi}_{ou}": ENFANT
        for quoi in ("enfants", "orientes_ecole", "orientes_autres")
        for ou in ("cite", "hors_cite", "programme")
    }
    | {f"sorties_{ou}": PARCOURS for ou in ("cite", "hors_cite", "programme")},
    "cite_orientations": dict.fromkeys(
        ("orientations", "orientations_cite", "orientations_autres"), PARCOURS
    ),
    "cite_scolarisation_residence": dict.fromkeys(
        (
            "beneficiaires",
            "scolarises_cite",
            "non_scolarises_cite",
            "residant_qpv_cite",
            "non_residant_qpv_cite",
        ),
        ENFANT,
    ),
    "publics_duree_parcours": {"effectif": PARCOURS},
    "publics_eps": {"situations_examinees": None},
    "publics_indicateurs": {
        "actifs": ENFANT,
        "parcours_actifs": PARCOURS,
        "sorties": PARCOURS,
        "parcours_premiere_eps": PARCOURS,
        "suivi_ase": ENFANT,
        "transition_cp_ce1": ENFANT,
        "transition_cm2_6e": ENFANT,
    },
    "publics_motifs_orientation": {"effectif": PARCOURS, "parcours_actifs": PARCOURS},
    "publics_motifs_sortie": {"effectif": PARCOURS},
    "publics_par_niveau_scolaire": {"effectif": ENFANT},
    "publics_par_orienteur": {"effectif": PARCOURS},
    "publics_par_profil": {"effectif": PARCOURS},
    "publics_par_residence": {"effectif": ENFANT},
    "publics_par_sexe": {"effectif": ENFANT},
    "publics_par_tranche_age": {"effectif": ENFANT},
    "publics_types_action": {"effectif": PARCOURS, "parcours_actifs": PARCOURS},
    "synthese_equipe": {"actifs_programme": ENFANT},
    "synthese_depuis_copil": {
        f"{flux}_{quand}": PARCOURS
        for flux in ("entrees", "sorties")
        for quand in ("copil", "depuis", "fin")
    },
    "synthese_publics": SYNTHESE,
}

AVEC_COMPTES = sorted(
    p.stem for p in config.DOSSIER_REQUETES.glob("*.sql") if charger(p.stem).regles.counts
)


def ids(cadre: pl.DataFrame, colonne: str, **filtre) -> set[str]:
    lignes = cadre.filter(*(pl.col(k) == v for k, v in filtre.items())) if filtre else cadre
    return {i for liste in lignes[f"{colonne}{SUFFIXE_LIGNAGE}"] for i in liste}


def brut(con, nom: str, **valeurs) -> pl.DataFrame:
    return executer_brut(con, nom, **{k: valeurs[k] for k in charger(nom).parametres})


def vues(con: duckdb.DuckDBPyConnection, pre_id: str) -> list[dict]:
    """Programme, each commune, each QPV of the programme, a commune with one of its QPV; two
    years; both geographies and both map levels."""
    communes = [
        c
        for (c,) in con.execute(
            "select code_insee from programme_commune where pre_id = ? order by 1", [pre_id]
        ).fetchall()
    ]
    paires = con.execute(
        "select qc.code_insee, qc.code_qp from qpv_commune as qc"
        " inner join programme_commune as pc on pc.code_insee = qc.code_insee"
        " where pc.pre_id = ? order by 2, 1",
        [pre_id],
    ).fetchall()
    territoires = (
        [(None, None)]
        + [(c, None) for c in communes]
        + [(None, q) for q in sorted({q for _, q in paires})]
        + paires[:1]
    )
    annee_max = con.execute(
        "select max(annee) from fiche_action where pre_id = ?", [pre_id]
    ).fetchall()[0][0]
    sortie = []
    for (commune, qpv), annee in itertools.product(territoires, (annee_max - 1, annee_max)):
        base = {"pre_id": pre_id, "commune": commune, "qpv": qpv, "annee": annee}
        sortie.append(base | {"geographie": 2024, "niveau": "territoire"})
        if commune is None and qpv is None:
            sortie.append(base | {"geographie": 2024, "niveau": "national"})
            sortie.append(base | {"geographie": 2015, "niveau": "territoire"})
    return sortie


@pytest.fixture(scope="module", params=["fixture", "demo"])
def base(request):
    """(connection, programme, views, known record identifiers) of one test database."""
    con = request.getfixturevalue(f"con_{request.param}")
    pre_id = con.execute("select min(pre_id) from programme").fetchall()[0][0]
    connus = {
        ENFANT + b
        for (b,) in con.execute(
            "select beneficiaire_id from beneficiaire where pre_id = ?", [pre_id]
        ).fetchall()
    } | {
        PARCOURS + p
        for (p,) in con.execute(
            "select parcours_id from parcours where pre_id = ?", [pre_id]
        ).fetchall()
    }
    return con, pre_id, vues(con, pre_id), pl.Series(sorted(connus))


def test_la_nature_de_chaque_comptage_est_declaree():
    assert sorted(NATURE) == AVEC_COMPTES
    for nom in AVEC_COMPTES:
        requete = charger(nom)
        assert set(requete.regles.counts) == set(NATURE[nom]), nom
        sans = {c for c, nature in NATURE[nom].items() if nature is None}
        assert {c for c, _ in requete.sans_lignage} == sans, nom


def test_comptages_sans_lignage():
    """The exact list of counts that are not counts of records, with their stated reason."""
    declares = {
        (nom, colonne): raison
        for nom in AVEC_COMPTES
        for colonne, raison in charger(nom).sans_lignage
    }
    assert set(declares) == {
        ("budget_execution_par_fiche", "beneficiaires_realises"),
        ("publics_eps", "situations_examinees"),
    }
    assert all("not a count of records" in raison for raison in declares.values())


@pytest.mark.parametrize("nom", AVEC_COMPTES)
def test_chaque_cellule_porte_ses_enregistrements(base, nom):
    con, _, toutes, connus = base
    requete = charger(nom)
    vus = set()
    lignes = 0
    for valeurs in toutes:
        parametres = tuple((k, valeurs[k]) for k in sorted(requete.parametres))
        if parametres in vus:
            continue
        vus.add(parametres)
        cadre = executer_brut(con, nom, **dict(parametres))
        if valeurs["commune"] is None and valeurs["qpv"] is None:
            # What `executer` runs (lists replaced by NULL lists) gives the same other columns.
            leger = con.sql(requete.sql_sans_lignage, params=dict(parametres)).pl()
            autres = [c for c in cadre.columns if not c.endswith(SUFFIXE_LIGNAGE)]
            assert leger.columns == cadre.columns
            assert leger.select(autres).equals(cadre.select(autres), null_equal=True), nom
        # The lineage columns come after every column of the result, in the order of counts=.
        colonnes_ids = [c for c in cadre.columns if c.endswith(SUFFIXE_LIGNAGE)]
        assert colonnes_ids == [f"{c}{SUFFIXE_LIGNAGE}" for c in requete.regles.counts]
        assert cadre.columns[-len(colonnes_ids) :] == colonnes_ids
        for colonne, nature in NATURE[nom].items():
            listes = cadre[f"{colonne}{SUFFIXE_LIGNAGE}"]
            assert listes.dtype == pl.List(pl.String), (nom, colonne)
            if nature is None:
                assert listes.null_count() == len(cadre), (nom, colonne)
                continue
            assert listes.null_count() == 0, (nom, colonne, parametres)
            controle = cadre.select(
                longueur=listes.list.len() == pl.col(colonne),
                triee_distincte=listes == listes.list.unique().list.sort(),
                prefixe=listes.list.eval(pl.element().str.starts_with(nature)).list.all(),
            )
            for critere in controle.columns:
                assert controle[critere].all(), (nom, colonne, critere, parametres)
            assert listes.explode().drop_nulls().is_in(connus).all(), (nom, colonne, parametres)
            lignes += len(cadre)
    assert lignes > 0 or all(n is None for n in NATURE[nom].values())


@pytest.mark.parametrize("nom", AVEC_COMPTES)
def test_executer_ne_montre_pas_les_identifiants(con_fixture, nom):
    valeurs = {
        "pre_id": PRE,
        "commune": None,
        "qpv": QPV_ALPHA if nom == "carte_qpv_fiches_action" else None,
        "annee": 2024,
        "geographie": 2024,
        "niveau": "territoire",
    }
    parametres = {k: valeurs[k] for k in charger(nom).parametres}
    masque = executer(con_fixture, nom, 11, **parametres)
    sans_ids = [c for c in executer_brut(con_fixture, nom, **parametres).columns]
    sans_ids = [c for c in sans_ids if not c.endswith(SUFFIXE_LIGNAGE)]
    assert not [c for c in masque.columns if c.endswith(SUFFIXE_LIGNAGE)]
    assert [c for c in masque.columns if not c.endswith("__secret")] == sans_ids


@pytest.mark.parametrize("nom", AVEC_COMPTES)
def test_executer_ne_calcule_pas_les_listes(nom):
    requete = charger(nom)
    assert "list_distinct(" in requete.sql or {c for c, _ in requete.sans_lignage} == set(
        requete.regles.counts
    )
    assert "list_distinct(" not in requete.sql_sans_lignage
    assert "list(" not in requete.sql_sans_lignage.replace("list(distinct", "")


def test_executer_brut_verifie_les_parametres(con_fixture):
    with pytest.raises(TypeError, match="paramètres attendus"):
        executer_brut(con_fixture, "synthese_publics", pre_id=PRE, annee=2025)


def test_lignage_mal_declare_refuse(tmp_path):
    entete = (
        "-- Children\n-- grain: one row\n-- params: none\n"
        "-- secret: counts=enfants\n-- lineage: {}\nselect 1 as enfants, [] as enfants__ids\n"
    )
    (tmp_path / "bonne.sql").write_text(entete.format("enfants=none (typed)"), encoding="utf-8")
    assert charger("bonne", tmp_path).sans_lignage == (("enfants", "typed"),)
    for nom, ligne in (("inconnue", "autre=none (typed)"), ("sans_raison", "enfants=none")):
        (tmp_path / f"{nom}.sql").write_text(entete.format(ligne), encoding="utf-8")
        with pytest.raises(ValueError, match="Lignage mal déclaré"):
            charger(nom, tmp_path)


# ------------------------------------------------------------ record-level identities (fixture)


@pytest.mark.parametrize("annee", [2024, 2025])
def test_le_programme_est_l_union_de_ses_communes(con_fixture, annee):
    territoire = {"pre_id": PRE, "qpv": None, "annee": annee}
    programme = brut(con_fixture, "synthese_publics", commune=None, **territoire)
    communes = [
        brut(con_fixture, "synthese_publics", commune=c, **territoire) for c in (ALPHA, BETA)
    ]
    for colonne in SYNTHESE:
        parts = [ids(c, colonne, annee=annee) for c in communes]
        assert parts[0].isdisjoint(parts[1]), colonne
        assert ids(programme, colonne, annee=annee) == parts[0] | parts[1], colonne
    # And, inside one view: actifs = in a QPV + outside, entries and exits are parcours.
    tout = ids(programme, "actifs", annee=annee)
    qpv, hors = (
        ids(programme, "beneficiaires_qpv", annee=annee),
        ids(programme, "beneficiaires_hors_qpv", annee=annee),
    )
    assert qpv.isdisjoint(hors) and qpv | hors == tout


@pytest.mark.parametrize("annee", [2024, 2025])
def test_un_qpv_de_la_carte_est_celui_de_la_synthese(con_fixture, annee):
    carte = brut(
        con_fixture,
        "carte_qpv",
        pre_id=PRE,
        commune=None,
        annee=annee,
        geographie=2024,
        niveau="territoire",
    )
    for qpv in (QPV_ALPHA, QPV_BETA):
        synthese = brut(
            con_fixture, "synthese_publics", pre_id=PRE, commune=None, qpv=qpv, annee=annee
        )
        residence = brut(
            con_fixture, "publics_par_residence", pre_id=PRE, commune=None, qpv=None, annee=annee
        )
        attendu = ids(synthese, "actifs", annee=annee)
        assert ids(carte, "beneficiaires", code_qp=qpv) == attendu
        assert ids(residence, "effectif", annee=annee, modalite=qpv) == attendu
    # 2024: Alpha Nord holds G1 and G2 (35 children), Beta Sud G4 (4).
    if annee == 2024:
        assert len(ids(carte, "beneficiaires", code_qp=QPV_ALPHA)) == 35
        assert len(ids(carte, "beneficiaires", code_qp=QPV_BETA)) == 4


@pytest.mark.parametrize("annee", [2024, 2025])
def test_dedans_et_dehors_la_cite_font_le_programme(con_fixture, annee):
    cite = brut(con_fixture, "cite_dedans_dehors", pre_id=PRE, annee=annee).filter(
        pl.col("cite_id") == CITE
    )
    synthese = brut(
        con_fixture, "synthese_publics", pre_id=PRE, commune=None, qpv=None, annee=annee
    )
    for quoi, colonne_synthese in (("enfants", "actifs"), ("sorties", "sorties")):
        dedans, dehors = ids(cite, f"{quoi}_cite"), ids(cite, f"{quoi}_hors_cite")
        assert dedans.isdisjoint(dehors)
        assert dedans | dehors == ids(cite, f"{quoi}_programme")
        assert ids(cite, f"{quoi}_programme") == ids(synthese, colonne_synthese, annee=annee)
    for ou in ("cite", "hors_cite", "programme"):
        ecole, autres = ids(cite, f"orientes_ecole_{ou}"), ids(cite, f"orientes_autres_{ou}")
        assert ecole.isdisjoint(autres) and ecole | autres == ids(cite, f"enfants_{ou}")


def test_les_modalites_partagent_les_enfants_de_l_annee(con_fixture):
    synthese = brut(con_fixture, "synthese_publics", pre_id=PRE, commune=None, qpv=None, annee=2025)
    for nom in ("publics_par_sexe", "publics_par_tranche_age", "publics_par_residence"):
        cadre = brut(con_fixture, nom, pre_id=PRE, commune=None, qpv=None, annee=2025)
        parts = [set(liste) for liste in cadre.filter(pl.col("annee") == 2025)["effectif__ids"]]
        assert sum(map(len, parts)) == len(set().union(*parts)), nom
        assert set().union(*parts) == ids(synthese, "actifs", annee=2025), nom
    budget = brut(
        con_fixture, "budget_chiffres_cles", pre_id=PRE, commune=None, qpv=None, annee=2025
    )
    for colonne in SYNTHESE:
        assert ids(budget, colonne, annee=2025) == ids(synthese, colonne, annee=2025)
