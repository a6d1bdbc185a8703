"""Tests of the statistical disclosure control (pre_pilotage.confidentialite).

The property-based tests use attackers written independently of the module: a
dynamic programme over achievable sums for 1-D groups, and linear programming
(scipy.optimize.linprog) over every public linear constraint for 2-D tables and
stock-flow series. They only read what the protected frame shows.
"""

from __future__ import annotations

import warnings

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pre_pilotage.confidentialite import Regles, lire_regles, proteger

SECRET = "__secret"
REGLAGES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def jetons(out: pl.DataFrame, col: str) -> list[str | None]:
    return out.get_column(col + SECRET).to_list()


def une_colonne(valeurs: list[int], seuil: int = 11) -> tuple[list, list]:
    out = proteger(pl.DataFrame({"n": valeurs}), Regles(counts=("n",), partition=()), seuil)
    return out.get_column("n").to_list(), jetons(out, "n")


# ------------------------------------------------------------------- attackers


def possibles_1d(visibles: list, toks: list, i: int, total: int | None, seuil: int) -> set[int]:
    """Exact set of values of cell i given shown cells, tokens and the public total."""

    def domaine(k: int) -> range | None:
        if toks[k] is None:
            return range(visibles[k], visibles[k] + 1)
        if toks[k] == f"< {seuil}":
            return range(1, seuil)
        assert toks[k] == "s"
        return None if total is None else range(0, total + 1)

    if total is None:
        d = domaine(i)
        return set(range(0, 1000)) if d is None else set(d)
    sommes = {0}
    for k in range(len(toks)):
        if k != i:
            sommes = {s + x for s in sommes for x in domaine(k) if s + x <= total}
    return {x for x in domaine(i) if total - x in sommes}


def bornes_lp(visibles: dict, toks: dict, equations: list[tuple[dict, float]], seuil: int) -> dict:
    """LP min/max of every masked cell. visibles: name -> shown value (None if masked)."""
    masquees = sorted(n for n in toks if toks[n] is not None)
    pos = {n: j for j, n in enumerate(masquees)}
    a_eq, b_eq = [], []
    for coefs, rhs in equations:
        ligne, reste = [0.0] * len(masquees), float(rhs)
        for nom, coef in coefs.items():
            if nom in pos:
                ligne[pos[nom]] += coef
            else:
                reste -= coef * visibles[nom]
        if any(ligne):
            a_eq.append(ligne)
            b_eq.append(reste)
        else:
            assert abs(reste) < 1e-9, "shown cells contradict a public relation"
    bornes = [(1, seuil - 1) if toks[n] == f"< {seuil}" else (0, None) for n in masquees]
    resultat = {}
    for nom in masquees:
        c = [0.0] * len(masquees)
        c[pos[nom]] = 1.0
        extremes = []
        for signe in (1, -1):
            res = linprog(
                [signe * x for x in c],
                A_eq=a_eq or None,
                b_eq=b_eq or None,
                bounds=bornes,
                method="highs",
            )
            assert res.status in (0, 3), res.message  # 3: unbounded maximum
            extremes.append(float("inf") if res.status == 3 else signe * res.fun)
        resultat[nom] = tuple(extremes)
    return resultat


def verifier_invariants(df: pl.DataFrame, out: pl.DataFrame, regles: Regles, seuil: int) -> None:
    secrets = [c + SECRET for c in regles.counts] + [r + SECRET for r, _ in regles.rates]
    assert out.columns == df.columns + secrets
    assert out.height == df.height
    proteges = set(regles.counts) | {r for r, _ in regles.rates}
    for col in df.columns:
        if col not in proteges:
            assert out.get_column(col).to_list() == df.get_column(col).to_list()
    for col in secrets:
        assert out.schema[col] == pl.String
    for col in regles.counts:
        assert out.schema[col] == df.schema[col]
        for v_in, v_out, tok in zip(
            df[col].to_list(), out[col].to_list(), jetons(out, col), strict=True
        ):
            assert tok in (None, f"< {seuil}", "s")
            if tok is None:
                assert v_out == v_in
                assert v_in is None or not 1 <= v_in <= seuil - 1
            else:
                assert v_in is not None and v_out is None
            if tok == f"< {seuil}":
                assert 1 <= v_in <= seuil - 1
    for taux, deps in regles.rates:
        for i, (v_in, v_out, tok) in enumerate(
            zip(df[taux].to_list(), out[taux].to_list(), jetons(out, taux), strict=True)
        ):
            attendu = any(
                (dep in regles.counts and jetons(out, dep)[i] is not None)
                or (df[dep][i] is not None and 0 < df[dep][i] < seuil)
                for dep in deps
            )
            assert (tok == "s") == attendu
            assert tok in (None, "s")
            assert v_out == (None if attendu else v_in)


# ------------------------------------------------------------------ unit tests


def test_une_petite_valeur_et_la_plus_petite_autre_en_secondaire():
    assert une_colonne([25, 3, 40]) == ([None, None, 40], ["s", "< 11", None])


def test_un_zero_peut_etre_choisi_en_secondaire():
    assert une_colonne([0, 5, 100]) == ([None, None, 100], ["s", "< 11", None])
    visibles, toks = une_colonne([0, 5, 100])
    assert possibles_1d(visibles, toks, 1, 105, 11) == {1, 2, 3, 4, 5}


def test_deux_petites_valeurs_complementaires_sans_cellule_visible():
    # 10 + 10 = 20 public: with both cells in [1, 10] each would be pinned to 10.
    visibles, toks = une_colonne([10, 10])
    assert visibles == [None, None]
    assert sorted(toks, key=str) == ["< 11", "s"]
    for i in range(2):
        assert len(possibles_1d(visibles, toks, i, 20, 11)) >= 2


def test_total_de_groupe_sous_le_seuil_pas_de_secondaire():
    assert une_colonne([3, 0, 4]) == ([None, 0, None], ["< 11", None, "< 11"])
    df = pl.DataFrame({"g": ["a", "a", "b", "b"], "n": [3, 4, 25, 3]})
    out = proteger(df, Regles(counts=("n",), partition=("g",)))
    assert jetons(out, "n") == ["< 11", "< 11", "s", "< 11"]
    assert out["n"].to_list() == [None, None, None, None]


def test_groupes_par_cle_independants():
    df = pl.DataFrame({"g": ["a", "b", "a", "b"], "n": [3, 30, 20, 50]})
    out = proteger(df, Regles(counts=("n",), partition=("g",)))
    assert jetons(out, "n") == ["< 11", None, "s", None]


def test_sans_partition_pas_de_secondaire():
    out = proteger(pl.DataFrame({"n": [25, 3, 40]}), Regles(counts=("n",)))
    assert jetons(out, "n") == [None, "< 11", None]


def test_sums_entre_colonnes():
    df = pl.DataFrame({"qpv": [3, 20], "hors_qpv": [50, 31], "actifs": [53, 51]})
    regles = Regles(counts=("actifs", "qpv", "hors_qpv"), sums=(("actifs", ("qpv", "hors_qpv")),))
    out = proteger(df, regles)
    assert jetons(out, "qpv") == ["< 11", None]
    assert jetons(out, "hors_qpv") == ["s", None]
    assert jetons(out, "actifs") == [None, None]
    assert out.row(0) == (None, None, 53, None, "< 11", "s")


def test_sums_avec_parties_non_comptees_sont_publiques():
    # qpv is not a count: it is shown, so it acts as a public constant.
    df = pl.DataFrame({"actifs": [15], "qpv": [12], "hors_qpv": [3]})
    regles = Regles(counts=("actifs", "hors_qpv"), sums=(("actifs", ("qpv", "hors_qpv")),))
    out = proteger(df, regles)
    assert jetons(out, "hors_qpv") == ["< 11"]
    assert jetons(out, "actifs") == ["s"]


def test_fuite_stock_flux_bloquee():
    # actifs[2025] = actifs[2024] - sorties[2024] + entrees[2025] = 120 - 46 + 4 = 78
    df = pl.DataFrame(
        {"annee": [2024, 2025], "actifs": [120, 78], "entrees": [40, 4], "sorties": [46, 30]}
    )
    regles = Regles(
        counts=("actifs", "entrees", "sorties"),
        stock_flow=("annee", "actifs", "entrees", "sorties"),
    )
    out = proteger(df, regles)
    assert out["entrees"].to_list() == [40, None]
    assert jetons(out, "entrees") == [None, "< 11"]
    # Smallest shown cell of the identity (sorties 2024 = 46) is suppressed.
    assert jetons(out, "sorties") == ["s", None]
    assert jetons(out, "actifs") == [None, None]
    toks = {(i, c): jetons(out, c)[i] for i in range(2) for c in regles.counts}
    vis = {(i, c): out[c][i] for i in range(2) for c in regles.counts}
    egalite = {(1, "actifs"): 1, (0, "actifs"): -1, (0, "sorties"): 1, (1, "entrees"): -1}
    lo, hi = bornes_lp(vis, toks, [(egalite, 0)], 11)[(1, "entrees")]
    assert hi - lo >= 1


def test_stock_flux_ordre_des_lignes_et_partition_par_territoire():
    df = pl.DataFrame(
        {
            "territoire": ["B", "A", "A", "B"],
            "annee": [2025, 2025, 2024, 2024],
            "actifs": [60, 78, 120, 50],
            "entrees": [30, 4, 40, 20],
            "sorties": [15, 30, 46, 20],
        }
    )
    regles = Regles(
        counts=("actifs", "entrees", "sorties"),
        partition=("territoire", "annee"),
        stock_flow=("annee", "actifs", "entrees", "sorties"),
    )
    out = proteger(df, regles)
    assert jetons(out, "entrees") == [None, "< 11", None, None]
    assert jetons(out, "sorties") == [None, None, "s", None]


def test_identite_approchee_protegee_avec_avertissement():
    # 118 != 120 - 46 + 4: the identity is off by 40, which could be public knowledge.
    df = pl.DataFrame(
        {"annee": [2024, 2025], "actifs": [120, 118], "entrees": [40, 4], "sorties": [46, 30]}
    )
    regles = Regles(
        counts=("actifs", "entrees", "sorties"),
        stock_flow=("annee", "actifs", "entrees", "sorties"),
    )
    with pytest.warns(UserWarning, match="do not hold"):
        out = proteger(df, regles)
    assert jetons(out, "entrees") == [None, "< 11"]
    assert jetons(out, "sorties") == ["s", None]


def test_tableau_2d_fuite_par_combinaison_de_relations():
    # Relation by relation, masking b (row) and c (column) looks enough, but
    # b = C2 - d would then give a = r1 - b: d must be suppressed too.
    out = proteger(*tableau_2d([[3, 20], [30, 40]]))
    assert jetons(out, "c1") == ["< 11", "s"]
    assert jetons(out, "c2") == ["s", "s"]
    assert jetons(out, "total") == [None, None]
    verifier_tableau_2d([[3, 20], [30, 40]], 11)


def test_taux_masques():
    df = pl.DataFrame(
        {
            "qpv": [3, 40, 30, 20],
            "hors_qpv": [50, 60, 5, 0],
            "sorties": [12, 5, 40, 0],
            "part_qpv": [0.06, 0.4, 0.86, 1.0],
            "duree_mediane": [10.0, 11.0, 12.0, None],
        }
    )
    regles = Regles(
        counts=("qpv",),
        partition=(),
        rates=(("part_qpv", ("qpv", "hors_qpv")), ("duree_mediane", ("sorties",))),
    )
    out = proteger(df, regles)
    assert jetons(out, "qpv") == ["< 11", None, None, "s"]
    # row 0: qpv primary; row 2: hors_qpv = 5 small; row 3: qpv secondary.
    assert jetons(out, "part_qpv") == ["s", None, "s", "s"]
    assert out["part_qpv"].to_list() == [None, 0.4, None, None]
    # sorties is not a count: 5 is still small for the rate.
    assert jetons(out, "duree_mediane") == [None, "s", None, None]
    assert out["duree_mediane"].to_list() == [10.0, None, 12.0, None]
    assert out.columns[-2:] == ["part_qpv__secret", "duree_mediane__secret"]
    verifier_invariants(df, out, regles, 11)


def test_seuil_parametrable():
    assert une_colonne([25, 3, 40], seuil=5) == ([None, None, 40], ["s", "< 5", None])
    assert une_colonne([25, 7, 40], seuil=5) == ([25, 7, 40], [None, None, None])
    assert une_colonne([25, 1, 40], seuil=3) == ([None, None, 40], ["s", "< 3", None])


def test_seuil_2_ne_revele_pas_les_1():
    # "< 2" would mean exactly 1: such cells get the token "s".
    assert une_colonne([25, 1, 40], seuil=2) == ([None, None, 40], ["s", "s", None])
    assert une_colonne([0, 1, 0], seuil=2) == ([0, None, 0], [None, "s", None])


@pytest.mark.parametrize("seuil", [1, 0, -3, 2.5, 11.0, True, "11", None])
def test_seuil_invalide(seuil):
    with pytest.raises(ValueError, match="seuil"):
        proteger(pl.DataFrame({"n": [1]}), Regles(counts=("n",)), seuil)


@pytest.mark.parametrize(
    "regles, manquante",
    [
        (Regles(counts=("inconnue",)), "inconnue"),
        (Regles(counts=("n",), partition=("zone",)), "zone"),
        (Regles(counts=("n",), sums=(("n", ("a", "b")),)), "b"),
        (Regles(counts=("n",), stock_flow=("an", "n", "e", "s")), "an"),
        (Regles(counts=("n",), rates=(("taux", ("n",)),)), "taux"),
        (Regles(counts=("n",), rates=(("g", ("dep",)),)), "dep"),
    ],
)
def test_colonne_inconnue(regles, manquante):
    df = pl.DataFrame({"g": ["x"], "n": [5], "a": [1]})
    with pytest.raises(ValueError, match=f"'{manquante}'"):
        proteger(df, regles)


def test_colonnes_invalides():
    with pytest.raises(ValueError, match="numeric"):
        proteger(pl.DataFrame({"n": ["a"]}), Regles(counts=("n",)))
    with pytest.raises(ValueError, match="non-negative"):
        proteger(pl.DataFrame({"n": [-1]}), Regles(counts=("n",)))
    with pytest.raises(ValueError, match="non-negative"):
        proteger(pl.DataFrame({"n": [1.5]}), Regles(counts=("n",)))
    with pytest.raises(ValueError, match="already exists"):
        proteger(pl.DataFrame({"n": [1], "n__secret": ["x"]}), Regles(counts=("n",)))


def test_regles_invalides():
    with pytest.raises(ValueError, match="also declared as a count"):
        Regles(counts=("n",), rates=(("n", ("m",)),))
    with pytest.raises(ValueError, match="duplicated"):
        Regles(counts=("n", "n"))
    with pytest.raises(ValueError, match="stock_flow"):
        Regles(stock_flow=("a", "b", "c"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="itself"):
        Regles(sums=(("t", ("t", "a")),))
    assert Regles(counts=["a", "b"]).counts == ("a", "b")  # type: ignore[arg-type]


def test_entree_non_modifiee_et_determinisme():
    df = pl.DataFrame({"g": ["a"] * 4 + ["b"] * 3, "n": [3, 25, 0, 7, 12, 40, 2]})
    copie = df.clone()
    regles = Regles(counts=("n",), partition=("g",))
    premier = proteger(df, regles)
    assert df.equals(copie)
    assert df.columns == ["g", "n"]
    for _ in range(3):
        assert proteger(df, regles).equals(premier)


def test_nulls_laisses_tels_quels():
    df = pl.DataFrame({"n": [None, 3, 30, None, 25]}, schema={"n": pl.Int32})
    out = proteger(df, Regles(counts=("n",), partition=()))
    assert out["n"].to_list() == [None, None, 30, None, None]
    assert jetons(out, "n") == [None, "< 11", None, None, "s"]
    assert out.schema["n"] == pl.Int32


@pytest.mark.parametrize("dtype", [pl.Int8, pl.UInt32, pl.Int64, pl.Int128, pl.Float64])
def test_types_conserves(dtype):
    df = pl.DataFrame({"n": [3, 25, 40]}, schema={"n": dtype})
    out = proteger(df, Regles(counts=("n",), partition=()))
    assert out.schema["n"] == dtype
    assert jetons(out, "n") == ["< 11", "s", None]


def test_tableau_vide():
    df = pl.DataFrame(
        {"annee": [], "n": [], "taux": []},
        schema={"annee": pl.Int64, "n": pl.Int64, "taux": pl.Float64},
    )
    regles = Regles(
        counts=("n",),
        partition=(),
        rates=(("taux", ("n",)),),
    )
    out = proteger(df, regles)
    assert out.height == 0
    assert out.columns == ["annee", "n", "taux", "n__secret", "taux__secret"]
    assert out.schema["n__secret"] == pl.String
    assert out.schema["n"] == pl.Int64


def test_sans_regles():
    df = pl.DataFrame({"n": [1, 2]})
    out = proteger(df, Regles())
    assert out.equals(df)


# ----------------------------------------------------------------- lire_regles


def test_lire_regles_toutes_les_clauses():
    texte = (
        "counts=actifs,entrees,sorties; partition=annee; sum=actifs:qpv+hors_qpv; "
        "stock_flow=annee:actifs:entrees:sorties; rate=part_qpv:qpv,hors_qpv; "
        "rate=duree_mediane:sorties"
    )
    assert lire_regles(texte) == Regles(
        counts=("actifs", "entrees", "sorties"),
        partition=("annee",),
        sums=(("actifs", ("qpv", "hors_qpv")),),
        stock_flow=("annee", "actifs", "entrees", "sorties"),
        rates=(("part_qpv", ("qpv", "hors_qpv")), ("duree_mediane", ("sorties",))),
    )


def test_lire_regles_variantes():
    assert lire_regles("none") == Regles()
    assert lire_regles("  NONE ") == Regles()
    assert lire_regles("") == Regles()
    assert lire_regles("counts=n;partition=*") == Regles(counts=("n",), partition=())
    assert lire_regles("  counts = a , b ;  partition = zone, annee ; ") == Regles(
        counts=("a", "b"), partition=("zone", "annee")
    )
    assert lire_regles("counts=t,a,b,c; sum=t:a + b; sum = t : c") == Regles(
        counts=("t", "a", "b", "c"), sums=(("t", ("a", "b")), ("t", ("c",)))
    )
    assert lire_regles("counts=n").partition is None
    assert lire_regles("stock_flow = an : s : e : x").stock_flow == ("an", "s", "e", "x")


@pytest.mark.parametrize(
    "texte, message",
    [
        ("counts=a; colour=b", "unknown clause"),
        ("count=a", "unknown clause"),
        ("counts", "key=value"),
        ("counts=", "empty"),
        ("counts=a,,b", "bad column name"),
        ("counts=a b", "bad column name"),
        ("counts=a; counts=b", "twice"),
        ("partition=a; partition=b", "twice"),
        ("sum=t", "total:a"),
        ("sum=t:a+", "bad column name"),
        ("sum=t,u:a+b", "bad column name"),
        ("sum=t:t+b", "itself"),
        ("stock_flow=an:s:e", "time:stock"),
        ("stock_flow=an:s:e:x:y", "time:stock"),
        ("stock_flow=an:s:s:x", "duplicated"),
        ("rate=r", "rate:a"),
        ("rate=r:a; rate=r:b", "twice"),
        ("counts=a; rate=a:b", "also declared as a count"),
        ("none; counts=a", "none"),
    ],
)
def test_lire_regles_erreurs(texte, message):
    with pytest.raises(ValueError, match=message):
        lire_regles(texte)


# ------------------------------------------------------------- property tests


@REGLAGES
@given(
    valeurs=st.lists(st.integers(0, 60), min_size=2, max_size=7),
    seuil=st.sampled_from([11, 11, 5, 3, 2]),
)
def test_propriete_groupe_1d(valeurs, seuil):
    df = pl.DataFrame({"n": valeurs})
    regles = Regles(counts=("n",), partition=())
    out = proteger(df, regles, seuil)
    verifier_invariants(df, out, regles, seuil)
    visibles, toks = out["n"].to_list(), jetons(out, "n")
    total = sum(valeurs) if sum(valeurs) >= seuil else None
    for i, v in enumerate(valeurs):
        if 1 <= v <= seuil - 1:
            possibles = possibles_1d(visibles, toks, i, total, seuil)
            assert v in possibles
            assert len(possibles) >= 2, (valeurs, toks, i)


def tableau_2d(lignes: list[list[int]]) -> tuple[pl.DataFrame, Regles]:
    k = len(lignes[0])
    cols = [f"c{j + 1}" for j in range(k)]
    data = {"cle": [f"l{i}" for i in range(len(lignes))]}
    for j, col in enumerate(cols):
        data[col] = [ligne[j] for ligne in lignes]
    data["total"] = [sum(ligne) for ligne in lignes]
    regles = Regles(counts=(*cols, "total"), partition=(), sums=(("total", tuple(cols)),))
    return pl.DataFrame(data), regles


def verifier_tableau_2d(lignes: list[list[int]], seuil: int) -> None:
    df, regles = tableau_2d(lignes)
    out = proteger(df, regles, seuil)
    verifier_invariants(df, out, regles, seuil)
    cols = list(regles.counts)
    n = len(lignes)
    toks = {(i, c): jetons(out, c)[i] for i in range(n) for c in cols}
    vis = {(i, c): out[c][i] for i in range(n) for c in cols}
    equations = []
    for i in range(n):  # row identities
        coefs = {(i, "total"): 1} | {(i, c): -1 for c in cols[:-1]}
        equations.append((coefs, 0))
    for c in cols:  # column totals (the total column gives the grand total)
        total = df[c].sum()
        if total >= seuil:
            equations.append(({(i, c): 1 for i in range(n)}, total))
    bornes = bornes_lp(vis, toks, equations, seuil)
    for cell, (lo, hi) in bornes.items():
        vrai = df[cell[1]][cell[0]]
        assert lo - 1e-7 <= vrai <= hi + 1e-7
        if 1 <= vrai <= seuil - 1:
            assert hi - lo >= 1 - 1e-7, (lignes, cell, lo, hi, toks)


@REGLAGES
@given(
    lignes=st.integers(2, 3).flatmap(
        lambda k: st.lists(
            st.lists(st.integers(0, 30), min_size=k, max_size=k), min_size=2, max_size=4
        )
    ),
    seuil=st.sampled_from([11, 11, 5, 3]),
)
def test_propriete_tableau_2d(lignes, seuil):
    verifier_tableau_2d(lignes, seuil)


@st.composite
def series_stock_flux(draw):
    n = draw(st.integers(3, 5))
    debut = draw(st.integers(2015, 2022))
    stock = draw(st.integers(0, 40))
    actifs, entrees, sorties = [], [], []
    for t in range(n):
        e = draw(st.integers(0, 25))
        if t == 0:
            stock = max(stock, e)
        else:
            stock = stock - sorties[-1] + e
        actifs.append(stock)
        entrees.append(e)
        sorties.append(draw(st.integers(0, stock)))
    ordre = draw(st.permutations(range(n)))
    return pl.DataFrame(
        {
            "annee": [debut + t for t in ordre],
            "actifs": [actifs[t] for t in ordre],
            "entrees": [entrees[t] for t in ordre],
            "sorties": [sorties[t] for t in ordre],
        }
    )


@REGLAGES
@given(df=series_stock_flux(), seuil=st.sampled_from([11, 11, 5]))
def test_propriete_stock_flux(df, seuil):
    cols = ("actifs", "entrees", "sorties")
    regles = Regles(counts=cols, stock_flow=("annee", *cols))
    out = proteger(df, regles, seuil)
    verifier_invariants(df, out, regles, seuil)
    annees = df["annee"].to_list()
    ligne = {a: i for i, a in enumerate(annees)}
    toks = {(a, c): jetons(out, c)[ligne[a]] for a in annees for c in cols}
    vis = {(a, c): out[c][ligne[a]] for a in annees for c in cols}
    equations = [
        ({(a, "actifs"): 1, (a - 1, "actifs"): -1, (a - 1, "sorties"): 1, (a, "entrees"): -1}, 0)
        for a in annees
        if a - 1 in ligne
    ]
    for (a, c), (lo, hi) in bornes_lp(vis, toks, equations, seuil).items():
        vrai = df[c][ligne[a]]
        if 1 <= vrai <= seuil - 1:
            assert hi - lo >= 1 - 1e-7, (df.to_dicts(), (a, c), lo, hi, toks)


@st.composite
def tableaux_quelconques(draw):
    n = draw(st.integers(0, 8))
    petit = st.one_of(st.none(), st.integers(0, 40))
    a = draw(st.lists(petit, min_size=n, max_size=n))
    b = draw(st.lists(petit, min_size=n, max_size=n))
    exact = draw(st.booleans())
    total = [
        None if x is None or y is None else (x + y if exact else draw(st.integers(0, 80)))
        for x, y in zip(a, b, strict=True)
    ]
    df = pl.DataFrame(
        {
            "zone": draw(st.lists(st.sampled_from(["N", "S"]), min_size=n, max_size=n)),
            "annee": draw(st.lists(st.integers(2020, 2023), min_size=n, max_size=n)),
            "a": a,
            "b": b,
            "total": total,
            "part_a": [draw(st.one_of(st.none(), st.floats(0, 1))) for _ in range(n)],
        },
        schema={
            "zone": pl.String,
            "annee": pl.Int32,
            "a": pl.Int64,
            "b": pl.Int16,
            "total": pl.Int64,
            "part_a": pl.Float64,
        },
    )
    regles = Regles(
        counts=draw(st.sampled_from([("a", "b", "total"), ("a", "b"), ("total", "a")])),
        partition=draw(st.sampled_from([None, (), ("zone",), ("annee",), ("zone", "annee")])),
        sums=draw(st.sampled_from([(), (("total", ("a", "b")),)])),
        stock_flow=draw(st.sampled_from([None, ("annee", "total", "a", "b")])),
        rates=draw(st.sampled_from([(), (("part_a", ("a", "total")),)])),
    )
    return df, regles, draw(st.sampled_from([11, 5, 2]))


@REGLAGES
@given(cas=tableaux_quelconques())
def test_propriete_invariants(cas):
    df, regles, seuil = cas
    copie = df.clone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = proteger(df, regles, seuil)
        assert proteger(df, regles, seuil).equals(out)
    assert df.equals(copie)
    verifier_invariants(df, out, regles, seuil)


def test_complementaire_choisi_parmi_les_cellules_les_moins_affichees():
    """The whole-database protection weights each cell by the views showing it: with 3 hidden
    beside 25 and 30, the 25 is masked alone; when it is shown in four views (a quartier on the
    map, its Cité, its commune, the Synthèse) and the 30 in one breakdown, the 30 is masked."""
    from pre_pilotage.confidentialite import _cadre_protege, _etat_modele, _etat_protege

    df = pl.DataFrame({"n": [25, 3, 30]})
    regles = Regles(counts=("n",), partition=())
    assert jetons(proteger(df, regles), "n") == ["s", "< 11", None]
    modele = _etat_modele(df, regles, 11)
    modele.poids = {(0, 0): 4.0, (2, 0): 1.0}
    etat = _etat_protege(df, regles, 11, None, modele)
    assert jetons(_cadre_protege(etat), "n") == [None, "< 11", "s"]
