from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

# Changes that decide whether a customer has a contract in force.
IN_FORCE_FIELDS = {"state", "date_start", "date_end", "partner_id", "company_id"}


class CustomerGradingContract(models.Model):
    """A contract signed with a customer in one company: what the grades that
    require a contract look for. The signed copy is attached in the chatter."""

    _name = "customer.grading.contract"
    _description = "Customer Contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, tracking=True, help="The contract's number or title."
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        precompute=True,
        readonly=False,
        tracking=True,
        domain="[('share', '=', False)]",
        help="Who follows the contract up: the customer's salesperson by default.",
    )
    date_start = fields.Date(
        string="Start Date", required=True, default=fields.Date.context_today, tracking=True
    )
    date_end = fields.Date(
        string="End Date", tracking=True, help="Leave empty for a contract without end date."
    )
    signed_date = fields.Date(string="Signed On", copy=False, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("signed", "Signed"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    is_in_force = fields.Boolean(
        string="In Force",
        compute="_compute_is_in_force",
        search="_search_is_in_force",
        help="Signed, and today (in the company's time zone) lies between its start and end dates.",
    )
    note = fields.Html()

    @api.depends("partner_id")
    def _compute_user_id(self):
        for contract in self:
            contract.user_id = contract.partner_id.user_id or contract.user_id or self.env.user

    @api.depends("state", "date_start", "date_end", "company_id")
    def _compute_is_in_force(self):
        for contract in self:
            company = contract.company_id or self.env.company
            today = company._grading_today()
            contract.is_in_force = (
                contract.state == "signed"
                and bool(contract.date_start)
                and contract.date_start <= today
                and (not contract.date_end or contract.date_end >= today)
            )

    def _search_is_in_force(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on contracts in force."))
        domain = expression.OR([self._in_force_domain(company) for company in self.env.companies])
        if (operator == "=") == value:
            return domain
        return [("id", "not in", self.sudo()._search(domain))]

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for contract in self:
            if contract.date_end and contract.date_end < contract.date_start:
                raise ValidationError(
                    self.env._(
                        "The contract %(contract)s cannot end before it starts.",
                        contract=contract.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        contracts = super().create([self._with_commercial_partner(vals) for vals in vals_list])
        contracts.filtered(lambda contract: contract.state != "draft")._refresh_policy_checks()
        return contracts

    def write(self, vals):
        before = self._policy_keys() if IN_FORCE_FIELDS & vals.keys() else None
        result = super().write(self._with_commercial_partner(vals))
        if before is not None:
            self._refresh_policy_checks(before)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if any(contract.state not in ("draft", "cancelled") for contract in self):
            raise UserError(
                self.env._(
                    "Only a draft or cancelled contract can be deleted; a signed or expired "
                    "contract is a record: cancel it instead."
                )
            )

    def _with_commercial_partner(self, vals):
        """A contract binds the customer company: a contact stands for it."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals = {**vals, "partner_id": partner.commercial_partner_id.id}
        return vals

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_sign(self):
        """The contract is signed: in force from its start date until its end."""
        for contract in self:
            if contract.state != "draft":
                raise UserError(
                    self.env._(
                        "Only a draft contract can be signed; %(contract)s is %(state)s.",
                        contract=contract.name,
                        state=contract._state_label(),
                    )
                )
            today = contract.company_id._grading_today()
            if contract.date_end and contract.date_end < today:
                raise UserError(
                    self.env._(
                        "The contract %(contract)s ended on %(date)s: correct its end date "
                        "before signing it.",
                        contract=contract.name,
                        date=contract.date_end,
                    )
                )
            contract.write({"state": "signed", "signed_date": contract.signed_date or today})
        return True

    def action_cancel(self):
        self.write({"state": "cancelled"})
        return True

    def action_reset_to_draft(self):
        self.write({"state": "draft"})
        return True

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _in_force_domain(self, company, today=None):
        """The contracts of ``company`` in force on ``today`` (the company's today)."""
        today = today or company._grading_today()
        return [
            ("company_id", "=", company.id),
            ("state", "=", "signed"),
            ("date_start", "<=", today),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", today),
        ]

    @api.model
    def _in_force_query(self, company, today=None):
        """The ids of the customers with a contract in force in ``company``, as
        a subquery: every contract counts, whoever may read it."""
        return self.sudo()._search(self._in_force_domain(company, today)).subselect("partner_id")

    @api.model
    def _signed_partner_ids(self, company, partners, today=None):
        """The ids of ``partners`` with a contract in force in ``company``: one query."""
        groups = self.sudo()._read_group(
            [*self._in_force_domain(company, today), ("partner_id", "in", partners.ids)],
            ["partner_id"],
        )
        return {partner.id for (partner,) in groups}

    @api.model
    def _expire(self, company, today=None):
        """Mark expired the signed contracts of ``company`` that ended before today."""
        today = today or company._grading_today()
        ended = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "signed"),
                ("date_end", "<", today),
            ]
        )
        ended.write({"state": "expired"})
        return ended

    def _policy_keys(self):
        return {(contract.company_id, contract.partner_id) for contract in self}

    def _refresh_policy_checks(self, keys=()):
        """The customers' visit compliance (a contract in force makes a signed
        customer) and the missing-contract reminders of their companies follow
        the contracts at once."""
        customers = defaultdict(lambda: self.env["res.partner"])
        for company, partner in set(keys) | self._policy_keys():
            customers[company] |= partner
        for company, partners in customers.items():
            self.env["customer.grading.visit.compliance"].sudo()._refresh(company, partners)
            self.env["customer.grading.contract.reminder"].sudo()._refresh(company, notify=False)
