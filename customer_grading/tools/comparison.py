"""Comparison of previewed grades with the grades they would replace.

Plain functions on plain values, so that they read and test without the ORM.
"""

MOVEMENTS = ("same", "up", "down", "new", "ungraded")


def movement(previous, new):
    """How a customer's grade would move from ``previous`` to ``new``, each a
    ``(code, standing)`` pair or ``None`` (no grade), the standing placing the
    grade in its scheme from 1 (best) to 0 (lowest).

    Grades are matched by code, so that a copy of a scheme compares with the
    scheme it copies even when its thresholds moved; between grades of
    different codes the one standing higher in its own scheme is the better
    (equal standings: the same level), so that the best grade of one scheme
    compares with the best of another whatever their thresholds. Returns ``"same"``, ``"up"``,
    ``"down"``, ``"new"`` (gets a grade) or ``"ungraded"`` (loses its grade).
    """
    if previous is None:
        return "same" if new is None else "new"
    if new is None:
        return "ungraded"
    if previous[0] == new[0] or previous[1] == new[1]:
        return "same"
    return "up" if new[1] > previous[1] else "down"


def summary(cells):
    """Figures of a migration matrix given as ``(movement, count)`` cells:
    ``{"compared", "changed", "up", "down"}``."""
    figures = {"compared": 0, "changed": 0, "up": 0, "down": 0}
    for move, count in cells:
        figures["compared"] += count
        if move != "same":
            figures["changed"] += count
        if move in ("up", "down"):
            figures[move] += count
    return figures


def distribution(cells, label):
    """``"A: 3 · B: 5 · No grade: 2"``: customers per grade, the best grade
    (highest standing) first, from ``(grade, count)`` cells where a grade
    is a ``(code, standing)`` pair or ``None`` (no grade, named ``label``,
    listed last)."""
    totals = {}
    for grade, count in cells:
        totals[grade] = totals.get(grade, 0) + count
    graded = sorted(
        (g for g, count in totals.items() if g is not None and count), key=lambda g: -g[1]
    )
    parts = [f"{code}: {totals[(code, standing)]}" for code, standing in graded]
    if totals.get(None):
        parts.append(f"{label}: {totals[None]}")
    return " · ".join(parts)
