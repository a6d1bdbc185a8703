"""Statistical disclosure control ("secret statistique") for query results.

Every query result goes through :func:`proteger` before any page, chart or export
sees it. Counts of children below a threshold ``seuil`` (11 by default) are never
shown, and complementary ("secondary") suppression makes sure that no masked small
count can be recomputed from what is shown: other cells, public totals, row
identities (``total == sum(parts)``) or stock-flow identities.

Rules are declared per query with :class:`Regles`, usually parsed from a SQL header
line with :func:`lire_regles`.

Attacker model
--------------
* a shown cell is known exactly;
* a cell with token ``"< seuil"`` is known to lie in ``[1, seuil - 1]``;
* a cell with token ``"s"`` is known to lie in ``[0, B]`` where ``B`` is a large
  bound (the sum of all counts of the frame);
* every declared relation is known: public group totals (only when the total is at
  least ``seuil`` and the group has at least two non-null cells), ``sums`` identities
  on each row and stock-flow identities between consecutive periods (an identity that
  is off on the data is used with its actual offset, and a warning is emitted; when
  several rows share a period, the stock-flow identity is taken on their sums).

Null counts mean "no data": they are left as they are, never masked, and a sum or
stock-flow identity involving a null cell is not used.

A masked cell whose true value is sensitive (``1 <= v <= seuil - 1``) is protected
when at least two integer values remain possible for it. Protection is first
sought relation by relation (interval arithmetic, cheap and predictable), then
checked jointly over all relations linked to the cell (integer program solved with
``scipy.optimize.milp``), which catches leaks that need several relations combined
(e.g. 2-D tables with margins). ``scipy`` is imported lazily, only when a masked
cell is linked to two relations or more.
"""

from __future__ import annotations

import copy
import math
import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

__all__ = ["SUFFIXE_SECRET", "TOKEN_SECONDAIRE", "Regles", "lire_regles", "proteger"]

SUFFIXE_SECRET = "__secret"
TOKEN_SECONDAIRE = "s"
# A commune's or QPV's breakdowns of its children (sex, age band, level, profile, orientation,
# parcours) are published only for the years it has at least this many children: below, they
# are mostly small counts whose protection masked the programme's own figures, and took most
# of the protection's time (docs/secret-statistique.md). `protection.moteur` applies it.
ENFANTS_MIN_REPARTITIONS = 50

# Cell states.
_VISIBLE = 0
_PRIMAIRE = 1
_SECONDAIRE = 2

# How many candidate cells are tried (smallest first) to repair a joint leak before
# falling back to suppressing the smallest one without checking.
_ESSAIS_MAX = 12
_EPS = 1e-6

Cell = tuple[int, int]  # (row index, index of the column in Regles.counts)


# --------------------------------------------------------------------------- rules


def _noms(valeur: object, quoi: str) -> tuple[str, ...]:
    if isinstance(valeur, str) or not isinstance(valeur, Iterable):
        raise ValueError(f"{quoi}: expected a sequence of column names, got {valeur!r}")
    noms = tuple(valeur)
    for nom in noms:
        if not isinstance(nom, str) or not nom:
            raise ValueError(f"{quoi}: invalid column name {nom!r}")
    doublons = sorted({n for n in noms if noms.count(n) > 1})
    if doublons:
        raise ValueError(f"{quoi}: duplicated column(s) {', '.join(doublons)}")
    return noms


def _paires(valeur: object, quoi: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(valeur, str) or not isinstance(valeur, Iterable):
        raise ValueError(f"{quoi}: expected a sequence of (column, columns) pairs")
    paires = []
    for paire in valeur:
        if isinstance(paire, str) or not isinstance(paire, Sequence) or len(paire) != 2:
            raise ValueError(f"{quoi}: expected a (column, columns) pair, got {paire!r}")
        tete, membres = paire
        if not isinstance(tete, str) or not tete:
            raise ValueError(f"{quoi}: invalid column name {tete!r}")
        membres = _noms(membres, f"{quoi} {tete!r}")
        if not membres:
            raise ValueError(f"{quoi} {tete!r}: needs at least one column")
        if tete in membres:
            raise ValueError(f"{quoi} {tete!r}: column cannot depend on itself")
        paires.append((tete, membres))
    return tuple(paires)


@dataclass(frozen=True)
class Regles:
    """Disclosure-control rules of one query result.

    counts: columns holding counts of people (protected).
    partition: ``None`` when rows are not additive; ``()`` when all rows form one
        additive group; ``("annee",)`` when rows sharing ``annee`` form a group. The
        total of a group (per count column) is assumed public when it is >= seuil.
    sums: per row, ``total_col == sum(part_cols)``.
    stock_flow: ``(time_col, stock, entrees, sorties)`` with
        ``stock[t] == stock[t-1] - sorties[t-1] + entrees[t]`` for consecutive integer t.
    rates: ``(rate_col, dependency count cols)``: the rate is masked when a dependency
        of the same row is masked or has a value in ``[1, seuil - 1]``.
    shares: ``(share_col, (count_col,))``: the share of ``count_col`` in its partition group's
        total; masked on every row of a group as soon as one cell of the group is masked (a
        share shown beside its count gives the group total, hence the masked cell).
    """

    counts: tuple[str, ...] = ()
    partition: tuple[str, ...] | None = None
    sums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    stock_flow: tuple[str, str, str, str] | None = None
    rates: tuple[tuple[str, tuple[str, ...]], ...] = ()
    shares: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        counts = _noms(self.counts, "counts")
        partition = None if self.partition is None else _noms(self.partition, "partition")
        sums = _paires(self.sums, "sum")
        stock_flow = None
        if self.stock_flow is not None:
            stock_flow = _noms(self.stock_flow, "stock_flow")
            if len(stock_flow) != 4:
                raise ValueError(
                    "stock_flow: expected (time_col, stock, entrees, sorties), "
                    f"got {self.stock_flow!r}"
                )
            if stock_flow[0] in counts:
                raise ValueError(f"stock_flow: time column {stock_flow[0]!r} is a count")
        rates = _paires(self.rates, "rate")
        shares = _paires(self.shares, "share")
        for part, membres in shares:
            if len(membres) != 1 or membres[0] not in counts:
                raise ValueError(f"share {part!r}: expected one count column, got {membres!r}")
            if partition is None:
                raise ValueError(f"share {part!r}: needs a partition")
        if partition:
            for nom in partition:
                if nom in counts:
                    raise ValueError(f"partition: column {nom!r} is also a count")
        vus: set[str] = set()
        for taux, _ in rates + shares:
            if taux in counts:
                raise ValueError(f"rate {taux!r}: column is also declared as a count")
            if taux in vus:
                raise ValueError(f"rate {taux!r}: declared twice")
            vus.add(taux)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "partition", partition)
        object.__setattr__(self, "sums", sums)
        object.__setattr__(self, "stock_flow", stock_flow)
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "shares", shares)

    def colonnes(self) -> tuple[str, ...]:
        """Every column referenced by the rules, without duplicates, in rule order."""
        noms: list[str] = list(self.counts)
        noms += self.partition or ()
        for total, parts in self.sums:
            noms += [total, *parts]
        noms += self.stock_flow or ()
        for taux, deps in self.rates + self.shares:
            noms += [taux, *deps]
        return tuple(dict.fromkeys(noms))


def _nom(valeur: str, cle: str, clause: str) -> str:
    nom = valeur.strip()
    if not nom or any(c.isspace() or c in ":=+,;*" for c in nom):
        raise ValueError(f"malformed {cle}= clause {clause!r}: bad column name {nom!r}")
    return nom


def _liste(valeur: str, sep: str, cle: str, clause: str) -> tuple[str, ...]:
    return tuple(_nom(nom, cle, clause) for nom in valeur.split(sep))


def lire_regles(texte: str) -> Regles:
    """Parse the body of a SQL header line into :class:`Regles`.

    Example: ``"counts=actifs,entrees,sorties; partition=annee;
    sum=actifs:qpv+hors_qpv; stock_flow=annee:actifs:entrees:sorties;
    rate=part_qpv:qpv,hors_qpv"``. ``"none"`` or an empty text means nothing to
    protect; ``partition=*`` means all rows form one group. ``sum=`` and ``rate=`` may
    be repeated. Raises ``ValueError`` on an unknown or malformed clause.
    """
    if not isinstance(texte, str):
        raise ValueError(f"rules must be a string, got {type(texte).__name__}")
    corps = texte.strip()
    if not corps or corps.lower() == "none":
        return Regles()
    counts: tuple[str, ...] | None = None
    partition: tuple[str, ...] | None = None
    partition_vue = False
    stock_flow: tuple[str, ...] | None = None
    sums: list[tuple[str, tuple[str, ...]]] = []
    rates: list[tuple[str, tuple[str, ...]]] = []
    shares: list[tuple[str, tuple[str, ...]]] = []
    for brute in corps.split(";"):
        clause = brute.strip()
        if not clause:
            continue
        if clause.lower() == "none":
            raise ValueError("'none' cannot be combined with other clauses")
        cle, egal, valeur = clause.partition("=")
        cle, valeur = cle.strip().lower(), valeur.strip()
        if not egal:
            raise ValueError(f"malformed clause {clause!r}: expected key=value")
        if not valeur:
            raise ValueError(f"malformed clause {clause!r}: empty value")
        if cle == "counts":
            if counts is not None:
                raise ValueError("counts= given twice")
            counts = _liste(valeur, ",", cle, clause)
        elif cle == "partition":
            if partition_vue:
                raise ValueError("partition= given twice")
            partition_vue = True
            partition = () if valeur == "*" else _liste(valeur, ",", cle, clause)
        elif cle == "sum":
            total, deux_points, parts = valeur.partition(":")
            if not deux_points:
                raise ValueError(f"malformed sum= clause {clause!r}: expected total:a+b")
            total = _nom(total, cle, clause)
            sums.append((total, _liste(parts, "+", cle, clause)))
        elif cle == "stock_flow":
            if stock_flow is not None:
                raise ValueError("stock_flow= given twice")
            stock_flow = _liste(valeur, ":", cle, clause)
            if len(stock_flow) != 4:
                raise ValueError(
                    f"malformed stock_flow= clause {clause!r}: expected time:stock:entrees:sorties"
                )
        elif cle in ("rate", "share"):
            taux, deux_points, deps = valeur.partition(":")
            if not deux_points:
                raise ValueError(f"malformed {cle}= clause {clause!r}: expected {cle}:a,b")
            taux = _nom(taux, cle, clause)
            (rates if cle == "rate" else shares).append((taux, _liste(deps, ",", cle, clause)))
        else:
            raise ValueError(
                f"unknown clause {cle!r} in {clause!r} "
                "(expected counts, partition, sum, stock_flow, rate, share or none)"
            )
    return Regles(
        counts=counts or (),
        partition=partition,
        sums=tuple(sums),
        stock_flow=stock_flow,  # type: ignore[arg-type]
        rates=tuple(rates),
        shares=tuple(shares),
    )


# ----------------------------------------------------------------------- validation


def _verifier_seuil(seuil: object) -> int:
    if isinstance(seuil, bool) or not isinstance(seuil, numbers.Integral) or seuil < 2:
        raise ValueError(f"seuil must be an integer >= 2, got {seuil!r}")
    return int(seuil)


def _nombre(valeur: object, colonne: str) -> int | float | None:
    """Python number of a cell (None for null); integral values become int."""
    if valeur is None:
        return None
    if isinstance(valeur, bool) or not isinstance(valeur, (numbers.Real, Decimal)):
        raise ValueError(f"column {colonne!r}: non-numeric value {valeur!r}")
    if isinstance(valeur, numbers.Integral):
        return int(valeur)
    if not math.isfinite(valeur):
        raise ValueError(f"column {colonne!r}: non-finite value {valeur!r}")
    return int(valeur) if valeur == int(valeur) else float(valeur)


def _valeurs(df: pl.DataFrame, colonne: str, *, compte: bool) -> list[int | float | None]:
    # The column's own dtype: `df.schema` builds the whole frame's schema at each call.
    serie = df.get_column(colonne)
    dtype = serie.dtype
    if not (dtype.is_numeric() or dtype == pl.Null):
        raise ValueError(f"column {colonne!r} must be numeric, got {dtype}")
    brutes = serie.to_list()
    # Integer columns hold Python ints or None already (the common case: counts).
    valeurs = brutes if dtype.is_integer() else [_nombre(v, colonne) for v in brutes]
    if compte:
        for v in valeurs:
            if v is not None and (not isinstance(v, int) or v < 0):
                raise ValueError(
                    f"count column {colonne!r} must hold non-negative integers, got {v!r}"
                )
    return valeurs


def _verifier_colonnes(df: pl.DataFrame, regles: Regles) -> None:
    for nom in regles.colonnes():
        if nom not in df.columns:
            raise ValueError(f"column {nom!r} referenced by the rules is missing from the frame")
    for nom, _ in [(c, None) for c in regles.counts] + list(regles.rates + regles.shares):
        secret = nom + SUFFIXE_SECRET
        if secret in df.columns:
            raise ValueError(f"column {secret!r} already exists in the frame")


# ------------------------------------------------------------------------ relations


@dataclass(frozen=True)
class _Relation:
    """sum(coef * x[cell]) == constante, over count cells (never null)."""

    cells: tuple[Cell, ...]
    coefs: tuple[int, ...]
    constante: int | float


def _groupes(df: pl.DataFrame, cles: Sequence[str]) -> list[list[int]]:
    """Row indices of each group (by first appearance); a single group when no key."""
    if df.height == 0:
        return []
    if not cles:
        return [list(range(df.height))]
    # Plain Python over the key columns: the frames are small (a view's rows), where a polars
    # group_by costs more in query planning than the grouping itself. Keys are codes, labels
    # and years (no NaN to tell apart).
    groupes: dict[tuple, list[int]] = {}
    for i, cle in enumerate(zip(*(df.get_column(c).to_list() for c in cles), strict=True)):
        groupes.setdefault(cle, []).append(i)
    return list(groupes.values())


class _Etat:
    def __init__(
        self,
        df: pl.DataFrame,
        regles: Regles,
        seuil: int,
        forcees: dict[tuple[int, str], int] | None = None,
    ) -> None:
        self.df = df
        self.regles = regles
        self.seuil = seuil
        self.counts = regles.counts
        self.index_count = {c: k for k, c in enumerate(self.counts)}
        self.valeurs = [_valeurs(df, c, compte=True) for c in self.counts]
        self.autres: dict[str, list[int | float | None]] = {}
        total = sum(v for col in self.valeurs for v in col if v is not None)
        self.borne = max(total, seuil)
        self.etat = self._etat_initial(forcees)
        # Weight of each cell in the choice of complementary suppression (default 1): the
        # whole-database protection gives the number of views showing the cell, so that a
        # figure shown on many pages (a quartier's children on the map, its Cité, its commune)
        # is masked after one shown in a single breakdown.
        self.poids: dict[Cell, float] = {}
        self.sensibles = sorted(c for c in self.etat if 1 <= self.valeur(c) <= seuil - 1)
        self.ensemble_sensibles = set(self.sensibles)
        self.verifiees: set[Cell] = set()
        self.non_verifiees = 0
        self.relations = self._relations()
        if self.non_verifiees:
            warnings.warn(
                f"{self.non_verifiees} declared sum/stock_flow identities do not hold "
                "exactly on the data; they are protected with their actual offset",
                stacklevel=3,
            )
        self.par_cell: dict[Cell, list[int]] = {}
        for r, rel in enumerate(self.relations):
            for cell in rel.cells:
                self.par_cell.setdefault(cell, []).append(r)

    def _etat_initial(self, forcees: dict[tuple[int, str], int] | None) -> dict[Cell, int]:
        seuil = self.seuil
        etat: dict[Cell, int] = {}
        for k, col in enumerate(self.valeurs):
            for i, v in enumerate(col):
                if v is not None:
                    etat[(i, k)] = _PRIMAIRE if 1 <= v <= seuil - 1 else _VISIBLE
        for (ligne, colonne), e in (forcees or {}).items():
            # States decided elsewhere (the same population in another view): never lowered.
            cell = (ligne, self.index_count[colonne])
            if cell in etat and e > etat[cell]:
                etat[cell] = e
        if seuil == 2:
            # "< 2" would disclose the value 1 by itself.
            for cell, e in etat.items():
                if e == _PRIMAIRE:
                    etat[cell] = _SECONDAIRE
        return etat

    def copie(self, forcees: dict[tuple[int, str], int] | None) -> _Etat:
        """The same frame and relations, with other forced states and nothing decided yet."""
        autre = copy.copy(self)
        autre.etat = self._etat_initial(forcees)
        autre.verifiees = set()
        return autre

    # -- helpers

    def valeur(self, cell: Cell) -> int:
        v = self.valeurs[cell[1]][cell[0]]
        assert v is not None
        return v

    def masquee(self, cell: Cell) -> bool:
        return self.etat[cell] != _VISIBLE

    def domaine(self, cell: Cell) -> tuple[int, int]:
        e = self.etat[cell]
        if e == _VISIBLE:
            v = self.valeur(cell)
            return v, v
        if e == _PRIMAIRE:
            return 1, self.seuil - 1
        return 0, self.borne

    def _colonne(self, nom: str) -> list[int | float | None]:
        if nom in self.index_count:
            return self.valeurs[self.index_count[nom]]
        if nom not in self.autres:
            self.autres[nom] = _valeurs(self.df, nom, compte=False)
        return self.autres[nom]

    def _relation(self, termes: list[tuple[str, int, int]]) -> _Relation | None:
        """Relation sum(coef * df[col][row]) == 0 from (col, row, coef) terms.

        None when a term is null (no data) or when no term is a count cell.
        """
        coefs: dict[Cell, int] = {}
        constante: int | float = 0
        bilan: int | float = 0
        for nom, ligne, coef in termes:
            v = self._colonne(nom)[ligne]
            if v is None:
                return None
            bilan += coef * v
            if nom in self.index_count:
                cell = (ligne, self.index_count[nom])
                coefs[cell] = coefs.get(cell, 0) + coef
            else:
                constante -= coef * v
        cells = tuple(sorted(c for c, k in coefs.items() if k != 0))
        if not cells:
            return None
        if abs(bilan) > 1e-9 * max(1.0, self.borne):
            # The identity is off by `bilan`: protect as if that offset were public
            # (an attacker using the identity gets within `bilan` of the truth).
            self.non_verifiees += 1
            constante += bilan
        return _Relation(cells, tuple(coefs[c] for c in cells), constante)

    def _relations(self) -> list[_Relation]:
        regles, relations = self.regles, []
        if regles.partition is not None:
            groupes = _groupes(self.df, regles.partition)
            for k, col in enumerate(self.valeurs):
                for groupe in groupes:
                    lignes = [i for i in groupe if col[i] is not None]
                    total = sum(col[i] for i in lignes)  # type: ignore[misc]
                    # A one-cell group's total is the cell itself: its publication is
                    # exactly what is being decided here, so it is not assumed public.
                    if len(lignes) >= 2 and total >= self.seuil:
                        cells = tuple((i, k) for i in lignes)
                        relations.append(_Relation(cells, (1,) * len(cells), total))
        for total, parts in regles.sums:
            for i in range(self.df.height):
                termes = [(total, i, 1)] + [(p, i, -1) for p in parts]
                rel = self._relation(termes)
                if rel is not None:
                    relations.append(rel)
        if regles.stock_flow is not None:
            relations += self._relations_stock_flow(*regles.stock_flow)
        return relations

    def _relations_stock_flow(
        self, temps: str, stock: str, entrees: str, sorties: str
    ) -> list[_Relation]:
        valeurs_t = _valeurs(self.df, temps, compte=False)
        if any(v is not None and not isinstance(v, int) for v in valeurs_t):
            raise ValueError(f"stock_flow: time column {temps!r} must hold integers")
        cles: tuple[str, ...] = ()
        if self.regles.partition is not None:
            cles = tuple(c for c in self.regles.partition if c != temps)
        relations = []
        for groupe in _groupes(self.df, cles):
            par_t: dict[int, list[int]] = {}
            for i in groupe:
                t = valeurs_t[i]
                if t is not None:
                    par_t.setdefault(t, []).append(i)  # type: ignore[arg-type]
            for t in sorted(par_t):
                if t - 1 not in par_t:
                    continue
                # Several rows for one period: the identity holds on their sums.
                termes = [(stock, i, 1) for i in par_t[t]]
                termes += [(stock, i, -1) for i in par_t[t - 1]]
                termes += [(sorties, i, 1) for i in par_t[t - 1]]
                termes += [(entrees, i, -1) for i in par_t[t]]
                rel = self._relation(termes)
                if rel is not None:
                    relations.append(rel)
        return relations

    # -- one relation at a time

    def nb_entiers(self, rel: _Relation, cell: Cell) -> int:
        """Integers left for ``cell`` by interval arithmetic on one relation."""
        bas = haut = 0.0
        coef_cell = 0
        for c, coef in zip(rel.cells, rel.coefs, strict=True):
            if c == cell:
                coef_cell = coef
                continue
            a, b = self.domaine(c)
            bas += min(coef * a, coef * b)
            haut += max(coef * a, coef * b)
        lo, hi = (rel.constante - haut) / coef_cell, (rel.constante - bas) / coef_cell
        lo, hi = min(lo, hi), max(lo, hi)
        a, b = self.domaine(cell)
        lo, hi = max(lo, a), min(hi, b)
        return max(0, math.floor(hi + _EPS) - math.ceil(lo - _EPS) + 1)

    def _non_protegee(self, rel: _Relation) -> Cell | None:
        for cell in rel.cells:
            if self.masquee(cell) and 1 <= self.valeur(cell) <= self.seuil - 1:
                if self.nb_entiers(rel, cell) < 2:
                    return cell
        return None

    def _elargir_primaire(self, cells: Iterable[Cell], cible: Cell) -> bool:
        """Turn the largest '< seuil' cell (not ``cible`` if possible) into 's'."""
        primaires = [c for c in cells if self.etat[c] == _PRIMAIRE]
        autres = [c for c in primaires if c != cible] or primaires
        if not autres:
            return False
        choix = min(autres, key=lambda c: (-self.valeur(c), c))
        self.etat[choix] = _SECONDAIRE
        return True

    def _visibles(self, cells: Iterable[Cell]) -> list[Cell]:
        return sorted(
            {c for c in cells if not self.masquee(c)},
            key=lambda c: (self.valeur(c) * self.poids.get(c, 1), c),
        )

    def point_fixe_1d(self) -> None:
        bloquees: set[int] = set()
        change = True
        while change:
            change = False
            for r, rel in enumerate(self.relations):
                while r not in bloquees:
                    cell = self._non_protegee(rel)
                    if cell is None:
                        break
                    visibles = self._visibles(rel.cells)
                    if visibles:
                        self.etat[visibles[0]] = _SECONDAIRE
                    elif not self._elargir_primaire(rel.cells, cell):
                        bloquees.add(r)
                        break
                    change = True

    # -- all relations together

    def composante(self, cell: Cell) -> tuple[list[Cell], list[int]]:
        """Masked cells and relations connected to ``cell`` through masked cells."""
        cells, rels = {cell}, set()
        pile = [cell]
        while pile:
            c = pile.pop()
            for r in self.par_cell.get(c, ()):
                if r in rels:
                    continue
                rels.add(r)
                for autre in self.relations[r].cells:
                    if autre not in cells and self.masquee(autre):
                        cells.add(autre)
                        pile.append(autre)
        return sorted(cells), sorted(rels)

    def protegee(self, cell: Cell) -> tuple[bool, set[Cell]]:
        """Whether ``cell`` keeps two possible values given everything linked to it.

        Also returns sensitive cells proven protected on the way (a feasible solution
        where they differ from their true value); the proof holds as long as the
        current suppression is kept, since further suppression only adds solutions.
        """
        cells, rels = self.composante(cell)
        if not rels:
            a, b = self.domaine(cell)
            return b - a >= 1, set()
        if len(rels) == 1:
            return self.nb_entiers(self.relations[rels[0]], cell) >= 2, set()
        return self._protegee_milp(cell, cells, rels)

    def _protegee_milp(
        self, cell: Cell, cells: list[Cell], rels: list[int]
    ) -> tuple[bool, set[Cell]]:
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp

        position = {c: j for j, c in enumerate(cells)}
        a = np.zeros((len(rels), len(cells)))
        b = np.zeros(len(rels))
        for ligne, r in enumerate(rels):
            rel = self.relations[r]
            b[ligne] = rel.constante
            for c, coef in zip(rel.cells, rel.coefs, strict=True):
                if c in position:
                    a[ligne, position[c]] += coef
                else:
                    b[ligne] -= coef * self.valeur(c)
        domaines = [self.domaine(c) for c in cells]
        bornes = Bounds([d[0] for d in domaines], [d[1] for d in domaines])
        contrainte = LinearConstraint(a, b, b)
        temoins: set[Cell] = set()
        for signe in (-1.0, 1.0):  # maximise the cell, then (if needed) minimise it
            objectif = np.zeros(len(cells))
            objectif[position[cell]] = signe
            res = milp(
                objectif, integrality=np.ones(len(cells)), bounds=bornes, constraints=contrainte
            )
            if res.status != 0 or res.x is None:
                return False, temoins  # should not happen: the true values are feasible
            for c, x in zip(cells, res.x, strict=True):
                if c in self.ensemble_sensibles and abs(x - self.valeur(c)) >= 0.5:
                    temoins.add(c)
            if cell in temoins:
                return True, temoins
        return False, temoins

    def _reparer(self, cible: Cell) -> bool:
        """Suppress more to protect ``cible``; False when nothing can be changed."""
        cells, rels = self.composante(cible)
        voisines = [c for r in rels for c in self.relations[r].cells]
        candidates = self._visibles(voisines)
        for cand in candidates[:_ESSAIS_MAX]:
            self.etat[cand] = _SECONDAIRE
            ok, temoins = self.protegee(cible)
            if ok:
                self.verifiees |= temoins
                return True
            self.etat[cand] = _VISIBLE
        if candidates:
            self.etat[candidates[0]] = _SECONDAIRE
            return True
        return self._elargir_primaire(cells, cible)

    def point_fixe_global(self) -> None:
        abandonnees: set[Cell] = set()
        while True:
            cible = None
            for cell in self.sensibles:
                if cell in self.verifiees or cell in abandonnees:
                    continue
                # More suppression never un-protects a cell, so a check is final.
                ok, temoins = self.protegee(cell)
                self.verifiees |= temoins
                if ok:
                    self.verifiees.add(cell)
                else:
                    cible = cell
                    break
            if cible is None:
                return
            if not self._reparer(cible):
                abandonnees.add(cible)


# -------------------------------------------------------------------------- public


def proteger(
    df: pl.DataFrame,
    regles: Regles,
    seuil: int = 11,
    forcees: dict[tuple[int, str], int] | None = None,
) -> pl.DataFrame:
    """Apply primary and secondary suppression to ``df``.

    ``forcees`` gives cells whose state is already decided by the whole-database protection
    (``{(row, count column): 1 for "< seuil", 2 for "s"}``): they start masked, and
    complementary suppression is chosen around them.

    Returns a new frame with the same columns, order and rows, where masked count and
    rate cells are null, plus one Utf8 column ``f"{col}__secret"`` per count and rate
    column (appended at the end) holding ``None`` (shown), ``f"< {seuil}"`` (count in
    ``[1, seuil - 1]``) or ``"s"`` (secondary suppression or masked rate).
    """
    etat = _etat_protege(df, regles, seuil, forcees)
    return _cadre_protege(etat)


def _etat_protege(
    df: pl.DataFrame,
    regles: Regles,
    seuil: int,
    forcees: dict[tuple[int, str], int] | None = None,
    modele: _Etat | None = None,
) -> _Etat:
    """The cells' states once primary and secondary suppression are decided (no frame built).

    `modele`: an `_Etat` of the same frame, rules and threshold (from `_etat_modele`), whose
    values and relations are reused.
    """
    if modele is None:
        modele = _etat_modele(df, regles, seuil)
    etat = modele.copie(forcees)
    etat.point_fixe_1d()
    etat.point_fixe_global()
    return etat


def _etat_modele(df: pl.DataFrame, regles: Regles, seuil: int) -> _Etat:
    """The frame's values and relations, checked, before any state is decided."""
    seuil = _verifier_seuil(seuil)
    if not isinstance(regles, Regles):
        raise ValueError(f"regles must be a Regles instance, got {type(regles).__name__}")
    if not isinstance(df, pl.DataFrame):
        raise ValueError(f"df must be a polars DataFrame, got {type(df).__name__}")
    _verifier_colonnes(df, regles)
    return _Etat(df, regles, seuil)


def _cadre_protege(etat: _Etat, totaux_publics: dict[str, set[int]] | None = None) -> pl.DataFrame:
    """The masked frame with its `__secret` columns, from decided states.

    `totaux_publics`: per share column, the rows of the groups whose total is a figure shown
    elsewhere (the whole-database protection knows it); there each share is its own count's,
    masked only where that count is."""
    df, regles, seuil = etat.df, etat.regles, etat.seuil
    n = df.height
    jeton_primaire = f"< {seuil}"
    masques: dict[str, list[bool]] = {}
    secrets: dict[str, list[str | None]] = {}
    for k, col in enumerate(regles.counts):
        jetons: list[str | None] = [None] * n
        for i in range(n):
            e = etat.etat.get((i, k), _VISIBLE)
            if e == _PRIMAIRE:
                jetons[i] = jeton_primaire
            elif e == _SECONDAIRE:
                jetons[i] = TOKEN_SECONDAIRE
        masques[col] = [j is not None for j in jetons]
        secrets[col] = jetons
    for taux, deps in regles.rates:
        masque = [False] * n
        for dep in deps:
            valeurs = etat._colonne(dep)
            deja = masques.get(dep, [False] * n)
            for i in range(n):
                v = valeurs[i]
                if deja[i] or (v is not None and 0 < v < seuil):
                    masque[i] = True
        masques[taux] = masque
        secrets[taux] = [TOKEN_SECONDAIRE if m else None for m in masque]
    groupes = _groupes(df, regles.partition) if regles.shares else []
    for part, (dep,) in regles.shares:
        valeurs = etat._colonne(dep)
        deja = masques[dep]
        masque = [False] * n
        publics = (totaux_publics or {}).get(part, set())
        for groupe in groupes:
            petits = [
                deja[i] or (valeurs[i] is not None and 0 < valeurs[i] < seuil) for i in groupe
            ]
            if groupe[0] in publics:
                for i, petit in zip(groupe, petits, strict=True):
                    masque[i] = petit
            elif any(petits):
                for i in groupe:
                    masque[i] = True
        masques[part] = masque
        secrets[part] = [TOKEN_SECONDAIRE if m else None for m in masque]

    # Built eagerly, column by column (no expression to plan: one call per view shown).
    resultat = df.clone()
    for col, masque in masques.items():
        if any(masque):
            serie = df.get_column(col)
            resultat.replace_column(
                df.get_column_index(col),
                pl.Series(
                    col,
                    [None if m else v for v, m in zip(serie.to_list(), masque, strict=True)],
                    dtype=serie.dtype,
                ),
            )
    return resultat.hstack(
        [pl.Series(col + SUFFIXE_SECRET, secrets[col], dtype=pl.String) for col in secrets]
    )
