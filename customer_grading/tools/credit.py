"""The credit limit a sale order is held to, by the customer's grade.

Plain functions on plain values, so that they read and test without the ORM.
"""


def credit_limit(own_limit, grade_limit, is_exception=False):
    """The credit limit of a customer in a company, 0 for none (no check).

    A customer that is an exception to its grade's policies keeps its own
    limit; any other customer gets its grade's limit when the grade sets one
    (above 0), else its own.
    """
    if is_exception or not grade_limit or grade_limit <= 0:
        return own_limit if own_limit and own_limit > 0 else 0.0
    return grade_limit


def is_exceeded(exposure, limit, action, compare):
    """Whether an exposure breaks the limit under a grade's order action.

    ``compare(a, b)`` compares two amounts as the currency rounds them (-1, 0,
    1); no limit (0) or the action ``none`` never breaks.
    """
    return action in ("warn", "block") and limit > 0 and compare(exposure, limit) > 0
