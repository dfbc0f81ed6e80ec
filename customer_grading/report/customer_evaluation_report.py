"""The customer evaluation form (附表1 客户评估表) of grading results, as printed."""

from collections import defaultdict

from odoo import api, models

LINE_FIELDS = [
    "result_id",
    "indicator_id",
    "dimension_id",
    "raw_value",
    "option_id",
    "has_value",
    "score",
    "weight",
    "points",
]


class ReportCustomerEvaluation(models.AbstractModel):
    _name = "report.customer_grading.report_customer_evaluation"
    _description = "Customer Evaluation Form"

    @api.model
    def _get_report_values(self, docids, data=None):
        """The results and, per result, its lines grouped by dimension with
        their subtotals, read for all the results at once: a hundred forms
        cost the queries of one. Printed in the language of the user who
        prints, whatever the customer's."""
        lang = self.env.user.lang or self.env.lang
        env = self.with_context(lang=lang, active_test=False).env
        results = env["customer.grading.result"].browse(docids)
        # salespeople print the forms of their own customers only (record rules)
        results.check_access("read")
        lines = env["customer.grading.result.line"].search_fetch(
            [("result_id", "in", results.ids)], LINE_FIELDS
        )
        self._prefetch(results, lines)
        standards = {
            indicator.id: indicator._scoring_standard() for indicator in lines.indicator_id
        }
        changed = self._changed_since(lines)
        return {
            "doc_ids": results.ids,
            "doc_model": "customer.grading.result",
            "docs": results,
            "reader_lang": lang,
            "forms": self._forms(results, lines, changed),
            "standards": standards,
            "changed": changed,
            "evaluators": {run.id: self._evaluator(run) for run in results.run_id},
        }

    def _prefetch(self, results, lines):
        """Read in one query per model what the forms show."""
        runs = results.run_id
        runs.fetch(
            [
                "name",
                "period_label",
                "scheme_id",
                "date_from",
                "date_to",
                "user_id",
                "submitted_by_id",
                "computed_date",
                "approved_by_id",
                "approved_date",
            ]
        )
        levels = (
            results.level_id
            | results.computed_level_id
            | results.previous_level_id
            | results.override_level_id
        )
        levels.fetch(["code", "name", "service_measures"])
        users = (
            results.user_id
            | results.override_user_id
            | runs.user_id
            | runs.submitted_by_id
            | runs.approved_by_id
        )
        users.fetch(["name"])
        results.partner_id.fetch(["name", "ref"])
        lines.indicator_id.fetch(
            [
                "name",
                "unit",
                "scoring_rule",
                "missing_score",
                "linear_min",
                "linear_max",
                "write_date",
            ]
        )
        lines.indicator_id.band_ids.fetch(["sequence", "threshold", "score", "write_date"])
        lines.indicator_id.option_ids.fetch(["sequence", "name", "score", "active", "write_date"])
        lines.option_id.fetch(["name"])
        lines.dimension_id.fetch(["name", "sequence"])

    def _evaluator(self, run):
        """Who evaluated: who submitted the run for review, or who started it;
        nobody for a scheduled run (the line stays blank, to sign by hand)."""
        user = run.submitted_by_id or run.user_id
        return user if not user._is_superuser() else user.browse()

    def _changed_since(self, lines):
        """Ids of the lines whose indicator's rule (its bands, levels or
        thresholds) changed after their run computed: the form shows the
        current rule, which the run did not use."""
        last_change = {
            indicator.id: max(
                [
                    indicator.write_date,
                    *indicator.band_ids.mapped("write_date"),
                    *indicator.option_ids.mapped("write_date"),
                ]
            )
            for indicator in lines.indicator_id
        }
        return {
            line.id
            for line in lines
            if line.result_id.run_id.computed_date
            and last_change[line.indicator_id.id] > line.result_id.run_id.computed_date
        }

    def _forms(self, results, lines, changed):
        """``{result id: {"dimensions": [{"dimension", "lines", "weight",
        "points"}], "weight": total weight, "changed": whether a rule changed
        since}}``, dimensions in their order."""
        by_result = defaultdict(lambda: defaultdict(list))
        for line in lines:
            by_result[line.result_id.id][line.dimension_id].append(line)
        forms = {}
        for result in results:
            groups = by_result[result.id]
            dimensions = [
                {
                    "dimension": dimension,
                    "lines": groups[dimension],
                    "weight": sum(line.weight for line in groups[dimension]),
                    "points": sum(line.points for line in groups[dimension]),
                }
                for dimension in sorted(groups, key=lambda d: (d.sequence, d.id))
            ]
            forms[result.id] = {
                "dimensions": dimensions,
                "weight": sum(group["weight"] for group in dimensions),
                "changed": any(
                    line.id in changed for group in dimensions for line in group["lines"]
                ),
            }
        return forms
