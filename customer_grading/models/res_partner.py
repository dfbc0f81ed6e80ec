from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from .customer_grading_blacklist import REASONS
from .customer_grading_visit import GROUP_MANAGER

GROUP_USER = "customer_grading.group_customer_grading_user"

# A grading manager's decision: the customer keeps its own terms.
POLICY_EXCEPTION_FIELDS = {"grading_policy_exception", "grading_policy_exception_reason"}

# Fields the blacklist admission check compares, the country they are read in
# and the company it is checked in.
ADMISSION_FIELDS = {"name", "vat", "email", "phone", "mobile", "country_id", "company_id"}

# The relationship card of a key person (客户关系卡, 002 §四.3): written by the
# customer's salesperson and the grading managers only.
CARD_FIELDS = {
    "grading_is_key_person",
    "grading_birthday",
    "grading_care_holiday_ids",
    "grading_care_preferences",
    "grading_card_checked_on",
}
# What the card form and list write, also for salespeople who may not edit
# contacts: the card and Odoo's job position.
CARD_WRITE_FIELDS = CARD_FIELDS | {"function"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # One grade per company: a customer shared by two companies is graded in each.
    grading_level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade",
        company_dependent=True,
        readonly=True,
        groups=GROUP_USER,
    )
    grading_score = fields.Float(
        string="Grading Score",
        company_dependent=True,
        readonly=True,
        digits=(16, 2),
        groups=GROUP_USER,
    )
    grading_date = fields.Date(
        string="Graded On", company_dependent=True, readonly=True, groups=GROUP_USER
    )
    grading_state = fields.Selection(
        [("graded", "Graded"), ("insufficient", "Insufficient data")],
        string="Grading Status",
        company_dependent=True,
        readonly=True,
        groups=GROUP_USER,
    )
    grading_result_id = fields.Many2one(
        "customer.grading.result",
        string="Grading Result",
        company_dependent=True,
        readonly=True,
        groups=GROUP_USER,
    )
    grading_level_color = fields.Selection(related="grading_level_id.color", groups=GROUP_USER)
    grading_level_name = fields.Char(
        related="grading_level_id.name", string="Grade Name", groups=GROUP_USER
    )
    grading_service_measures = fields.Text(
        related="grading_level_id.service_measures", string="Service Measures", groups=GROUP_USER
    )
    grading_line_ids = fields.One2many(
        "customer.grading.result.line",
        compute="_compute_grading_breakdown",
        string="Grading Breakdown",
        groups=GROUP_USER,
    )
    grading_dimension_ids = fields.One2many(
        "customer.grading.result.dimension",
        compute="_compute_grading_breakdown",
        string="Dimension Scores",
        groups=GROUP_USER,
    )
    grading_next_level_id = fields.Many2one(
        "customer.grading.level",
        compute="_compute_grading_breakdown",
        string="Next Grade",
        groups=GROUP_USER,
    )
    grading_points_to_next_level = fields.Float(
        compute="_compute_grading_breakdown",
        string="Points to Next Grade",
        digits=(16, 2),
        groups=GROUP_USER,
    )
    grading_can_see_details = fields.Boolean(
        compute="_compute_grading_breakdown", groups=GROUP_USER
    )
    grading_policy_exception = fields.Boolean(
        string="Grade Policy Exception",
        company_dependent=True,
        groups=GROUP_USER,
        help="This customer keeps its own payment terms, credit limit and pricelist in this "
        "company, whatever its grade's policy.",
    )
    grading_policy_exception_reason = fields.Char(
        string="Reason for the Exception",
        company_dependent=True,
        groups=GROUP_USER,
    )
    grading_override_reason = fields.Text(
        string="Grade Overridden",
        compute="_compute_grading_breakdown",
        groups=GROUP_USER,
        help="Why a grading manager gave the grade in force instead of the computed one.",
    )
    grading_history_ids = fields.One2many(
        "customer.grading.result",
        "partner_id",
        string="Grade History",
        domain=[("run_id.state", "=", "applied")],
        groups=GROUP_USER,
    )
    grading_value_ids = fields.One2many(
        "customer.grading.value",
        "partner_id",
        string="Manual Indicators",
        groups=GROUP_USER,
    )
    grading_scheme_id = fields.Many2one(
        "customer.grading.scheme", compute="_compute_grading_scheme_id", groups=GROUP_USER
    )
    grading_next_run_date = fields.Date(
        string="Next Grading Run",
        compute="_compute_grading_next_run_date",
        groups=GROUP_USER,
        help="When the scheduled action grades the quarter that ended next: manual indicator "
        "values count from that run on.",
    )
    grading_has_stale_values = fields.Boolean(
        string="Stale Indicators",
        compute="_compute_grading_has_stale_values",
        search="_search_grading_has_stale_values",
        groups=GROUP_USER,
        help="A manual indicator was not reviewed within the review interval.",
    )

    # not ``is_blacklisted``: that is Odoo's email blacklist for mass mailings
    grading_blacklisted = fields.Boolean(
        string="Customer Blacklisted",
        compute="_compute_grading_blacklist",
        search="_search_grading_blacklisted",
        compute_sudo=True,
        help="The customer, or the company it belongs to, has an active blacklist entry "
        "in the current company: no sale order can be confirmed for it.",
    )
    grading_blacklist_reason = fields.Selection(
        REASONS, string="Blacklisted For", compute="_compute_grading_blacklist", compute_sudo=True
    )
    # per company: an entry is named only to the users of its company
    grading_blacklist_match_id = fields.Many2one(
        "customer.grading.blacklist",
        string="Matches Blacklist Entry",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=GROUP_USER,
        help="Admission check: the active blacklist entry of the current company whose "
        "tax id, name, email or phone this partner shares.",
    )
    grading_blacklist_match_state = fields.Selection(
        related="grading_blacklist_match_id.state",
        string="Matched Entry Status",
        groups=GROUP_USER,
    )

    @api.depends_context("company", "uid")
    @api.depends("grading_result_id")
    def _compute_grading_breakdown(self):
        for partner in self:
            result = partner.grading_result_id._filtered_access("read")
            partner.grading_can_see_details = bool(result) or not partner.grading_result_id
            partner.grading_line_ids = result.line_ids
            partner.grading_dimension_ids = result.dimension_ids
            partner.grading_next_level_id = result.next_level_id
            partner.grading_points_to_next_level = result.points_to_next_level
            partner.grading_override_reason = result.override_reason

    @api.depends_context("company")
    def _compute_grading_scheme_id(self):
        self.grading_scheme_id = self.env.company.grading_scheme_id

    @api.depends_context("tz")
    def _compute_grading_next_run_date(self):
        # the schedule of the quarterly grading, not who runs it: ir.cron is
        # readable by administrators only
        cron = self.env.ref("customer_grading.ir_cron_grade_quarter", raise_if_not_found=False)
        cron = cron and cron.sudo()
        next_call = cron.nextcall if cron and cron.active else False
        self.grading_next_run_date = (
            fields.Date.context_today(self, next_call) if next_call else False
        )

    @api.depends("grading_value_ids.date")
    @api.depends_context("company")
    def _compute_grading_has_stale_values(self):
        stale = self.env["customer.grading.value"].search(
            [
                ("partner_id", "in", self.ids),
                ("company_id", "=", self.env.company.id),
                ("is_stale", "=", True),
            ]
        )
        for partner in self:
            partner.grading_has_stale_values = partner in stale.partner_id

    def _search_grading_has_stale_values(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on stale indicators."))
        stale = self.env["customer.grading.value"]._search(
            [
                ("company_id", "=", self.env.company.id),
                ("is_stale", "=", True),
            ]
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", stale.subselect("partner_id"))]

    @api.depends_context("company")
    @api.depends("commercial_partner_id")
    def _compute_grading_blacklist(self):
        customer_ids = [pid for pid in self.commercial_partner_id._origin.ids if pid]
        reasons = self.env["customer.grading.blacklist"]._blacklisted(
            self.env.company, customer_ids
        )
        for partner in self:
            reason = reasons.get(partner.commercial_partner_id._origin.id)
            partner.grading_blacklist_reason = reason
            partner.grading_blacklisted = bool(reason)

    def _search_grading_blacklisted(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the blacklist."))
        Blacklist = self.env["customer.grading.blacklist"].sudo()
        entries = Blacklist._search(
            [*Blacklist._active_domain(self.env.company), ("partner_id", "!=", False)]
        )
        positive = (operator == "=") == value
        return [
            (
                "commercial_partner_id",
                "in" if positive else "not in",
                entries.subselect("partner_id"),
            )
        ]

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if any(vals.get(name) for vals in vals_list for name in CARD_FIELDS):
            partners._check_grading_card_access()
        partners._check_blacklist_admission()
        return partners

    def write(self, vals):
        if vals.keys() == {"grading_value_ids"} and not self.has_access("write"):
            # Salespeople without the right to edit contacts still keep the
            # manual indicators of their customers up to date from the form.
            self._write_grading_values(vals["grading_value_ids"])
            return True
        if CARD_FIELDS & vals.keys():
            self._check_grading_card_access()
            if vals.keys() <= CARD_WRITE_FIELDS and not self.has_access("write"):
                # salespeople without the right to edit contacts still keep
                # the cards of their customers' key persons up to date
                self.check_access("read")
                result = super(ResPartner, self.sudo()).write(vals)
                if "grading_care_holiday_ids" in vals:
                    # only holidays the user may read are linked
                    holidays = self.sudo().grading_care_holiday_ids
                    holidays.with_env(self.env).check_access("read")
                return result
        if POLICY_EXCEPTION_FIELDS & vals.keys():
            if not (self.env.su or self.env.user.has_group(GROUP_MANAGER)):
                raise AccessError(
                    self.env._("Only a grading manager marks grade policy exceptions.")
                )
            if vals.keys() <= POLICY_EXCEPTION_FIELDS and not self.has_access("write"):
                # a grading manager decides exceptions on the customers they read,
                # without the right to edit the contacts otherwise
                self.check_access("read")
                return super(ResPartner, self.sudo()).write(vals)
        result = super().write(vals)
        if ADMISSION_FIELDS & vals.keys():
            self._check_blacklist_admission()
        if "is_signed_customer" in vals:
            self.env["customer.grading.visit.compliance"].sudo()._refresh(
                self.env.company, self.commercial_partner_id
            )
        return result

    def _grading_sales_manager(self, company):
        """Who decides on the customer in ``company``: the leader of its
        salesperson's sales team in that company, when that leader is a
        grading manager working in it."""
        self.ensure_one()
        # team memberships decide who is asked, whoever asks: read them all
        memberships = self.commercial_partner_id.user_id.sudo().crm_team_member_ids
        team = memberships.crm_team_id.filtered(
            lambda team: team.company_id in (company, team.company_id.browse())
        )[:1]
        leader = team.user_id.with_env(self.env)
        if leader and leader._has_group(GROUP_MANAGER) and company in leader.company_ids:
            return leader
        return leader.browse()

    def _check_blacklist_admission(self):
        self.env["customer.grading.blacklist"]._check_admission(self)

    @api.onchange("name", "vat", "email", "phone", "mobile", "country_id", "company_id")
    def _onchange_blacklist_admission(self):
        return self.env["customer.grading.blacklist"]._admission_warning(self)

    def _write_grading_values(self, commands):
        """Apply one2many commands on manual values with the values' own rights."""
        Value = self.env["customer.grading.value"]
        for command in commands:
            if command[0] == Command.CREATE:
                for partner in self:
                    Value.create({**command[2], "partner_id": partner.id})
            elif command[0] == Command.UPDATE:
                Value.browse(command[1]).write(command[2])
            elif command[0] in (Command.DELETE, Command.UNLINK):
                Value.browse(command[1]).unlink()

    def action_grading_regrade(self):
        """Grade these customers now with the company's scheme, and apply."""
        partners = self.commercial_partner_id
        run = (
            self.env["customer.grading.run"]
            .with_context(mail_create_nolog=True)
            .create(
                {
                    "partner_ids": [Command.set(partners.ids)],
                    "date_to": fields.Date.context_today(self),
                }
            )
        )
        run.action_compute()
        if run.review_required:
            run.action_submit_review()
            message = self.env._(
                "%(count)s customer(s) graded: %(grades)s. The run is submitted for review: "
                "the grades are published once a grading manager approves it.",
                count=len(partners),
                grades=run.distribution or "-",
            )
        else:
            run.action_apply()
            message = self.env._(
                "%(count)s customer(s) graded: %(grades)s.",
                count=len(partners),
                grades=run.distribution or "-",
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": message,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_grading_edit_values(self):
        """The customer's manual indicators in their own list: salespeople
        without the right to edit contacts get the customer form read-only."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_value_action"
        )
        customer = self.commercial_partner_id
        action["name"] = self.env._("Manual Indicators of %(customer)s", customer=customer.name)
        action["domain"] = [("partner_id", "=", customer.id)]
        action["context"] = {"default_partner_id": customer.id}
        return action

    def action_grading_policy_exception(self):
        """Open the customer's grade policy exception in the current company
        (grading managers)."""
        self.ensure_one()
        if not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only a grading manager marks grade policy exceptions."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Grade Policy Exception"),
            "res_model": "res.partner.grading.policy.exception",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def action_grading_appeal(self):
        """Appeal the customer's grade in force in the current company."""
        self.ensure_one()
        result = self.commercial_partner_id.grading_result_id
        if not result:
            raise UserError(self.env._("%(customer)s has no grade to appeal.", customer=self.name))
        return result.action_appeal()

    def action_grading_print_evaluation(self):
        """Print the evaluation form (附表1) of the customer's grade in force
        in the current company."""
        self.ensure_one()
        customer = self.commercial_partner_id
        result = customer.grading_result_id
        if not result.level_id:
            raise UserError(
                self.env._(
                    "%(customer)s has no grade in force in %(company)s: there is no evaluation "
                    "form to print.",
                    customer=customer.display_name,
                    company=self.env.company.name,
                )
            )
        # salespeople print the forms of their own customers only
        result.check_access("read")
        return self.env.ref("customer_grading.action_report_customer_evaluation").report_action(
            result
        )

    def action_grading_open_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_result_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action
