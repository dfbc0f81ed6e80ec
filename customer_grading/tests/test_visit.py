from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import GradingCase


class VisitCase(GradingCase):
    """Customers graded A, a sales team led by the manager, and visit helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Visit = cls.env["customer.grading.visit"]
        cls.env["crm.team"].create(
            {
                "name": "Visits Team",
                "user_id": cls.manager.id,
                "member_ids": [(6, 0, (cls.salesman_1 | cls.salesman_2).ids)],
            }
        )
        cls.customer = cls._customer(
            "Visited Machinery", user=cls.salesman_1, street="1 Harbour Road", city="Ningbo"
        )
        cls.buyer = cls.env["res.partner"].create(
            {
                "name": "Wang Fang",
                "parent_id": cls.customer.id,
                "function": "Purchasing Manager",
                "phone": "+86 574 5555 0101",
            }
        )
        cls._grade(cls.customer, "A")

    @classmethod
    def _grade(cls, partner, code, signed=False, company=None):
        partner = partner.sudo().with_company(company or cls.company)
        partner.write(
            {
                "grading_level_id": cls.levels[code].id if code else False,
                "is_signed_customer": signed,
            }
        )

    def _visit(self, user=None, partner=None, when="2026-11-10 09:00:00", **values):
        Visit = self.Visit.with_user(user or self.salesman_1)
        return Visit.create(
            {"partner_id": (partner or self.customer).id, "visit_date": when, **values}
        )

    def _done(self, user=None, partner=None, when="2026-11-10 09:00:00", **values):
        visit = self._visit(user=user, partner=partner, when=when, **values)
        visit.action_done()
        return visit


@tagged("post_install", "-at_install")
@freeze_time("2026-11-20 10:00:00")
class TestVisit(VisitCase):
    def _xmlid(self, record):
        return record.export_data(["id"]).get("datas")[0][0]

    def test_record_holds_the_paper_form(self):
        visit = self._visit(
            partner=self.buyer,  # a contact: the visit is the company's
            attendee_ids=[(6, 0, self.buyer.ids)],
            colleague_ids=[(6, 0, self.salesman_2.ids)],
            planned_content="Logistics needs for 2027",
            needs_support=True,
            support_department="Finance",
        )
        self.assertEqual(visit.partner_id, self.customer)
        self.assertEqual(visit.user_id, self.salesman_1)
        self.assertEqual(visit.company_id, self.company)
        self.assertEqual(visit.state, "planned")
        self.assertEqual(visit.visit_type, "on_site")
        self.assertIn("1 Harbour Road", visit.address)
        self.assertEqual(visit.grading_level_id, self.levels["A"])
        self.assertEqual(visit.attendee_ids.function, "Purchasing Manager")
        # the grade at the time of the visit stays when the customer's grade changes
        self._grade(self.customer, "C")
        visit.invalidate_recordset()
        self.assertEqual(visit.grading_level_id, self.levels["A"])

    def test_attendees_belong_to_the_customer(self):
        stranger = self._customer("Other Customer", user=self.salesman_1)
        with self.assertRefused(ValidationError, "do not belong to Visited Machinery"):
            self._visit(attendee_ids=[(6, 0, stranger.ids)])

    def test_plan_a_visit_from_the_customer(self):
        action = self.customer.with_user(self.salesman_1).action_grading_plan_visit()
        form = Form(self.Visit.with_user(self.salesman_1).with_context(**action["context"]))
        form.visit_date = datetime(2026, 11, 25, 9, 0)
        visit = form.save()
        self.assertEqual((visit.partner_id, visit.user_id), (self.customer, self.salesman_1))
        self.assertIn("Ningbo", visit.address)
        self.assertTrue(visit.planned_content)
        customer = self.customer.with_user(self.salesman_1)
        self.assertEqual(customer.grading_visit_count, 1)
        self.assertFalse(customer.grading_last_visit_date)  # planned only
        self.assertEqual(customer.action_grading_view_visits()["domain"][0][2], self.customer.id)

    def test_done_then_approved(self):
        visit = self._visit(actual_content="Agreed on a trial shipment.")
        visit.action_done()
        self.assertEqual(visit.state, "done")
        approval = visit.activity_ids
        self.assertEqual(approval.user_id, self.manager)  # the team leader
        self.assertEqual(self.customer.with_user(self.salesman_1).grading_last_visit_date.day, 10)
        visit.with_user(self.manager).action_approve()
        self.assertEqual(visit.state, "approved")
        self.assertEqual(
            (visit.approver_id, str(visit.date_approved)), (self.manager, "2026-11-20")
        )
        self.assertFalse(visit.activity_ids)

    def test_done_early_takes_today(self):
        visit = self._visit(when="2026-11-27 09:00:00")
        visit.action_done()
        self.assertEqual(str(visit.visit_date), "2026-11-20 10:00:00")

    def test_back_to_planned(self):
        visit = self._done()
        visit.action_reset_to_planned()
        self.assertEqual(visit.state, "planned")
        self.assertFalse(visit.activity_ids)

    def test_overdue(self):
        late = self._visit(when="2026-11-18 09:00:00")
        coming = self._visit(when="2026-11-24 09:00:00")
        done = self._done(when="2026-11-17 09:00:00")
        self.assertEqual(
            (late.is_overdue, coming.is_overdue, done.is_overdue), (True, False, False)
        )
        found = self.Visit.search(
            [("is_overdue", "=", True), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(found, late)
        self.assertEqual(
            self.Visit.search([("is_overdue", "=", False), ("partner_id", "=", self.customer.id)]),
            coming | done,
        )

    def test_form_without_a_date_yet(self):
        with Form(self.Visit.with_user(self.salesman_1)) as form:
            form.partner_id = self.customer
            form.visit_date = False
            self.assertFalse(form.is_overdue)
            form.visit_date = "2026-11-21 09:00:00"
        dated, undated = self.Visit.new({"visit_date": "2026-11-21 09:00:00"}), self.Visit.new()
        (dated | undated).mapped("receivable_review_line_id")  # computed together
        self.assertFalse(undated.receivable_review_line_id)

    def test_approval_goes_to_a_grading_manager(self):
        """A team leader who may not approve is passed over for the company's
        first grading manager; nobody is asked to approve their own visit."""
        plain_leader = new_test_user(self.env, login="cg_plain_leader", groups="base.group_user")
        salesman_3 = new_test_user(
            self.env, login="cg_sales_3", groups="sales_team.group_sale_salesman"
        )
        self.env["crm.team"].create(
            {"name": "North", "user_id": plain_leader.id, "member_ids": [(6, 0, salesman_3.ids)]}
        )
        customer = self._customer("Northern Mills", user=salesman_3)
        visit = self._done(user=salesman_3, partner=customer)
        first_manager = self.company._grading_managers()[:1]
        self.assertTrue(first_manager._has_group("customer_grading.group_customer_grading_manager"))
        self.assertEqual(visit.activity_ids.user_id, first_manager)
        own = self._done(user=first_manager, partner=customer)
        self.assertTrue(own.activity_ids)
        self.assertNotIn(first_manager, own.activity_ids.user_id)
        # the leader visits a customer of their team: another grading manager approves
        new_test_user(
            self.env, login="cg_manager_2", groups="customer_grading.group_customer_grading_manager"
        )
        leaders_own = self._done(user=self.manager)
        other_manager = (self.company._grading_managers() - self.manager)[:1]
        self.assertTrue(other_manager)
        self.assertEqual(leaders_own.activity_ids.user_id, other_manager)

    # --- refusals ----------------------------------------------------------------

    def test_state_moves_with_the_buttons_only(self):
        with self.assertRefused(UserError, "with its buttons only"):
            self._visit(state="done")
        visit = self._visit()
        with self.assertRefused(UserError, "with its buttons only"):
            visit.write({"state": "done"})
        self.assertEqual(visit.state, "planned")
        own = self._done(user=self.manager)
        with self.assertRefused(UserError, "with its buttons only"):
            own.with_user(self.manager).write({"state": "approved"})
        self.assertEqual((own.state, own.approver_id), ("done", self.env["res.users"]))

    def test_managers_import_past_visits(self):
        header = [
            "partner_id/id",
            "visit_date",
            "state",
            "approver_id/id",
            "date_approved",
            "user_id/id",
        ]
        partner, manager = self._xmlid(self.customer), self._xmlid(self.manager)
        salesman_1, salesman_2 = self._xmlid(self.salesman_1), self._xmlid(self.salesman_2)
        rows = [
            [partner, "2026-10-02 09:00:00", "done", "", "", salesman_1],
            [partner, "2026-10-09 09:00:00", "approved", manager, "2026-10-12", salesman_1],
        ]
        as_salesperson = self.Visit.with_user(self.salesman_1).load(header, rows)
        self.assertFalse(as_salesperson["ids"])
        self.assertIn("with its buttons only", as_salesperson["messages"][0]["message"])
        imported = self.Visit.with_user(self.manager).load(header, rows)
        self.assertEqual(len(imported["ids"]), 2, imported["messages"])
        visits = self.Visit.browse(imported["ids"])
        self.assertEqual(visits.mapped("state"), ["done", "approved"])
        self.assertEqual(visits[1].approver_id, self.manager)
        self.assertEqual(visits[0].activity_ids.user_id, self.manager)  # to approve
        # exported and imported again with the same status: nothing refused
        visits[0].with_user(self.salesman_1).write({"state": "done", "note": "re-imported"})
        self.assertEqual(visits[0].note, "re-imported")
        # an approved visit names when and by which other grading manager
        for row in (
            [partner, "2026-10-16 09:00:00", "approved", "", "2026-10-17", salesman_1],
            [partner, "2026-10-16 09:00:00", "approved", manager, "", salesman_1],
            [partner, "2026-10-16 09:00:00", "approved", manager, "2026-12-01", salesman_1],
            [partner, "2026-10-16 09:00:00", "approved", salesman_2, "2026-10-17", salesman_1],
            [partner, "2026-10-16 09:00:00", "approved", manager, "2026-10-17", manager],
            [partner, "2026-10-16 09:00:00", "done", manager, "2026-10-17", salesman_1],
        ):
            refused = self.Visit.with_user(self.manager).load(header, [row])
            self.assertFalse(refused["ids"], row)
            self.assertIn("Nobody creates their own", refused["messages"][0]["message"])
        # and nobody creates their own visit approved
        manager_2 = new_test_user(
            self.env, login="cg_manager_2", groups="customer_grading.group_customer_grading_manager"
        )
        own = [
            partner,
            "2026-10-16 09:00:00",
            "approved",
            self._xmlid(manager_2),
            "2026-10-17",
            manager,
        ]
        refused = self.Visit.with_user(self.manager).load(header, [own])
        self.assertFalse(refused["ids"])

    def test_mark_done_from_the_list(self):
        visits = self._visit(when="2026-11-18 09:00:00") | self._visit(when="2026-11-19 09:00:00")
        action = self.env.ref("customer_grading.customer_grading_visit_action_mark_done")

        def run(user, records):
            action.with_user(user).with_context(
                active_model=records._name, active_ids=records.ids
            ).run()

        run(self.salesman_1, visits)
        self.assertEqual(visits.mapped("state"), ["done", "done"])
        stranger = self._customer("Somebody Else's", user=self.salesman_2)
        accompanied = self._visit(
            user=self.salesman_2, partner=stranger, colleague_ids=[(6, 0, self.salesman_1.ids)]
        )
        with self.assertRaises(AccessError):
            run(self.salesman_1, accompanied)
        self.assertEqual(accompanied.state, "planned")

    def test_done_visit_keeps_what_took_place(self):
        visit = self._done(when="2026-10-20 09:00:00")
        for vals in (
            {"visit_date": "2026-11-18 09:00:00"},
            {"visit_type": "phone"},
            {"partner_id": self._customer("Elsewhere", user=self.salesman_1).id},
        ):
            with self.assertRefused(UserError, "put the visit back to planned"):
                visit.write(vals)
        self.assertEqual(str(visit.visit_date), "2026-10-20 09:00:00")
        self.assertEqual(self.customer.with_user(self.salesman_1).grading_visits_done, 0)
        visit.write({"actual_content": "Also met their CFO."})  # the account stays editable
        visit.with_user(self.manager).write({"visit_date": "2026-10-21 09:00:00"})
        self.assertEqual(visit.visit_day.day, 21)

    def test_never_done_in_the_future(self):
        visit = self._visit(when="2026-11-25 09:00:00")
        with self.assertRefused(ValidationError, "cannot be done before its date"):
            visit.sudo().write({"state": "done"})
        self.assertEqual(visit.state, "planned")

    def test_horizon_not_negative(self):
        with self.assertRefused(ValidationError, "0 days ahead"):
            self.company.grading_visit_max_days_ahead = -1
        self.company.grading_visit_max_days_ahead = 0  # no limit
        self.assertTrue(self._visit(when="2027-11-20 09:00:00"))

    def test_customer_and_date_required(self):
        with self.assertRefused(ValidationError, "A visit needs a customer"):
            self.Visit.with_user(self.salesman_1).create({"visit_date": "2026-11-21 09:00:00"})
        with self.assertRefused(ValidationError, "A visit needs a date"):
            self.Visit.with_user(self.salesman_1).create(
                {"partner_id": self.customer.id, "visit_date": False}
            )
        visit = self._visit()
        with self.assertRefused(ValidationError, "A visit needs a customer"):
            visit.write({"partner_id": False})
        # without a date given, the visit is for now
        visit = self.Visit.with_user(self.salesman_1).create({"partner_id": self.customer.id})
        self.assertEqual(str(visit.visit_date), "2026-11-20 10:00:00")

    def test_not_too_far_ahead(self):
        self.company.grading_visit_max_days_ahead = 30
        with self.assertRefused(ValidationError, "more than 30 days ahead"):
            self._visit(when="2026-12-22 09:00:00")
        self.assertTrue(self._visit(when="2026-12-19 09:00:00"))
        self.assertFalse(self.Visit.search([("visit_date", ">", "2026-12-20")]))

    def test_salesperson_cannot_approve(self):
        visit = self._done(user=self.salesman_2)
        with self.assertRefused(AccessError, "Only a grading manager approves visits"):
            visit.with_user(self.salesman_1).action_approve()
        with self.assertRefused(AccessError, "Only a grading manager approves visits"):
            visit.with_user(self.salesman_2).write({"approver_id": self.salesman_2.id})
        self.assertEqual(visit.state, "done")

    def test_nobody_approves_their_own_visit(self):
        visit = self._done(user=self.manager)
        with self.assertRefused(UserError, "cannot approve your own visit"):
            visit.with_user(self.manager).action_approve()
        self.assertEqual(visit.state, "done")

    def test_transitions_in_order(self):
        visit = self._visit()
        with self.assertRefused(UserError, "Only a done visit can be approved"):
            visit.with_user(self.manager).action_approve()
        visit.action_done()
        with self.assertRefused(UserError, "Only a planned visit can be marked done"):
            visit.action_done()
        with self.assertRefused(UserError, "Only a planned visit can be deleted"):
            visit.unlink()
        visit.with_user(self.manager).action_approve()
        with self.assertRefused(UserError, "goes back to planned"):
            visit.action_reset_to_planned()
        with self.assertRefused(UserError, "approved visit can only be changed by a manager"):
            visit.with_user(self.salesman_1).write({"note": "changed afterwards"})
        self.assertFalse(visit.note)

    def test_planned_visit_deleted(self):
        visit = self._visit()
        visit.unlink()
        self.assertFalse(visit.exists())

    # --- rights ------------------------------------------------------------------

    def test_salesperson_sees_own_visits_and_customers(self):
        other_customer = self._customer("Somebody Else's", user=self.salesman_2)
        own = self._visit()
        colleague_on_mine = self._visit(user=self.salesman_2)  # salesman 2 visits my customer
        theirs = self._visit(user=self.salesman_2, partner=other_customer)
        visible = self.Visit.with_user(self.salesman_1).search([])
        self.assertEqual(visible, own | colleague_on_mine)
        # the smart button counts the visits the user may open
        self.assertEqual(self.customer.with_user(self.salesman_1).grading_visit_count, 2)
        self.assertEqual(self.customer.with_user(self.salesman_2).grading_visit_count, 1)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_1).read(["actual_content"])
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_1).write({"note": "not mine"})
        with self.assertRaises(AccessError):
            self._visit(user=self.salesman_1, partner=other_customer, user_id=self.salesman_2.id)
        self.assertEqual(
            self.Visit.with_user(self.manager).search([]), own | colleague_on_mine | theirs
        )

    def test_accompanying_colleague_reads_only(self):
        stranger = self._customer("Somebody Else's", user=self.salesman_2)
        visit = self._visit(
            user=self.salesman_2, partner=stranger, colleague_ids=[(6, 0, self.salesman_1.ids)]
        )
        as_colleague = visit.with_user(self.salesman_1)
        self.assertIn(visit, self.Visit.with_user(self.salesman_1).search([]))
        self.assertFalse(as_colleague.user_can_edit)  # the form hides the buttons
        self.assertTrue(visit.with_user(self.salesman_2).user_can_edit)
        self.assertEqual(as_colleague.read(["partner_id"])[0]["partner_id"][0], stranger.id)
        with self.assertRaises(AccessError):
            as_colleague.write({"note": "not mine"})
        with self.assertRaises(AccessError):
            as_colleague.action_done()
        self.assertEqual(visit.state, "planned")

    def test_customer_visit_figures_follow_the_rules(self):
        self._done(when="2026-11-12 09:00:00")
        as_owner = self.customer.with_user(self.salesman_1)
        self.assertEqual((as_owner.grading_visits_done, as_owner.grading_visits_required), (1, 2))
        self.assertEqual(as_owner.grading_last_visit_date.day, 12)
        self.assertTrue(as_owner.grading_visit_figures_visible)
        as_other = self.customer.with_user(self.salesman_2)
        self.assertFalse(as_other.grading_visit_figures_visible)
        self.assertEqual((as_other.grading_visits_done, as_other.grading_visits_required), (0, 0))
        self.assertFalse(as_other.grading_last_visit_date)
        self.assertFalse(as_other.grading_visit_behind)
        self.assertEqual(self.customer.with_user(self.manager).grading_visits_done, 1)
        # computed on the form's unsaved copy of the customer
        unsaved = as_owner.new(origin=self.customer)
        self.assertEqual((unsaved.grading_visits_done, unsaved.grading_visits_required), (1, 2))

    def test_other_company_visits_hidden(self):
        other = self.setup_other_company()["company"]
        self.manager.company_ids = [(4, other.id)]
        visit = self.Visit.with_company(other).create(
            {"partner_id": self.customer.id, "visit_date": "2026-11-10 09:00:00"}
        )
        self.assertEqual(visit.company_id, other)
        as_manager = self.Visit.with_user(self.manager)
        self.assertNotIn(
            visit, as_manager.with_context(allowed_company_ids=self.company.ids).search([])
        )
        self.assertIn(visit, as_manager.with_context(allowed_company_ids=other.ids).search([]))
        self.assertNotIn(visit, self.Visit.with_user(self.salesman_1).search([]))
