from odoo import api, fields, models
from odoo.exceptions import UserError

from .customer_grading_visit import GROUP_MANAGER
from .res_partner import GROUP_USER


class ResPartner(models.Model):
    """Managing a customer by its grade (SPEC §3): the visits its grade asks
    for, and the contract and key-account manager it requires. The grade,
    its breakdown, policies, blacklist and manual values are in
    ``res_partner.py``; customer care in ``res_partner_care.py``."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    is_signed_customer = fields.Boolean(
        string="Signed Customer",
        company_dependent=True,
        help="A contract is in force with this customer; otherwise it is a potential "
        "customer. Each grade owes signed and potential customers different visit "
        "frequencies. A contract in force in the company's Contracts counts as signed, "
        "box ticked or not.",
    )
    grading_visit_count = fields.Integer(
        string="Visits", compute="_compute_grading_visits", groups=GROUP_USER
    )
    grading_last_visit_date = fields.Date(
        string="Last Visit", compute="_compute_grading_visits", groups=GROUP_USER
    )
    grading_visits_done = fields.Integer(
        string="Visits Done",
        compute="_compute_grading_visits",
        groups=GROUP_USER,
        help="Visits done in the current period of the customer's grade.",
    )
    grading_visits_required = fields.Integer(
        string="Visits Required",
        compute="_compute_grading_visits",
        groups=GROUP_USER,
        help="Visits the customer's grade requires in the current period.",
    )
    grading_visit_period_end = fields.Date(
        string="Visit Period Ends", compute="_compute_grading_visits", groups=GROUP_USER
    )
    grading_visit_due_date = fields.Date(
        string="Next Visit Due",
        compute="_compute_grading_visits",
        groups=GROUP_USER,
        help="The day by which the next visit is due, the period's visits spread evenly.",
    )
    grading_visit_behind = fields.Boolean(
        string="Visits Behind",
        compute="_compute_grading_visits",
        search="_search_grading_visit_behind",
        groups=GROUP_USER,
        help="Visits are still owed to this customer in the current period.",
    )
    grading_visit_figures_visible = fields.Boolean(
        compute="_compute_grading_visits", groups=GROUP_USER
    )

    # Policies of the grade in force, per company (see customer.grading.level)
    grading_contract_count = fields.Integer(
        string="Contracts", compute="_compute_grading_contract_count", groups=GROUP_USER
    )
    grading_contract_missing = fields.Boolean(
        string="Contract Missing",
        compute="_compute_grading_contract_missing",
        search="_search_grading_contract_missing",
        groups=GROUP_USER,
        help="The customer's grade in the current company requires a contract, and the "
        "customer has no signed contract in force in that company.",
    )
    grading_kam_missing = fields.Boolean(
        string="No Key-Account Manager",
        compute="_compute_grading_kam_missing",
        search="_search_grading_kam_missing",
        groups=GROUP_USER,
        help="The customer's grade in the current company requires a key-account manager, "
        "and the customer has no salesperson, or one who is archived, not an internal user "
        "or does not work in that company.",
    )

    @api.depends_context("company", "uid")
    @api.depends("commercial_partner_id", "grading_level_id", "is_signed_customer")
    def _compute_grading_visits(self):
        company = self.env.company
        # the saved customers, also when computed on a form's unsaved copy
        customers = self.commercial_partner_id._origin.filtered("id")
        sees_all = self.env.su or self.env.user.has_group(GROUP_MANAGER)
        # another salesperson's customer: its visits are not the user's to see
        visible = customers.filtered(lambda customer: sees_all or customer.user_id == self.env.user)
        figures = self.env["customer.grading.visit.compliance"]._measure(
            company, visible, fields.Date.context_today(self)
        )
        counts = dict(  # the visits the user may open
            self.env["customer.grading.visit"]._read_group(
                [("company_id", "=", company.id), ("partner_id", "in", customers.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            customer = partner.commercial_partner_id._origin
            values = figures.get(customer.id, {})
            partner.grading_visit_figures_visible = not customer or customer in visible
            partner.grading_visit_count = counts.get(customer, 0)
            partner.grading_last_visit_date = values.get("last_visit_date", False)
            partner.grading_visits_done = values.get("done", 0)
            partner.grading_visits_required = values.get("required", 0)
            partner.grading_visit_period_end = values.get("period_end", False)
            partner.grading_visit_due_date = values.get("due_date") or False
            partner.grading_visit_behind = bool(values.get("due_date"))

    def _search_grading_visit_behind(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on visits behind."))
        behind = self.env["customer.grading.visit.compliance"]._search(  # the user's rows
            [("company_id", "=", self.env.company.id), ("is_behind", "=", True)]
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", behind.subselect("partner_id"))]

    @api.depends_context("company", "uid")
    def _compute_grading_contract_count(self):
        customers = self.commercial_partner_id._origin.filtered("id")
        counts = dict(  # the contracts the user may open, of all the user's companies
            self.env["customer.grading.contract"]._read_group(
                [("partner_id", "in", customers.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.grading_contract_count = counts.get(partner.commercial_partner_id._origin, 0)

    @api.depends_context("company")
    @api.depends("grading_level_id")
    def _compute_grading_contract_missing(self):
        saved = self._origin.filtered("id")
        domain = self.env["customer.grading.partner.flags"]._contract_missing_domain()
        missing = self.with_context(active_test=False).search([("id", "in", saved.ids), *domain])
        for partner in self:
            partner.grading_contract_missing = partner._origin in missing

    def _search_grading_contract_missing(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on missing contracts."))
        Flags = self.env["customer.grading.partner.flags"]
        return Flags._flag_domain(Flags._contract_missing_domain(), (operator == "=") == value)

    @api.depends_context("company")
    @api.depends("grading_level_id", "user_id")
    def _compute_grading_kam_missing(self):
        company = self.env.company
        for partner in self:
            manager = partner.user_id.sudo()  # whether the user works here, not who they are
            partner.grading_kam_missing = partner.grading_level_id.key_account_required and not (
                manager.active and not manager.share and company in manager.company_ids
            )

    def _search_grading_kam_missing(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on key-account managers."))
        Flags = self.env["customer.grading.partner.flags"]
        levels = Flags._levels_requiring([("key_account_required", "=", True)])
        return Flags._flag_domain(
            [("grading_level_id", "in", levels), *Flags._no_kam_domain()],
            (operator == "=") == value,
        )

    def action_grading_view_visits(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_visit_action"
        )
        customer = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", customer.id)]
        action["context"] = {"default_partner_id": customer.id}
        return action

    def action_grading_plan_visit(self):
        """A new planned visit to this customer, with its address and contacts,
        on the next working day (see customer.grading.visit._planned_slot)."""
        self.ensure_one()
        customer = self.commercial_partner_id
        slot = self.env["customer.grading.visit"]._planned_slot()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan a Visit"),
            "res_model": "customer.grading.visit",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_partner_id": customer.id,
                "default_visit_date": fields.Datetime.to_string(slot),
                "default_attendee_ids": (self - customer).ids,
                "default_planned_content": self.env._(
                    "Service satisfaction, logistics needs, competitors, business outlook."
                ),
            },
        }

    def action_grading_view_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_contract_action"
        )
        customer = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", customer.id)]
        action["context"] = {"default_partner_id": customer.id}
        return action
