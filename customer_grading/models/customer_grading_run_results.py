from collections import Counter

from odoo import fields, models
from odoo.exceptions import AccessError

from ..report import xlsx_common
from ..report.customer_grading_run_xlsx import RunWorkbook
from .customer_grading_run import GROUP_MANAGER


class CustomerGradingRun(models.Model):
    """What a run's results say, seen from the run: its figures, the checks of
    its grades' policies, the lists they open and the Excel export. The run's
    lifecycle and its batches are in ``customer_grading_run.py``."""

    _inherit = "customer.grading.run"

    result_count = fields.Integer(compute="_compute_statistics")
    graded_count = fields.Integer(compute="_compute_statistics")
    insufficient_count = fields.Integer(compute="_compute_statistics")
    average_score = fields.Float(compute="_compute_statistics", digits=(16, 2))
    distribution = fields.Char(compute="_compute_statistics", help="Number of customers per grade.")
    previous_distribution = fields.Char(
        string="Distribution Before",
        compute="_compute_statistics",
        help="Number of the same customers per grade in force when the run computed.",
    )
    changed_count = fields.Integer(
        string="Grade Changes",
        compute="_compute_statistics",
        help="Customers whose grade differs from the one in force when the run computed.",
    )
    export_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Excel Export",
        readonly=True,
        copy=False,
        groups=GROUP_MANAGER,
        help="The last Excel export of the run; only grading managers can download it.",
    )
    contract_missing_count = fields.Integer(
        string="Contracts Missing",
        compute="_compute_policy_checks",
        help="Customers of the run whose grade in the run requires a contract and who have "
        "no contract in force in the run's company.",
    )
    kam_missing_count = fields.Integer(
        string="Key-Account Managers Missing",
        compute="_compute_policy_checks",
        help="Customers of the run whose grade in the run requires a key-account manager "
        "and who have no salesperson, or an archived one, or one who does not work in the "
        "run's company.",
    )

    def _compute_statistics(self):
        # the same figures for everyone who may open the run
        groups = (
            self.env["customer.grading.result"]
            .sudo()
            ._read_group(
                [("run_id", "in", self.ids)],
                ["run_id", "previous_level_id", "level_id"],
                ["__count", "score:sum"],
            )
        )
        for run in self:
            rows = [row[1:] for row in groups if row[0] == run]
            # customers without data are kept out of the grade counts, unless
            # the scheme grades them anyway
            per_level, before, changed, score = Counter(), Counter(), 0, 0.0
            for previous, level, count, score_sum in rows:
                if level:
                    per_level[level] += count
                    score += score_sum
                if previous:
                    before[previous] += count
                if previous and previous != level:
                    changed += count
            run.result_count = sum(row[2] for row in rows)
            run.graded_count = sum(per_level.values())
            run.insufficient_count = run.result_count - run.graded_count
            run.average_score = score / run.graded_count if run.graded_count else 0.0
            run.distribution = run._distribution_label(per_level)
            run.previous_distribution = run._distribution_label(before)
            run.changed_count = changed

    def _compute_policy_checks(self):
        # counts only, the same for everyone who may open the run
        Result = self.env["customer.grading.result"].sudo()
        counts = {"contract": {}, "kam": {}}
        for company in self.company_id:
            runs = self.filtered(lambda run, company=company: run.company_id == company)
            for check, per_run in counts.items():
                per_run.update(
                    Result._read_group(
                        [("run_id", "in", runs.ids), *runs._policy_check_domain(check)],
                        ["run_id"],
                        ["__count"],
                    )
                )
        for run in self:
            run.contract_missing_count = counts["contract"].get(run, 0)
            run.kam_missing_count = counts["kam"].get(run, 0)

    def _policy_check_domain(self, check):
        """The results, of runs of one company, whose grade requires a contract
        (``check`` "contract") or a key-account manager ("kam") that the
        customer lacks in that company."""
        company = self.company_id[:1]
        Flags = self.env["customer.grading.partner.flags"].with_company(company)
        if check == "contract":
            return Flags._contract_missing_domain("level_id", "partner_id")
        levels = Flags._levels_requiring([("key_account_required", "=", True)])
        Partner = self.env["res.partner"].with_company(company)
        unmanaged = Partner.sudo().with_context(active_test=False)._search(Flags._no_kam_domain())
        return [("level_id", "in", levels), ("partner_id", "in", unmanaged)]

    def _distribution_label(self, per_level):
        """ "A: 8 · B: 6 · …" in the order of the scheme's grades, then of the others."""
        levels = self.scheme_id.level_ids
        levels |= self.env["customer.grading.level"].browse(
            sorted(level.id for level in per_level if level not in levels)
        )
        return " · ".join(
            f"{level.code}: {per_level[level]}" for level in levels if per_level.get(level)
        )

    def action_view_migration(self):
        """The migration matrix: the run's customers, previous grade × new grade."""
        action = self.action_view_results()
        action.update(
            {
                "name": self.env._("Grade Migration"),
                "view_mode": "pivot,list,form",
                "views": [(False, "pivot"), (False, "list"), (False, "form")],
                "context": {
                    "default_run_id": self.id,
                    "pivot_row_groupby": ["previous_level_id"],
                    "pivot_column_groupby": ["level_id"],
                    "pivot_measures": ["__count"],
                },
            }
        )
        return action

    def action_view_biggest_moves(self):
        """The run's customers whose score moved most, up or down."""
        action = self.action_view_results()
        action.update(
            {
                "name": self.env._("Biggest Score Moves"),
                "view_mode": "list,form",
                "views": [
                    (
                        self.env.ref("customer_grading.customer_grading_result_view_list_moves").id,
                        "list",
                    ),
                    (False, "form"),
                ],
                "context": {"default_run_id": self.id},
            }
        )
        return action

    def action_view_without_data(self):
        """The run's customers graded without data (insufficient data)."""
        action = self.action_view_results()
        action["name"] = self.env._("Graded Without Data")
        action["context"] = {"default_run_id": self.id, "search_default_filter_insufficient": 1}
        return action

    def action_view_contract_missing(self):
        """The customers of the run whose grade in the run requires a contract they lack."""
        self.ensure_one()
        return self._policy_check_action(
            "contract", self.env._("Contract Missing – %(run)s", run=self.display_name)
        )

    def action_view_kam_missing(self):
        """The customers of the run whose grade in the run requires a key-account manager."""
        self.ensure_one()
        return self._policy_check_action(
            "kam", self.env._("No Key-Account Manager – %(run)s", run=self.display_name)
        )

    def _policy_check_action(self, check, name):
        results = (
            self.env["customer.grading.result"]
            .sudo()
            .search([("run_id", "=", self.id), *self._policy_check_domain(check)])
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.res_partner_action_graded"
        )
        action.update(
            {
                "name": name,
                "domain": [("id", "in", results.partner_id.ids)],
                "context": {"res_partner_search_mode": "customer"},
            }
        )
        return action

    def action_view_results(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_result_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {
            "default_run_id": self.id,
            "search_default_group_level": 1,
            "pivot_measures": ["__count", "score"],
        }
        return action

    def action_export_xlsx(self):
        """Download the run's results, summary and scheme as an Excel
        workbook, kept as the run's manager-only attachment (the previous
        export is replaced)."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(self.env._("Only a grading manager exports a grading run."))
        self.check_access("read")
        content = RunWorkbook(self).content()
        previous = self.export_attachment_id
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.name}.xlsx",
                "raw": content,
                "mimetype": xlsx_common.XLSX_MIMETYPE,
                "res_model": self._name,
                "res_id": self.id,
                # linked through a manager-only field: Odoo's attachment rules
                # hide it from the salespeople who read the run
                "res_field": "export_attachment_id",
            }
        )
        self.export_attachment_id = attachment
        previous.unlink()
        return xlsx_common.download_action(attachment)
