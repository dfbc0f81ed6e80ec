from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    partner_blacklist_reason = fields.Selection(
        related="partner_id.commercial_partner_id.blacklist_reason",
        string="Customer Blacklisted For",
    )

    @api.constrains("state", "partner_id", "company_id")
    def _check_blacklisted_customer(self):
        """Refuse confirmed sales (and, if the company says so, quotations) for
        blacklisted customers, whatever the entry point: a constraint also
        holds for imports, duplicated orders and RPC calls."""
        for order in self:
            if order.state == "sale" or (
                order.state in ("draft", "sent")
                and order.company_id.grading_blacklist_blocks_quotations
            ):
                order._raise_if_blacklisted()

    def _raise_if_blacklisted(self):
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        reason = (
            self.env["customer.grading.blacklist"]
            ._blacklisted(self.company_id, customer.ids)
            .get(customer.id)
        )
        if not reason:
            return
        label = self.env["customer.grading.blacklist"]._reason_label(reason)
        if self.state == "sale":
            message = self.env._(
                "%(order)s cannot be confirmed: %(customer)s is blacklisted (%(reason)s).",
                order=self.name,
                customer=customer.display_name,
                reason=label,
            )
        else:
            message = self.env._(
                "No quotation for %(customer)s: the customer is blacklisted (%(reason)s).",
                customer=customer.display_name,
                reason=label,
            )
        raise ValidationError(message)
