"""The policies of the grades applied to the customers when grades are
published: each grade's payment terms, credit limit and pricelist, set in
the run's company on the customers that are not policy exceptions."""

from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL, format_amount


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
        company = run.company_id
        if not company.grading_apply_policies or not grades:
            return {}
        levels = (
            self.env["customer.grading.level"]
            .with_company(company)
            .browse({level_id for level_id, _result_id in grades.values() if level_id})
        )
        policies = {level: level._grading_policy_values() for level in levels}
        policies = {level: values for level, values in policies.items() if values}
        if not policies:
            return {}
        # the company's policy, applied whoever publishes: the credit limit is an
        # accounting field, and a grading manager may not edit customers
        partners = (
            self.env["res.partner"].with_company(company).sudo().browse(list(grades))
        ).filtered(lambda partner: not partner.grading_policy_exception)
        changes = defaultdict(list)
        written = defaultdict(dict)  # customer field: {customer id: value}
        shown = {}  # the values put in words, once each
        for partner in partners:
            level_id, result_id = grades[partner.id]
            values = policies.get(levels.browse(level_id), {})
            changed = {field: value for field, value in values.items() if partner[field] != value}
            if changed:
                changes[result_id] = self._describe(partner, changed, company, shown)
                for field, value in changed.items():
                    written[field][partner.id] = value.id if hasattr(value, "id") else value
        for field, values in written.items():
            self._write_company_values(company, field, values)
        return changes

    @api.model
    def _write_company_values(self, company, field, values):
        """Set the company-dependent ``field`` of the customers ``values``
        (``{customer id: value}``) and of their contacts (Odoo keeps these
        commercial fields the same on a company's contacts) in ``company``:
        one UPDATE, where the ORM would write and sync each customer."""
        column_type = SQL("float8") if field == "credit_limit" else SQL("int4")
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET %(column)s = COALESCE(p.%(column)s, '{}'::jsonb)
                                    || jsonb_build_object(%(key)s, v.value)
                  FROM unnest(%(ids)s::int4[], %(values)s::%(type)s[]) AS v(id, value)
                 WHERE p.commercial_partner_id = v.id
                """,
                column=SQL.identifier(field),
                key=str(company.id),
                ids=list(values),
                values=list(values.values()),
                type=column_type,
            )
        )
        self.env["res.partner"].invalidate_model([field, "property_product_pricelist"])

    @api.model
    def _describe(self, partner, changed, company, shown_cache=None):
        """``["Payment terms: 30 Days → 45 Days", …]``, before the write;
        ``shown_cache`` keeps the values already put in words."""
        labels = {
            "property_payment_term_id": self.env._("Payment terms"),
            "credit_limit": self.env._("Credit limit"),
            "specific_property_product_pricelist": self.env._("Pricelist"),
        }
        cache = {} if shown_cache is None else shown_cache

        def shown(field, value):
            key = (field, value)
            if key not in cache:
                if field == "credit_limit":
                    cache[key] = (
                        format_amount(self.env, value, company.currency_id) if value else "-"
                    )
                else:
                    cache[key] = value.display_name or "-"
            return cache[key]

        return [
            self.env._(
                "%(field)s: %(old)s → %(new)s",
                field=labels[field],
                old=shown(field, partner[field]),
                new=shown(field, value),
            )
            for field, value in changed.items()
        ]
