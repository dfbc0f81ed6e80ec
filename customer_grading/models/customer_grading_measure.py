"""Automatic indicators, measured for a whole batch of customers at once.

Every measure is one grouped SQL query over the batch (never one query per
customer or per document). Raw SQL also keeps the figures independent of the
record rules of whoever starts the run.
"""

from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL

from ..tools import periods, pg_arrays

MEASURES = frozenset(
    (
        "annual_amount",
        "purchase_frequency",
        "profit_contribution",
        "growth_trend",
        "payment_record",
        "repeat_purchase",
        "recency",
        "complaints",
        "referrals",
    )
)
NO_INVOICES = (0.0, 0.0, 0)  # amount, previous amount, documents in the period
NO_ORDERS = (0, 0.0, False)  # orders, margin, first order ever in the period


class CustomerGradingMeasure(models.AbstractModel):
    _name = "customer.grading.measure"
    _description = "Customer Grading Measures"

    @api.model
    def _measure(
        self,
        company,
        partner_ids,
        date_from,
        date_to,
        total_margin,
        measures=None,
        whole_company=False,
    ):
        """Raw values of the automatic measures for commercial partners.

        Returns ``(values, active)``: ``values`` maps a measure code to
        ``{partner_id: raw value or None}`` (empty for a measure not wanted);
        ``active`` is the set of partners with at least one document in the
        period. ``total_margin`` is the company's margin in the period (see
        :meth:`_company_margin`). ``measures`` is the set of measure codes
        wanted (all when ``None``): the invoice and order totals, which also
        tell the active partners, are always read, the previous period's
        invoices and the orders before the period only for the measures that
        need them; the payment record, the recency, the complaints and the
        referrals are a query each, read only when wanted. With
        ``whole_company``, the queries read every customer of the company in
        one scan instead of filtering on ``partner_ids`` (for a population of
        all customers, much cheaper than a list of them).
        """
        if not partner_ids:
            return {code: {} for code in MEASURES}, set()
        wanted = MEASURES if measures is None else measures
        batch = None if whole_company else pg_arrays.array_literal(partner_ids)
        period = (company, batch, date_from, date_to)
        invoices = self._invoice_totals(*period, previous="growth_trend" in wanted)
        orders = self._order_totals(*period, first_orders="repeat_purchase" in wanted)
        payments = self._payment_punctuality(*period) if "payment_record" in wanted else {}
        last_purchases = (
            self._last_purchases(company, batch, date_to) if "recency" in wanted else {}
        )
        complaints = self._complaint_counts(*period) if "complaints" in wanted else {}
        referrals = self._referral_counts(*period) if "referrals" in wanted else {}
        formulas = self._formulas(
            invoices, orders, payments, last_purchases, complaints, referrals, total_margin, date_to
        )
        values = {code: {} for code in MEASURES}
        for code in wanted & formulas.keys():
            formula = formulas[code]
            values[code] = {partner_id: formula(partner_id) for partner_id in partner_ids}
        active = {
            partner_id
            for partner_id in partner_ids
            if invoices.get(partner_id, NO_INVOICES)[2] or orders.get(partner_id, NO_ORDERS)[0]
        }
        return values, active

    @api.model
    def _formulas(
        self, invoices, orders, payments, last_purchases, complaints, referrals, total_margin, day
    ):
        """``{measure code: function(partner id) -> raw value or None}`` over
        the figures the queries of :meth:`_measure` read; only the measures an
        indicator uses are computed (a run's ranking measures every customer)."""

        def amount(partner_id):
            return invoices.get(partner_id, NO_INVOICES)[0]

        def order_count(partner_id):
            return orders.get(partner_id, NO_ORDERS)[0]

        def profit_contribution(partner_id):
            margin = orders.get(partner_id, NO_ORDERS)[1]
            return 100.0 * margin / total_margin if total_margin > 0 else None

        def growth_trend(partner_id):
            current, previous, _count = invoices.get(partner_id, NO_INVOICES)
            return 100.0 * (current - previous) / previous if previous > 0 else None

        def payment_record(partner_id):
            due, on_time = payments.get(partner_id, (0, 0))
            return 100.0 * on_time / due if due else None

        def repeat_purchase(partner_id):
            count, _margin, first_in_period = orders.get(partner_id, NO_ORDERS)
            return 100.0 * (count - (1 if first_in_period else 0)) / count if count else None

        def recency(partner_id):
            return periods.days_since(day, last_purchases.get(partner_id, ()))

        def complaint_count(partner_id):
            return complaints.get(partner_id, 0)

        def referral_count(partner_id):
            return referrals.get(partner_id, 0)

        return {
            "annual_amount": amount,
            "purchase_frequency": order_count,
            "profit_contribution": profit_contribution,
            "growth_trend": growth_trend,
            "payment_record": payment_record,
            "repeat_purchase": repeat_purchase,
            "recency": recency,
            "complaints": complaint_count,
            "referrals": referral_count,
        }

    @api.model
    def _invoice_totals(self, company, batch, date_from, date_to, previous=True):
        """Untaxed invoiced minus refunded, this period and the previous one
        (without ``previous``, 0 and only the period's documents read).

        ``{partner: (amount, previous amount, number of documents in the period)}``,
        in company currency, posted documents only, each counted for the
        commercial entity stored on it (as Odoo's invoice analysis counts it).
        """
        previous_from = periods.previous_period(date_from, date_to)[0] if previous else date_from
        self.env.cr.execute(
            SQL(
                """
            SELECT m.commercial_partner_id,
                   COALESCE(SUM(m.amount_untaxed_signed)
                            FILTER (WHERE m.invoice_date >= %(date_from)s), 0)::float8,
                   COALESCE(SUM(m.amount_untaxed_signed)
                            FILTER (WHERE m.invoice_date < %(date_from)s), 0)::float8,
                   COUNT(*) FILTER (WHERE m.invoice_date >= %(date_from)s)
              FROM account_move m
             WHERE %(in_batch)s
               AND m.company_id = %(company_id)s
               AND m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.invoice_date BETWEEN %(previous_from)s AND %(date_to)s
          GROUP BY m.commercial_partner_id
            """,
                company_id=company.id,
                date_from=date_from,
                date_to=date_to,
                previous_from=previous_from,
                in_batch=_in_batch("m", batch),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.model
    def _order_totals(self, company, batch, date_from, date_to, first_orders=True):
        """Confirmed orders of the period: count, margin in company currency,
        and whether the customer's first order ever falls in the period (read
        from every order before the period; without ``first_orders``, False
        and only the period's orders read).
        """
        start, end = self._order_bounds(company, date_from, date_to)
        self.env.cr.execute(
            SQL(
                """
            SELECT p.commercial_partner_id,
                   COUNT(*) FILTER (WHERE so.date_order >= %(start)s),
                   COALESCE(SUM(so.margin / NULLIF(so.currency_rate, 0))
                            FILTER (WHERE so.date_order >= %(start)s), 0)::float8,
                   %(first_in_period)s
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_id
             WHERE so.company_id = %(company_id)s
               AND so.state = 'sale'
               AND so.date_order < %(end)s %(since)s
               AND %(in_batch)s
          GROUP BY p.commercial_partner_id
            """,
                company_id=company.id,
                start=start,
                end=end,
                first_in_period=(
                    SQL("MIN(so.date_order) >= %s", start) if first_orders else SQL("FALSE")
                ),
                since=SQL() if first_orders else SQL("AND so.date_order >= %s", start),
                in_batch=_in_batch("p", batch),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.model
    def _last_purchases(self, company, batch, date_to):
        """The day of the customer's last confirmed order (in the company's
        time zone, see :meth:`_order_bounds`) and the date of its last posted
        invoice, up to the end of the period, whenever they were:
        ``{partner: (order day or None, invoice date or None)}``.
        """
        _start, end = self._order_bounds(company, date_to, date_to)
        self.env.cr.execute(
            SQL(
                """
            SELECT partner_id, MAX(last_order), MAX(last_invoice)
              FROM (SELECT p.commercial_partner_id AS partner_id,
                           MAX(so.date_order) AS last_order, NULL::date AS last_invoice
                      FROM sale_order so
                      JOIN res_partner p ON p.id = so.partner_id
                     WHERE so.company_id = %(company_id)s
                       AND so.state = 'sale'
                       AND so.date_order < %(end)s
                       AND %(orders_in_batch)s
                  GROUP BY p.commercial_partner_id
                 UNION ALL
                    SELECT c.commercial_partner_id, NULL, MAX(m.invoice_date)
                      FROM res_partner c
                      JOIN account_move m ON m.partner_id = c.id
                     WHERE %(invoices_in_batch)s
                       AND m.company_id = %(company_id)s
                       AND m.state = 'posted'
                       AND m.move_type = 'out_invoice'
                       AND m.invoice_date <= %(date_to)s
                  GROUP BY c.commercial_partner_id) last_documents
          GROUP BY partner_id
            """,
                company_id=company.id,
                end=end,
                date_to=date_to,
                orders_in_batch=_in_batch("p", batch),
                invoices_in_batch=_in_batch("c", batch),
            )
        )
        tz = company.with_env(self.env)._grading_tz()
        return {
            partner_id: (last_order and periods.local_day(last_order, tz), last_invoice)
            for partner_id, last_order, last_invoice in self.env.cr.fetchall()
        }

    @api.model
    def _complaint_counts(self, company, batch, date_from, date_to):
        """The complaints received in the period in the company, whatever
        their state: ``{partner: number}``."""
        self.env.cr.execute(
            SQL(
                """
            SELECT c.commercial_partner_id, COUNT(*)
              FROM customer_grading_complaint cp
              JOIN res_partner c ON c.id = cp.partner_id
             WHERE %(in_batch)s
               AND cp.company_id = %(company_id)s
               AND cp.date_received BETWEEN %(date_from)s AND %(date_to)s
          GROUP BY c.commercial_partner_id
            """,
                company_id=company.id,
                date_from=date_from,
                date_to=date_to,
                in_batch=_in_batch("c", batch),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _referral_counts(self, company, batch, date_from, date_to):
        """The customers of the company (or shared by all companies) that the
        customer referred in the period: ``{partner: number}``."""
        self.env.cr.execute(
            SQL(
                """
            SELECT c.commercial_partner_id, COUNT(*)
              FROM res_partner referred
              JOIN res_partner c ON c.id = referred.grading_referred_by_id
             WHERE %(in_batch)s
               AND referred.active
               AND (referred.company_id IS NULL OR referred.company_id = %(company_id)s)
               AND referred.grading_referral_date BETWEEN %(date_from)s AND %(date_to)s
          GROUP BY c.commercial_partner_id
            """,
                company_id=company.id,
                date_from=date_from,
                date_to=date_to,
                in_batch=_in_batch("c", batch),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _order_bounds(self, company, date_from, date_to):
        """``(start, end)``: the UTC moments at which the period's first day
        starts and the day after its last starts, in the company's time zone
        (the time zone of its contact), else in the grading user's, else in UTC.

        The orders' ``date_order`` (UTC) is compared with them as stored, so
        that the queries can use its index.
        """
        tz = company.with_env(self.env)._grading_tz()  # the grading user's, as fallback
        return (
            periods.day_start_utc(date_from, tz),
            periods.day_start_utc(date_to + timedelta(days=1), tz),
        )

    @api.model
    def _company_margin(self, company, date_from, date_to):
        """The company's gross margin on confirmed orders of the period."""
        start, end = self._order_bounds(company, date_from, date_to)
        self.env.cr.execute(
            SQL(
                """
            SELECT COALESCE(SUM(so.margin / NULLIF(so.currency_rate, 0)), 0)
              FROM sale_order so
             WHERE so.company_id = %(company_id)s
               AND so.state = 'sale'
               AND so.date_order >= %(start)s
               AND so.date_order < %(end)s
            """,
                company_id=company.id,
                start=start,
                end=end,
            )
        )
        return float(self.env.cr.fetchone()[0])

    @api.model
    def _payment_punctuality(self, company, batch, date_from, date_to):
        """Invoices due in the period, and how many were fully paid by their due date.

        An invoice is on time when what was reconciled against its receivable
        lines no later than its due date covers them; an invoice still unpaid,
        or paid after its due date, is late. What is left unpaid counts as
        nothing when the company currency rounds it to zero (less than half its
        rounding, as ``currency.is_zero``). ``{partner: (due, on time)}``.
        """
        self.env.cr.execute(
            SQL(
                """
            WITH due_lines AS (
                SELECT m.id AS move_id,
                       c.commercial_partner_id AS partner_id,
                       aml.balance - COALESCE((
                           SELECT SUM(apr.amount)
                             FROM account_partial_reconcile apr
                            WHERE apr.debit_move_id = aml.id
                              AND apr.max_date <= m.invoice_date_due
                       ), 0) AS unpaid_at_due_date
                  FROM res_partner c
                  JOIN account_move m ON m.partner_id = c.id
                  JOIN account_move_line aml
                    ON aml.move_id = m.id AND aml.display_type = 'payment_term'
                 WHERE %(in_batch)s
                   AND m.company_id = %(company_id)s
                   AND m.state = 'posted'
                   AND m.move_type = 'out_invoice'
                   AND m.invoice_date_due BETWEEN %(date_from)s AND %(date_to)s
            ), moves AS (
                SELECT partner_id, BOOL_AND(unpaid_at_due_date < %(rounding)s / 2) AS on_time
                  FROM due_lines
              GROUP BY partner_id, move_id
            )
            SELECT partner_id, COUNT(*), COUNT(*) FILTER (WHERE on_time)
              FROM moves
          GROUP BY partner_id
            """,
                company_id=company.id,
                date_from=date_from,
                date_to=date_to,
                rounding=company.currency_id.rounding,
                in_batch=_in_batch("c", batch),
            )
        )
        return {row[0]: (row[1], row[2]) for row in self.env.cr.fetchall()}


def _in_batch(alias, batch):
    """``alias.commercial_partner_id`` among the batch's commercial partners
    (an array literal), or every partner when ``batch`` is None."""
    if batch is None:
        return SQL("TRUE")
    return SQL("%s = ANY(%s::int[])", SQL.identifier(alias, "commercial_partner_id"), batch)
