from datetime import date

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DATE_TO, GradingCase

EARLIER_DATE_TO = date(2025, 9, 30)
# the goal rows, the answers, the companies' targets (with their record rules on an
# empty cache): not one per row
SATISFACTION_QUERIES = 8


@tagged("post_install", "-at_install")
class TestDashboard(GradingCase):
    """Two published runs of the whole company a year apart, with known
    grades and invoices:

    ======== ===== ===== ============= ========== ========== ==========
    customer run 1 run 2 revenue 23/24 rev. 24/25 rev. 25/26 salesperson
    ======== ===== ===== ============= ========== ========== ==========
    c1       A     A     800           1000       1500       1 (ind. X)
    c2       B     A     0             500        0          1 (ind. Y)
    c3       B     C     0             200        100 - 100  2 (ind. X)
    c4       C     C     400           0          300        2
    c5       –     D     0             0          0          2
    ======== ===== ===== ============= ========== ========== ==========

    Periods run from October to September; run 1 ends on 2025-09-30, run 2
    on 2026-09-30.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Analysis = cls.env["customer.grading.analysis"]
        cls.Goal = cls.env["customer.grading.goal"]
        industry_x = cls.env["res.partner.industry"].create({"name": "Industry X"})
        industry_y = cls.env["res.partner.industry"].create({"name": "Industry Y"})
        cls.c1 = cls._customer("C1", cls.salesman_1, industry_id=industry_x.id)
        cls.c2 = cls._customer("C2", cls.salesman_1, industry_id=industry_y.id)
        cls.c3 = cls._customer("C3", cls.salesman_2, industry_id=industry_x.id)
        cls.c4 = cls._customer("C4", cls.salesman_2)
        cls.c5 = cls._customer("C5", cls.salesman_2)
        cls.industry_x, cls.industry_y = industry_x, industry_y
        for partner, amount, day in (
            (cls.c1, 800, "2024-05-01"),
            (cls.c1, 1000, "2025-03-01"),
            (cls.c1, 1500, "2026-03-01"),
            (cls.c2, 500, "2025-06-01"),
            (cls.c3, 200, "2025-02-01"),
            (cls.c3, 100, "2026-02-01"),
            (cls.c4, 400, "2024-06-01"),
            (cls.c4, 300, "2026-04-01"),
        ):
            cls._invoice(partner, amount, day)
        cls._invoice(cls.c3, 100, "2026-05-01", move_type="out_refund")
        # a draft invoice counts for nothing
        cls._invoice(cls.c2, 9999, "2026-05-01", post=False)
        A, B, C, D = (cls.levels[code] for code in "ABCD")
        cls.run_1 = cls._published_run(
            cls.company,
            EARLIER_DATE_TO,
            [(cls.c1, A, False), (cls.c2, B, False), (cls.c3, B, False), (cls.c4, C, False)],
        )
        cls.run_2 = cls._published_run(
            cls.company,
            DATE_TO,
            [(cls.c1, A, A), (cls.c2, A, B), (cls.c3, C, B), (cls.c4, C, C), (cls.c5, D, False)],
        )

    @classmethod
    def _published_run(cls, company, date_to, grades):
        """A published run of the whole company giving ``grades``: ``(customer,
        grade, previous grade)``."""
        run = (
            cls.env["customer.grading.run"]
            .with_company(company)
            .create({"date_to": date_to, "company_id": company.id, "scheme_id": cls.scheme.id})
        )
        # fixtures written as superuser: results are only ever written by runs
        run.sudo().write({"state": "applied"})
        cls.env["customer.grading.result"].sudo().create(
            [
                {
                    "run_id": run.id,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "user_id": partner.user_id.id,
                    "level_id": level.id,
                    "computed_level_id": level.id,
                    "previous_level_id": previous.id if previous else False,
                    "score": level.min_score,
                }
                for partner, level, previous in grades
            ]
        )
        return run

    def _groups(self, groupby, aggregates, domain=None, model=None, user=None):
        """``read_group`` as the dashboard's graphs and pivots call it."""
        model = (self.Analysis if model is None else model).with_user(user or self.manager)
        return {
            tuple(
                group[field][1] if isinstance(group[field], tuple) else group[field]
                for field in groupby
            ): {key.split(":")[0]: group[key.split(":")[0]] for key in aggregates}
            for group in model.read_group(domain or [], aggregates, groupby, lazy=False)
        }

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def test_grade_distribution_by_period(self):
        groups = self._groups(["period_label", "level_id"], ["__count"])
        first, second = self.run_1.period_label, self.run_2.period_label
        self.assertEqual(
            {key: values["__count"] for key, values in groups.items()},
            {
                (first, "A"): 1,
                (first, "B"): 2,
                (first, "C"): 1,
                (second, "A"): 2,
                (second, "C"): 2,
                (second, "D"): 1,
            },
        )

    def test_grade_distribution_by_salesperson_and_industry(self):
        latest = [("is_latest", "=", True)]
        by_user = self._groups(["user_id", "level_id"], ["__count"], latest)
        self.assertEqual(
            {key: values["__count"] for key, values in by_user.items()},
            {("Sales One", "A"): 2, ("Sales Two", "C"): 2, ("Sales Two", "D"): 1},
        )
        by_industry = self._groups(["industry_id", "level_id"], ["__count"], latest)
        self.assertEqual(
            {key: values["__count"] for key, values in by_industry.items()},
            {
                ("Industry X", "A"): 1,
                ("Industry X", "C"): 1,
                ("Industry Y", "A"): 1,
                (False, "C"): 1,
                (False, "D"): 1,
            },
        )

    def test_value_growth_per_grade(self):
        measures = ["revenue:sum", "previous_revenue:sum", "growth_rate:avg"]
        groups = self._groups(["level_id"], measures, [("run_id", "=", self.run_2.id)])
        self.assertEqual(
            groups[("A",)],
            {"revenue": 1500.0, "previous_revenue": 1500.0, "growth_rate": 0.0},
        )
        self.assertEqual(
            groups[("C",)], {"revenue": 300.0, "previous_revenue": 200.0, "growth_rate": 50.0}
        )
        # no revenue before: no growth to tell
        self.assertIs(groups[("D",)]["growth_rate"], False)
        # the total is the growth of the sums (1800 over 1700), not the average of the
        # customers' growths (+50 %, -100 %, -100 %)
        (total,) = self._groups([], measures, [("run_id", "=", self.run_2.id)]).values()
        self.assertEqual((total["revenue"], total["previous_revenue"]), (1800.0, 1700.0))
        self.assertAlmostEqual(total["growth_rate"], 100.0 * 100 / 1700)

    def test_churn_per_grade(self):
        measures = ["churned_count:sum", "active_before_count:sum", "churn_rate:avg"]
        domain = [("run_id", "=", self.run_2.id)]
        groups = self._groups(["previous_level_id"], measures, domain)
        self.assertEqual(
            groups[("A",)], {"churned_count": 0, "active_before_count": 1, "churn_rate": 0.0}
        )
        # c2 lost all its revenue, c3's refund cancels its invoice: both churned
        self.assertEqual(
            groups[("B",)], {"churned_count": 2, "active_before_count": 2, "churn_rate": 100.0}
        )
        (total,) = self._groups([], measures, domain).values()
        self.assertAlmostEqual(total["churn_rate"], 200.0 / 3)
        churned = self.Analysis.with_user(self.manager).search([*domain, ("is_churned", "=", True)])
        self.assertEqual(churned.partner_id, self.c2 | self.c3)
        # run 1: c4 had revenue before and none in its period
        run_1 = self.Analysis.with_user(self.manager).search(
            [("run_id", "=", self.run_1.id), ("is_churned", "=", True)]
        )
        self.assertEqual(run_1.partner_id, self.c4)

    def test_figures_open_their_customers(self):
        rows = self.Analysis.with_user(self.manager).search(
            [("run_id", "=", self.run_2.id), ("is_churned", "=", True)]
        )
        action = rows.action_open_customers()
        self.assertEqual(action["res_model"], "res.partner")
        partners = self.env["res.partner"].with_user(self.manager).search(action["domain"])
        self.assertEqual(partners, self.c2 | self.c3)

    def test_visit_compliance_rate_per_salesperson(self):
        Compliance = self.env["customer.grading.visit.compliance"]
        rows = [
            (self.c1, self.salesman_1, 4, 1),
            (self.c2, self.salesman_1, 1, 1),
            (self.c3, self.salesman_2, 2, 3),
        ]
        Compliance.sudo().create(
            [
                {
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "user_id": user.id,
                    "visits_required": required,
                    "visits_done": done,
                    "compliance_rate": round(100.0 * done / required, 1),
                }
                for partner, user, required, done in rows
            ]
        )
        groups = self._groups(["user_id"], ["compliance_rate:avg"], model=Compliance)
        # 2 visits done of 5 required: 40 %, not the average of 25 % and 100 %
        self.assertEqual(groups[("Sales One",)]["compliance_rate"], 40.0)
        # 3 visits done of 2 required: as the Done and Required columns add up
        self.assertEqual(groups[("Sales Two",)]["compliance_rate"], 150.0)
        (total,) = self._groups([], ["compliance_rate:avg"], model=Compliance).values()
        self.assertEqual(total["compliance_rate"], round(100.0 * 5 / 7, 1))
        # a salesperson reads the rate of their own customers only
        mine = self._groups([], ["compliance_rate:avg"], model=Compliance, user=self.salesman_1)
        self.assertEqual(next(iter(mine.values()))["compliance_rate"], 40.0)

    # ------------------------------------------------------------------
    # Migration between two runs
    # ------------------------------------------------------------------

    def _compare(self, run_from, run_to):
        wizard = (
            self.env["customer.grading.migration"]
            .with_user(self.manager)
            .create({"run_from_id": run_from.id, "run_to_id": run_to.id})
        )
        return wizard, wizard.action_compare()

    def test_migration_between_two_runs(self):
        wizard, action = self._compare(self.run_1, self.run_2)
        Line = self.env["customer.grading.migration.line"].with_user(self.manager)
        groups = Line.read_group(
            action["domain"], ["__count"], ["from_level_id", "to_level_id"], lazy=False
        )
        self.assertEqual(
            {
                (
                    group["from_level_id"] and group["from_level_id"][1],
                    group["to_level_id"] and group["to_level_id"][1],
                ): group["__count"]
                for group in groups
            },
            {("A", "A"): 1, ("B", "A"): 1, ("B", "C"): 1, ("C", "C"): 1, (False, "D"): 1},
        )
        lines = Line.search(action["domain"])
        self.assertEqual(
            {line.partner_id: line.trend for line in lines},
            {self.c1: "same", self.c2: "up", self.c3: "down", self.c4: "same", self.c5: "new"},
        )
        # a cell opens its customers
        upgraded = lines.filtered(lambda line: line.trend == "up")
        customers = upgraded.action_open_customers()
        self.assertEqual(
            self.env["res.partner"].with_user(self.manager).search(customers["domain"]), self.c2
        )
        # comparing again replaces the lines
        wizard.action_compare()
        self.assertEqual(len(Line.search(action["domain"])), 5)

    def test_migration_defaults_and_checks(self):
        form = Form(self.env["customer.grading.migration"].with_user(self.manager))
        self.assertEqual((form.run_from_id, form.run_to_id), (self.run_1, self.run_2))
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self._compare(self.run_2, self.run_1)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self._compare(self.run_2, self.run_2)

    # ------------------------------------------------------------------
    # Goals
    # ------------------------------------------------------------------

    def test_company_targets_in_settings(self):
        self.assertEqual(
            (
                self.company.grading_target_satisfaction,
                self.company.grading_target_churn_reduction,
                self.company.grading_target_spend_growth,
            ),
            (90.0, 15.0, 20.0),
        )
        settings_admin = new_test_user(
            self.env,
            login="cg_settings_admin",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        settings = Form(self.env["res.config.settings"].with_user(settings_admin))
        settings.grading_target_churn_reduction = 10.0
        settings.grading_target_spend_growth = 25.0
        settings.save().execute()
        self.assertEqual(self.company.grading_target_churn_reduction, 10.0)
        self.assertEqual(self.company.grading_target_spend_growth, 25.0)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.grading_target_satisfaction = 120.0
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.grading_target_spend_growth = -5.0

    def test_goals_against_actual_figures(self):
        goals = self.Goal.with_user(self.manager).search([("level_id", "=", False)])
        self.assertEqual(goals.run_id, self.run_1 | self.run_2)
        latest = goals.filtered(lambda goal: goal.run_id == self.run_2)
        # churn: 2 of 3 (run 1: 1 of 2), a third more: the -15 % goal is missed
        self.assertAlmostEqual(latest.churn_rate, 200.0 / 3, places=1)
        self.assertAlmostEqual(latest.previous_churn_rate, 50.0, places=1)
        self.assertAlmostEqual(latest.churn_change, 100.0 / 3, places=1)
        self.assertEqual(latest.target_churn_change, -15.0)
        self.assertFalse(latest.is_churn_met)
        # spend: 1800 over 2 customers, against 1700 over 3: +58.8 %, the +20 % goal is met
        self.assertAlmostEqual(latest.spend_per_customer, 900.0)
        self.assertAlmostEqual(latest.previous_spend_per_customer, 1700.0 / 3, places=2)
        self.assertAlmostEqual(latest.spend_growth, 100.0 * (900 * 3 / 1700 - 1), places=1)
        self.assertTrue(latest.is_spend_met)
        # no satisfaction survey in the period: no figure is made up
        self.assertFalse(latest.satisfaction_answer_count)
        self.assertFalse(latest.satisfaction_rate)
        self.assertFalse(latest.is_satisfaction_met)
        self.assertEqual(latest.satisfaction, "No survey in the period")
        self.assertEqual(latest.target_satisfaction, 90.0)
        # the first run has no previous churn to compare with
        first = goals - latest
        self.assertFalse(first.previous_churn_rate)
        self.assertFalse(first.is_churn_met)
        # the goal follows the company's target
        self.company.grading_target_churn_reduction = 0.0
        self.company.grading_target_spend_growth = 60.0
        latest.invalidate_recordset()
        self.assertFalse(latest.is_spend_met)
        # the figures behind the churn rate: the customers with revenue before
        action = latest.action_open_churned()
        rows = self.Analysis.with_user(self.manager).search(action["domain"])
        self.assertEqual(rows.partner_id, self.c1 | self.c2 | self.c3)

    def _survey_campaign(self, day, satisfactions, state="sent"):
        """A campaign of ``day`` with one answer per satisfaction rating (1–5,
        satisfied from 4); ``None`` is an answer not finished."""
        survey = self.env.ref("customer_grading.survey_customer_satisfaction")
        question = self.env.ref("customer_grading.survey_question_satisfaction")
        campaign = (
            self.env["customer.grading.survey.campaign"]
            .with_user(self.manager)
            .create({"name": f"Survey {day}", "date": day, "partner_ids": [(6, 0, self.c1.ids)]})
        )
        # fixtures written as superuser: the state is only ever set by sending
        campaign.sudo().state = state
        for rating in satisfactions:
            answer = survey.sudo()._create_answer(
                partner=self.c1, check_attempts=False, grading_campaign_id=campaign.id
            )
            if rating is not None:
                answer._save_lines(question, str(rating))
                answer._mark_done()
        return campaign

    def test_satisfaction_goal_from_the_surveys_of_the_period(self):
        """Satisfied answers over finished answers of the company's sent
        campaigns dated in the run's period, against the company's target."""
        # run 2's period (2025-10-01 to 2026-09-30): 3 satisfied of 4 finished
        self._survey_campaign("2026-06-01", [5, 4, 2, None])
        self._survey_campaign("2025-10-01", [4])
        # a draft campaign and one of run 1's period do not count for run 2
        self._survey_campaign("2026-07-01", [1, 1], state="draft")
        self._survey_campaign("2025-09-30", [1])
        goals = self.Goal.with_user(self.manager).search([("level_id", "=", False)])
        latest = goals.filtered(lambda goal: goal.run_id == self.run_2)
        first = goals - latest
        self.assertEqual(latest.satisfaction_answer_count, 4)
        self.assertEqual(latest.satisfaction_rate, 75.0)
        self.assertFalse(latest.is_satisfaction_met)
        self.assertFalse(latest.satisfaction)
        self.assertEqual((first.satisfaction_answer_count, first.satisfaction_rate), (1, 0.0))
        self.assertFalse(first.is_satisfaction_met)
        self.company.grading_target_satisfaction = 75.0
        goals.invalidate_recordset()
        self.assertTrue(latest.is_satisfaction_met)
        self.assertFalse(first.is_satisfaction_met)

    def test_goals_per_grade(self):
        """One row per grade of each run, each against that grade's row of the
        previous run; the whole company's row is the sum of the grades'."""
        goals = self.Goal.with_user(self.manager).search([("level_id", "!=", False)])
        A, B, C, D = (self.levels[code] for code in "ABCD")
        rows = {(goal.run_id, goal.level_id): goal for goal in goals}
        self.assertEqual(
            set(rows),
            {(self.run_1, A), (self.run_1, B), (self.run_1, C)}
            | {(self.run_2, A), (self.run_2, C), (self.run_2, D)},
        )
        # run 2's A customers (c1, c2): c2 churned, 1 of 2; run 1's A (c1): none of 1
        grade_a = rows[self.run_2, A]
        self.assertEqual((grade_a.customer_count, grade_a.churned_count), (2, 1))
        self.assertAlmostEqual(grade_a.churn_rate, 50.0)
        self.assertFalse(grade_a.previous_churn_rate)
        self.assertFalse(grade_a.is_churn_met)
        # spend: 1500 over c1, against 1500 over c1 and c2 before: +100 %
        self.assertAlmostEqual(grade_a.spend_per_customer, 1500.0)
        self.assertAlmostEqual(grade_a.previous_spend_per_customer, 750.0)
        self.assertAlmostEqual(grade_a.spend_growth, 100.0)
        self.assertTrue(grade_a.is_spend_met)
        # run 2's C (c3 churned, c4 back) against run 1's C (c4 churned): 100 % both
        grade_c = rows[self.run_2, C]
        self.assertAlmostEqual(grade_c.churn_rate, 100.0)
        self.assertAlmostEqual(grade_c.previous_churn_rate, 100.0)
        self.assertAlmostEqual(grade_c.churn_change, 0.0)
        self.assertFalse(grade_c.is_churn_met)
        self.assertAlmostEqual(grade_c.spend_growth, 50.0)
        # the grades add up to the whole company
        (company,) = self.Goal.with_user(self.manager).search(
            [("run_id", "=", self.run_2.id), ("level_id", "=", False)]
        )
        run_2_grades = goals.filtered(lambda goal: goal.run_id == self.run_2)
        for field in ("customer_count", "active_count", "active_before_count", "churned_count"):
            self.assertEqual(sum(run_2_grades.mapped(field)), company[field], field)
        # grouped by period, the grades' rows give the whole company's churn rate
        (group,) = self.Goal.with_user(self.manager).read_group(
            [("run_id", "=", self.run_2.id), ("level_id", "!=", False)],
            ["churned_count:sum", "churn_rate:avg"],
            ["period_label"],
        )
        self.assertEqual(group["churned_count"], company.churned_count)
        self.assertAlmostEqual(group["churn_rate"], company.churn_rate)
        # the targets are the company's, never summed
        fields = self.Goal.fields_get(["target_spend_growth", "target_satisfaction"])
        self.assertFalse(any(field.get("aggregator") for field in fields.values()))
        # listed by run, the whole company first, then best grade first
        listed = self.Goal.with_user(self.manager).search([("run_id", "=", self.run_2.id)])
        self.assertEqual(listed.level_id.mapped("code"), ["A", "C", "D"])
        self.assertFalse(listed[0].level_id)
        # the figures behind a grade's churn: that grade's customers only
        action = grade_a.action_open_churned()
        self.assertIn(", grade A", action["name"])
        analysis = self.Analysis.with_user(self.manager).search(action["domain"])
        self.assertEqual(analysis.partner_id, self.c1 | self.c2)

    def test_satisfaction_goal_per_grade(self):
        """A grade's satisfaction counts the answers of the customers the run
        gave that grade."""
        self._survey_campaign("2026-06-01", [5, 4, 2])
        goals = self.Goal.with_user(self.manager).search([("run_id", "=", self.run_2.id)])
        by_grade = {goal.level_id.code: goal for goal in goals}
        # c1 answered: grade A in run 2
        self.assertEqual(by_grade["A"].satisfaction_answer_count, 3)
        self.assertAlmostEqual(by_grade["A"].satisfaction_rate, 200.0 / 3, places=1)
        self.assertEqual(by_grade[False].satisfaction_answer_count, 3)
        for code in "CD":
            self.assertFalse(by_grade[code].satisfaction_answer_count)
            self.assertEqual(by_grade[code].satisfaction, "No survey in the period")

    def test_goals_open_on_the_whole_company(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_goal_action"
        )
        self.assertIn("search_default_whole_company", action["context"])

    def test_satisfaction_goal_in_one_query(self):
        """As many queries for one row as for all: one for the answers."""
        self._survey_campaign("2026-06-01", [5])
        self._survey_campaign("2025-06-01", [5])
        goals = self.Goal.with_user(self.manager).search([("level_id", "=", False)])
        self.assertEqual(len(goals), 2)
        for rows in (goals[:1], goals):
            self.env.invalidate_all()
            with self.subTest(rows=len(rows)), self.assertQueryCount(SATISFACTION_QUERIES):
                rows.mapped("satisfaction_rate")

    # ------------------------------------------------------------------
    # Rights and companies
    # ------------------------------------------------------------------

    def test_goals_on_the_customer_care_menu(self):
        """The dashboard's goals, also under Customer Care, for managers only."""
        menu = self.env.ref("customer_grading.customer_grading_goal_menu_care")
        self.assertEqual(
            menu.parent_id, self.env.ref("customer_grading.customer_grading_menu_care")
        )
        self.assertEqual(menu.action, self.env.ref("customer_grading.customer_grading_goal_action"))
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.salesman_1)._visible_menu_ids())

    def test_salespeople_see_no_dashboard(self):
        menu = self.env.ref("customer_grading.customer_grading_menu_dashboard")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.salesman_1)._visible_menu_ids())
        self.assertEqual(menu.sequence, min(menu.parent_id.child_id.mapped("sequence")))
        for model in ("customer.grading.analysis", "customer.grading.goal"):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                self.env[model].with_user(self.salesman_1).read_group([], ["__count"], [])
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self._compare_as(self.salesman_1)

    def _compare_as(self, user):
        return (
            self.env["customer.grading.migration"]
            .with_user(user)
            .create({"run_from_id": self.run_1.id, "run_to_id": self.run_2.id})
            .action_compare()
        )

    def test_figures_of_the_current_company_only(self):
        other = self.setup_other_company(name="Dashboard Co 2")["company"]
        self.manager.write({"company_ids": [(4, other.id)]})
        other_customer = self._customer("Other", self.salesman_1)
        other_run = self._published_run(other, DATE_TO, [(other_customer, self.levels["A"], False)])
        self._invoice(other_customer, 700, "2026-02-01", company=other)
        here = self.Analysis.with_user(self.manager).with_context(
            allowed_company_ids=self.company.ids
        )
        self.assertEqual(here.search([]).run_id, self.run_1 | self.run_2)
        (total,) = self._groups([], ["revenue:sum"], [("run_id", "=", self.run_2.id)]).values()
        self.assertEqual(total["revenue"], 1800.0)
        there = self.Analysis.with_user(self.manager).with_context(allowed_company_ids=other.ids)
        rows = there.search([])
        self.assertEqual(rows.run_id, other_run)
        # the other company's invoices make the other company's revenue
        self.assertEqual(rows.revenue, 700.0)
        goals = self.Goal.with_user(self.manager).with_context(allowed_company_ids=other.ids)
        self.assertEqual(goals.search([]).run_id, other_run)
        self.assertEqual(goals.search([]).level_id.mapped("code"), ["A"])
        # a run of another company cannot be compared from this one
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.env["customer.grading.migration"].with_user(self.manager).with_context(
                allowed_company_ids=self.company.ids
            ).create({"run_from_id": self.run_1.id, "run_to_id": other_run.id}).action_compare()

    # ------------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------------

    def _dashboard_queries(self):
        """Queries of the growth pivot and of a migration, as a manager."""
        Analysis = self.Analysis.with_user(self.manager)
        measures = ["revenue:sum", "previous_revenue:sum", "growth_rate:avg"]
        wizard = (
            self.env["customer.grading.migration"]
            .with_user(self.manager)
            .create({"run_from_id": self.run_1.id, "run_to_id": self.run_2.id})
        )
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.cr.sql_log_count
        Analysis.read_group([("is_latest", "=", True)], measures, ["level_id"], lazy=False)
        pivot = self.cr.sql_log_count - start
        self.env.invalidate_all()
        start = self.cr.sql_log_count
        wizard.action_compare()
        return pivot, self.cr.sql_log_count - start

    def test_queries_do_not_depend_on_customers(self):
        self._dashboard_queries()  # warm the caches (access rights, rules)
        small = self._dashboard_queries()
        extra = self.env["res.partner"].create(
            [{"name": f"Extra {i}", "customer_rank": 1} for i in range(10)]
        )
        self.env["customer.grading.result"].sudo().create(
            [
                {
                    "run_id": self.run_2.id,
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "level_id": self.levels["B"].id,
                }
                for partner in extra
            ]
        )
        large = self._dashboard_queries()
        self.assertEqual(large, small)
        # the pivot: its grouped query and the grades' names
        self.assertLessEqual(small[0], 3)
