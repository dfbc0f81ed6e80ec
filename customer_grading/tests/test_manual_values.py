from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import GradingCase


@tagged("post_install", "-at_install")
class TestManualValues(GradingCase):
    """Manual indicators: entry, range, levels, audit trail and staleness."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Assessed Ltd", user=cls.salesman_1)

    def test_value_out_of_range_refused(self):
        with self.assertRefused(ValidationError, "outside the allowed range"):
            self._value(self.customer, "new_business", 120)
        with self.assertRefused(ValidationError, "outside the allowed range"):
            self._value(self.customer, "new_business", -1)
        self.assertFalse(self.customer.grading_value_ids)
        value = self._value(self.customer, "new_business", 100)
        with self.assertRefused(ValidationError, "outside the allowed range"):
            value.value = 101
        self.assertEqual(value.value, 100)

    def test_levels_give_their_score(self):
        value = self._value(self.customer, "credit_rating", option="BBB")
        self.assertEqual(value.value, 70)
        with self.assertRefused(ValidationError, "Choose one of the levels"):
            self._value(self.customer, "industry_prospects")
        foreign = self.indicators["industry_prospects"].option_ids[:1]
        with self.assertRefused(ValidationError, "Choose one of the levels"):
            value.option_id = foreign

    def test_no_manual_value_on_automatic_indicator(self):
        with self.assertRefused(ValidationError, "computed automatically"):
            self._value(self.customer, "annual_amount", 10)

    def test_value_of_a_contact_goes_to_its_company(self):
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        value = self._value(contact, "new_business", 40)
        self.assertEqual(value.partner_id, self.customer)

    def test_one_value_per_indicator(self):
        self._value(self.customer, "new_business", 40)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._value(self.customer, "new_business", 50)
            self.env.flush_all()

    def test_defaults_and_audit_trail(self):
        Value = self.env["customer.grading.value"].with_context(
            tracking_disable=False, mail_notrack=False
        )  # the test base disables tracking
        value = Value.with_user(self.salesman_1).create(
            {
                "partner_id": self.customer.id,
                "indicator_id": self.indicators["new_business"].id,
                "value": 60,
            }
        )
        self.assertEqual(value.user_id, self.salesman_1)
        self.assertEqual(value.date, date.today())
        self.env.cr.precommit.run()  # tracking is written when the transaction ends
        value.with_user(self.salesman_1).value = 75
        self.env.cr.precommit.run()
        tracked = value.sudo().message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "value"
        )
        self.assertEqual((tracked.old_value_float, tracked.new_value_float), (60, 75))
        self.assertEqual(tracked.mail_message_id.author_id, self.salesman_1.partner_id)
        # the value's chatter is the audit trail: the customer's chatter, read by
        # every employee of every company, says nothing of it
        bodies = " ".join(self.customer.sudo().message_ids.mapped("body"))
        self.assertNotIn("New-business", bodies)
        self.assertNotIn("75", bodies)

    def test_entry_from_the_customer_form(self):
        with (
            Form(self.customer.with_user(self.salesman_1)) as form,
            form.grading_value_ids.new() as line,
        ):
            line.indicator_id = self.indicators["industry_prospects"]
            line.option_id = self.indicators["industry_prospects"].option_ids.filtered(
                lambda o: o.name == "Good"
            )
            self.assertEqual(line.value, 80)
        self.assertEqual(self.customer.grading_value_ids.value, 80)

    def test_entry_from_the_list_without_contact_rights(self):
        """A salesperson who may not edit contacts gets the customer form
        read-only: the tab's button opens the customer's values in a list
        where they enter them."""
        salesman = self.salesman_1.with_user(self.salesman_1)
        self.assertFalse(salesman.env.user.has_group("base.group_partner_manager"))
        self.assertFalse(self.customer.with_user(self.salesman_1).has_access("write"))
        action = self.customer.with_user(self.salesman_1).action_grading_edit_values()
        self.assertEqual(action["res_model"], "customer.grading.value")
        values = self.env["customer.grading.value"].with_user(self.salesman_1)
        self.assertFalse(values.search(action["domain"]))
        with Form(values.with_context(**action["context"])) as form:
            form.indicator_id = self.indicators["new_business"]
            form.value = 60
        self.assertEqual(values.search(action["domain"]).value, 60)
        self.assertEqual(self.customer.grading_value_ids.user_id, self.salesman_1)

    def test_stale_values(self):
        with freeze_time("2026-01-10"):
            old = self._value(self.customer, "new_business", 40)
        fresh_customer = self._customer("Fresh Ltd")
        with freeze_time("2026-04-01"):
            self._value(fresh_customer, "new_business", 40)
        with freeze_time("2026-04-20"):
            self.assertTrue(old.is_stale)  # 100 days > 90
            Value = self.env["customer.grading.value"]
            self.assertEqual(Value.search([("is_stale", "=", True)]), old)
            self.assertIn(fresh_customer, Value.search([("is_stale", "=", False)]).partner_id)
            Partner = self.env["res.partner"]
            stale_partners = Partner.search([("grading_has_stale_values", "=", True)])
            self.assertEqual(stale_partners, self.customer)
            self.assertTrue(self.customer.grading_has_stale_values)
            self.assertFalse(fresh_customer.grading_has_stale_values)
            self.company.grading_stale_after_days = 120
            self.assertFalse(Value.search([("is_stale", "=", True)]))
