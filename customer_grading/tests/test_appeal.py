from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DATE_TO, GradingCase

MANAGER = "base.group_user,customer_grading.group_customer_grading_manager"
# The run is published on 5 October 2026: appeals are open until 20 October.
PUBLISHED = "2026-10-05 09:00:00"
LAST_DAY = "2026-10-20 18:00:00"
BUTTONS_ONLY = "decided with its buttons, and escalated by the scheduled action"


@tagged("post_install", "-at_install")
class TestAppeal(GradingCase):
    """A grading user appeals a published grade within the company's appeal
    window; a grading manager other than the appellant accepts it, which
    overrides the grade with the appeal's reason, or rejects it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_manual_scheme({"quality": 100})
        cls.scheme = cls.company.grading_scheme_id
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.indicator = cls.scheme.indicator_ids
        cls.customer = cls._customer("Appealed Buyer", user=cls.salesman_1)
        cls._value(cls.customer, cls.indicator, 60)  # C
        cls.theirs = cls._customer("Their Buyer", user=cls.salesman_2)
        cls._value(cls.theirs, cls.indicator, 60)
        # the grading manager leads salesman 1's team: appeals on their customers go to him
        cls.env["crm.team"].create(
            {
                "name": "East",
                "user_id": cls.manager.id,
                "member_ids": [Command.set(cls.salesman_1.ids)],
            }
        )
        cls.Appeal = cls.env["customer.grading.appeal"]
        cls.decide = cls.env.ref("customer_grading.mail_activity_type_appeal_decide")

    def _publish(self, date_to=DATE_TO, when=PUBLISHED, partners=None):
        with freeze_time(when):
            run = self._run(partners=partners, date_to=date_to)
            run.action_apply()
        return run

    def _appeal(
        self, run, user=None, customer=None, level="B", reason="Signed a 3-year contract", **context
    ):
        result = self._result(run, customer or self.customer)
        return (
            self.Appeal.with_user(user or self.salesman_1)
            .with_context(**context)
            .create(
                {
                    "result_id": result.id,
                    "requested_level_id": self.levels[level].id,
                    "indicator_ids": [Command.set(self.indicator.ids)],
                    "reason": reason,
                }
            )
        )

    def _submitted(self, run, user=None, **values):
        with freeze_time(LAST_DAY):
            appeal = self._appeal(run, user=user, **values)
            appeal.action_submit()
        return appeal

    def _decide(
        self, appeal, action, decision="Contract checked: the volumes are there.", user=None
    ):
        appeal = appeal.with_user(user or self.manager)
        if decision:
            appeal.decision = decision
        getattr(appeal, action)()
        return appeal

    def _activities(self, appeal):
        return self.env["mail.activity"].search(
            [("res_model", "=", self.Appeal._name), ("res_id", "=", appeal.id)]
        )

    def _notifications(self, partner, model="customer.grading.appeal"):
        # addressed to the partner alone: read as superuser
        return (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("message_type", "=", "user_notification"),
                    ("partner_ids", "in", partner.ids),
                    ("model", "=", model),
                ]
            )
        )

    # --- filing and submitting ------------------------------------------

    def test_appeal_within_window_goes_to_the_manager(self):
        run = self._publish()
        result = self._result(run, self.customer)
        with freeze_time(LAST_DAY):  # the last day of the window
            action = result.with_user(self.salesman_1).action_appeal()
            form = Form(self.Appeal.with_user(self.salesman_1).with_context(**action["context"]))
            self.assertEqual(form.result_id, result)
            self.assertEqual(form.current_level_id, self.levels["C"])
            form.requested_level_id = self.levels["B"]
            form.reason = "Signed a 3-year contract in September."
            form.indicator_ids.add(self.indicator)
            appeal = form.save()
            self.assertEqual(
                (appeal.state, appeal.user_id, appeal.partner_id, appeal.run_id, appeal.company_id),
                ("draft", self.salesman_1, self.customer, run, self.company),
            )
            appeal.action_submit()
        self.assertEqual(appeal.state, "submitted")
        self.assertEqual(
            (appeal.level_id, appeal.decided_level_id), tuple(self.levels[c] for c in "CB")
        )
        self.assertTrue(appeal.date_submitted)
        activity = self._activities(appeal)
        self.assertEqual(
            (activity.activity_type_id, activity.user_id, activity.date_deadline),
            (self.decide, self.manager, date(2026, 10, 30)),  # decided within 10 days
        )
        self.assertEqual(result.with_user(self.salesman_1).appeal_count, 1)
        # submitted: the request is what the manager decides on
        with self.assertRefused(UserError, "its request stays as it was submitted"):
            appeal.with_user(self.salesman_1).reason = "Another reason"

    def test_appeal_after_the_window_refused(self):
        run = self._publish()
        with (
            freeze_time("2026-10-21 09:00:00"),
            self.assertRefused(UserError, "appeal window of .* closed on 10/20/2026"),
        ):
            self._appeal(run)
        # a draft filed in time is submitted in time
        with freeze_time(LAST_DAY):
            appeal = self._appeal(run)
        with (
            freeze_time("2026-10-21 09:00:00"),
            self.assertRefused(UserError, "closed on 10/20/2026"),
        ):
            appeal.with_user(self.salesman_1).action_submit()

    def test_window_follows_the_company_setting(self):
        self.company.grading_appeal_days = 3
        run = self._publish()
        with (
            freeze_time("2026-10-09 09:00:00"),
            self.assertRefused(UserError, "closed on 10/08/2026"),
        ):
            self._appeal(run)

    def test_appeal_on_run_not_published_refused(self):
        run = self._run()  # computed, not published
        with self.assertRefused(UserError, "not published"):
            self._appeal(run)
        with self.assertRefused(UserError, "not published"):
            self._result(run, self.customer).with_user(self.salesman_1).action_appeal()

    def test_appeal_on_grade_no_longer_in_force_refused(self):
        first = self._publish(date_to=date(2026, 6, 30), when="2026-10-01 09:00:00")
        second = self._publish()
        with freeze_time("2026-10-06 09:00:00"):
            with self.assertRefused(UserError, f"no longer in force.*{second.display_name}"):
                self._appeal(first)
            self._appeal(second)  # the grade in force may be appealed

    def test_one_open_appeal_per_result(self):
        run = self._publish()
        with freeze_time("2026-10-06 09:00:00"):
            first = self._appeal(run)
            with self.assertRefused(ValidationError, f"already open.*{first.name}"):
                self._appeal(run, user=self.manager, level="A")
            first.action_submit()
            with self.assertRefused(ValidationError, "already open"):
                self._appeal(run, user=self.manager, level="A")
            self._decide(first, "action_reject")
            # decided: the grade may be appealed again within the window
            second = self._appeal(run, user=self.manager, level="A")
        self.assertEqual(second.state, "draft")

    def test_salesperson_appeals_only_customers_they_see(self):
        run = self._publish()
        with freeze_time("2026-10-06 09:00:00"), self.assertRaises(AccessError):
            self._appeal(run, user=self.salesman_2)

    def test_appellant_edits_and_deletes_their_draft(self):
        run = self._publish()
        with freeze_time("2026-10-06 09:00:00"):
            appeal = self._appeal(run).with_user(self.salesman_1)
            appeal.write({"reason": "Contract signed", "requested_level_id": self.levels["A"].id})
            self.assertEqual(appeal.requested_level_id, self.levels["A"])
            with self.assertRaises(AccessError):
                appeal.with_user(self.salesman_2).unlink()
            appeal.unlink()
            self.assertFalse(appeal.exists())
            submitted = self._appeal(run).with_user(self.salesman_1)
            submitted.action_submit()
            for user in (self.salesman_1, self.manager):
                with self.assertRefused(UserError, "Only a draft appeal can be deleted"):
                    submitted.with_user(user).unlink()

    def test_reason_and_another_grade_required_to_submit(self):
        run = self._publish()
        with freeze_time("2026-10-06 09:00:00"):
            appeal = self._appeal(run, reason=False).with_user(self.salesman_1)
            with self.assertRefused(UserError, "Give the reason"):
                appeal.action_submit()
            appeal.write({"reason": "Contract", "requested_level_id": self.levels["C"].id})
            with self.assertRefused(UserError, "already has grade C"):
                appeal.action_submit()

    def test_requested_grade_belongs_to_the_run_scheme(self):
        run = self._publish()
        standard = self.env.ref("customer_grading.level_a")
        with freeze_time("2026-10-06 09:00:00"):
            appeal = self._appeal(run).with_user(self.salesman_1)
            with self.assertRefused(ValidationError, "not a grade or indicator of"):
                appeal.requested_level_id = standard

    def test_state_changes_only_through_the_buttons(self):
        run = self._publish()
        with freeze_time("2026-10-06 09:00:00"):
            appeal = self._appeal(run)
        with self.assertRefused(UserError, BUTTONS_ONLY):
            appeal.with_user(self.salesman_1).state = "accepted"
        with self.assertRefused(UserError, BUTTONS_ONLY):
            appeal.with_user(self.manager).state = "submitted"
        with freeze_time("2026-10-06 09:00:00"):
            theirs = self._appeal(run, user=self.manager, customer=self.theirs)
            with self.assertRefused(UserError, BUTTONS_ONLY):
                theirs.write({"user_id": self.salesman_2.id})
            with self.assertRefused(UserError, "own name"):
                self.Appeal.with_user(self.manager).create(
                    {
                        "result_id": self._result(run, self.theirs).id,
                        "requested_level_id": self.levels["B"].id,
                        "user_id": self.salesman_2.id,
                    }
                )

    # --- deciding ---------------------------------------------------------

    def test_accept_overrides_the_grade_and_notifies_the_appellant(self):
        run = self._publish()
        # with the chatter's followers and tracking, as in use
        appeal = self._submitted(
            run, tracking_disable=False, mail_notrack=False, mail_create_nosubscribe=False
        )
        self.assertIn(self.salesman_1.partner_id, appeal.message_partner_ids)
        result = self._result(run, self.customer)
        with freeze_time("2026-10-22 09:00:00"):
            self._decide(appeal, "action_accept")
        self.assertEqual(
            (appeal.state, appeal.decided_by_id, appeal.decided_level_id),
            ("accepted", self.manager, self.levels["B"]),
        )
        self.assertEqual((result.level_id.code, result.computed_level_id.code), ("B", "C"))
        self.assertEqual(
            result.override_reason,
            f"Appeal {appeal.name} accepted: Contract checked: the volumes are there.",
        )
        self.assertEqual(result.override_user_id, self.manager)
        self.assertEqual(result.override_until, result.run_id.date_to)  # kept by a re-grading
        self.assertEqual(self.customer.grading_level_id, self.levels["B"])
        self.assertFalse(self._activities(appeal))  # done
        notification = self._notifications(self.salesman_1.partner_id)
        self.assertEqual(len(notification), 1)
        self.assertEqual(notification.res_id, appeal.id)
        self.assertIn("accepted", notification.subject)
        self.assertIn("Contract checked", notification.body)
        # once: the chatter note and the activity done notify no follower
        inbox = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("res_partner_id", "=", self.salesman_1.partner_id.id),
                    ("mail_message_id.model", "=", appeal._name),
                    ("mail_message_id.res_id", "=", appeal.id),
                ]
            )
        )
        self.assertEqual(inbox.mail_message_id, notification)
        # the decision is in the appeal's chatter
        self.assertTrue(appeal.message_ids.filtered(lambda m: "Contract checked" in (m.body or "")))

    def test_accepted_appeal_gives_the_granted_grade_policy(self):
        self.company.grading_apply_policies = True
        self.levels["B"].with_company(self.company).credit_limit = 20000
        self.levels["C"].with_company(self.company).credit_limit = 5000
        run = self._publish()
        customer = self.customer.sudo().with_company(self.company)
        self.assertEqual(customer.credit_limit, 5000)
        with freeze_time("2026-10-22 09:00:00"):
            self._decide(self._submitted(run), "action_accept")
        self.assertEqual(customer.credit_limit, 20000)
        note = self._result(run, self.customer).message_ids[0].body
        self.assertIn("Credit limit", note)

    def test_accept_with_another_grade(self):
        run = self._publish()
        appeal = self._submitted(run).with_user(self.manager)
        appeal.write(
            {"decision": "Even better than asked.", "decided_level_id": self.levels["A"].id}
        )
        appeal.action_accept()
        self.assertEqual(self._result(run, self.customer).level_id, self.levels["A"])
        self.assertEqual(self.customer.grading_level_id, self.levels["A"])
        self.assertEqual(appeal.decided_level_id, self.levels["A"])

    def test_accept_on_a_grade_no_longer_in_force_keeps_the_customer_grade(self):
        run = self._publish()
        appeal = self._submitted(run)
        # the customer is graded again before the decision
        self._publish(date_to=date(2026, 10, 15), when="2026-10-21 09:00:00")
        self._decide(appeal, "action_accept")
        self.assertEqual(self._result(run, self.customer).level_id, self.levels["B"])
        self.assertEqual(self.customer.grading_level_id, self.levels["C"])

    def test_reject_keeps_the_grade(self):
        run = self._publish()
        appeal = self._submitted(run)
        with self.assertRefused(UserError, "Write the decision"):
            self._decide(appeal, "action_reject", decision=False)
        self._decide(appeal, "action_reject", decision="The contract is not signed yet.")
        self.assertEqual((appeal.state, appeal.decided_level_id.id), ("rejected", False))
        result = self._result(run, self.customer)
        self.assertEqual((result.level_id.code, result.override_level_id.id), ("C", False))
        self.assertEqual(self.customer.grading_level_id, self.levels["C"])
        notification = self._notifications(self.salesman_1.partner_id)
        self.assertEqual(len(notification), 1)
        self.assertIn("rejected", notification.subject)
        with self.assertRefused(UserError, "only a submitted appeal"):
            self._decide(appeal, "action_accept")

    def test_salesperson_cannot_decide(self):
        run = self._publish()
        appeal = self._submitted(run).with_user(self.salesman_1)
        with self.assertRefused(AccessError, "Only a grading manager"):
            appeal.decision = "Accepted by myself"
        with self.assertRefused(AccessError, "Only a grading manager"):
            appeal.action_accept()
        with self.assertRefused(AccessError, "Only a grading manager"):
            appeal.action_reject()
        self.assertEqual(appeal.state, "submitted")

    def test_salesperson_sees_own_appeals_and_their_customers(self):
        run = self._publish()
        mine = self._submitted(run)
        theirs = self._submitted(run, user=self.manager, customer=self.theirs)
        Appeal = self.Appeal.with_user(self.salesman_1)
        self.assertEqual(Appeal.search([]), mine)
        self.assertEqual(self.Appeal.with_user(self.salesman_2).search([]), theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_1).read(["reason"])
        self.assertEqual(self.Appeal.with_user(self.manager).search([]), mine | theirs)

    def test_manager_does_not_decide_their_own_appeal(self):
        run = self._publish()
        appeal = self._submitted(run, user=self.manager)
        # asked of another grading manager of the company
        activity = self._activities(appeal)
        self.assertEqual(len(activity), 1)
        self.assertNotEqual(activity.user_id, self.manager)
        with self.assertRefused(UserError, "another grading manager decides it"):
            self._decide(appeal, "action_accept")
        self._decide(appeal, "action_accept", user=self.admin)
        self.assertEqual(appeal.decided_by_id, self.admin)

    def test_appellant_notified_in_their_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_grading"], ["zh_CN"])
        self.salesman_1.lang = "zh_CN"
        standard = self.env.ref("customer_grading.scheme_standard")
        self.company.grading_scheme_id = standard
        self._invoice(self.customer, 900.0, date(2026, 5, 10))
        run = self._publish()
        result = self._result(run, self.customer)
        wanted = next(level for level in standard.level_ids if level != result.level_id)
        with freeze_time(LAST_DAY):
            appeal = self.Appeal.with_user(self.salesman_1).create(
                {"result_id": result.id, "requested_level_id": wanted.id, "reason": "合同已签"}
            )
            appeal.action_submit()
        self._decide(appeal, "action_accept")
        chinese = wanted.with_context(lang="zh_CN").name
        self.assertNotEqual(chinese, wanted.with_context(lang="en_US").name)
        notification = self._notifications(self.salesman_1.partner_id)
        self.assertEqual(len(notification), 1)
        self.assertIn(chinese, notification.body)

    # --- escalation -------------------------------------------------------

    def test_escalated_once_after_the_decision_time(self):
        run = self._publish()
        appeal = self._submitted(run)  # 20 October, 18:00
        with freeze_time("2026-10-30 17:00:00"):
            self.Appeal._cron_escalate_appeals()
        self.assertFalse(appeal.is_escalated)
        with freeze_time("2026-10-30 18:00:00"):  # ten days
            self.Appeal._cron_escalate_appeals()
        self.assertTrue(appeal.is_escalated)
        self.assertEqual(str(appeal.date_escalated), "2026-10-30 18:00:00")
        managers = self.company._grading_managers()
        self.assertIn(self.admin, managers)
        for manager in managers:
            notification = self._notifications(manager.partner_id, model=False)
            self.assertEqual(len(notification), 1, manager.name)
            self.assertIn(appeal.name, notification.body)
        self.assertFalse(self._notifications(self.salesman_1.partner_id, model=False))
        self.assertTrue(appeal.message_ids.filtered(lambda m: "escalated" in (m.body or "")))
        # once
        with freeze_time("2026-11-05 18:00:00"):
            self.Appeal._cron_escalate_appeals()
        self.assertEqual(len(self._notifications(self.admin.partner_id, model=False)), 1)

    def test_escalation_lists_a_manager_s_appeals_in_one_notification(self):
        run = self._publish()
        appeals = self._submitted(run) | self._submitted(
            run, user=self.manager, customer=self.theirs
        )
        with freeze_time("2026-11-02 09:00:00"):
            self.Appeal._cron_escalate_appeals()
        self.assertTrue(all(appeals.mapped("is_escalated")))
        notification = self._notifications(self.admin.partner_id, model=False)
        self.assertEqual(len(notification), 1)
        for appeal in appeals:
            self.assertIn(appeal.name, notification.body)
        # the manager is not asked to decide their own appeal
        own = self._notifications(self.manager.partner_id, model=False)
        self.assertEqual(len(own), 1)
        self.assertIn(appeals[0].name, own.body)
        self.assertNotIn(appeals[1].name, own.body)

    def test_escalation_queries_do_not_grow_with_the_appeals(self):
        customers = self.customer | self.env["res.partner"].browse(
            [self._customer(f"Late Buyer {n}", user=self.salesman_1).id for n in range(4)]
        )
        for customer in customers[1:]:
            self._value(customer, self.indicator, 60)
        run = self._publish()
        counts = []
        # the first escalation fills the caches (parameters, templates, the company's managers)
        for group in (customers[:1], customers[1:2], customers[2:]):
            with freeze_time(LAST_DAY):
                for customer in group:
                    self._appeal(run, customer=customer).action_submit()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            with freeze_time("2026-11-05 09:00:00"):
                self.Appeal._cron_escalate_appeals()
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[1], counts[2], "queries for 1 appeal, then for 3")

    def test_decided_appeals_are_not_escalated(self):
        run = self._publish()
        appeal = self._submitted(run)
        self._decide(appeal, "action_reject")
        with freeze_time("2026-11-05 09:00:00"):
            self.Appeal._cron_escalate_appeals()
        self.assertFalse(appeal.is_escalated)

    # --- companies --------------------------------------------------------

    def test_appeals_stay_in_their_company(self):
        run = self._publish()
        appeal = self._submitted(run)
        other = self.setup_other_company(name="Appeals Co 2")["company"]
        other_manager = new_test_user(
            self.env,
            login="cg_other_appeal_manager",
            groups=MANAGER,
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        Appeal = self.Appeal.with_user(other_manager)
        self.assertFalse(Appeal.search([]))
        with self.assertRaises(AccessError):
            appeal.with_user(other_manager).read(["state"])
        with self.assertRaises(AccessError):
            self._decide(appeal, "action_accept", user=other_manager)
        self.assertEqual(appeal.state, "submitted")
        # the activity went to a manager of the appeal's company
        self.assertIn(self.company, self._activities(appeal).user_id.company_ids)

    def test_customer_tab_opens_an_appeal_on_the_grade_in_force(self):
        run = self._publish()
        with freeze_time("2026-10-06 09:00:00"):
            action = self.customer.with_user(self.salesman_1).action_grading_appeal()
        self.assertEqual(
            action["context"]["default_result_id"], self._result(run, self.customer).id
        )
