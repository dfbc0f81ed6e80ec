from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class CustomerGradingMigration(models.TransientModel):
    """Compare the grades of two runs of a company: a pivot of the earlier
    grade against the later one, each cell opening its customers."""

    _name = "customer.grading.migration"
    _description = "Compare the Grades of Two Runs"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    run_from_id = fields.Many2one(
        "customer.grading.run",
        string="Earlier Run",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id), ('state', 'in', ('applied', 'replaced'))]",
        default=lambda self: self._default_runs()[1:2],
    )
    run_to_id = fields.Many2one(
        "customer.grading.run",
        string="Later Run",
        required=True,
        check_company=True,
        domain="[('company_id', '=', company_id), ('state', 'in', ('applied', 'replaced'))]",
        default=lambda self: self._default_runs()[:1],
    )
    line_ids = fields.One2many("customer.grading.migration.line", "migration_id")

    @api.model
    def _default_runs(self):
        """The company's two latest published runs of all its customers."""
        return self.env["customer.grading.run"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("state", "=", "applied"),
                ("is_partial", "=", False),
            ],
            order="date_to desc, id desc",
            limit=2,
        )

    def action_compare(self):
        """Pair the customers of the two runs and open the migration pivot."""
        self.ensure_one()
        if self.run_from_id == self.run_to_id:
            raise UserError(self.env._("Choose two different runs to compare."))
        if self.run_from_id.date_to > self.run_to_id.date_to:
            raise UserError(
                self.env._(
                    "The earlier run (%(earlier)s) ends after the later one (%(later)s).",
                    earlier=self.run_from_id.display_name,
                    later=self.run_to_id.display_name,
                )
            )
        # the runs are the user's to read (company rules); their results too:
        # the wizard is for grading managers, who read every result of their companies
        (self.run_from_id | self.run_to_id).check_access("read")
        self._insert_lines()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Grades from %(earlier)s to %(later)s",
                earlier=self.run_from_id.period_label,
                later=self.run_to_id.period_label,
            ),
            "res_model": "customer.grading.migration.line",
            "view_mode": "pivot,graph,list",
            "domain": [("migration_id", "=", self.id)],
        }

    def _insert_lines(self):
        """One line per customer of either run, in one statement."""
        self.line_ids.unlink()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_grading_migration_line
                       (migration_id, company_id, partner_id, user_id, from_level_id,
                        to_level_id, trend, create_uid, create_date, write_uid, write_date)
                SELECT %(migration_id)s, %(company_id)s,
                       COALESCE(b.partner_id, a.partner_id), COALESCE(b.user_id, a.user_id),
                       a.level_id, b.level_id,
                       CASE WHEN a.id IS NULL THEN 'new'
                            WHEN b.id IS NULL THEN 'gone'
                            WHEN a.level_id IS NOT DISTINCT FROM b.level_id
                              OR fl.min_score = tl.min_score THEN 'same'
                            WHEN tl.id IS NULL OR fl.min_score > tl.min_score THEN 'down'
                            ELSE 'up' END,
                       %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
                  FROM (SELECT * FROM customer_grading_result WHERE run_id = %(run_from)s) a
             FULL JOIN (SELECT * FROM customer_grading_result WHERE run_id = %(run_to)s) b
                    ON b.partner_id = a.partner_id
             LEFT JOIN customer_grading_level fl ON fl.id = a.level_id
             LEFT JOIN customer_grading_level tl ON tl.id = b.level_id
                """,
                migration_id=self.id,
                company_id=self.company_id.id,
                run_from=self.run_from_id.id,
                run_to=self.run_to_id.id,
                uid=self.env.uid,
            )
        )
        self.env["customer.grading.migration.line"].invalidate_model()
        self.invalidate_recordset(["line_ids"])
