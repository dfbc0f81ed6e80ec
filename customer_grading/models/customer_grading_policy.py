"""The policies of the grades applied to the customers when grades are
published: each grade's payment terms, credit limit and pricelist, set in
the run's company on the customers that are not policy exceptions."""

from odoo import api, models
from odoo.tools import SQL, format_amount

# The customer fields a grade's policy sets, in the order of the notes.
POLICY_FIELDS = ("property_payment_term_id", "credit_limit", "specific_property_product_pricelist")


class CustomerGradingPolicy(models.AbstractModel):
    _name = "customer.grading.policy"
    _description = "Customer Grading Policies"

    @api.model
    def _apply(self, run, grades):
        """Give the customers of ``grades`` (``{partner id: (grade id,
        result id)}``) the policy of their grade in the run's company, where
        the company applies grade policies. Fields a grade leaves empty are
        not touched, nor are the customers marked as exceptions. Returns
        ``{result id: [change, …]}``, the changes in words, for the notes."""
        changed = self._changes(run, grades)
        self._write_terms(run.company_id, changed)
        return self._notes(run, grades, changed)

    @api.model
    def _notes(self, run, grades, changed):
        """``{result id: [change, …]}``: the changes of ``changed`` in words,
        by the result of ``grades`` that brought them."""
        words = self._in_words(run.company_id, changed)
        return {grades[partner_id][1]: lines for partner_id, lines in words.items()}

    @api.model
    def _changes(self, run, grades):
        """``{customer id: {field: (old, new)}}``: what the policy of their
        grade changes in the terms of the customers of ``grades``
        (``{partner id: (grade id, result id)}``) in the run's company; empty
        unless the company applies grade policies."""
        company = run.company_id
        if not company.grading_apply_policies or not grades:
            return {}
        Level = self.env["customer.grading.level"].with_company(company)
        policies = {}  # grade id: {customer field: id or amount}
        for level in Level.browse({level_id for level_id, _result_id in grades.values()} - {False}):
            values = level._grading_policy_values()
            if values:
                policies[level.id] = {field: getattr(v, "id", v) for field, v in values.items()}
        concerned = {
            partner_id: level_id
            for partner_id, (level_id, _result_id) in grades.items()
            if level_id in policies
        }
        if not concerned:
            return {}
        return self._differing_terms(company, concerned, policies)

    @api.model
    def _differing_terms(self, company, grades, policies):
        """``{customer id: {field: (old, new)}}`` for the customers of
        ``grades`` (``{customer id: grade id}``) whose terms in ``company``
        (Odoo's fallback when a customer has none) differ from what their
        grade's policy sets (``policies``: ``{grade id: {field: id or
        amount}}``), leaving out the policy exceptions. One query, which
        compares in SQL so that only the customers to change come back."""
        # the company's policy, applied whoever publishes: the credit limit is an
        # accounting field a grading manager may not read; only compared and noted
        Partner = self.env["res.partner"].with_company(company).sudo()
        Partner.flush_model([*POLICY_FIELDS, "grading_policy_exception"])
        current = {field: self._company_value_sql(Partner, field) for field in POLICY_FIELDS}
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, %(current)s, %(wanted)s
                  FROM unnest(%(partner_ids)s::int4[], %(partner_levels)s::int4[])
                       AS g(id, level_id)
                  JOIN unnest(%(level_ids)s::int4[], %(terms)s::int4[], %(limits)s::float8[],
                              %(pricelists)s::int4[])
                       AS w(level_id, term, credit_limit, pricelist) ON w.level_id = g.level_id
                  JOIN res_partner p ON p.id = g.id
                 WHERE %(exception)s IS NOT TRUE
                   AND (%(differs)s)
                """,
                current=SQL(", ").join(current.values()),
                wanted=SQL("w.term, w.credit_limit, w.pricelist"),
                partner_ids=list(grades),
                partner_levels=list(grades.values()),
                level_ids=list(policies),
                terms=[policy.get(POLICY_FIELDS[0]) for policy in policies.values()],
                limits=[policy.get(POLICY_FIELDS[1]) for policy in policies.values()],
                pricelists=[policy.get(POLICY_FIELDS[2]) for policy in policies.values()],
                exception=self._company_value_sql(Partner, "grading_policy_exception"),
                differs=SQL(" OR ").join(
                    SQL(
                        "(%s IS NOT NULL AND %s IS DISTINCT FROM %s)",
                        wanted,
                        wanted,
                        current[field],
                    )
                    for field, wanted in zip(
                        POLICY_FIELDS,
                        (SQL("w.term"), SQL("w.credit_limit"), SQL("w.pricelist")),
                        strict=True,
                    )
                ),
            )
        )
        count = len(POLICY_FIELDS)
        changed = {}
        for row in self.env.cr.fetchall():
            olds, news = row[1 : 1 + count], row[1 + count :]
            changed[row[0]] = {
                field: (old, new)
                for field, old, new in zip(POLICY_FIELDS, olds, news, strict=True)
                if new is not None and old != new
            }
        return changed

    @api.model
    def _company_value_sql(self, partners, fname):
        """The value of the company-dependent ``fname`` of the customer ``p``
        in the company of ``partners``, or Odoo's fallback: the raw value, as
        Odoo's own expression adds a sub-select per row and customer to check
        that a referenced record still exists (a deleted one only makes the
        customer's term differ from its grade's, which writes the grade's)."""
        field = partners._fields[fname]
        column_type = SQL(field._column_type[1])
        fallback = field.get_company_dependent_fallback(partners)
        fallback = field.convert_to_column(field.convert_to_write(fallback, partners), partners)
        return SQL(
            "COALESCE((p.%s->>%s)::%s, %s::%s)",
            SQL.identifier(fname),
            str(partners.env.company.id),
            column_type,
            fallback,
            column_type,
        )

    @api.model
    def _values_table(self, changed):
        """The new terms of ``changed`` as the rows of a table ``v`` (``id``
        and one column per field, NULL where the field keeps its value)."""
        columns = {
            field: [values.get(field, (None, None))[1] for values in changed.values()]
            for field in POLICY_FIELDS
        }
        return SQL(
            """unnest(%(ids)s::int4[], %(terms)s::int4[], %(limits)s::float8[],
                      %(pricelists)s::int4[])
               AS v(id, property_payment_term_id, credit_limit,
                    specific_property_product_pricelist)""",
            ids=list(changed),
            terms=columns["property_payment_term_id"],
            limits=columns["credit_limit"],
            pricelists=columns["specific_property_product_pricelist"],
        )

    @api.model
    def _assignments(self, company):
        """``SET`` assignments giving the customer ``p`` the terms of the row
        ``v`` of :meth:`_values_table` in ``company``; a NULL keeps the value."""
        return SQL(", ").join(
            SQL(
                "%(column)s = CASE WHEN v.%(column)s IS NULL THEN p.%(column)s"
                " ELSE COALESCE(p.%(column)s, '{}'::jsonb)"
                " || jsonb_build_object(%(key)s, v.%(column)s) END",
                column=SQL.identifier(field),
                key=str(company.id),
            )
            for field in POLICY_FIELDS
        )

    @api.model
    def _write_terms(self, company, changed, contacts_only=False):
        """Write the new terms of ``changed`` (``{customer id: {field: (old,
        new)}}``) in ``company`` on the customers and their contacts (Odoo
        keeps these commercial fields the same on a company's contacts): one
        UPDATE for all fields, where the ORM would write and sync each
        customer. A field a customer keeps is left as it is. With
        ``contacts_only``, the customers themselves were written already (with
        their grade, see ``customer.grading.publication``)."""
        if not changed:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET %(assignments)s
                  FROM %(values)s
                 WHERE p.commercial_partner_id = v.id %(contacts_only)s
                   AND p.commercial_partner_id = ANY(%(ids)s::int4[])
                """,
                assignments=self._assignments(company),
                values=self._values_table(changed),
                ids=list(changed),
                contacts_only=SQL("AND p.id != v.id") if contacts_only else SQL(),
            )
        )
        self.env["res.partner"].invalidate_model([*POLICY_FIELDS, "property_product_pricelist"])

    @api.model
    def _in_words(self, company, changed):
        """``{customer id: ["Payment terms: 30 Days → 45 Days", …]}``: each
        term and pricelist named once, amounts in the company's currency."""
        labels = {
            "property_payment_term_id": self.env._("Payment terms"),
            "credit_limit": self.env._("Credit limit"),
            "specific_property_product_pricelist": self.env._("Pricelist"),
        }
        models = {
            "property_payment_term_id": "account.payment.term",
            "specific_property_product_pricelist": "product.pricelist",
        }
        named = {}  # (field, value): words
        for field, model in models.items():
            ids = {value for diff in changed.values() for value in diff.get(field, ()) if value}
            records = self.env[model].sudo().with_context(active_test=False).browse(ids).exists()
            for record in records:
                named[field, record.id] = record.display_name
        pattern = self.env._("%(field)s: %(old)s → %(new)s")

        def shown(field, value):
            if not value:
                return "-"
            if field == "credit_limit" and (field, value) not in named:
                named[field, value] = format_amount(self.env, value, company.currency_id)
            return named.get((field, value), "-")

        lines = {}  # (field, old, new): words; most customers share a few changes

        def line(field, old, new):
            if (field, old, new) not in lines:
                lines[field, old, new] = pattern % {
                    "field": labels[field],
                    "old": shown(field, old),
                    "new": shown(field, new),
                }
            return lines[field, old, new]

        return {
            partner_id: [line(field, old, new) for field, (old, new) in diff.items()]
            for partner_id, diff in changed.items()
        }
