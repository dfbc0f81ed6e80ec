"""The benchmark's floors (``make bench``): the measures-only floor, one
grouped statement for the automatic measures; and the write-inclusive floor,
hand-written SQL
that measures, scores and grades the same customers as a full run of the
standard scheme and writes the same rows — the results, their breakdown lines
and the customers' grading columns — with ``INSERT … SELECT`` and
``UPDATE … FROM``, each statement timed, then rolled back. (The dimension
subtotals are a view over the lines: a run writes none.)"""

import json
from datetime import date

from bench_data import RUN_DATE, measured, repeated

PERIOD_FROM = date(2025, 10, 1)

# the documents of the period summed per customer (invoices, orders, payments
# due), shared by both floors; each statement puts a ``periods`` CTE before
DOCUMENTS = """invoices AS (
    SELECT c.commercial_partner_id AS partner_id,
           SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date >= p.date_from) AS amount,
           SUM(m.amount_untaxed_signed) FILTER (WHERE m.invoice_date < p.date_from) AS previous,
           COUNT(*) FILTER (WHERE m.invoice_date >= p.date_from) AS documents
      FROM account_move m JOIN res_partner c ON c.id = m.partner_id, periods p
     WHERE m.company_id = %(company_id)s AND m.state = 'posted'
       AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date BETWEEN p.previous_from AND p.date_to
  GROUP BY 1
), orders AS (
    SELECT c.commercial_partner_id AS partner_id,
           COUNT(*) FILTER (WHERE so.date_order >= p.date_from) AS orders,
           SUM(so.margin / NULLIF(so.currency_rate, 0))
               FILTER (WHERE so.date_order >= p.date_from) AS margin,
           MIN(so.date_order) >= p.date_from AS first_in_period
      FROM sale_order so JOIN res_partner c ON c.id = so.partner_id, periods p
     WHERE so.company_id = %(company_id)s AND so.state = 'sale'
       AND so.date_order < p.date_to + 1
  GROUP BY 1, p.date_from
), total AS (
    SELECT SUM(margin) AS margin FROM orders
), due AS (
    SELECT m.commercial_partner_id AS partner_id,
           BOOL_AND(l.balance - COALESCE(paid.amount, 0) < 0.005) AS on_time
      FROM account_move m
      JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'
      LEFT JOIN LATERAL (
           SELECT SUM(r.amount) AS amount FROM account_partial_reconcile r
            WHERE r.debit_move_id = l.id AND r.max_date <= m.invoice_date_due) paid ON TRUE,
           periods p
     WHERE m.company_id = %(company_id)s AND m.state = 'posted' AND m.move_type = 'out_invoice'
       AND m.invoice_date_due BETWEEN p.date_from AND p.date_to
  GROUP BY m.commercial_partner_id, m.id
), payments AS (
    SELECT partner_id, COUNT(*) AS due, COUNT(*) FILTER (WHERE on_time) AS on_time
      FROM due GROUP BY 1
)
"""

# the customers a full run grades and their automatic measures, as the run
# reads them (no document: 0 amount and orders; the active customers have a
# document in the period)
MEASURES = (
    """
CREATE TEMP TABLE bench_floor_measures AS
WITH periods AS (
    SELECT %(date_from)s::date AS date_from, %(date_to)s::date AS date_to,
           %(previous_from)s::date AS previous_from
), customers AS (
    SELECT p.id AS partner_id
      FROM res_partner p
     WHERE p.active AND p.id = p.commercial_partner_id
       AND (p.company_id IS NULL OR p.company_id = %(company_id)s)
       AND (p.customer_rank > 0 OR p.id IN (
                SELECT v.partner_id FROM customer_grading_value v
                 WHERE v.company_id = %(company_id)s
                 UNION
                SELECT c.commercial_partner_id
                  FROM account_move m JOIN res_partner c ON c.id = m.partner_id, periods p
                 WHERE m.company_id = %(company_id)s AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_date BETWEEN p.date_from AND p.date_to))
), """
    + DOCUMENTS
    + """SELECT c.partner_id,
       COALESCE(i.documents, 0) + COALESCE(o.orders, 0) > 0 AS active,
       COALESCE(i.amount, 0) AS annual_amount,
       COALESCE(o.orders, 0) AS purchase_frequency,
       CASE WHEN t.margin > 0 THEN 100.0 * COALESCE(o.margin, 0) / t.margin END
           AS profit_contribution,
       CASE WHEN i.previous > 0 THEN 100.0 * (COALESCE(i.amount, 0) - i.previous) / i.previous END
           AS growth_trend,
       100.0 * y.on_time / NULLIF(y.due, 0) AS payment_record,
       100.0 * (o.orders - CASE WHEN o.first_in_period THEN 1 ELSE 0 END) / NULLIF(o.orders, 0)
           AS repeat_purchase
  FROM customers c
  LEFT JOIN invoices i ON i.partner_id = c.partner_id
  LEFT JOIN orders o ON o.partner_id = c.partner_id
  LEFT JOIN payments y ON y.partner_id = c.partner_id, total t
"""
)

# one line per customer and indicator of the scheme: raw value (measured or
# manual), score by the indicator's rule (rank: among the customers with
# data, as a full run ranks them), points
LINES = """
CREATE TEMP TABLE bench_floor_lines AS
WITH indicators AS (
    SELECT i.id, i.dimension_id, i.source, i.measure, i.weight, i.scoring_rule,
           i.missing_score, i.linear_min, i.linear_max, i.is_lower_better,
           COALESCE(i.rank_groups, 0) AS rank_groups
      FROM customer_grading_indicator i
     WHERE i.scheme_id = %(scheme_id)s AND i.active AND i.weight <> 0
), manual AS (
    SELECT DISTINCT v.partner_id
      FROM customer_grading_value v JOIN indicators i ON i.id = v.indicator_id
     WHERE v.company_id = %(company_id)s AND i.source = 'manual'
), raw AS (
    SELECT m.partner_id, i.*, v.option_id,
           NOT m.active AND x.partner_id IS NULL AS insufficient,
           i.source = 'manual' OR m.active OR x.partner_id IS NOT NULL AS in_population,
           (CASE WHEN i.source = 'manual' THEN v.value
                 WHEN i.measure = 'annual_amount' THEN m.annual_amount
                 WHEN i.measure = 'purchase_frequency' THEN m.purchase_frequency
                 WHEN i.measure = 'profit_contribution' THEN m.profit_contribution
                 WHEN i.measure = 'growth_trend' THEN m.growth_trend
                 WHEN i.measure = 'payment_record' THEN m.payment_record
                 WHEN i.measure = 'repeat_purchase' THEN m.repeat_purchase END)::float8 AS raw_value
      FROM bench_floor_measures m
     CROSS JOIN indicators i
      LEFT JOIN manual x ON x.partner_id = m.partner_id
      LEFT JOIN customer_grading_value v
             ON v.partner_id = m.partner_id AND v.indicator_id = i.id
            AND v.company_id = %(company_id)s AND i.source = 'manual'
), keyed AS (
    SELECT r.*, r.in_population AND r.raw_value IS NOT NULL AS counted,
           CASE WHEN r.is_lower_better THEN -r.raw_value ELSE r.raw_value END AS rank_key
      FROM raw r
), ranked AS (
    -- the population: the customers with a document in the period or a
    -- manual value (a full run ranks among them); beaten: how many of them have a strictly lower
    -- value (those up to the customer's value, less those equal to it)
    SELECT r.*,
           COUNT(*) FILTER (WHERE r.counted) OVER (PARTITION BY r.id ORDER BY r.rank_key)
               - COUNT(*) FILTER (WHERE r.counted) OVER (PARTITION BY r.id, r.rank_key)
               AS beaten,
           COUNT(*) FILTER (WHERE r.counted) OVER (PARTITION BY r.id)
               - CASE WHEN r.insufficient THEN 0 ELSE 1 END AS others
      FROM keyed r
), scored AS (
    SELECT r.partner_id, r.id AS indicator_id, r.dimension_id, r.raw_value, r.option_id,
           r.weight, r.insufficient,
           ROUND((CASE
               WHEN r.raw_value IS NULL THEN r.missing_score
               WHEN r.scoring_rule = 'rank' THEN CASE
                    WHEN r.others <= 0 THEN 100
                    WHEN r.rank_groups > 0 THEN 100.0 * LEAST(r.beaten * r.rank_groups / r.others,
                                                              r.rank_groups - 1)
                                                / (r.rank_groups - 1)
                    ELSE 100.0 * r.beaten / r.others END
               WHEN r.scoring_rule = 'linear' THEN GREATEST(0, LEAST(100,
                    (r.raw_value - r.linear_min) * 100 / NULLIF(r.linear_max - r.linear_min, 0)))
               WHEN r.scoring_rule = 'bands' THEN COALESCE((
                    SELECT GREATEST(0, LEAST(100, b.score))
                      FROM customer_grading_indicator_band b
                     WHERE b.indicator_id = r.id AND b.threshold <= r.raw_value
                  ORDER BY b.threshold DESC LIMIT 1), 0)
               ELSE GREATEST(0, LEAST(100, r.raw_value)) END)::numeric, 2) AS score
      FROM ranked r
)
SELECT s.*, ROUND(s.score * s.weight::numeric / 100, 2) AS points FROM scored s
"""

# the results: total score, grade by the scheme's minimum scores (the lowest
# for a blacklisted customer; for a customer without data, the lowest or none
# as the company says), the grade in force before, the trend
RESULTS = """
INSERT INTO customer_grading_result
       (run_id, company_id, period_label, date_to, partner_id, user_id,
        previous_level_id, previous_score, score_change, score_move, is_insufficient,
        is_blacklisted, score, computed_level_id, level_id, trend, demotion_held)
WITH levels AS (
    SELECT id, min_score FROM customer_grading_level
     WHERE scheme_id = %(scheme_id)s AND active
), lowest AS (
    SELECT id, min_score FROM levels ORDER BY min_score, id LIMIT 1
), totals AS (
    SELECT l.partner_id, BOOL_OR(l.insufficient) AS insufficient, SUM(l.points) AS score
      FROM bench_floor_lines l
  GROUP BY l.partner_id
), graded AS (
    SELECT t.*, p.user_id, previous.id AS previous_level_id,
           previous.min_score AS previous_min_score,
           (p.grading_score ->> %(key)s)::numeric AS previous_score,
           EXISTS(SELECT 1 FROM customer_grading_blacklist b
                   WHERE b.partner_id = t.partner_id AND b.state = 'active'
                     AND b.company_id = %(company_id)s) AS blacklisted
      FROM totals t
      JOIN res_partner p ON p.id = t.partner_id
 LEFT JOIN customer_grading_level previous
        ON previous.id = (p.grading_level_id ->> %(key)s)::int
), leveled AS (
    SELECT g.*, level.id AS level_id, level.min_score
      FROM graded g
 LEFT JOIN LATERAL (
           SELECT * FROM lowest WHERE g.blacklisted
                  OR g.insufficient AND %(grade_insufficient)s
            UNION ALL
           SELECT * FROM (
                  SELECT reached.id, reached.min_score FROM levels reached
                   WHERE reached.min_score <= g.score
                   UNION ALL SELECT * FROM lowest
                ORDER BY min_score DESC LIMIT 1) best
            WHERE NOT g.blacklisted AND NOT g.insufficient
           ) level ON TRUE
)
SELECT %(run_id)s, %(company_id)s, %(period_label)s, %(date_to)s, l.partner_id, l.user_id,
       l.previous_level_id, l.previous_score, l.score - l.previous_score,
       ABS(l.score - l.previous_score), l.insufficient, l.blacklisted, l.score,
       l.level_id, l.level_id,
       CASE WHEN l.level_id IS NULL THEN NULL
            WHEN l.previous_min_score IS NULL THEN 'new'
            WHEN l.min_score > l.previous_min_score THEN 'up'
            WHEN l.min_score < l.previous_min_score THEN 'down'
            ELSE 'same' END,
       FALSE
  FROM leveled l
"""

BREAKDOWN = """
INSERT INTO customer_grading_result_line
       (result_id, indicator_id, dimension_id, raw_value, option_id, has_value,
        score, weight, points)
SELECT r.id, l.indicator_id, l.dimension_id, l.raw_value, l.option_id,
       l.raw_value IS NOT NULL, l.score, l.weight, l.points
  FROM bench_floor_lines l
  JOIN customer_grading_result r ON r.partner_id = l.partner_id AND r.run_id = %(run_id)s
"""

# the grading columns of the customers in the run's company, as a publication writes them
PARTNERS = """
UPDATE res_partner p
   SET grading_level_id = CASE WHEN r.level_id IS NULL
           THEN COALESCE(p.grading_level_id, '{}'::jsonb) - %(key)s
           ELSE COALESCE(p.grading_level_id, '{}'::jsonb)
                || jsonb_build_object(%(key)s, r.level_id) END,
       grading_score = COALESCE(p.grading_score, '{}'::jsonb)
                || jsonb_build_object(%(key)s, r.score),
       grading_date = COALESCE(p.grading_date, '{}'::jsonb)
                || jsonb_build_object(%(key)s, %(date_to)s::text),
       grading_result_id = COALESCE(p.grading_result_id, '{}'::jsonb)
                || jsonb_build_object(%(key)s, r.id),
       grading_state = COALESCE(p.grading_state, '{}'::jsonb)
                || jsonb_build_object(%(key)s, CASE WHEN r.level_id IS NULL
                       THEN 'insufficient' ELSE 'graded' END)
  FROM customer_grading_result r
 WHERE r.run_id = %(run_id)s AND p.id = r.partner_id
"""

STATEMENTS = (
    ("measures", MEASURES),
    ("scores", LINES),
    ("results", RESULTS),
    ("breakdown lines", BREAKDOWN),
    ("customers' grades", PARTNERS),
)

# the run's levels against the floor's, customer by customer
SAME_LEVELS = """
SELECT COUNT(*), COUNT(*) FILTER (WHERE f.computed_level_id IS NOT DISTINCT FROM r.computed_level_id
                                    AND ABS(f.score - r.score) < 0.015)
  FROM customer_grading_result f
  JOIN customer_grading_result r ON r.partner_id = f.partner_id AND r.run_id = %(compared)s
 WHERE f.run_id = %(run_id)s
"""


# the measures-only floor: the automatic measures of every customer with a
# document, in one grouped statement
FLOOR = (
    """
WITH periods AS (
    SELECT %(date_from)s::date AS date_from, %(date_to)s::date AS date_to,
           %(previous_from)s::date AS previous_from
), """
    + DOCUMENTS
    + """SELECT COALESCE(i.partner_id, o.partner_id, y.partner_id) AS partner_id,
       COALESCE(i.amount, 0) AS annual_amount,
       COALESCE(o.orders, 0) AS purchase_frequency,
       100.0 * COALESCE(o.margin, 0) / NULLIF((SELECT margin FROM total), 0) AS profit_contribution,
       100.0 * (COALESCE(i.amount, 0) - i.previous) / NULLIF(i.previous, 0) AS growth_trend,
       100.0 * y.on_time / NULLIF(y.due, 0) AS payment_record,
       100.0 * (o.orders - CASE WHEN o.first_in_period THEN 1 ELSE 0 END) / NULLIF(o.orders, 0)
           AS repeat_purchase
  FROM invoices i
  FULL JOIN orders o ON o.partner_id = i.partner_id
  FULL JOIN payments y ON y.partner_id = COALESCE(i.partner_id, o.partner_id)
"""
)


def measures_floor(env, company):
    """The measures-only floor: one grouped statement for the automatic
    measures; ``({partner id: measures}, timing)``."""
    from odoo.tools import SQL  # noqa: PLC0415

    from odoo.addons.customer_grading.tools import periods  # noqa: PLC0415

    previous_from = periods.previous_period(PERIOD_FROM, RUN_DATE)[0]
    rows = {}

    def once():
        with measured(env.cr) as floor:
            env.cr.execute(
                SQL(
                    FLOOR,
                    date_from=PERIOD_FROM,
                    date_to=RUN_DATE,
                    previous_from=previous_from,
                    company_id=company.id,
                )
            )
            rows.update((row[0], row[1:]) for row in env.cr.fetchall())
        return floor

    return rows, repeated(once)


def _parameters(env, run, compared):
    from odoo.addons.customer_grading.tools import periods  # noqa: PLC0415

    company = run.company_id
    return {
        "run_id": run.id,
        "compared": compared.id,
        "company_id": company.id,
        "scheme_id": run.scheme_id.id,
        "key": str(company.id),
        "period_label": run.period_label,
        "date_from": run.date_from,
        "date_to": run.date_to,
        "previous_from": periods.previous_period(run.date_from, run.date_to)[0],
        "grade_insufficient": bool(company.grading_grade_insufficient_data),
    }


def _floor_run(env, compared):
    """A run of the same period as ``compared`` (the rows the floor writes refer to it)."""
    run = (
        env["customer.grading.run"]
        .with_company(compared.company_id)
        .create({"date_to": compared.date_to, "scheme_id": compared.scheme_id.id})
    )
    env.flush_all()
    return run


def write_floor(env, compared, restore):
    """The write-inclusive floor, timed statement by statement, three times
    (``restore`` runs after each rollback), then once more under ``EXPLAIN
    ANALYZE`` for the time of the breakdown lines' triggers (foreign keys).
    ``compared``: the full run whose rows it writes again, compared level by
    level. Returns the figures of the median repetition."""
    from odoo.tools import SQL  # noqa: PLC0415

    def once(explain=False):
        params = _parameters(env, _floor_run(env, compared), compared)
        figures = {"statements": {}}
        with measured(env.cr) as total:
            for name, text in STATEMENTS:
                with measured(env.cr) as statement:
                    if explain and name == "breakdown lines":
                        env.cr.execute(
                            SQL("EXPLAIN (ANALYZE, FORMAT JSON) %s", SQL(text, **params))
                        )
                        figures["explain"] = _triggers(env.cr.fetchone()[0])
                    else:
                        env.cr.execute(SQL(text, **params))
                figures["statements"][name] = [statement["seconds"], env.cr.rowcount]
        figures.update(seconds=total["seconds"], queries=total["queries"])
        env.cr.execute(SQL(SAME_LEVELS, **params))
        figures["compared"], figures["same"] = env.cr.fetchone()
        env.cr.rollback()
        return figures

    figures = repeated(once, restore)
    restore()
    figures["explain"] = once(explain=True)["explain"]
    restore()
    return figures


def _triggers(plan):
    """``{"seconds": the statement's execution, "triggers": {trigger: [calls,
    seconds]}}`` of an ``EXPLAIN (ANALYZE, FORMAT JSON)`` plan."""
    plan = plan if isinstance(plan, list) else json.loads(plan)
    top = plan[0]
    return {
        "seconds": top["Execution Time"] / 1000,
        "triggers": {
            trigger["Trigger Name"]: [trigger["Calls"], trigger["Time"] / 1000]
            for trigger in top.get("Triggers", [])
        },
    }
