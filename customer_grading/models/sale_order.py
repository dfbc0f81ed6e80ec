from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_amount

from ..tools import credit
from .customer_grading_blacklist import REASONS
from .customer_grading_level import ORDER_ACTIONS
from .res_company import GROUP_MANAGER

# Who released an order held at the credit limit, when and why: written by a
# grading manager only (see _grading_release_credit).
CREDIT_RELEASE_FIELDS = {
    "grading_credit_released_by_id",
    "grading_credit_release_date",
    "grading_credit_release_reason",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    grading_blacklist_reason = fields.Selection(
        REASONS,
        string="Customer Blacklisted For",
        compute="_compute_grading_blacklist_reason",
        help="The customer has an active blacklist entry in the order's company.",
    )
    grading_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    grading_credit_exposure = fields.Monetary(
        string="Credit Exposure",
        currency_field="grading_currency_id",
        compute="_compute_grading_credit",
        help="What the customer and its contacts would owe the order's company with this "
        "order: open receivables, confirmed orders not yet invoiced (if the company counts "
        "them) and this order's total, in the company's currency.",
    )
    grading_credit_limit = fields.Monetary(
        string="Credit Limit",
        currency_field="grading_currency_id",
        compute="_compute_grading_credit",
        help="The credit limit the order is held to in its company: the customer's own when "
        "it is an exception to its grade's policies; otherwise its grade's, or the "
        "customer's own when the grade sets none; 0: no limit.",
    )
    grading_order_action = fields.Selection(
        ORDER_ACTIONS,
        string="Order Above Credit Limit",
        compute="_compute_grading_credit",
        help="What the customer's grade in the order's company does to an order above the "
        "credit limit.",
    )
    grading_credit_exceeded = fields.Boolean(
        string="Above Credit Limit",
        compute="_compute_grading_credit",
        help="The order takes the customer's exposure above its credit limit and its grade "
        "warns or blocks.",
    )
    grading_credit_released_by_id = fields.Many2one(
        "res.users",
        string="Credit Block Released By",
        readonly=True,
        copy=False,
        tracking=True,
        help="The grading manager who let this order be confirmed above the credit limit.",
    )
    grading_credit_release_date = fields.Datetime(
        string="Credit Block Released On", readonly=True, copy=False, tracking=True
    )
    grading_credit_release_reason = fields.Text(
        string="Credit Block Release Reason", readonly=True, copy=False, tracking=True
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

    @api.depends("partner_id", "company_id", "currency_id", "amount_total", "state")
    def _compute_grading_credit(self):
        """In the order's company, whichever company is current."""
        figures = self._grading_credit_figures()
        for order in self:
            exposure, limit, action = figures.get(order, (0.0, 0.0, "none"))
            order.grading_credit_exposure = exposure
            order.grading_credit_limit = limit
            order.grading_order_action = action
            order.grading_credit_exceeded = order._grading_credit_exceeds(exposure, limit, action)

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

    @api.constrains("state", "partner_id", "company_id")
    def _check_grading_credit_limit(self):
        """Refuse to confirm an order that takes the customer above its credit
        limit where its grade blocks, unless a grading manager released it;
        as a constraint it holds for every entry point (button, write,
        duplicated orders, imports, RPC calls)."""
        held = self.filtered(
            lambda order: order.state == "sale" and not order.grading_credit_released_by_id
        )
        figures = held._grading_credit_figures()
        for order in held:
            exposure, limit, action = figures[order]
            if action == "block" and order._grading_credit_exceeds(exposure, limit, action):
                raise ValidationError(
                    self.env._(
                        "%(order)s cannot be confirmed: it would take %(customer)s above its "
                        "credit limit (exposure %(exposure)s, limit %(limit)s). A grading "
                        "manager may release the order.",
                        order=order.name,
                        customer=order.partner_id.commercial_partner_id.display_name,
                        **order._grading_credit_amounts(exposure, limit),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if any(CREDIT_RELEASE_FIELDS & vals.keys() for vals in vals_list):
            self._check_grading_credit_releaser()
        return super().create(vals_list)

    def write(self, vals):
        if CREDIT_RELEASE_FIELDS & vals.keys():
            self._check_grading_credit_releaser()
        return super().write(vals)

    def action_confirm(self):
        result = super().action_confirm()
        self._grading_log_credit_exceeded()
        return result

    def action_grading_release_credit(self):
        """Open the release of the credit block (grading managers)."""
        self.ensure_one()
        self._check_grading_credit_releaser()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Release the Credit Block"),
            "res_model": "sale.order.grading.release",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

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

    # --- credit policy ----------------------------------------------------

    def _check_grading_credit_releaser(self):
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only a grading manager releases a sale order held at the credit limit.")
            )

    def _grading_release_credit(self, reason):
        """Let these orders be confirmed above the credit limit, keeping who,
        when and why (tracked in their chatter)."""
        self._check_grading_credit_releaser()
        self.check_access("read")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for releasing the order."))
        # the release is the manager's decision on an order they read, not an
        # edit of it: their sales rights may not let them write others' orders
        self.sudo().write(
            {
                "grading_credit_released_by_id": self.env.user.id,
                "grading_credit_release_date": fields.Datetime.now(),
                "grading_credit_release_reason": reason,
            }
        )

    def _grading_log_credit_exceeded(self):
        """Note in their chatter the confirmed orders above the credit limit."""
        confirmed = self.filtered(lambda order: order.state == "sale")
        figures = confirmed._grading_credit_figures()
        bodies = {}
        for order in confirmed:
            exposure, limit, action = figures[order]
            if order._grading_credit_exceeds(exposure, limit, action):
                bodies[order.id] = self.env._(
                    "Confirmed above the credit limit: exposure %(exposure)s, limit %(limit)s.",
                    **order._grading_credit_amounts(exposure, limit),
                )
        if bodies:
            self.browse(bodies)._message_log_batch(bodies)

    def _grading_credit_exceeds(self, exposure, limit, action):
        self.ensure_one()
        currency = self.company_id.currency_id
        return bool(currency) and credit.is_exceeded(
            exposure, limit, action, currency.compare_amounts
        )

    def _grading_credit_amounts(self, exposure, limit):
        self.ensure_one()
        currency = self.company_id.currency_id
        return {
            "exposure": format_amount(self.env, exposure, currency),
            "limit": format_amount(self.env, limit, currency),
        }

    def _grading_credit_figures(self):
        """``{order: (exposure, limit, action)}``, each in the order's company
        and its currency; the exposure is measured only for customers with a
        limit and an action. Read as superuser: salespeople see these two
        figures of their order's own customer, not the accounting behind them."""
        figures = {}
        orders = self.sudo()
        for company, in_company in orders.grouped("company_id").items():
            if not company:
                continue
            customers = in_company.partner_id.commercial_partner_id._origin
            policies = self._grading_credit_policies(company, customers)
            held = customers.filtered(
                lambda customer, policies=policies: (
                    policies[customer.id][0] > 0 and policies[customer.id][1] != "none"
                )
            )
            owed, uninvoiced = in_company._grading_credit_owed(company, held)
            rate = self._grading_rates(company)
            for order in in_company:
                customer = order.partner_id.commercial_partner_id._origin
                limit, action = policies.get(customer.id, (0.0, "none"))
                exposure = 0.0
                if customer in held:
                    exposure = (
                        owed[customer.id]
                        - uninvoiced.get(order._origin.id, 0.0)
                        + order.amount_total * rate(order.currency_id)
                    )
                figures[order] = (exposure, limit, action)
        return figures

    @api.model
    def _grading_credit_policies(self, company, customers):
        """``{customer id: (credit limit, order action)}`` of commercial
        partners in ``company``: the action of the customer's grade there, the
        limit as ``tools.credit.credit_limit`` decides (a policy exception keeps
        its own). The customer's own limit is Odoo's ``credit_limit``, an
        accounting field: read as superuser, returned as a number."""
        policies = {}
        for customer in customers.sudo().with_company(company):
            level = customer.grading_level_id
            limit = credit.credit_limit(
                customer.credit_limit, level.credit_limit, customer.grading_policy_exception
            )
            policies[customer.id] = (limit, level.order_action or "none")
        return policies

    def _grading_credit_owed(self, company, customers):
        """What ``customers`` (commercial partners, with their contacts) owe
        ``company`` apart from the orders being checked: ``({customer id:
        amount}, {order id: its uninvoiced amount})`` in company currency,
        the second to take an order out of its own customer's total. Open
        receivables, plus the confirmed orders not yet invoiced when the
        company counts them."""
        owed = defaultdict(float)
        uninvoiced = {}
        if not customers:
            return owed, uninvoiced
        MoveLine = self.env["account.move.line"].sudo().with_context(active_test=False)
        receivables = MoveLine._read_group(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("partner_id.commercial_partner_id", "in", customers.ids),
            ],
            ["partner_id"],
            ["amount_residual:sum"],
        )
        for partner, residual in receivables:
            owed[partner.commercial_partner_id.id] += residual
        if company.grading_credit_count_uninvoiced_orders:
            # as Odoo's own credit warning counts them (res.partner.credit_to_invoice)
            confirmed = (
                self.env["sale.order"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", company.id),
                        ("state", "=", "sale"),
                        ("partner_id.commercial_partner_id", "in", customers.ids),
                        ("order_line", "any", [("untaxed_amount_to_invoice", ">", 0)]),
                    ]
                )
            )
            rate = self._grading_rates(company)
            for order in confirmed:
                amount = order.amount_to_invoice * rate(order.currency_id)
                uninvoiced[order.id] = amount
                owed[order.partner_id.commercial_partner_id.id] += amount
        return owed, uninvoiced

    @api.model
    def _grading_rates(self, company):
        """A function giving the rate from a currency to ``company``'s, today;
        each currency's rate is read once."""
        rates = {}
        today = fields.Date.context_today(self)

        def rate(currency):
            if not currency or currency == company.currency_id:
                return 1.0
            if currency not in rates:
                rates[currency] = currency._get_conversion_rate(
                    currency, company.currency_id, company, today
                )
            return rates[currency]

        return rate
