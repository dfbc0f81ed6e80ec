"""What a user reads on the customer's Grading tab, the grades and Settings
(issue 15), and the chatter notes each reader reads in their language."""

from datetime import date, datetime

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools import format_date

from .common import DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestCustomerTab(GradingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Tab Ltd", user=cls.salesman_1)

    def _arch(self, model, view_type, user, view=None):
        view_id = self.env.ref(view).id if view else False
        views = self.env[model].with_user(user).get_views([(view_id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def _zh_cn(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_grading"], ["zh_CN"])

    # --- customers --------------------------------------------------------

    def test_contacts_show_no_score(self):
        # a contact is graded through its company: its own score is empty, not 0.00
        arch = self._arch("res.partner", "list", self.salesman_1)
        [score] = arch.xpath("//field[@name='grading_score']")
        self.assertIn("parent_id", score.get("invisible", ""))
        self.assertIn("grading_date", score.get("invisible", ""))
        form = self._arch("res.partner", "form", self.salesman_1)
        [through] = form.xpath("//div[@name='grading_through_company']")
        self.assertEqual(through.get("invisible"), "not parent_id")
        self.assertTrue(through.xpath(".//field[@name='commercial_partner_id']"))

    def test_manual_values_say_when_they_count(self):
        cron = self.env.ref("customer_grading.ir_cron_grade_quarter")
        cron.write({"nextcall": datetime(2027, 1, 1, 12, 0), "active": True})
        customer = self.customer.with_user(self.salesman_1)
        self.assertEqual(customer.grading_next_run_date, date(2027, 1, 1))
        cron.active = False
        customer.invalidate_recordset(["grading_next_run_date"])
        self.assertFalse(customer.grading_next_run_date)
        form = self._arch("res.partner", "form", self.salesman_1)
        [note] = form.xpath("//div[@name='grading_values_when']")
        self.assertIn("next grading run", "".join(note.itertext()))
        self.assertTrue(note.xpath(".//field[@name='grading_next_run_date']"))
        # re-grading at once is a grading manager's
        self.assertFalse(form.xpath("//button[@name='action_grading_regrade']"))
        self.assertNotIn("Re-grade Now", "".join(note.itertext()))
        form = self._arch("res.partner", "form", self.manager)
        [button] = form.xpath("//button[@name='action_grading_regrade']")
        self.assertEqual(button.get("string"), "Re-grade Now")

    def test_regrade_now_with_review_waits_for_the_reviewer(self):
        self._use_manual_scheme({"only": 100})
        self.company.grading_review_required = True
        self._value(self.customer, self.company.grading_scheme_id.indicator_ids, 90)
        self.customer.with_user(self.manager).action_grading_regrade()
        run = self.env["customer.grading.run"].search([("partner_ids", "in", self.customer.ids)])
        self.assertEqual(run.state, "review")
        self.assertEqual(self._result(run, self.customer).level_id.code, "A")
        self.assertFalse(self.customer.grading_level_id)  # published once approved

    def test_stale_value_says_why(self):
        with freeze_time("2026-01-10"):
            old = self._value(self.customer, "new_business", 40)
        with freeze_time("2026-04-20"):
            self.assertTrue(old.is_stale)
            self.assertEqual(
                old.stale_reason,
                f"Last updated {format_date(self.env, date(2026, 1, 10))}; review every 90 days",
            )
        with freeze_time("2026-02-01"):
            old.invalidate_recordset(["is_stale", "stale_reason"])
            self.assertFalse(old.stale_reason)
        arch = self._arch("res.partner", "form", self.salesman_1)
        self.assertTrue(
            arch.xpath("//field[@name='grading_value_ids']//field[@name='stale_reason']")
        )

    def test_breakdown_unit_column_has_a_header(self):
        arch = self._arch("customer.grading.result.line", "list", self.salesman_1)
        [unit] = arch.xpath("//field[@name='unit']")
        self.assertEqual(unit.get("string"), "Unit")

    # --- scheme and settings ---------------------------------------------

    def test_grade_colours_are_shown_as_colours(self):
        arch = self._arch("customer.grading.level", "list", self.admin)
        [color] = arch.xpath("//field[@name='color']")
        self.assertEqual(color.get("widget"), "badge")
        self.assertEqual(color.get("decoration-success"), "color == 'success'")
        form = self._arch("customer.grading.level", "form", self.admin)
        [color] = form.xpath("//field[@name='color']")
        self.assertEqual(color.get("decoration-danger"), "color == 'danger'")
        scheme = self._arch("customer.grading.scheme", "form", self.admin)
        [color] = scheme.xpath("//field[@name='level_ids']//field[@name='color']")
        self.assertEqual(color.get("decoration-warning"), "color == 'warning'")

    def test_settings_numbers_have_units_and_the_scheme_fits(self):
        # Settings are opened by an administrator who is also a grading administrator
        arch = self._arch("res.config.settings", "form", self.env.ref("base.user_admin"))

        def unit(fname):
            [field] = arch.xpath(f"//field[@name='{fname}']")
            following = field.getnext()
            text = (field.tail or "").strip()
            if not text and following is not None and following.tag == "span":
                text = following.text.strip()
            return text

        self.assertEqual(unit("grading_period_months"), "months")
        self.assertEqual(unit("grading_stale_after_days"), "days")
        self.assertEqual(unit("grading_appeal_days"), "days")
        self.assertEqual(unit("grading_appeal_decision_days"), "days")
        self.assertEqual(unit("grading_elimination_periods"), "periods in a row")
        self.assertEqual(unit("grading_visit_max_days_ahead"), "days")
        for fname in (
            "grading_target_satisfaction",
            "grading_target_churn_reduction",
            "grading_target_spend_growth",
        ):
            self.assertEqual(unit(fname), "%")
        self.assertEqual(unit("grading_batch_size"), "customers per batch")
        [scheme] = arch.xpath("//field[@name='grading_scheme_id']")
        self.assertIn("w-100", scheme.get("class", ""))

    # --- languages --------------------------------------------------------

    def test_indicator_unit_is_translated(self):
        self._zh_cn()
        indicator = self.indicators["purchase_frequency"]
        indicator.update_field_translations("unit", {"zh_CN": "单"})
        self.assertEqual(indicator.with_context(lang="en_US").unit, "orders")
        self.assertEqual(indicator.with_context(lang="zh_CN").unit, "单")
        self.assertEqual(indicator.with_context(lang="zh_CN")._format_value(3), "3 单")

    def test_grade_change_read_in_the_readers_language(self):
        self._use_manual_scheme({"only": 100})
        indicator = self.company.grading_scheme_id.indicator_ids
        value = self._value(self.customer, indicator, 90)
        self._run(self.customer, date_to=date(2026, 6, 30)).action_apply()
        value.value = 60
        run = self._run(self.customer)
        run.action_apply()
        self.assertEqual(self.customer.grading_level_id.code, "C")
        result = self._result(run, self.customer)
        message = result.message_ids[:1]
        self.assertFalse(message.body)  # no sentence in the publisher's language
        trackings = {t.field_id.name: t for t in message.sudo().tracking_value_ids}
        self.assertEqual(
            (trackings["level_id"].old_value_char, trackings["level_id"].new_value_char),
            ("A", "C"),
        )
        self.assertEqual(
            (trackings["score"].old_value_float, trackings["score"].new_value_float), (90, 60)
        )
        self._zh_cn()
        zh = self.env["customer.grading.result"].with_context(lang="zh_CN")
        label = zh.fields_get(["level_id"])["level_id"]["string"]
        self.assertNotEqual(label, "Grade")
        formatted = (
            message.sudo().tracking_value_ids.with_context(lang="zh_CN")._tracking_value_format()
        )
        self.assertIn(label, [line["changedField"] for line in formatted])

    def test_new_manual_value_noted_as_tracking_values(self):
        Value = self.env["customer.grading.value"].with_context(
            tracking_disable=False, mail_notrack=False, mail_create_nolog=False
        )  # the test base disables tracking and creation notes
        value = Value.with_user(self.salesman_1).create(
            {
                "partner_id": self.customer.id,
                "indicator_id": self.indicators["new_business"].id,
                "value": 60,
                "date": DATE_TO,
            }
        )
        [message] = value.sudo().message_ids
        self.assertFalse(message.body)  # not "… created" in the author's language
        self.assertEqual(message.author_id, self.salesman_1.partner_id)
        trackings = {t.field_id.name: t for t in message.tracking_value_ids}
        self.assertEqual(trackings["value"].new_value_float, 60)
        self.assertEqual(trackings["indicator_id"].new_value_integer, value.indicator_id.id)
        self.assertIn("date", trackings)

    def test_list_headers_fit(self):
        # number columns are narrow (Odoo gives a float 93 px, an integer 71 px):
        # those with a longer header get a width
        arch = self._arch("customer.grading.level", "list", self.admin)
        for fname in (
            "min_score",
            "visit_frequency_signed",
            "visit_frequency_potential",
            "demotion_periods",
        ):
            [field] = arch.xpath(f"//field[@name='{fname}']")
            self.assertTrue(field.get("width"), fname)
        scheme = self._arch("customer.grading.scheme", "form", self.admin)
        [min_score] = scheme.xpath("//field[@name='level_ids']//field[@name='min_score']")
        self.assertTrue(min_score.get("width"))
        partners = self._arch("res.partner", "list", self.salesman_1)
        [score] = partners.xpath("//field[@name='grading_score']")
        self.assertTrue(score.get("width"))
