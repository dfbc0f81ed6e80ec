from odoo import api, fields, models


class CustomerGradingResultOverride(models.TransientModel):
    _name = "customer.grading.result.override"
    _description = "Override a Customer's Grade"

    result_id = fields.Many2one("customer.grading.result", required=True, readonly=True)
    partner_id = fields.Many2one(related="result_id.partner_id")
    computed_level_id = fields.Many2one(related="result_id.computed_level_id")
    scheme_id = fields.Many2one(related="result_id.scheme_id")
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade",
        required=True,
        domain="[('scheme_id', '=', scheme_id)]",
    )
    reason = fields.Text(required=True, help="Why this customer gets another grade.")
    until = fields.Date(
        string="Keep Until",
        help="Runs up to this date keep the override; the first run after it grades the "
        "customer normally. Empty: this run only.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        result = self.env["customer.grading.result"].browse(values.get("result_id"))
        if result.override_level_id:
            values.setdefault("level_id", result.override_level_id.id)
            values.setdefault("reason", result.override_reason)
            values.setdefault("until", result.override_until)
        return values

    def action_confirm(self):
        self.ensure_one()
        self.result_id._check_can_override()
        self.result_id._set_override(self.level_id, self.reason, self.until)
        return {"type": "ir.actions.act_window_close"}
