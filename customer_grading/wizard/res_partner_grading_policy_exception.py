from odoo import api, fields, models


class ResPartnerGradingPolicyException(models.TransientModel):
    """Mark a customer as an exception to its grade's policies in the current
    company, or end the exception: how a grading manager decides it from the
    customer's form, which their sales rights may leave read-only."""

    _name = "res.partner.grading.policy.exception"
    _description = "Grade Policy Exception of a Customer"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    is_exception = fields.Boolean(
        string="Grade Policy Exception",
        help="The customer keeps its own payment terms, credit limit and pricelist in this "
        "company, whatever its grade's policy.",
    )
    reason = fields.Char(string="Reason for the Exception")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        partner = self.env["res.partner"].browse(values.get("partner_id"))
        if partner:
            values.setdefault("is_exception", partner.grading_policy_exception)
            values.setdefault("reason", partner.grading_policy_exception_reason)
        return values

    def action_confirm(self):
        self.ensure_one()
        self.partner_id.with_company(self.company_id).write(
            {
                "grading_policy_exception": self.is_exception,
                "grading_policy_exception_reason": self.reason if self.is_exception else False,
            }
        )
        return {"type": "ir.actions.act_window_close"}
