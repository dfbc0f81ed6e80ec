"""The grading of customers with a scheme: plain inputs in, plain data out.

The engine measures, scores and grades a batch of customers and returns their
grades with the breakdown; it stores nothing. A grading run stores what it
returns; anything else that grades without a run (a preview) can use it alike.
Every read is one grouped query over the batch (never one per customer).
"""

from odoo import api, models
from odoo.tools import SQL

from ..tools import pg_arrays, scoring


class CustomerGradingEngine(models.AbstractModel):
    _name = "customer.grading.engine"
    _description = "Customer Grading Engine"

    @api.model
    def _grade_customers(
        self,
        company,
        scheme,
        date_from,
        date_to,
        total_margin,
        partner_ids,
        populations,
        among_themselves,
        value_sources=None,
    ):
        """Measure, score and grade commercial partners of ``company`` with
        ``scheme`` over the period from ``date_from`` to ``date_to``.

        ``total_margin`` is the company's margin in the period (base of the
        profit contribution); ``populations`` maps an indicator id (a string)
        to the sorted raw values its rank rule compares with; with
        ``among_themselves`` the customers are ranked among themselves (a
        full run: the populations hold their own values), without it against
        a reference population (customers re-graded on demand).
        ``value_sources`` lets manual indicators read the values of other
        indicators (see :meth:`_indicator_specs`).

        Returns one tuple per customer, in the order of ``partner_ids``:
        ``(partner_id, previous level id, insufficient, blacklisted, total,
        level id, trend, lines)``, the breakdown ``lines`` as returned by
        :meth:`_breakdown`. Nothing is stored.
        """
        specs = self._indicator_specs(scheme, value_sources)
        measured, active = self.env["customer.grading.measure"]._measure(
            company, partner_ids, date_from, date_to, total_margin, self._measures(specs)
        )
        manual = self._manual_values(company, partner_ids, specs)
        manual_partners = {partner_id for partner_id, _indicator in manual}
        previous_levels, blacklisted = self._partner_standing(company, partner_ids)
        grader = self._grader(company, scheme, previous_levels.values())
        grades = []
        for partner_id in partner_ids:
            insufficient = partner_id not in active and partner_id not in manual_partners
            total, lines = self._breakdown(
                partner_id, specs, measured, manual, insufficient, populations, among_themselves
            )
            previous = previous_levels.get(partner_id)
            is_blacklisted = partner_id in blacklisted
            level, trend = grader(total, insufficient, previous, is_blacklisted)
            grades.append(
                (partner_id, previous, insufficient, is_blacklisted, total, level, trend, lines)
            )
        return grades

    @api.model
    def _breakdown(
        self, partner_id, specs, measured, manual, insufficient, populations, among_themselves
    ):
        """Score one customer on every indicator of ``specs``.

        Returns ``(total, lines)``: the total score, rounded, and one line
        ``(indicator id, dimension id, raw value, option id, score, weight,
        points)`` per indicator.
        """
        total, lines = 0.0, []
        for spec in specs:
            if spec["source"] == "auto":
                raw, option = measured[spec["measure"]].get(partner_id), None
            else:
                raw, option = manual.get((partner_id, spec["id"]), (None, None))
            score = round(self._score(spec, raw, insufficient, populations, among_themselves), 2)
            points = scoring.points(score, spec["weight"])
            total += points
            lines.append(
                (spec["id"], spec["dimension_id"], raw, option, score, spec["weight"], points)
            )
        return round(total, 2), lines

    @api.model
    def _customers_to_grade(self, company, date_from, date_to):
        """The ids, ascending, of the customers that grading all of ``company``'s
        for the period grades: its active commercial partners (its own or
        shared) that are customers, have a manual value in the company or
        an invoice of it in the period.

        Three branches: the customers, then the few others with a manual
        value or an invoice, each looked up by index (one ``OR`` with a
        sub-select would gather the values and invoices of every customer).
        """
        partners = SQL(
            """
            SELECT p.id FROM res_partner p
             WHERE p.active
               AND p.id = p.commercial_partner_id
               AND (p.company_id IS NULL OR p.company_id = %s)
            """,
            company.id,
        )
        not_customer = SQL("(p.customer_rank IS NULL OR p.customer_rank <= 0)")
        self.env.cr.execute(
            SQL(
                """
                %(partners)s AND p.customer_rank > 0
                 UNION
                %(partners)s AND %(not_customer)s
                   AND p.id IN (SELECT v.partner_id
                                  FROM customer_grading_value v
                                 WHERE v.company_id = %(company_id)s)
                 UNION
                %(partners)s AND %(not_customer)s
                   AND p.id IN (SELECT c.commercial_partner_id
                                  FROM account_move m
                                  JOIN res_partner c ON c.id = m.partner_id
                                 WHERE m.company_id = %(company_id)s
                                   AND m.state = 'posted'
                                   AND m.move_type IN ('out_invoice', 'out_refund')
                                   AND m.invoice_date BETWEEN %(date_from)s AND %(date_to)s)
              ORDER BY 1
                """,
                partners=partners,
                not_customer=not_customer,
                company_id=company.id,
                date_from=date_from,
                date_to=date_to,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _rank_populations(
        self, company, scheme, date_from, date_to, total_margin, partner_ids, value_sources=None
    ):
        """``{indicator id (a string): sorted raw values}`` of the scheme's rank
        indicators over ``partner_ids``, customers ranked among themselves.

        Only the customers with data count — a document in the period or a
        manual value of the scheme, the customers a batch grades; their values
        are measured here at once, so that every batch then scores completely. The measures read
        every customer of the company in one scan (``partner_ids`` is most of
        them: a full run's customers).
        """
        specs = self._rank_specs(scheme, value_sources)
        if not specs:
            return {}
        raw_values, active = self.env["customer.grading.measure"]._measure(
            company,
            partner_ids,
            date_from,
            date_to,
            total_margin,
            self._measures(specs),
            whole_company=True,
        )
        manual = (
            self._manual_values(company, partner_ids, specs)
            if any(spec["source"] == "manual" for spec in specs)
            else {}
        )
        # graded: with a document, or a manual value of any of the scheme's indicators
        graded = active | (
            self._partners_with_values(company, scheme, value_sources) & set(partner_ids)
        )
        populations = {}
        for spec in specs:
            if spec["source"] == "auto":
                values = raw_values[spec["measure"]]
                population = [values[p] for p in graded if values.get(p) is not None]
            else:
                population = [value for (_p, i), (value, _o) in manual.items() if i == spec["id"]]
            populations[str(spec["id"])] = sorted(population)
        return populations

    @api.model
    def _indicator_specs(self, scheme, value_sources=None):
        """The scheme's active indicators as plain values (a list of dicts),
        read once per batch.

        ``value_sources`` maps a manual indicator's id to ``(indicator id,
        {option id: (option id, score)})``: the indicator whose values it
        reads, and how that indicator's levels become its own (a preview of a
        copy of the scheme in force reads the values of the scheme in force).
        """
        value_sources = value_sources or {}
        return [
            {
                "id": indicator.id,
                "dimension_id": indicator.dimension_id.id,
                "source": indicator.source,
                "measure": indicator.measure,
                "weight": indicator.weight,
                "params": indicator._scoring_params(),
                "rank": indicator._rank_options(),
                "values_from": value_sources.get(indicator.id),
            }
            for indicator in scheme.sudo().indicator_ids.filtered("weight")
        ]

    @api.model
    def _measures(self, specs):
        """The codes of the measures the automatic indicators of ``specs`` use."""
        return {spec["measure"] for spec in specs if spec["source"] == "auto"}

    @api.model
    def _rank_specs(self, scheme, value_sources=None):
        """The specs of the scheme's indicators scored by rank."""
        return [
            spec
            for spec in self._indicator_specs(scheme, value_sources)
            if spec["params"]["rule"] == "rank"
        ]

    @api.model
    def _partners_with_values(self, company, scheme, value_sources=None):
        """The partners with a value in ``company`` of a manual indicator of
        ``scheme`` (or of the indicator it reads, see ``value_sources``), whom a
        run grades whether or not they have documents: one query, for the
        whole company."""
        indicator_ids = [
            (spec["values_from"] or (spec["id"],))[0]
            for spec in self._indicator_specs(scheme, value_sources)
            if spec["source"] == "manual"
        ]
        if not indicator_ids:
            return set()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT partner_id FROM customer_grading_value
                 WHERE company_id = %s AND indicator_id = ANY(%s)
                """,
                company.id,
                indicator_ids,
            )
        )
        return {partner_id for (partner_id,) in self.env.cr.fetchall()}

    @api.model
    def _manual_values(self, company, partner_ids, indicators):
        """``{(partner, indicator): (value, level)}`` for the batch; an
        indicator with ``values_from`` reads the values of that indicator."""
        sources = {
            (spec["values_from"] or (spec["id"],))[0]: spec
            for spec in indicators
            if spec["source"] == "manual"
        }
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, indicator_id, value, option_id
                  FROM customer_grading_value
                 WHERE partner_id = ANY(%(partner_ids)s::int[])
                   AND indicator_id = ANY(%(indicator_ids)s)
                   AND company_id = %(company_id)s
                """,
                partner_ids=pg_arrays.array_literal(partner_ids),
                indicator_ids=list(sources),
                company_id=company.id,
            )
        )
        values = {}
        for partner_id, indicator_id, value, option_id in self.env.cr.fetchall():
            spec = sources[indicator_id]
            level = (option_id, value)
            if spec["values_from"]:  # the level of the same name, with its own score
                level = spec["values_from"][1].get(option_id, level)
            values[partner_id, spec["id"]] = (float(level[1]), level[0])
        return values

    @api.model
    def _partner_standing(self, company, partner_ids):
        """``({partner: grade in force}, {blacklisted partners})`` in the
        company, read in one query."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, (p.grading_level_id ->> %(key)s)::int,
                       EXISTS(SELECT 1 FROM customer_grading_blacklist b
                               WHERE b.partner_id = p.id AND b.state = 'active'
                                 AND b.company_id = %(company_id)s)
                  FROM res_partner p
                 WHERE p.id = ANY(%(partner_ids)s::int[])
                """,
                key=str(company.id),
                company_id=company.id,
                partner_ids=pg_arrays.array_literal(partner_ids),
            )
        )
        rows = self.env.cr.fetchall()
        levels = {partner_id: level for partner_id, level, _blacklisted in rows if level}
        return levels, {partner_id for partner_id, _level, blacklisted in rows if blacklisted}

    @api.model
    def _score(self, spec, raw, insufficient, populations, among_themselves):
        """Score of one indicator; the rank rule compares with the population."""
        params = spec["params"]
        if params["rule"] != "rank" or raw is None:
            return scoring.score_value(value=raw, **params)
        population = populations.get(str(spec["id"]), [])
        if not population and not among_themselves:
            return params["missing"]  # re-graded before any full run: no one to compare with
        # a full run's population holds the customer itself, unless it has no data
        return scoring.score_rank_sorted(
            raw, population, includes_self=among_themselves and not insufficient, **spec["rank"]
        )

    @api.model
    def _reference_populations(self, company, scheme, partner_ids):
        """For customers re-graded on demand: the populations of the company's
        last applied full run with ``scheme``, without these customers' own
        former values."""
        reference = self.env["customer.grading.run"].search(
            [
                ("company_id", "=", company.id),
                ("scheme_id", "=", scheme.id),
                ("is_partial", "=", False),
                ("state", "=", "applied"),
            ],
            limit=1,
            order="date_to desc, id desc",
        )
        populations = reference and reference._read_json("rank_populations")
        if not populations:
            return {}
        self.env.cr.execute(
            SQL(
                """
                SELECT l.indicator_id, l.raw_value
                  FROM customer_grading_result r
                  JOIN customer_grading_result_line l ON l.result_id = r.id
                 WHERE r.run_id = %s AND r.partner_id = ANY(%s) AND NOT r.is_insufficient
                   AND l.has_value AND l.indicator_id = ANY(%s)
                """,
                reference.id,
                partner_ids,
                [int(indicator_id) for indicator_id in populations],
            )
        )
        for indicator_id, value in self.env.cr.fetchall():
            scoring.remove_sorted(populations[str(indicator_id)], value)
        return populations

    @api.model
    def _grader(self, company, scheme, previous_levels):
        """A function giving ``(grade, trend)`` for a total score, with the
        scheme's grades and the minimum scores of the customers' previous grades.
        A blacklisted customer gets the lowest grade, whatever its score."""
        scheme = scheme.sudo()
        levels = [(level.id, level.min_score) for level in scheme.level_ids]
        lowest = scheme._lowest_level().id
        previous = self.env["customer.grading.level"].sudo().browse(set(previous_levels))
        min_scores = {level.id: level.min_score for level in scheme.level_ids | previous}
        grade_without_data = company.grading_grade_insufficient_data

        def grade(total, insufficient, previous_level, blacklisted=False):
            if blacklisted:
                level = lowest
            elif not insufficient:
                level = scoring.level_for_score(total, levels)
            else:
                level = lowest if grade_without_data else None
            if not level:
                return None, None
            return level, scoring.trend(min_scores.get(previous_level), min_scores[level])

        return grade
