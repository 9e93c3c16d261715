"""The exit planner's search (DESIGN section 6, ADR 0005 and 0014), compiled with numba.

For each cliff edge it chooses new end dates for the edge's flexible exits (never earlier, at most
the service's ``max_extension_days`` later, on a 7-day grid) minimising, in order: whether an edge
still overlaps the plan's span, the largest drop of any window in that span, the total extension
days, and (only to break ties, so that the answer is unique) the extensions in exit order.

Everything here is plain integer arrays so that numba can compile it, and one call plans every edge
of a cohort (:func:`plan_edges`), on every core when there are ``PARALLEL_FROM`` edges or more.
:mod:`joinedup.domain.cliff_edge` turns the answers into ``Plan`` objects; its ``evaluate_plan`` is
the plain definition the tests compare this search with, and they compare it with brute force too.

The search is depth first and places the exits in time order: the next one placed ends earliest of
those left (equal days in exit order), so every exit still open ends on or after the last day
placed. A partial plan is dropped when a lower bound on every completion, tie-break included, is
not below the best plan so far (the first comes from a coordinate descent). The bound comes from
the windows judged whatever the open exits do, each open exit adding the least drop, the largest
"before" and the fewest exits its options allow, so it never overstates; every exit's own window
(its new end is always judged) gives a floor; a look-ahead places each open exit at its best
option in turn; and a knapsack of the cheapest ways out of each window tells when matching the
best's largest drop would need more extension days than the best used.

Above ``exact_limit`` flexible exits the search runs over the ``exact_limit`` heaviest (the others
held at their current ends), then a coordinate descent moves one exit at a time while that helps.
A search that reaches its node budget keeps the best plan found and reports it as not exact.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit, prange

from joinedup.domain.cliff_edge import EXACT_LIMIT, GRID_DAYS, NEVER

NODE_BUDGET = 50_000  # nodes of one edge's exact search (ADR 0014)
HEURISTIC_BUDGET = 5_000  # nodes of the search over the heaviest exits, above EXACT_LIMIT
PARALLEL_FROM = 1_000  # edges: from here on, every core plans (a whole cohort, not a person)
_BIG = 1 << 62
_parallel = threading.Lock()


@njit(cache=True, nogil=True)
def _support(fs, fe, fw, nf, t):
    """Weight of the fixed rows active on day t."""
    total = 0
    for r in range(nf):
        if fs[r] <= t and t < fe[r]:
            total += fw[r]
    return total


@njit(cache=True, nogil=True)
def _placed(s, w, e, d, W):
    """What a row of weight w active on s <= t < e adds to the window at d: (before, after, exits)."""
    before = w if s <= d - 1 and d - 1 < e else 0
    after = w if s <= d + W - 1 and d + W - 1 < e else 0
    return before, after, 1 if d <= e and e <= d + W - 1 else 0


@njit(cache=True, nogil=True)
def _window(d, view, W, fix, fd_all, nfd, flex, x, placed, klo, khi, m):
    """(least drop, largest "before", fewest exits) of the window at day d.

    Flexible exits with ``placed[i]`` end at ``x[i]``; the others at any option from ``klo[i]`` to
    ``khi[i]``. Fixed exits count when before ``view`` (the end of the view, as far as plans reach).
    """
    fs, fe, fw, nf = fix[0], fix[1], fix[2], fix[3][0]
    xs, xb, xw = flex[0], flex[1], flex[2]
    dm1 = d - 1
    dw = d + W - 1
    before = _support(fs, fe, fw, nf, dm1)
    after = _support(fs, fe, fw, nf, dw)
    stop = min(d + W, view)
    n = 0
    if stop > d:
        n = np.searchsorted(fd_all, stop) - np.searchsorted(fd_all, d)
    drop = before - after
    top = before
    for i in range(m):
        s = xs[i]
        w = xw[i]
        if placed[i]:
            in_before, in_after, inside = _placed(s, w, x[i], d, W)
            drop += in_before - in_after
            top += in_before
            n += inside
            continue
        b_in = w if s <= dm1 else 0
        a_out = w if s <= dw else 0
        b = xb[i]
        lo = b + GRID_DAYS * klo[i]
        hi = b + GRID_DAYS * khi[i]
        early = lo <= dm1
        k = klo[i]
        if d > lo:
            k = (d - b + GRID_DAYS - 1) // GRID_DAYS
        inside = k <= khi[i] and b + GRID_DAYS * k <= dw
        late = hi > dw
        c = _BIG
        if early:
            c = 0
        if inside and b_in < c:
            c = b_in
        if late and b_in - a_out < c:
            c = b_in - a_out
        drop += c
        if inside or late:
            top += max(b_in, 0) if early else b_in  # (weights are not negative, but the bound holds)
        if inside and not early and not late:
            n += 1
    return drop, top, n


@njit(cache=True, nogil=True)
def _qualifies(drop, top, n, K, D):
    return n >= K and drop > 0 and drop >= D * top


@njit(cache=True, nogil=True)
def _bound(edge, D, fix, fd_all, nfd, fd, nd, flex, x, placed, klo, khi, m):
    """(surely an edge, least largest drop) over the windows judged whatever the open exits do."""
    S, E, H, W, K = edge[0], edge[1], edge[2], edge[3], edge[4]
    reach = S
    for i in range(m):
        if placed[i] and x[i] > reach:
            reach = x[i]
    view = max(H, reach + 1)
    still = False
    worst = -_BIG
    for i in range(m):
        if placed[i]:
            drop, top, n = _window(x[i], view, W, fix, fd_all, nfd, flex, x, placed, klo, khi, m)
            if drop > worst:
                worst = drop
            if not still and _qualifies(drop, top, n, K, D):
                still = True
    for j in range(nd):
        f = fd[j]
        if (f < E or f <= reach) and (f < H or f <= reach):
            drop, top, n = _window(f, view, W, fix, fd_all, nfd, flex, x, placed, klo, khi, m)
            if drop > worst:
                worst = drop
            if not still and _qualifies(drop, top, n, K, D):
                still = True
    return still, worst


@njit(cache=True, nogil=True)
def _better(still, worst, total, ext, m, b_still, b_worst, b_total, b_ext):
    """Whether (still, worst, total, ext) is strictly below the best, in that order."""
    if still != b_still:
        return b_still
    if worst != b_worst:
        return worst < b_worst
    if total != b_total:
        return total < b_total
    for i in range(m):
        if ext[i] != b_ext[i]:
            return ext[i] < b_ext[i]
    return False


@njit(cache=True, nogil=True)
def _less3(a_s, a_w, a_t, b_s, b_w, b_t):
    """(edge left, largest drop, extension days) a below b."""
    if a_s != b_s:
        return b_s
    if a_w != b_w:
        return a_w < b_w
    return a_t < b_t


@njit(cache=True, nogil=True)
def _extra_days(theta, p, edge, fix, fd, nd, flex, x, placed, klo, khi, m):
    """Least extension days beyond the open exits' lowest options that bringing every judged window
    on or before day p (every open exit ends inside it or after it) to a drop of at most ``theta``
    costs: the largest over those windows of a fractional knapsack of the ways out (a lower bound).
    _BIG when some window cannot get there at all."""
    W = edge[3]
    fs, fe, fw, nf = fix[0], fix[1], fix[2], fix[3][0]
    xs, xb, xw = flex[0], flex[1], flex[2]
    cost = np.empty(m, dtype=np.int64)
    save = np.empty(m, dtype=np.int64)
    used = np.zeros(m, dtype=np.bool_)
    need = 0
    for w_ in range(m + nd):
        if w_ < m:
            if not placed[w_]:
                continue
            d = x[w_]
        else:
            d = fd[w_ - m]
            if d > p:
                continue  # a fixed exit on or before p is judged: the plan reaches p
        dm1 = d - 1
        dw = d + W - 1
        drop = _support(fs, fe, fw, nf, dm1) - _support(fs, fe, fw, nf, dw)
        items = 0
        for i in range(m):
            s = xs[i]
            w = xw[i]
            if placed[i]:
                in_before, in_after, _ = _placed(s, w, x[i], d, W)
                drop += in_before - in_after
                continue
            b_in = w if s <= dm1 else 0
            a_out = w if s <= dw else 0
            k_late = (d + W - xb[i] + GRID_DAYS - 1) // GRID_DAYS
            if k_late < 0:
                k_late = 0
            if klo[i] >= k_late:
                drop += b_in - a_out
                continue
            drop += b_in
            if khi[i] >= k_late and a_out > 0:
                cost[items] = GRID_DAYS * (k_late - klo[i])
                save[items] = a_out
                items += 1
        required = drop - theta
        if required <= 0:
            continue
        # Fractional knapsack: cheapest days per unit of weight first.
        spent = 0.0
        left = required
        used[:items] = False
        while left > 0:
            pick = -1
            for t in range(items):
                if not used[t] and (pick < 0 or cost[t] * save[pick] < cost[pick] * save[t]):
                    pick = t
            if pick < 0:
                return _BIG
            used[pick] = True
            if save[pick] >= left:
                spent += cost[pick] * left / save[pick]
                left = 0
            else:
                spent += cost[pick]
                left -= save[pick]
        c = int(np.ceil(spent - 1e-6))  # never above the exact value, whatever the rounding
        if c > need:
            need = c
    return need


@njit(cache=True, nogil=True)
def _expand(depth, p, last, T, problem, work):
    """Bound the node (exits placed in time order, the last at day p); record it if complete, else
    list its children (the next exit in time and where it ends) in ``cq``/``ci``, earliest first.

    ``problem`` and ``work`` are :func:`_search`'s; a best plan is always known (the first comes from
    a coordinate descent), and a completed node that beats it replaces it."""
    edge, D, fix, fd_all, nfd, fd, nd, flex, m = problem
    x, placed, klo, khi, own_drop, own_edge, ext_lb, best, best_ext, cq, ci, nc, nbound, pred = work
    xb = flex[1]
    nc[depth] = 0
    T_lb = T
    open_count = 0
    for i in range(m):
        if placed[i]:
            ext_lb[i] = x[i] - xb[i]
            continue
        open_count += 1
        k = 0
        if p > xb[i]:
            k = (p - xb[i] + GRID_DAYS - 1) // GRID_DAYS
        if k > khi[i]:
            return  # this exit cannot end after the ones placed
        klo[i] = k
        ext_lb[i] = GRID_DAYS * k
        T_lb += GRID_DAYS * k
    still, worst = _bound(edge, D, fix, fd_all, nfd, fd, nd, flex, x, placed, klo, khi, m)
    for i in range(m):
        if not placed[i]:
            if own_drop[i, klo[i]] > worst:
                worst = own_drop[i, klo[i]]
            if own_edge[i, klo[i]]:
                still = True
    if not _better(still, worst, T_lb, ext_lb, m, best[0] == 1, best[1], best[2], best_ext):
        return
    if (still == (best[0] == 1)) and worst <= best[1]:
        # Matching the best's largest drop costs at least this many more days: if that is more than
        # the best used, only a smaller largest drop can win.
        extra = _extra_days(best[1], p, edge, fix, fd, nd, flex, x, placed, klo, khi, m)
        if T_lb + extra > best[2] and (
            _extra_days(best[1] - 1, p, edge, fix, fd, nd, flex, x, placed, klo, khi, m) >= _BIG
        ):
            return
    nbound[depth, 0] = 1 if still else 0
    nbound[depth, 1] = worst
    if open_count > 1:
        # Look ahead: each open exit ends at one of its options, so for each the least bound over
        # its options (the others open) bounds every completion.
        la_s, la_w, la_t = still, worst, T_lb
        for i in range(m):
            if placed[i]:
                continue
            i_s, i_w, i_t = True, _BIG, _BIG
            placed[i] = True
            for k in range(klo[i], khi[i] + 1):
                x[i] = xb[i] + GRID_DAYS * k
                s2, w2 = _bound(edge, D, fix, fd_all, nfd, fd, nd, flex, x, placed, klo, khi, m)
                s2 = s2 or still
                w2 = max(w2, worst)
                t2 = T_lb + GRID_DAYS * (k - klo[i])
                if _less3(s2, w2, t2, i_s, i_w, i_t):
                    i_s, i_w, i_t = s2, w2, t2
                    if not _less3(la_s, la_w, la_t, i_s, i_w, i_t):
                        break  # this exit cannot raise the bound
            placed[i] = False
            x[i] = xb[i]
            if _less3(la_s, la_w, la_t, i_s, i_w, i_t):
                la_s, la_w, la_t = i_s, i_w, i_t
        if not _better(la_s, la_w, la_t, ext_lb, m, best[0] == 1, best[1], best[2], best_ext):
            return
    if open_count == 0:
        best[0] = 1 if still else 0
        best[1] = worst
        best[2] = T
        best_ext[:m] = ext_lb[:m]
        return
    # Children: which open exit ends next, and on which day (every other open exit ends then or later).
    count = 0
    for i in range(m):
        if placed[i] or (pred[i] >= 0 and not placed[pred[i]]):
            continue
        cap = _BIG
        for j in range(m):
            if j != i and not placed[j]:
                c = xb[j] + GRID_DAYS * khi[j]
                if c < cap:
                    cap = c
        for k in range(klo[i], khi[i] + 1):
            q = xb[i] + GRID_DAYS * k
            if q > cap:
                break
            if q == p and i <= last:
                continue
            cq[depth, count] = q
            ci[depth, count] = i
            count += 1
    if count > 1:
        keys = cq[depth, :count] * (m + 1) + ci[depth, :count]
        order = np.argsort(keys)
        qs = cq[depth, :count][order]
        iz = ci[depth, :count][order]
        cq[depth, :count] = qs
        ci[depth, :count] = iz
    nc[depth] = count


@njit(cache=True, nogil=True)
def _search(edge, D, fix, fd_all, nfd, fd, nd, flex, m, budget, best_ext, best):
    """Depth-first branch and bound, exits placed in time order; ``best`` = [edge left, largest drop,
    extension days, nodes] and ``best_ext`` receive the answer. Returns whether it finished."""
    S, H, W, K = edge[0], edge[2], edge[3], edge[4]
    xb, xn = flex[1], flex[3]
    x = xb.copy()
    placed = np.zeros(m, dtype=np.bool_)
    klo = np.zeros(m, dtype=np.int64)
    khi = xn - 1
    maxo = xn.max()
    # Each exit's own window is judged wherever it lands: the least drop it can have, and whether it
    # surely qualifies, at each option (the other exits anywhere), then over "this option or later".
    own_drop = np.full((m, maxo), _BIG, dtype=np.int64)
    own_edge = np.zeros((m, maxo), dtype=np.bool_)
    for i in range(m):
        placed[i] = True
        for k in range(xn[i]):
            x[i] = xb[i] + GRID_DAYS * k
            drop, top, n = _window(x[i], max(H, x[i] + 1), W, fix, fd_all, nfd, flex, x, placed, klo, khi, m)
            own_drop[i, k] = drop
            own_edge[i, k] = _qualifies(drop, top, n, K, D)
        for k in range(xn[i] - 2, -1, -1):
            own_drop[i, k] = min(own_drop[i, k], own_drop[i, k + 1])
            own_edge[i, k] = own_edge[i, k] and own_edge[i, k + 1]
        placed[i] = False
        x[i] = xb[i]
    width = m * maxo
    cq = np.empty((m + 1, width), dtype=np.int64)
    ci = np.empty((m + 1, width), dtype=np.int64)
    nc = np.zeros(m + 1, dtype=np.int64)
    ptr = np.zeros(m + 1, dtype=np.int64)
    who = np.zeros(m + 1, dtype=np.int64)
    ext_lb = np.zeros(m, dtype=np.int64)
    nbound = np.zeros((m + 1, 2), dtype=np.int64)
    # Interchangeable exits (same end, weight and options; both started before that end, so which of
    # them ends where changes no window): only the order with non-decreasing extensions is searched,
    # which the tie-break prefers anyway.
    xw = flex[2]
    pred = np.full(m, -1, dtype=np.int64)
    for i in range(m):
        for j in range(i - 1, -1, -1):
            if xb[i] == xb[j] and xw[i] == xw[j] and xn[i] == xn[j]:
                pred[i] = j
                break
    # A good plan first (coordinate descent from no extensions), so that the bounds bite at once.
    start = np.zeros(m, dtype=np.int64)
    b_still, b_worst, b_total = _descend(edge, D, fix, fd_all, nfd, fd, nd, flex, m, start)
    best[0] = 1 if b_still else 0
    best[1] = b_worst
    best[2] = b_total
    best_ext[:m] = start
    problem = (edge, D, fix, fd_all, nfd, fd, nd, flex, m)
    work = (x, placed, klo, khi, own_drop, own_edge, ext_lb, best, best_ext, cq, ci, nc, nbound, pred)
    nodes = 1
    T = 0
    _expand(0, S - 1, -1, 0, problem, work)
    depth = 0
    while True:
        if ptr[depth] >= nc[depth]:
            if depth == 0:
                break
            i = who[depth]
            placed[i] = False
            T -= x[i] - xb[i]
            x[i] = xb[i]
            depth -= 1
            continue
        j = ptr[depth]
        ptr[depth] += 1
        q = cq[depth, j]
        i = ci[depth, j]
        # Every open exit ends on day q or later: their extensions and own windows from there.
        q_s = nbound[depth, 0] == 1
        q_w = nbound[depth, 1]
        q_t = T
        for j2 in range(m):
            if not placed[j2]:
                k2 = 0
                if q > xb[j2]:
                    k2 = (q - xb[j2] + GRID_DAYS - 1) // GRID_DAYS
                q_t += GRID_DAYS * k2
                if own_drop[j2, k2] > q_w:
                    q_w = own_drop[j2, k2]
                if own_edge[j2, k2]:
                    q_s = True
        if _less3(best[0] == 1, best[1], best[2], q_s, q_w, q_t):
            ptr[depth] = nc[depth]  # later children end later still: none can beat the best
            continue
        nodes += 1
        if nodes > budget:
            best[3] += nodes
            return False
        placed[i] = True
        x[i] = q
        T += q - xb[i]
        depth += 1
        who[depth] = i
        ptr[depth] = 0
        _expand(depth, q, i, T, problem, work)
    best[3] += nodes
    return True


@njit(cache=True, nogil=True)
def _evaluate(edge, D, fix, fd_all, nfd, fd, nd, flex, x, m):
    placed = np.ones(m, dtype=np.bool_)
    k = np.zeros(m, dtype=np.int64)
    return _bound(edge, D, fix, fd_all, nfd, fd, nd, flex, x, placed, k, k, m)


@njit(cache=True, nogil=True)
def _descend(edge, D, fix, fd_all, nfd, fd, nd, flex, m, ext):
    """Heuristic: from ``ext``, move one exit at a time to its best option until nothing gains."""
    xb, xn = flex[1], flex[3]
    x = xb + ext
    still, worst = _evaluate(edge, D, fix, fd_all, nfd, fd, nd, flex, x, m)
    total = ext.sum()
    for _round in range(50):
        improved = False
        for i in range(m):
            keep = ext[i]
            for k in range(xn[i]):
                q = GRID_DAYS * k
                if q == keep:
                    continue
                ext[i] = q
                x[i] = xb[i] + q
                s2, w2 = _evaluate(edge, D, fix, fd_all, nfd, fd, nd, flex, x, m)
                t2 = total - keep + q  # never equal to total (q != keep): no tie to break
                if _less3(s2, w2, t2, still, worst, total):
                    still, worst, total = s2, w2, t2
                    keep = q
                    improved = True
                ext[i] = keep
                x[i] = xb[i] + keep
        if not improved:
            break
    return still, worst, total


@njit(cache=True, nogil=True)
def _fixed_days(fix, S, as_of):
    """Fixed exits that a judged window can count (sorted, and the distinct ones)."""
    fs, fe, nf = fix[0], fix[1], fix[3][0]
    days = np.empty(nf, dtype=np.int64)
    n = 0
    low = max(S, as_of)
    for r in range(nf):
        if fs[r] < fe[r] and low <= fe[r] and fe[r] < NEVER:
            days[n] = fe[r]
            n += 1
    days = np.sort(days[:n])
    distinct = np.empty(n, dtype=np.int64)
    nd = 0
    for j in range(n):
        if nd == 0 or distinct[nd - 1] != days[j]:
            distinct[nd] = days[j]
            nd += 1
    return days, n, distinct, nd


@njit(cache=True, nogil=True)
def _plan_one(edge, D, as_of, rs, re, rw, rmov, rmax, rrank, budget, heuristic_budget, limit, out_rows, out_ext, stats):
    """One edge of one person (rows rs..): returns (still, worst, total, exact, flexible exits)."""
    S, E, H = edge[0], edge[1], edge[2]
    R = len(rs)
    # Flexible exits: in view, in the edge, not fixed, at least one week allowed; in exit order.
    order = np.empty(R, dtype=np.int64)
    m = 0
    for r in range(R):
        e = re[r]
        if rs[r] < e and as_of <= e and e < H and e >= S and e < E and rmov[r] and rmax[r] >= GRID_DAYS:
            j = m
            while j > 0:
                p = order[j - 1]
                if re[p] > e or (re[p] == e and (rrank[p] > rrank[r] or (rrank[p] == rrank[r] and p > r))):
                    order[j] = p
                    j -= 1
                else:
                    break
            order[j] = r
            m += 1
    flex_rows = order[:m]
    is_flex = np.zeros(R, dtype=np.bool_)
    for i in range(m):
        is_flex[flex_rows[i]] = True
    # Fixed rows: the others. Those that cannot touch a window any plan can judge are left out, and
    # those active over that whole stretch are folded into one open-ended row of their total weight.
    W = edge[3]
    reach = E
    for i in range(m):
        r = flex_rows[i]
        last = re[r] + rmax[r] // GRID_DAYS * GRID_DAYS + 1
        if last > reach:
            reach = last
    first_t = S - 1
    last_t = reach + W - 2
    fs = np.empty(R + 1, dtype=np.int64)
    fe = np.empty(R + 1, dtype=np.int64)
    fw = np.empty(R + 1, dtype=np.int64)
    nf = 0
    constant = 0
    for r in range(R):
        if is_flex[r] or re[r] <= first_t or rs[r] > last_t or re[r] <= rs[r]:
            continue
        if rs[r] <= first_t and re[r] > last_t:
            constant += rw[r]
            continue
        fs[nf], fe[nf], fw[nf] = rs[r], re[r], rw[r]
        nf += 1
    if constant:
        fs[nf], fe[nf], fw[nf] = first_t - 1, NEVER, constant
        nf += 1
    xs = np.empty(m, dtype=np.int64)
    xb = np.empty(m, dtype=np.int64)
    xw = np.empty(m, dtype=np.int64)
    xn = np.empty(m, dtype=np.int64)
    for i in range(m):
        r = flex_rows[i]
        xs[i], xb[i], xw[i], xn[i] = rs[r], re[r], rw[r], rmax[r] // GRID_DAYS + 1
        out_rows[i] = r
    fix = (fs, fe, fw, np.array([nf], dtype=np.int64))
    fd_all, nfd, fd, nd = _fixed_days(fix, S, as_of)
    flex = (xs, xb, xw, xn)
    stats[0] = 0
    if m == 0:  # nothing can move: the span is judged as it is
        still, worst = _evaluate(edge, D, fix, fd_all, nfd, fd, nd, flex, xb, 0)
        return still, 0 if worst == -_BIG else worst, 0, True, 0
    best = np.zeros(4, dtype=np.int64)
    ext = np.zeros(m, dtype=np.int64)
    if m <= limit:
        exact = _search(edge, D, fix, fd_all, nfd, fd, nd, flex, m, budget, ext, best)
        out_ext[:m] = ext
        stats[0] = best[3]
        return best[0] == 1, best[1], best[2], exact, m
    # Heuristic: the heaviest `limit` exits searched, the others held; then coordinate descent.
    heavy = np.argsort(-xw, kind="mergesort")  # heaviest first, ties in exit order
    keep = np.zeros(m, dtype=np.bool_)
    for j in range(limit):
        keep[heavy[j]] = True
    sub = np.empty(limit, dtype=np.int64)
    ns = 0
    hf = nf
    hfs = np.empty(nf + m, dtype=np.int64)
    hfe = np.empty(nf + m, dtype=np.int64)
    hfw = np.empty(nf + m, dtype=np.int64)
    hfs[:nf], hfe[:nf], hfw[:nf] = fs[:nf], fe[:nf], fw[:nf]
    for i in range(m):
        if keep[i]:
            sub[ns] = i
            ns += 1
        else:
            hfs[hf], hfe[hf], hfw[hf] = xs[i], xb[i], xw[i]
            hf += 1
    hfix = (hfs, hfe, hfw, np.array([hf], dtype=np.int64))
    hfd_all, hnfd, hfd, hnd = _fixed_days(hfix, S, as_of)
    hflex = (xs[sub].copy(), xb[sub].copy(), xw[sub].copy(), xn[sub].copy())
    sub_ext = np.zeros(limit, dtype=np.int64)
    _search(edge, D, hfix, hfd_all, hnfd, hfd, hnd, hflex, limit, heuristic_budget, sub_ext, best)
    for j in range(limit):
        ext[sub[j]] = sub_ext[j]
    still, worst, total = _descend(edge, D, fix, fd_all, nfd, fd, nd, flex, m, ext)
    out_ext[:m] = ext
    stats[0] = best[3]
    return still, worst, total, False, m


@njit(cache=True, nogil=True)
def _outputs(first, e_person):
    """The result arrays for the edges, each edge's share of the per-exit ones at ``offsets``."""
    n = len(e_person)
    offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        p = e_person[k]
        offsets[k + 1] = offsets[k] + (first[p + 1] - first[p])
    return (
        np.zeros(n, dtype=np.bool_),  # an edge left
        np.zeros(n, dtype=np.int64),  # largest drop
        np.zeros(n, dtype=np.int64),  # extension days
        np.zeros(n, dtype=np.bool_),  # exact
        np.zeros(n, dtype=np.int64),  # flexible exits
        offsets,
        np.zeros(offsets[n], dtype=np.int64),  # rows
        np.zeros(offsets[n], dtype=np.int64),  # extensions
        np.zeros(n, dtype=np.int64),  # nodes
    )


@njit(cache=True, nogil=True)
def _plan_edge(k, out, first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, D, budget,
               heuristic_budget, limit):  # fmt: skip
    """Plan edge k into ``out`` (see :func:`_outputs`); edges write to disjoint parts of it."""
    still, worst, total, exact, count, offsets, rows, exts, nodes = out
    p = e_person[k]
    a, b = first[p], first[p + 1]
    edge = np.empty(5, dtype=np.int64)
    edge[0], edge[1], edge[2], edge[3], edge[4] = e_start[k], e_end[k], window[1], window[2], window[3]
    stats = np.zeros(1, dtype=np.int64)
    o = offsets[k]
    s_, w_, t_, x_, m_ = _plan_one(
        edge, D, window[0], rs[a:b], re[a:b], rw[a:b], rmov[a:b], rmax[a:b], rrank[a:b], budget, heuristic_budget,
        limit, rows[o:], exts[o:], stats,
    )  # fmt: skip
    still[k], worst[k], total[k], exact[k], count[k], nodes[k] = s_, w_, t_, x_, m_, stats[0]
    for j in range(m_):
        rows[o + j] += a


@njit(cache=True, nogil=True)
def _plan_edges(first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, D, budget, heuristic_budget,
                limit):  # fmt: skip
    out = _outputs(first, e_person)
    for k in range(len(e_person)):
        _plan_edge(k, out, first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, D, budget,
                   heuristic_budget, limit)  # fmt: skip
    return out


@njit(cache=True, nogil=True, parallel=True)
def _plan_edges_parallel(first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, D, budget,
                         heuristic_budget, limit):  # fmt: skip
    out = _outputs(first, e_person)
    for k in prange(len(e_person)):
        _plan_edge(k, out, first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, D, budget,
                   heuristic_budget, limit)  # fmt: skip
    return out


def plan_edges(first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, D):
    """Plan every edge (``e_person``, ``e_start``, ``e_end``; rows of person p are first[p]:first[p+1]).

    Rows: start, effective end, weight (millionths), movable (not a past actual end), the service's
    ``max_extension_days`` and the service id's rank (exits are listed by date, then service id).
    ``window`` = (as_of, end of the view, window days, min exits), ordinals; ``D`` the min drop.

    Returns arrays per edge: an edge left, the largest drop, extension days, found by the exact
    search, number of flexible exits, offsets into the last three, and for each edge's flexible
    exits in exit order their rows and extension days; then the nodes each search visited.
    """
    # One signature only (C-contiguous int64, bool), so that numba compiles, and caches, once.
    first, rs, re, rw, rmax, rrank, e_person, e_start, e_end, window = _as_columns(
        first, rs, re, rw, rmax, rrank, e_person, e_start, e_end, window
    )
    (rmov,) = _as_columns(rmov, dtype=np.bool_)
    args = (first, rs, re, rw, rmov, rmax, rrank, e_person, e_start, e_end, window, float(D))
    # Every core for a whole cohort; one such run at a time per process, so that no threading layer
    # numba may pick (some cannot be entered from two threads at once) is ever entered twice.
    if len(e_person) >= PARALLEL_FROM and _parallel.acquire(blocking=False):
        try:
            return _plan_edges_parallel(*args, NODE_BUDGET, HEURISTIC_BUDGET, EXACT_LIMIT)
        finally:
            _parallel.release()
    return _plan_edges(*args, NODE_BUDGET, HEURISTIC_BUDGET, EXACT_LIMIT)


def _as_columns(*arrays, dtype=np.int64):
    return [np.ascontiguousarray(a, dtype=dtype) for a in arrays]


def warm() -> None:
    """Compile the planner (or load it from numba's on-disk cache) by planning a small edge.

    ``make install`` runs this (``python -m joinedup.domain.exit_planner``) so that the first plan in
    a process loads cached machine code instead of compiling for about half a minute.
    """
    # Three exits on one day, one of which may move: an edge that a 13-week extension resolves.
    day = 740_000
    columns = _as_columns(
        [0, 3], [day - 400] * 3, [day] * 3, [1_000_000] * 3, [1, 1, 1], [91, 0, 0], [0, 1, 2], [0], [day],
        [day + 90], [day - 10, day + 355, 90, 2],
    )  # fmt: skip
    columns[4] = columns[4].astype(np.bool_)
    for kernel in (_plan_edges, _plan_edges_parallel):
        kernel(*columns, 0.5, NODE_BUDGET, HEURISTIC_BUDGET, EXACT_LIMIT)


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    warm()
    print(f"exit planner ready in {time.perf_counter() - started:.1f} s (numba cache: joinedup/domain/__pycache__)")
