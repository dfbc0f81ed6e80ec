import ast
from datetime import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.tests import BaseCase, Form, tagged

from ..tools import periods
from .test_visit import VisitCase


class TestNextWorkingSlot(BaseCase):
    def test_next_working_day_at_nine_local(self):
        # Friday 18:00 in Shanghai: Monday 09:00 there, 01:00 UTC
        self.assertEqual(
            periods.next_working_slot(datetime(2026, 11, 20, 10, 0), "Asia/Shanghai"),
            datetime(2026, 11, 23, 1, 0),
        )
        # Monday 23:30 UTC is already Tuesday in Shanghai: Wednesday 09:00 there
        self.assertEqual(
            periods.next_working_slot(datetime(2026, 11, 23, 23, 30), "Asia/Shanghai"),
            datetime(2026, 11, 25, 1, 0),
        )
        # without a time zone, UTC
        self.assertEqual(
            periods.next_working_slot(datetime(2026, 11, 24, 8, 0), False),
            datetime(2026, 11, 25, 9, 0),
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-11-20 10:00:00")  # a Friday: 18:00 in Shanghai
class TestVisitPlanning(VisitCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman_1.tz = "Asia/Shanghai"

    def _arch(self, view_type, model="customer.grading.visit", view_ref=None):
        Model = self.env[model].with_user(self.salesman_1)
        view_id = view_ref and self.env.ref(view_ref).id
        views = Model.get_views([(view_id, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_plan_a_visit_defaults_to_the_next_working_day(self):
        action = self.customer.with_user(self.salesman_1).action_grading_plan_visit()
        form = Form(self.Visit.with_user(self.salesman_1).with_context(**action["context"]))
        # Monday 09:00 in the salesperson's time zone
        self.assertEqual(form.visit_date, datetime(2026, 11, 23, 1, 0))
        self.assertFalse(form.is_overdue)
        visit = form.save()
        self.assertEqual((visit.state, visit.is_overdue), ("planned", False))

    def test_plan_a_visit_within_the_horizon(self):
        """A company that plans one day ahead at most: the next working day
        is too far on a Friday, the visit is for now, and not overdue."""
        self.company.grading_visit_max_days_ahead = 1
        action = self.customer.with_user(self.salesman_1).action_grading_plan_visit()
        visit = Form(self.Visit.with_user(self.salesman_1).with_context(**action["context"])).save()
        self.assertEqual(visit.visit_date, datetime(2026, 11, 20, 10, 0))
        self.assertFalse(visit.is_overdue)

    def test_recorded_visit_is_for_now_and_not_overdue(self):
        with freeze_time("2026-11-20 10:00:00") as frozen:
            form = Form(self.Visit.with_user(self.salesman_1))
            form.partner_id = self.customer
            self.assertEqual(form.visit_date, datetime(2026, 11, 20, 10, 0))
            visit = form.save()
            frozen.tick(300)  # five minutes to write the record down
            visit.invalidate_recordset(["is_overdue"])
            self.assertFalse(visit.is_overdue)
            self.assertFalse(self.Visit.search([("is_overdue", "=", True), ("id", "=", visit.id)]))
            visit.action_done()
            self.assertEqual(visit.state, "done")
            self.assertFalse(visit.is_overdue)

    def test_overdue_once_its_day_has_passed(self):
        this_morning = self._visit(when="2026-11-20 01:00:00")  # 09:00 in Shanghai
        yesterday = self._visit(when="2026-11-19 09:00:00")
        Visit = self.Visit.with_user(self.salesman_1)
        self.assertEqual((this_morning.is_overdue, yesterday.is_overdue), (False, True))
        self.assertEqual(
            Visit.search([("is_overdue", "=", True), ("partner_id", "=", self.customer.id)]),
            yesterday,
        )
        self.assertEqual(
            Visit.search([("is_overdue", "=", False), ("partner_id", "=", self.customer.id)]),
            this_morning,
        )

    def test_display_name_in_the_users_date_format(self):
        visit = self._visit(when="2026-11-23 17:00:00")  # already the 24th in Shanghai
        self.assertEqual(
            visit.with_user(self.salesman_1).display_name, "Visit to Visited Machinery – 11/24/2026"
        )
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertEqual(
            visit.with_user(self.salesman_1).with_context(lang="fr_FR").display_name,
            "Visit to Visited Machinery – 24/11/2026",
        )

    def test_times_without_seconds(self):
        for view_type in ("list", "form", "kanban"):
            fields = self._arch(view_type).xpath("//field[@name='visit_date']")
            self.assertTrue(fields, view_type)
            for field in fields:
                options = ast.literal_eval(field.get("options") or "{}")
                self.assertIs(options.get("show_seconds"), False, view_type)

    def test_attendees_picked_from_a_plain_contact_list(self):
        form = self._arch("form")
        [attendees] = form.xpath("//field[@name='attendee_ids']")
        context = attendees.get("context")
        self.assertIn("'list_view_ref': 'customer_grading.res_partner_view_list_contact'", context)
        picker = self._arch(
            "list", model="res.partner", view_ref="customer_grading.res_partner_view_list_contact"
        )
        columns = {field.get("name") for field in picker.xpath("//field")}
        self.assertIn("function", columns)
        self.assertFalse(
            columns & {"grading_level_id", "grading_score", "grading_blacklist_reason"}, columns
        )

    def test_printed_time_without_seconds(self):
        visit = self._visit(when="2026-11-19 01:30:00")  # 09:30 in Shanghai
        Report = self.env["ir.actions.report"].with_user(self.salesman_1)
        html = Report._render_qweb_html(
            "customer_grading.action_report_customer_grading_visit", visit.ids
        )[0].decode()
        self.assertIn("11/19/2026 09:30", html)
        self.assertNotIn("09:30:00", html)
