from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import GradingCase

MANAGER = "base.group_user,customer_grading.group_customer_grading_manager"

# the cron's queries for one batch, whatever its size (5 or 20 complaints)
ESCALATION_QUERIES = 38


class ComplaintCase(GradingCase):
    """Customers of two salespeople, a sales team led by the grading manager,
    and the shipped complaint categories."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Complaint = cls.env["customer.grading.complaint"]
        cls.env["crm.team"].create(
            {
                "name": "Complaints Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, (cls.salesman_1 | cls.salesman_2).ids)],
            }
        )
        cls.customer = cls._customer("Complaining Bearings", user=cls.salesman_1)
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Li Na", "parent_id": cls.customer.id, "function": "Buyer"}
        )
        cls.other_customer = cls._customer("Quiet Gears", user=cls.salesman_2)
        cls.delivery = cls.env.ref("customer_grading.complaint_category_delivery")  # 3 + 3
        cls.quality = cls.env.ref("customer_grading.complaint_category_product_quality")  # 10 + 5
        cls.overdue_type = cls.env.ref("customer_grading.mail_activity_type_complaint_overdue")
        cls.escalated_type = cls.env.ref("customer_grading.mail_activity_type_complaint_escalated")

    def _complaint(self, user=None, partner=None, received="2026-11-10", **values):
        Complaint = self.Complaint.with_user(user or self.salesman_1)
        return Complaint.create(
            {
                "partner_id": (partner or self.customer).id,
                "category_id": self.delivery.id,
                "description": "Half of the order arrived a week late.",
                "date_received": received,
                **values,
            }
        )

    def _flush_tracking(self):
        """Write the tracking values now, as the end of the transaction would."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _activities(self, complaints, activity_type):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", self.Complaint._name),
                ("res_id", "in", complaints.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-11-12 10:00:00")
class TestComplaint(ComplaintCase):
    def test_shipped_categories(self):
        categories = self.env["customer.grading.complaint.category"].search(
            [("company_id", "=", False)]
        )
        self.assertEqual(
            categories.mapped("name"),
            ["Product Quality", "Delivery", "Service", "Billing", "Other"],
        )

    def test_deadline_by_category(self):
        with Form(self.Complaint.with_user(self.salesman_1)) as form:
            form.partner_id = self.customer
            form.category_id = self.delivery
            form.description = "Wrong pallets delivered."
            form.date_received = date(2026, 11, 10)
            self.assertEqual(form.date_deadline, date(2026, 11, 13))
            form.category_id = self.quality
            self.assertEqual(form.date_deadline, date(2026, 11, 20))
            # the customer's salesperson is responsible by default
            self.assertEqual(form.user_id, self.salesman_1)
        complaint = form.record
        self.assertRegex(complaint.name, r"^CMP/2026/\d{4}$")
        self.assertEqual(complaint.date_escalation, date(2026, 11, 25))
        self.assertEqual(complaint.state, "received")
        # the due date can be moved by hand; the escalation date follows it
        complaint.date_deadline = date(2026, 11, 30)
        self.assertEqual(complaint.date_escalation, date(2026, 12, 5))
        self.assertFalse(complaint.is_overdue)

    def test_contact_stands_for_its_customer(self):
        complaint = self._complaint(partner=self.buyer)
        self.assertEqual((complaint.partner_id, complaint.contact_id), (self.customer, self.buyer))
        with self.assertRefused(ValidationError, "is not a contact of the customer"):
            complaint.contact_id = self.other_customer

    def test_state_transitions(self):
        complaint = self._complaint().with_context(tracking_disable=False, mail_notrack=False)
        complaint.action_start()
        self._flush_tracking()
        self.assertEqual(complaint.state, "in_progress")
        with self.assertRefused(ValidationError, "Describe how the complaint .* was resolved"):
            complaint.action_resolve()
        self.assertEqual((complaint.state, complaint.date_resolved), ("in_progress", False))

        complaint.resolution = "Missing half shipped by express; freight refunded."
        complaint.action_resolve()
        self._flush_tracking()
        self.assertEqual(
            (complaint.state, complaint.date_resolved), ("resolved", date(2026, 11, 12))
        )

        with self.assertRefused(ValidationError, "The customer has not confirmed the resolution"):
            complaint.action_close()
        self.assertEqual(complaint.state, "resolved")
        complaint.customer_confirmed = True
        self.assertEqual(complaint.date_confirmed, date(2026, 11, 12))
        complaint.action_close()
        self._flush_tracking()
        self.assertEqual(complaint.state, "closed")
        tracked = complaint.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual(
            set(tracked.mapped("new_value_char")) & {"Resolved", "Closed"}, {"Resolved", "Closed"}
        )

    def test_state_refusals(self):
        complaint = self._complaint()
        with self.assertRefused(UserError, "Only a resolved complaint can be closed"):
            complaint.action_close()
        with self.assertRefused(UserError, "changes state with its buttons"):
            complaint.write({"state": "closed"})
        with self.assertRefused(UserError, "changes state with its buttons"):
            self._complaint(state="closed")
        self.assertEqual(complaint.state, "received")
        complaint.write({"resolution": "Apologised, credit note issued."})
        complaint.action_resolve()
        with self.assertRefused(UserError, "Only a received complaint can be started"):
            complaint.action_start()
        complaint.customer_confirmed = True
        complaint.action_reopen()
        self.assertEqual(
            (complaint.state, complaint.date_resolved, complaint.customer_confirmed),
            ("in_progress", False, False),
        )

    def test_overdue_search(self):
        late = self._complaint(received="2026-11-01")  # due 11-04
        on_time = self._complaint(received="2026-11-10")  # due 11-13
        resolved = self._complaint(received="2026-11-01", resolution="Done.")
        resolved.action_resolve()
        self.assertEqual(
            (late.is_overdue, on_time.is_overdue, resolved.is_overdue), (True, False, False)
        )
        mine = late | on_time | resolved
        self.assertEqual(
            self.Complaint.search([("id", "in", mine.ids), ("is_overdue", "=", True)]), late
        )
        self.assertEqual(
            self.Complaint.search([("id", "in", mine.ids), ("is_overdue", "=", False)]),
            on_time | resolved,
        )

    def test_counts_on_customer(self):
        self._complaint(received="2026-11-01")  # overdue
        self._complaint(received="2026-11-10")
        resolved = self._complaint(received="2026-11-01", resolution="Done.")
        resolved.action_resolve()
        self._complaint(partner=self.other_customer, user=self.salesman_2)
        customer = self.customer.with_user(self.salesman_1)
        self.assertEqual(
            (customer.grading_complaint_open_count, customer.grading_complaint_overdue_count),
            (2, 1),
        )
        # a contact shows its company's complaints
        self.assertEqual(self.buyer.with_user(self.salesman_1).grading_complaint_open_count, 2)
        # another salesperson counts only the complaints they may open
        self.assertEqual(self.customer.with_user(self.salesman_2).grading_complaint_open_count, 0)
        action = customer.action_grading_view_complaints()
        self.assertEqual(
            sorted(
                self.Complaint.with_user(self.salesman_1).search(action["domain"]).mapped("state")
            ),
            ["received", "received", "resolved"],
        )

    def test_counts_in_one_query(self):
        """One grouped query for the counts, whatever the number of customers."""
        customers = self.customer | self.other_customer
        for index in range(10):
            customers |= self._customer(f"Counted {index}", user=self.salesman_1)
        for customer in customers:
            self._complaint(partner=customer, user=self.manager, received="2026-11-01")
        customers.with_user(self.manager).mapped("grading_complaint_open_count")  # warm-up
        for some in (customers[:2], customers):
            self.env.invalidate_all()
            partners = some.with_user(self.manager)
            partners.mapped("commercial_partner_id")
            with self.assertQueryCount(4):  # the counts, the customers, the companies' time zone
                counts = partners.mapped("grading_complaint_overdue_count")
            self.assertEqual(counts, [1] * len(partners))


@tagged("post_install", "-at_install")
class TestComplaintEscalation(ComplaintCase):
    def test_escalation_once(self):
        with freeze_time("2026-11-10 10:00:00"):
            complaint = self._complaint(received="2026-11-10")  # due 11-13, escalated after 11-16
        with freeze_time("2026-11-13 10:00:00"):  # due today: not overdue yet
            self.Complaint._cron_escalate()
            self.assertFalse(complaint.activity_ids)
        with freeze_time("2026-11-14 10:00:00"):
            self.Complaint._cron_escalate()
            overdue = self._activities(complaint, self.overdue_type)
            self.assertEqual(
                (overdue.user_id, overdue.date_deadline), (self.salesman_1, date(2026, 11, 14))
            )
            self.assertIn(complaint.name, str(overdue.note))
            self.assertFalse(self._activities(complaint, self.escalated_type))
        with freeze_time("2026-11-15 10:00:00"):  # the next day: nothing new
            self.Complaint._cron_escalate()
            self.assertEqual(self._activities(complaint, self.overdue_type), overdue)
        with freeze_time("2026-11-17 10:00:00"):
            self.Complaint._cron_escalate()
            self.Complaint._cron_escalate()
            escalated = self._activities(complaint, self.escalated_type)
            # the leader of the salesperson's team
            self.assertEqual(escalated.user_id, self.manager)
            self.assertEqual(len(complaint.activity_ids), 2)
        with freeze_time("2026-11-18 10:00:00"):
            complaint.with_user(self.salesman_1).write({"resolution": "Re-delivered."})
            complaint.with_user(self.salesman_1).action_resolve()
            self.assertFalse(complaint.activity_ids)
            self.Complaint._cron_escalate()
            self.assertFalse(complaint.activity_ids)

    def test_new_deadline_reminds_again(self):
        with freeze_time("2026-11-10 10:00:00"):
            complaint = self._complaint(received="2026-11-10")
        with freeze_time("2026-11-14 10:00:00"):
            self.Complaint._cron_escalate()
            complaint.activity_ids.action_feedback()
            complaint.with_user(self.salesman_1).date_deadline = date(2026, 11, 20)
            self.Complaint._cron_escalate()
            self.assertFalse(complaint.activity_ids)
        with freeze_time("2026-11-21 10:00:00"):
            self.Complaint._cron_escalate()
            self.assertEqual(
                self._activities(complaint, self.overdue_type).user_id, self.salesman_1
            )

    def test_escalation_never_to_the_responsible(self):
        """The team leader handles the complaint: another grading manager of
        the company hears of it."""
        with freeze_time("2026-11-10 10:00:00"):
            complaint = self._complaint(received="2026-11-10", user_id=self.manager.id)
        with freeze_time("2026-11-17 10:00:00"):
            self.Complaint._cron_escalate()
        self.assertEqual(self._activities(complaint, self.overdue_type).user_id, self.manager)
        escalated = self._activities(complaint, self.escalated_type).user_id
        self.assertEqual(len(escalated), 1)
        self.assertNotEqual(escalated, self.manager)
        self.assertIn(escalated, self.company._grading_managers())

    def test_escalation_per_company(self):
        """A customer shared by two companies: the second company's complaint
        goes to that company's manager (the salesperson and their team leader
        work in the first company only), whichever company runs the action."""
        other = self.setup_other_company(name="Complaints Co 2")["company"]
        other_manager = new_test_user(
            self.env,
            login="cg_complaint_other_manager",
            name="Second Co Manager",
            groups=MANAGER,
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        with freeze_time("2026-11-01 10:00:00"):
            here = self._complaint(received="2026-11-01")
            there = (
                self.Complaint.with_company(other)
                .sudo()
                .create(
                    {
                        "partner_id": self.customer.id,
                        "company_id": other.id,
                        "category_id": self.delivery.id,
                        "description": "Damaged crates.",
                        "user_id": self.salesman_1.id,
                    }
                )
            )
        with freeze_time("2026-11-20 10:00:00"):
            self.Complaint.with_company(other)._cron_escalate()
        self.assertEqual(self._activities(here, self.overdue_type).user_id, self.salesman_1)
        self.assertEqual(self._activities(here, self.escalated_type).user_id, self.manager)
        # the salesperson and their team leader do not work there: the company's manager
        reminded = self._activities(there, self.overdue_type).user_id
        escalated = self._activities(there, self.escalated_type).user_id
        self.assertEqual(reminded, escalated)
        self.assertIn(reminded, other._grading_managers())
        self.assertNotIn(reminded, self.manager | self.salesman_1)
        self.assertTrue(there.with_user(reminded).has_access("write"))
        # the first company's users do not see the second company's complaint
        with self.assertRaises(AccessError):
            there.with_user(self.salesman_1).check_access("read")
        self.assertTrue(there.with_user(other_manager).has_access("read"))
        self.assertTrue(here.with_user(self.salesman_1).has_access("write"))

    def test_escalation_budget(self):
        """The action's queries do not grow with the number of complaints."""
        customers = [
            self._customer(f"Customer {index}", user=self.salesman_1) for index in range(20)
        ]
        with freeze_time("2026-11-01 10:00:00"):
            self._complaint(partner=customers[0])
        with freeze_time("2026-11-20 10:00:00"):
            self.Complaint._cron_escalate()  # warm-up: caches of the registry and types
        for count in (5, 20):
            with freeze_time("2026-11-01 10:00:00"):
                complaints = self.Complaint
                for customer in customers[:count]:
                    complaints |= self._complaint(partner=customer)
            self.env.invalidate_all()
            with freeze_time("2026-11-20 10:00:00"), self.assertQueryCount(ESCALATION_QUERIES):
                self.Complaint._cron_escalate()
            self.assertEqual(len(self._activities(complaints, self.overdue_type)), count)
            self.assertEqual(len(self._activities(complaints, self.escalated_type)), count)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-12 10:00:00")
class TestComplaintRights(ComplaintCase):
    def test_salesperson_sees_their_customers_and_responsibilities(self):
        complaint = self._complaint()
        with self.assertRaises(AccessError):
            complaint.with_user(self.salesman_2).check_access("read")
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            complaint.with_user(self.salesman_2).write({"description": "Changed."})
        # made responsible for it, the other salesperson reads and handles it
        complaint.user_id = self.salesman_2
        complaint.with_user(self.salesman_2).action_start()
        self.assertEqual(complaint.state, "in_progress")
        # no deletion for salespeople; managers may
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            complaint.with_user(self.salesman_1).unlink()
        self.assertTrue(complaint.with_user(self.manager).has_access("write"))

    def test_salesperson_cannot_file_for_another_customer(self):
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self._complaint(user=self.salesman_2, partner=self.customer)

    def test_other_company(self):
        other = self.setup_other_company(name="Complaints Co 3")["company"]
        self.salesman_1.company_ids |= other
        there = self.Complaint.create(
            {
                "partner_id": self.customer.id,
                "company_id": other.id,
                "category_id": self.delivery.id,
                "description": "Damaged crates.",
            }
        )
        # the user's companies in the context decide: only the first one here
        with self.assertRaises(AccessError):
            there.with_user(self.salesman_1).with_context(
                allowed_company_ids=self.company.ids
            ).check_access("read")
        outsider = new_test_user(
            self.env,
            login="cg_complaint_outsider",
            groups=MANAGER,
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        with self.assertRaises(AccessError):
            there.with_user(outsider).check_access("read")

    def test_categories_configured_by_administrators(self):
        Category = self.env["customer.grading.complaint.category"]
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Category.with_user(self.manager).create({"name": "Packaging"})
        category = Category.with_user(self.admin).create(
            {"name": "Packaging", "deadline_days": 2, "escalation_days": 1}
        )
        self.assertEqual(category.company_id, self.company)
        with self.assertRefused(ValidationError, "escalated 1 day or more"):
            category.escalation_days = 0


@tagged("post_install", "-at_install")
class TestComplaintMeasure(ComplaintCase):
    def test_complaints_received_in_the_period(self):
        """An automatic indicator may count the complaints received in the
        period, in the run's company, contacts rolled up to their customer."""
        Measure = self.env["customer.grading.measure"]
        for received in ("2025-09-30", "2025-10-01", "2026-09-30", "2026-10-01"):
            self._complaint(received=received, user=self.manager)
        self._complaint(partner=self.buyer, received="2026-03-01", user=self.manager)
        values, active = Measure._measure(
            self.company,
            [self.customer.id, self.other_customer.id],
            date(2025, 10, 1),
            date(2026, 9, 30),
            0.0,
            {"complaints"},
        )
        self.assertEqual(values["complaints"], {self.customer.id: 3, self.other_customer.id: 0})
        self.assertFalse(active)  # complaints alone do not make a customer active
        # not measured unless an indicator uses it
        values, _active = Measure._measure(
            self.company, [self.customer.id], date(2025, 10, 1), date(2026, 9, 30), 0.0, set()
        )
        self.assertEqual(values["complaints"], {})  # not measured
        indicator = self.env["customer.grading.indicator"].with_user(self.admin)
        self.assertIn("complaints", dict(indicator._fields["measure"].selection))
