"""Search domains of the customers' policy flags (*Contract Missing*, *No
Key-Account Manager*) in the current company, shared by the customers' flags
and the grading runs' counts."""

from odoo import api, models


class CustomerGradingPartnerFlags(models.AbstractModel):
    _name = "customer.grading.partner.flags"
    _description = "Customer Grading Policy Flags"

    @api.model
    def _flag_domain(self, domain, positive):
        """``domain`` on customers when searching the flagged ones, else its
        complement."""
        if positive:
            return domain
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        return [("id", "not in", Partner._search(domain))]

    @api.model
    def _levels_requiring(self, domain):
        """The grades (archived ones too: a customer keeps an archived grade
        until the next run) matching ``domain``, as a subquery."""
        return (
            self.env["customer.grading.level"]
            .sudo()
            .with_context(active_test=False)
            ._search(domain)
        )

    @api.model
    def _contract_missing_domain(self, level_field="grading_level_id", partner_field="id"):
        """Customers whose grade requires a contract and who have no contract in
        force in the current company; on another model, the records whose
        ``partner_field`` is such a customer graded ``level_field``."""
        company = self.env.company
        levels = self._levels_requiring([("contract_required", "=", "required")])
        in_force = self.env["customer.grading.contract"]._in_force_query(company)
        return [(level_field, "in", levels), (partner_field, "not in", in_force)]

    @api.model
    def _no_kam_domain(self):
        """Customers without a key-account manager in the current company: no
        salesperson, or an archived one, a portal user, or one who does not
        work in the company."""
        unfit = (
            self.env["res.users"]
            .sudo()
            .with_context(active_test=False)
            ._search(
                [
                    "|",
                    "|",
                    ("active", "=", False),
                    ("share", "=", True),
                    ("company_ids", "not in", self.env.company.ids),
                ]
            )
        )
        return ["|", ("user_id", "=", False), ("user_id", "in", unfit)]
