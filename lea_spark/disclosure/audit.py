"""The disclosure audit: the interval an attacker can derive for every suppressed cell.

The attacker knows every published cell, every relation (with its offset), the status of
every cell (so a primary cell is in ``[0, t-1]`` and a secondary one at least ``t``) and
that counts are non-negative. For each suppressed cell the audit solves two linear
programmes (minimise and maximise the cell subject to all of that) with
HiGHS. The problem is split first into independent
components: suppressed cells are linked when they share a relation, and a component's
intervals depend only on its own relations. The LP relaxation gives intervals at least as
wide as integer reasoning would; ``protection`` is a width in families, so the relaxation
is the standard (and the usual tau-argus style) check.

Each LP (a component, or a small neighbourhood of it) is built once and re-solved for every
objective from the previous optimal basis (HiGHS through ``highspy``, presolve off):
consecutive objectives differ in one or two cells, so a re-solve takes a few simplex
iterations instead of a solve from scratch.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import highspy
from scipy.sparse import csc_matrix, csr_matrix

from lea_spark.disclosure.suppression import PUBLISHED, attacker_bounds
from lea_spark.disclosure.table import LinkedTable

log = logging.getLogger(__name__)

_TOL = 1e-6


class DisclosureError(RuntimeError):
    """A table would disclose a suppressed value; nothing was published."""


@dataclass
class AuditResult:
    """Per suppressed cell: its component, the attacker's interval and whether it is wide enough."""

    cells: np.ndarray            # indices of suppressed cells
    lower: np.ndarray
    upper: np.ndarray            # inf when unbounded
    component: np.ndarray        # component id of each cell
    component_size: np.ndarray
    exact: np.ndarray            # False: inner interval from feasible points (already wide enough)
    protection: float
    n_components: int = 0
    n_lps: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def width(self) -> np.ndarray:
        return self.upper - self.lower

    @property
    def protected(self) -> np.ndarray:
        return self.width >= self.protection - _TOL

    def failing_cells(self) -> list[int]:
        return [int(c) for c, ok in zip(self.cells, self.protected) if not ok]

    @property
    def n_failing(self) -> int:
        return int((~self.protected).sum())


def components(table: LinkedTable, status: np.ndarray) -> list[list[int]]:
    """Groups of suppressed cells linked (directly or not) through shared relations."""
    parent = {int(i): int(i) for i in np.flatnonzero(status != PUBLISHED)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rel in table.relations:
        sup = [m for m in rel.members if status[m] != PUBLISHED]
        for a, b in zip(sup, sup[1:]):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = ra
    groups: dict[int, list[int]] = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def _component_lp(table, cells, status, values, lo, hi, rels_of):
    """The equality system and bounds of one component (``None`` when it has no relation)."""
    rel_ids = sorted({r for c in cells for r in rels_of[c]})
    return _component_lp_rel(table, cells, status, values, lo, hi, rel_ids)


def _component_lp_rel(table, cells, status, values, lo, hi, rel_ids):
    """The equality system of relations ``rel_ids`` over the suppressed ``cells``."""
    pos = {c: j for j, c in enumerate(cells)}
    bounds = [(lo[c], None if not np.isfinite(hi[c]) else hi[c]) for c in cells]
    if not rel_ids:
        return None, None, bounds
    rows, cols, data, rhs = [], [], [], []
    for row, r_i in enumerate(rel_ids):
        rel = table.relations[r_i]
        b = -float(rel.offset)
        for m, coef in ((rel.parent, -1.0), *((k, 1.0) for k in rel.children)):
            if status[m] == PUBLISHED:
                b -= coef * values[m]
            else:
                rows.append(row)
                cols.append(pos[m])
                data.append(coef)
        rhs.append(b)
    a_eq = csr_matrix((data, (rows, cols)), shape=(len(rel_ids), len(cells)))
    return a_eq, np.asarray(rhs), bounds


class _Result:
    __slots__ = ("status", "x", "fun", "message")

    def __init__(self, status, x=None, fun=None, message=""):
        self.status, self.x, self.fun, self.message = status, x, fun, message


class WarmLP:
    """``A x = b`` with bounds, minimised for many objectives, each from the last basis.

    ``solve(c)`` returns an object like ``linprog``'s result: ``status`` 0 (optimal, with
    ``x`` and ``fun``) or 3 (unbounded); anything else raises :class:`DisclosureError`. The
    true cell values are always feasible, so "unbounded or infeasible" means unbounded.
    """

    def __init__(self, a_eq, b_eq, bounds, what: str):
        a = csc_matrix(a_eq)
        n = a.shape[1]
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, a.shape[0]
        lp.col_cost_ = np.zeros(n)
        lp.col_lower_ = np.array([b[0] for b in bounds], dtype=float)
        lp.col_upper_ = np.array([inf if b[1] is None else b[1] for b in bounds], dtype=float)
        rhs = np.asarray(b_eq, dtype=float)
        lp.row_lower_ = rhs
        lp.row_upper_ = rhs
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("presolve", "off")
        self.h.passModel(lp)
        self.n = n
        self.idx = np.arange(n, dtype=np.int32)
        self.what = what

    def solve(self, c) -> _Result:
        h = self.h
        h.changeColsCost(self.n, self.idx, np.asarray(c, dtype=float))
        status = highspy.HighsModelStatus
        # A warm re-solve can end without a verdict (status "Unknown") after many re-solves of
        # one model; then solve again from scratch, and once more with presolve, before
        # calling the constraints inconsistent.
        for fresh, presolve in ((False, False), (True, False), (True, True)):
            if fresh:
                h.clearSolver()
            h.setOptionValue("presolve", "on" if presolve else "off")
            h.run()
            st = h.getModelStatus()
            if st == status.kOptimal:
                break
            if st in (status.kUnbounded, status.kUnboundedOrInfeasible):
                h.setOptionValue("presolve", "off")
                return _Result(3, message="unbounded")
            if st == status.kInfeasible:
                break
        h.setOptionValue("presolve", "off")
        if st == status.kOptimal:
            return _Result(0, np.array(h.getSolution().col_value), h.getInfo().objective_function_value)
        raise DisclosureError(f"the audit LP for {self.what} failed ({h.modelStatusToString(st)}); "
                              "the published constraints are inconsistent")


def _solve_component(table, cells, status, values, lo, hi, rels_of, protection, exact_max_cells):
    """``(lower, upper, exact, n_lps)`` for the cells of one component.

    Every LP solution is a point the attacker cannot exclude, so it widens the observed
    range of *every* cell of the component. A bound the observed range already reaches at
    the cell's own box (e.g. 0 or ``t-1`` for a primary cell) is exact without its own LP.
    So the audit first solves a few joint LPs that push all open cells down, then up,
    together, and then solves the remaining per-cell LPs, each of which again updates all.

    Up to ``exact_max_cells`` cells every interval is exact. In a larger component a cell
    whose observed range already reaches ``protection`` is certified without further LPs
    and its recorded interval is the observed (inner) one (``exact`` False).
    """
    n = len(cells)
    a_eq, b_eq, bounds = _component_lp(table, cells, status, values, lo, hi, rels_of)
    box_lo = np.array([lo[c] for c in cells], dtype=float)
    box_hi = np.array([hi[c] for c in cells], dtype=float)
    if a_eq is None:
        return box_lo, box_hi, np.ones(n, dtype=bool), 0
    seen_lo = np.array([values[c] for c in cells], dtype=float)
    seen_hi = seen_lo.copy()
    done_lo = seen_lo <= box_lo + _TOL
    done_hi = seen_hi >= box_hi - _TOL
    certify = n > exact_max_cells
    n_lps = 0
    solver = WarmLP(a_eq, b_eq, bounds, f"a component of {n} cells")

    def open_cells():
        lo_open, hi_open = ~done_lo, ~done_hi
        if certify:
            wide = (seen_hi - seen_lo) >= protection - _TOL
            lo_open &= ~wide
            hi_open &= ~wide
        return lo_open, hi_open

    def absorb(x):
        nonlocal seen_lo, seen_hi, done_lo, done_hi
        seen_lo = np.minimum(seen_lo, x)
        seen_hi = np.maximum(seen_hi, x)
        done_lo |= seen_lo <= box_lo + _TOL
        done_hi |= seen_hi >= box_hi - _TOL

    if certify:
        _move_certify(table, cells, values, lo, hi, rels_of, seen_lo, seen_hi)
        done_lo |= seen_lo <= box_lo + _TOL
        done_hi |= seen_hi >= box_hi - _TOL
    for _ in range(2 if certify else 4):
        lo_open, hi_open = open_cells()
        progress = False
        for sense, mask in ((1.0, lo_open), (-1.0, hi_open)):
            if mask.sum() < 2:
                continue
            before = int(done_lo.sum() + done_hi.sum())
            res = solver.solve(np.where(mask, sense, 0.0))
            n_lps += 1
            if res.status == 0:
                absorb(res.x)
                progress |= int(done_lo.sum() + done_hi.sum()) > before
        if not progress:
            break
    outer = np.zeros(n, dtype=bool)
    if certify:
        n_lps += _random_pushes(solver, n, open_cells, absorb)
        n_lps += _local_screen(table, cells, status, values, lo, hi, rels_of, protection,
                               seen_lo, seen_hi, done_lo, done_hi, outer, open_cells)
    c = np.zeros(n)
    for j in range(n):
        for sense in (1.0, -1.0):
            lo_open, hi_open = open_cells()
            if not (lo_open[j] if sense > 0 else hi_open[j]):
                continue
            c[j] = sense
            res = solver.solve(c)
            c[j] = 0.0
            n_lps += 1
            if res.status == 3:
                seen_hi[j] = np.inf
                done_hi[j] = True
                continue
            absorb(res.x)
            if sense > 0:
                seen_lo[j] = res.fun
                done_lo[j] = True
            else:
                seen_hi[j] = -res.fun
                done_hi[j] = True
    exact = done_lo & done_hi & ~outer
    return seen_lo, seen_hi, exact, n_lps


def _random_pushes(solver, n, open_cells, absorb) -> int:
    """Certify many cells of a large component with a few LPs over all of it.

    Each LP pushes every open cell at once, down or up (at random, with a fixed seed, when
    both ends are open); its solution is a point the attacker cannot exclude. One such LP
    costs about as much as the neighbourhood checks of ``n / 500`` cells, so the pushes stop
    once one certifies fewer cells than that. Returns the number of LPs solved.
    """
    rng = np.random.default_rng(n)
    enough = max(2, n // 500)
    n_lps = 0
    while True:
        lo_open, hi_open = open_cells()
        before = int((lo_open | hi_open).sum())
        if before < 2:
            return n_lps
        signs = rng.choice([-1.0, 1.0], n)
        c = np.where(lo_open & hi_open, signs, np.where(lo_open, 1.0, np.where(hi_open, -1.0, 0.0)))
        res = solver.solve(c)
        n_lps += 1
        if res.status != 0:
            return n_lps
        absorb(res.x)
        lo_open, hi_open = open_cells()
        if before - int((lo_open | hi_open).sum()) < enough:
            return n_lps


def _move_certify(table, cells, values, lo, hi, rels_of, seen_lo, seen_hi) -> None:
    """Certify cells by balanced moves, without any LP.

    If suppressed cells x and y are children of exactly the same relations, moving +d on x
    and -d on y keeps every relation; likewise a "rectangle" x, y, w, z of cells that are
    children of exactly two relations each (x,y share one, x,z another, w shares the
    remaining one with each of y and z) allows +d on x and w, -d on y and z. Every such
    move within the attacker's bounds yields a point the attacker cannot exclude, so it
    widens the observed range of x (and of the partners) safely.
    """
    pos = {c: j for j, c in enumerate(cells)}
    child_rels: dict[int, frozenset] = {}
    for c in cells:
        rs = rels_of[c]
        if all(table.relations[r].parent != c for r in rs):
            child_rels[c] = frozenset(rs)
    by_sig: dict[frozenset, list[int]] = {}
    for c, sig in child_rels.items():
        by_sig.setdefault(sig, []).append(c)
    sup_children = {}
    for c, sig in child_rels.items():
        if len(sig) == 2:
            for r in sig:
                sup_children.setdefault(r, []).append(c)

    true_val = {c: float(values[c]) for c in cells}
    for c in cells:
        j = pos[c]
        up = down = 0.0
        v = true_val[c]
        cap_up, cap_down = hi[c] - v, v - lo[c]
        for other in by_sig.get(child_rels.get(c), ()):
            if other == c:
                continue
            w = true_val[other]
            up = max(up, min(cap_up, w - lo[other]))
            down = max(down, min(cap_down, hi[other] - w))
        sig = child_rels.get(c)
        if sig is not None and len(sig) == 2 and (up + down) < np.inf:
            r1, r2 = tuple(sig)
            row = [y for y in sup_children.get(r1, ()) if y != c]
            col = [z for z in sup_children.get(r2, ()) if z != c]
            col_by_rel: dict[int, list[int]] = {}
            for z in col:
                (other_rel,) = tuple(child_rels[z] - {r2}) or (None,)
                col_by_rel.setdefault(other_rel, []).append(z)
            for y in row:
                (r3,) = tuple(child_rels[y] - {r1}) or (None,)
                if r3 is None or r3 == r2:
                    continue
                for w in sup_children.get(r3, ()):
                    if w in (c, y):
                        continue
                    (r4,) = tuple(child_rels[w] - {r3}) or (None,)
                    if r4 is None or r4 in (r1, r2):
                        continue
                    for z in col_by_rel.get(r4, ()):
                        if z in (c, y, w):
                            continue
                        vy, vz, vw = true_val[y], true_val[z], true_val[w]
                        d_up = min(cap_up, vy - lo[y], vz - lo[z], hi[w] - vw)
                        d_dn = min(cap_down, hi[y] - vy, hi[z] - vz, vw - lo[w])
                        up, down = max(up, d_up), max(down, d_dn)
        seen_lo[j] = min(seen_lo[j], v - down)
        seen_hi[j] = max(seen_hi[j], v + up)


def _neighbourhood(table, status, rels_of, cell, depth: int) -> list[int]:
    """Suppressed cells within ``depth`` relation steps of ``cell`` (``cell`` first)."""
    sub = {cell}
    frontier = {cell}
    for _ in range(depth):
        nxt = set()
        for c in frontier:
            for r_i in rels_of[c]:
                nxt.update(m for m in table.relations[r_i].members if status[m] != PUBLISHED and m not in sub)
        sub |= nxt
        frontier = nxt
    return [cell] + sorted(sub - {cell})


def _local_screen(table, cells, status, values, lo, hi, rels_of, protection,
                  seen_lo, seen_hi, done_lo, done_hi, outer, open_cells) -> int:
    """In a large component, decide still-open cells on small neighbourhoods first.

    * Inner check: only the suppressed cells near the cell move, every other cell stays at
      its true value, and ALL relations touching the moving cells are kept. Every solution
      is then feasible for the whole problem, so the range found is inside the attacker's
      interval: when it reaches ``protection`` the cell is certified.
    * Outer check: the relations near the cell only, the rest dropped. The range found
      contains the attacker's interval: when even it is too narrow the cell is exposed.

    Cells neither check decides get the exact LPs of the whole component. Returns the
    number of LPs solved.
    """
    n_lps = 0
    pos = {c: j for j, c in enumerate(cells)}

    def inner(cell, depth, limit=None) -> bool | None:
        """Move the cells within ``depth`` steps; True when the range reaches ``protection``.

        None (no LP solved) when the neighbourhood holds more than ``limit`` cells.
        """
        sub = _neighbourhood(table, status, rels_of, cell, depth)
        if limit is not None and len(sub) > limit:
            return None
        rel_ids = sorted({r for m in sub for r in rels_of[m]})
        fixed_status = status.copy()
        moving = set(sub)
        for r_i in rel_ids:
            for m in table.relations[r_i].members:
                if m not in moving and fixed_status[m] != PUBLISHED:
                    fixed_status[m] = PUBLISHED  # held at its true value
        a_eq, b_eq, bounds = _component_lp_rel(table, sub, fixed_status, values, lo, hi, rel_ids)
        ends, points = _ends(a_eq, b_eq, bounds, len(sub), 0, table.keys[cell])
        # Each solution, with every other cell at its true value, is feasible for the whole
        # component: it widens the observed range of every moving cell.
        idx = np.array([pos[m] for m in sub])
        for x in points:
            seen_lo[idx] = np.minimum(seen_lo[idx], x)
            seen_hi[idx] = np.maximum(seen_hi[idx], x)
        return ends[1] - ends[0] >= protection - _TOL

    lo_open, hi_open = open_cells()
    for j in np.flatnonzero(lo_open | hi_open):
        cell = cells[j]
        certified = False
        # Inner: the cell and its neighbours move; all their relations hold. A wider
        # neighbourhood when the nearest one is too tight, as long as it holds at most a
        # quarter of the component (then still far cheaper than an LP of all of it).
        for depth, limit in ((2, None), (4, len(cells) // 4)):
            if seen_hi[j] - seen_lo[j] >= protection - _TOL:
                certified = True  # certified meanwhile by a neighbour's solution
                break
            ok = inner(cell, depth, limit)
            n_lps += 0 if ok is None else 2
            if ok:
                certified = True
                break
        if certified:
            continue
        # Outer: only the relations near the cell.
        sub = _neighbourhood(table, status, rels_of, cell, 1)
        rel_ids = sorted({r for r in rels_of[cell]})
        sub = [cell] + sorted({m for r_i in rel_ids for m in table.relations[r_i].members
                               if status[m] != PUBLISHED and m != cell})
        a_eq, b_eq, bounds = _component_lp_rel(table, sub, status, values, lo, hi, rel_ids)
        ends, _ = _ends(a_eq, b_eq, bounds, len(sub), 0, table.keys[cell])
        n_lps += 2
        if ends[1] - ends[0] < protection - _TOL:
            seen_lo[j], seen_hi[j] = ends
            done_lo[j] = done_hi[j] = outer[j] = True
    return n_lps


def _ends(a_eq, b_eq, bounds, n, k, what):
    c = np.zeros(n)
    ends, points = [], []
    solver = WarmLP(a_eq, b_eq, bounds, f"cell {what!r}")
    for sense in (1.0, -1.0):
        c[k] = sense
        res = solver.solve(c)
        ends.append(np.inf if res.status == 3 else sense * res.fun)
        if res.status == 0:
            points.append(res.x)
    return ends, points


def audit(table: LinkedTable, status: np.ndarray, threshold: int, protection: float,
          thresholded: np.ndarray | None = None, cache: dict | None = None,
          exact_max_cells: int = 2000, known: dict[int, tuple[float, float]] | None = None) -> AuditResult:
    """Attacker intervals of every suppressed cell (see the module docstring).

    ``known`` gives, for some suppressed cells, bounds the attacker has from elsewhere (e.g.
    the audited interval of a family count of another table); they replace the cell's box.

    ``cache`` (a dict kept between calls) skips components whose cells and statuses are
    unchanged since a previous call on the same table.
    """
    start = time.perf_counter()
    values = table.value_array().astype(float)
    lo, hi = attacker_bounds(status, values, threshold, thresholded)
    for c, (k_lo, k_hi) in (known or {}).items():
        if status[c] != PUBLISHED:
            lo[c], hi[c] = float(k_lo), float(k_hi)
    rels_of = table.relations_of()
    comps = components(table, status)
    cells_out, lower_out, upper_out, comp_out, size_out, exact_out = [], [], [], [], [], []
    n_lps = 0
    for comp_id, cells in enumerate(comps):
        key = tuple((c, int(status[c])) for c in cells)
        # The neighbourhood (published members of the relations) can change too.
        rel_sig = tuple(sorted({r for c in cells for r in rels_of[c]}))
        sig = (key, tuple(int(status[m]) for r in rel_sig for m in table.relations[r].members))
        if cache is not None and sig in cache:
            lower, upper, exact = cache[sig]
        else:
            lower, upper, exact, k = _solve_component(table, cells, status, values, lo, hi, rels_of,
                                                      protection, exact_max_cells)
            n_lps += k
            if cache is not None:
                cache[sig] = (lower, upper, exact)
        cells_out.extend(cells)
        lower_out.append(lower)
        upper_out.append(upper)
        exact_out.append(exact)
        comp_out.extend([comp_id] * len(cells))
        size_out.extend([len(cells)] * len(cells))
    result = AuditResult(
        cells=np.asarray(cells_out, dtype=np.int64),
        lower=np.concatenate(lower_out) if lower_out else np.zeros(0),
        upper=np.concatenate(upper_out) if upper_out else np.zeros(0),
        component=np.asarray(comp_out, dtype=np.int64),
        component_size=np.asarray(size_out, dtype=np.int64),
        exact=np.concatenate(exact_out) if exact_out else np.zeros(0, dtype=bool),
        protection=float(protection),
        n_components=len(comps),
        n_lps=n_lps,
        seconds=time.perf_counter() - start,
    )
    log.info("disclosure audit: %d suppressed cells in %d components, %d LPs, %d below %.3g (%.1f s)",
             len(result.cells), result.n_components, n_lps, result.n_failing, protection, result.seconds)
    return result


def require_protected(result: AuditResult, table: LinkedTable, what: str = "table") -> None:
    """Raise :class:`DisclosureError` naming how many cells (not which values) are exposed."""
    if result.n_failing == 0:
        return
    failing = result.failing_cells()
    sample = ", ".join(str(table.keys[c]) for c in failing[:5])
    raise DisclosureError(
        f"refusing to publish {what}: {len(failing)} suppressed cell(s) can be narrowed by "
        f"an attacker to an interval below the required protection width {result.protection:g} "
        f"(e.g. {sample}). Nothing was written."
    )
