from odoo import fields, models


class SaleOrderGradingRelease(models.TransientModel):
    _name = "sale.order.grading.release"
    _description = "Release a Sale Order Held at the Credit Limit"

    order_id = fields.Many2one("sale.order", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="order_id.partner_id")
    currency_id = fields.Many2one(related="order_id.grading_currency_id")
    exposure = fields.Monetary(related="order_id.grading_credit_exposure")
    credit_limit = fields.Monetary(related="order_id.grading_credit_limit")
    reason = fields.Text(required=True, help="Why this order may be confirmed above the limit.")

    def action_confirm(self):
        self.ensure_one()
        self.order_id._grading_release_credit(self.reason)
        return {"type": "ir.actions.act_window_close"}
