from odoo import Command, api, fields, models
from odoo.exceptions import UserError

GROUP_USER = "customer_grading.group_customer_grading_user"


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
    grading_has_stale_values = fields.Boolean(
        string="Stale Indicators",
        compute="_compute_grading_has_stale_values",
        search="_search_grading_has_stale_values",
        groups=GROUP_USER,
        help="A manual indicator was not reviewed within the review interval.",
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

    @api.depends_context("company")
    def _compute_grading_scheme_id(self):
        self.grading_scheme_id = self.env.company.grading_scheme_id

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

    def write(self, vals):
        if vals.keys() == {"grading_value_ids"} and not self.has_access("write"):
            # Salespeople without the right to edit contacts still keep the
            # manual indicators of their customers up to date from the form.
            self._write_grading_values(vals["grading_value_ids"])
            return True
        return super().write(vals)

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
        run.action_apply()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s customer(s) graded: %(grades)s.",
                    count=len(partners),
                    grades=run.distribution or "-",
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_grading_open_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_result_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action
