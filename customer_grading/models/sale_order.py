from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .customer_grading_blacklist import REASONS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    grading_blacklist_reason = fields.Selection(
        REASONS,
        string="Customer Blacklisted For",
        compute="_compute_grading_blacklist_reason",
        help="The customer has an active blacklist entry in the order's company.",
    )

    @api.depends("partner_id", "company_id")
    def _compute_grading_blacklist_reason(self):
        """In the order's company, whichever company is current."""
        Blacklist = self.env["customer.grading.blacklist"]
        reasons = {
            company: Blacklist._blacklisted(
                company, [pid for pid in self.partner_id.commercial_partner_id._origin.ids if pid]
            )
            for company in self.company_id
        }
        for order in self:
            customer = order.partner_id.commercial_partner_id._origin
            order.grading_blacklist_reason = reasons.get(order.company_id, {}).get(customer.id)

    @api.constrains("state", "partner_id", "company_id")
    def _check_blacklisted_customer(self):
        """Refuse confirmed sales (and, if the company says so, quotations) for
        blacklisted customers, whatever the entry point: a constraint also
        holds for imports, duplicated orders and RPC calls."""
        checked = self.filtered(
            lambda order: (
                order.state == "sale"
                or (
                    order.state in ("draft", "sent")
                    and order.company_id.grading_blacklist_blocks_quotations
                )
            )
        )
        Blacklist = self.env["customer.grading.blacklist"]
        for company in checked.company_id:
            orders = checked.filtered(lambda order, company=company: order.company_id == company)
            customers = orders.partner_id.commercial_partner_id
            reasons = Blacklist._blacklisted(company, customers.ids)
            for order in orders:
                reason = reasons.get(order.partner_id.commercial_partner_id.id)
                if reason:
                    order._raise_blacklisted(Blacklist._reason_label(reason))

    def _raise_blacklisted(self, reason):
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id.display_name
        if self.state == "sale":
            message = self.env._(
                "%(order)s cannot be confirmed: %(customer)s is blacklisted (%(reason)s).",
                order=self.name,
                customer=customer,
                reason=reason,
            )
        else:
            message = self.env._(
                "No quotation for %(customer)s: the customer is blacklisted (%(reason)s).",
                customer=customer,
                reason=reason,
            )
        raise ValidationError(message)
