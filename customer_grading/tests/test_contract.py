from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.translate import code_translations

from ..models import customer_grading_contract_reminder as contract_reminder
from .common import GradingCase

MANAGER = "base.group_user,customer_grading.group_customer_grading_manager"
# Queries of a night that reminds two salespeople, and of one that finds
# their lists unchanged, whatever the number of customers.
REMIND_QUERIES = 26
REFRESH_QUERIES = 14


class ContractCase(GradingCase):
    """Standard grades: A and B require a contract and a key-account manager,
    C recommends a contract, D requires neither."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Contract = cls.env["customer.grading.contract"]
        cls.Reminder = cls.env["customer.grading.contract.reminder"]
        cls.contract_missing = cls.env.ref("customer_grading.mail_activity_type_contract_missing")
        cls.alpha = cls._customer("Alpha Machinery", user=cls.salesman_1)
        cls.beta = cls._customer("Beta Tools", user=cls.salesman_2)
        cls.gamma = cls._customer("Gamma Trading", user=cls.salesman_1)
        cls.delta = cls._customer("Delta Retail", user=cls.salesman_1)
        for partner, code in ((cls.alpha, "A"), (cls.beta, "B"), (cls.gamma, "C")):
            cls._grade(partner, code)
        cls._grade(cls.delta, "D")

    @classmethod
    def _grade(cls, partner, code, company=None):
        partner.sudo().with_company(company or cls.company).grading_level_id = (
            cls.levels[code] if code else False
        )

    def _contract(self, partner, user=None, sign=True, company=None, **values):
        Contract = self.Contract.with_user(user or partner.user_id or self.manager)
        if company:
            Contract = Contract.with_company(company)
        contract = Contract.create(
            {
                "name": f"CT-{partner.name}",
                "partner_id": partner.id,
                "date_start": date(2026, 1, 1),
                **values,
            }
        )
        if sign:
            contract.action_sign()
        return contract

    def _missing(self, company=None, user=None):
        Partner = self.env["res.partner"].with_user(user or self.manager)
        if company:
            Partner = Partner.with_company(company)
        return Partner.search([("grading_contract_missing", "=", True)])

    def _reminder_activities(self, company=None):
        reminders = self.Reminder.search([("company_id", "=", (company or self.company).id)])
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", self.Reminder._name),
                ("res_id", "in", reminders.ids),
                ("activity_type_id", "=", self.contract_missing.id),
            ]
        )


@tagged("post_install", "-at_install")
@freeze_time("2026-11-20 10:00:00")
class TestContract(ContractCase):
    def test_contract_missing_follows_the_contracts(self):
        alpha = self.alpha.with_user(self.salesman_1)
        self.assertTrue(alpha.grading_contract_missing)
        # C only recommends a contract, D requires none
        self.assertFalse(self.gamma.with_user(self.salesman_1).grading_contract_missing)
        self.assertEqual(self._missing(), self.alpha | self.beta)
        contract = self._contract(self.alpha, sign=False)
        alpha.invalidate_recordset()
        self.assertTrue(alpha.grading_contract_missing, "a draft is not in force")
        contract.action_sign()
        self.assertEqual(contract.state, "signed")
        self.assertEqual(contract.signed_date, date(2026, 11, 20))
        self.assertTrue(contract.is_in_force)
        alpha.invalidate_recordset()
        self.assertFalse(alpha.grading_contract_missing)
        self.assertEqual(self._missing(), self.beta)
        not_missing = self.env["res.partner"].search(
            [
                ("id", "in", (self.alpha | self.beta | self.gamma).ids),
                ("grading_contract_missing", "=", False),
            ]
        )
        self.assertEqual(not_missing, self.alpha | self.gamma)
        self.assertEqual(
            self.Contract.search([("is_in_force", "=", True), ("partner_id", "=", self.alpha.id)]),
            contract,
        )

    def test_contract_that_ended_is_missing_again(self):
        contract = self._contract(self.alpha, date_end=date(2026, 12, 31))
        self.assertNotIn(self.alpha, self._missing())
        with freeze_time("2027-01-01 10:00:00"):
            # no longer in force as soon as it ended, before the nightly action
            self.assertFalse(contract.is_in_force)
            self.assertIn(self.alpha, self._missing())
            self.Reminder._cron_check_contracts()
        self.assertEqual(contract.state, "expired")

    def test_future_and_cancelled_contracts_are_not_in_force(self):
        future = self._contract(self.alpha, date_start=date(2027, 1, 1))
        self.assertFalse(future.is_in_force)
        self.assertIn(self.alpha, self._missing())
        current = self._contract(self.alpha)
        self.assertNotIn(self.alpha, self._missing())
        current.action_cancel()
        self.assertEqual(current.state, "cancelled")
        self.assertIn(self.alpha, self._missing())

    def test_contract_refusals(self):
        with self.assertRefused(ValidationError, "cannot end before it starts"):
            self._contract(self.alpha, date_end=date(2025, 12, 31))
        ended = self._contract(self.alpha, sign=False, date_end=date(2026, 6, 30))
        with self.assertRefused(UserError, "ended on"):
            ended.action_sign()
        signed = self._contract(self.alpha)
        with self.assertRefused(UserError, "Only a draft or cancelled contract can be deleted"):
            signed.unlink()
        with self.assertRefused(UserError, "Only a draft contract can be signed"):
            signed.action_sign()

    def test_contract_of_a_contact_is_the_companys(self):
        buyer = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.alpha.id})
        contract = self._contract(buyer, user=self.salesman_1)
        self.assertEqual(contract.partner_id, self.alpha)
        self.assertEqual(contract.user_id, self.salesman_1)
        self.assertEqual(contract.company_id, self.company)

    def test_key_account_manager_missing(self):
        nobody = self._customer("Nobody's")
        self._grade(nobody, "A")
        portal = new_test_user(self.env, login="cg_portal", groups="base.group_portal")
        with_portal = self._customer("Portal's", user=portal)
        self._grade(with_portal, "B")
        unmanaged_c = self._customer("Nobody's C")
        self._grade(unmanaged_c, "C")  # C requires no key-account manager
        Partner = self.env["res.partner"].with_user(self.manager)
        flagged = Partner.search([("grading_kam_missing", "=", True)])
        self.assertEqual(flagged, nobody | with_portal)
        self.assertTrue(nobody.with_user(self.manager).grading_kam_missing)
        self.assertFalse(self.alpha.with_user(self.manager).grading_kam_missing)
        # an archived salesperson is no key-account manager
        self.salesman_2.action_archive()
        flagged = Partner.search([("grading_kam_missing", "=", True)])
        self.assertEqual(flagged, nobody | with_portal | self.beta)
        self.assertTrue(self.beta.with_user(self.manager).grading_kam_missing)
        self.assertIn(
            self.alpha,
            Partner.search([("grading_kam_missing", "=", False)]),
        )
        self.assertNotIn(self.beta, Partner.search([("grading_kam_missing", "=", False)]))

    def test_two_companies(self):
        other = self.setup_other_company(name="Contracts Co 2")["company"]
        other.grading_scheme_id = self.scheme
        # graded A here and D there; B there
        self._grade(self.alpha, "D", company=other)
        self._grade(self.gamma, "B", company=other)
        self.assertEqual(self._missing(company=other, user=self.env.user), self.gamma)
        # a contract signed there does not count here
        self._contract(self.alpha, user=self.env.user, company=other)
        self._contract(self.gamma, user=self.env.user, company=other)
        self.assertFalse(self._missing(company=other, user=self.env.user))
        self.assertEqual(self._missing(), self.alpha | self.beta)
        self.assertTrue(self.alpha.grading_contract_missing)
        self.assertFalse(self.gamma.with_company(other).grading_contract_missing)
        # a salesperson of this company only is no key-account manager there
        self.assertTrue(self.gamma.with_company(other).grading_kam_missing)
        self.assertFalse(self.gamma.grading_kam_missing)

    def test_filters_and_lists(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.res_partner_action_contract_missing"
        )
        self.assertIn("search_default_filter_contract_missing", action["context"])
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.res_partner_action_kam_missing"
        )
        self.assertIn("search_default_filter_kam_missing", action["context"])
        arch = self.env["res.partner"].get_view(view_type="search")["arch"]
        self.assertIn('name="filter_contract_missing"', arch)
        self.assertIn('name="filter_kam_missing"', arch)
        with self.assertRefused(UserError, "Unsupported search on missing contracts"):
            self.env["res.partner"].search([("grading_contract_missing", "in", [True])])

    def test_smart_button(self):
        self._contract(self.alpha)
        self._contract(self.alpha, sign=False, name="CT-2027")
        alpha = self.alpha.with_user(self.salesman_1)
        self.assertEqual(alpha.grading_contract_count, 2)
        action = alpha.action_grading_view_contracts()
        self.assertEqual(self.Contract.search(action["domain"]).partner_id, self.alpha)
        self.assertEqual(action["context"]["default_partner_id"], self.alpha.id)

    def test_form(self):
        with Form(self.Contract.with_user(self.salesman_1)) as form:
            form.name = "CT-0001"
            form.partner_id = self.alpha
            self.assertEqual(form.user_id, self.salesman_1)
            form.date_end = date(2027, 12, 31)
        contract = form.save()
        self.assertEqual((contract.state, contract.date_start), ("draft", date(2026, 11, 20)))


@tagged("post_install", "-at_install")
@freeze_time("2026-11-20 10:00:00")
class TestContractRights(ContractCase):
    def test_salesperson_handles_own_customers_contracts(self):
        mine = self._contract(self.alpha, user=self.salesman_1)
        theirs = self._contract(self.beta, user=self.salesman_2)
        Contract = self.Contract.with_user(self.salesman_1)
        self.assertEqual(Contract.search([]), mine)
        with self.assertRefused(AccessError, "."):
            theirs.with_user(self.salesman_1).read(["name"])
        with self.assertRefused(AccessError, "."):
            self._contract(self.beta, user=self.salesman_1)
        # yet the flag is the same for everyone: another's contract counts
        self.assertFalse(self.beta.with_user(self.salesman_1).grading_contract_missing)
        self.assertNotIn(self.beta, self._missing(user=self.salesman_1))
        mine.with_user(self.salesman_1).write({"note": "Renewal in 2027"})
        self.assertEqual(Contract.with_user(self.manager).search([]), mine | theirs)

    def test_other_company_manager_sees_nothing(self):
        other = self.setup_other_company(name="Contracts Co 3")["company"]
        other_manager = new_test_user(
            self.env,
            login="cg_contract_other_manager",
            groups=MANAGER,
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        contract = self._contract(self.alpha)
        self.assertFalse(self.Contract.with_user(other_manager).search([]))
        with self.assertRefused(AccessError, "."):
            contract.with_user(other_manager).read(["name"])

    def test_reminders_are_their_assignees(self):
        self.Reminder._cron_check_contracts()
        reminders = self.Reminder.search([])
        self.assertEqual(reminders.user_id, self.salesman_1 | self.salesman_2)
        mine = self.Reminder.with_user(self.salesman_1).search([])
        self.assertEqual(mine.user_id, self.salesman_1)
        self.assertEqual(mine.partner_ids, self.alpha)
        self.assertEqual(self.Reminder.with_user(self.manager).search([]), reminders)
        with self.assertRefused(AccessError, "."):
            mine.with_user(self.salesman_1).write({"partner_ids": [Command.clear()]})


@tagged("post_install", "-at_install")
class TestContractReminders(ContractCase):
    def test_one_activity_per_salesperson_and_month(self):
        alpha_2 = self._customer("Alpha Two", user=self.salesman_1)
        self._grade(alpha_2, "B")
        with freeze_time("2026-11-20 05:00:00"):
            self.Reminder._cron_check_contracts()
            self.Reminder._cron_check_contracts()  # not again while one is open
        activities = self._reminder_activities()
        self.assertEqual(len(activities), 2)
        mine = activities.filtered(lambda activity: activity.user_id == self.salesman_1)
        self.assertIn("Alpha Machinery", mine.note)
        self.assertIn("Alpha Two", mine.note)
        self.assertNotIn("Beta Tools", mine.note)
        self.assertEqual(mine.summary, "2 customers without a contract in force")
        self.assertEqual(mine.date_deadline, date(2026, 11, 30))
        reminder = self.Reminder.browse(mine.res_id)
        self.assertEqual(reminder.partner_ids, self.alpha | alpha_2)
        self.assertEqual(reminder.company_id, self.company)

    def test_long_list_named_in_part(self):
        """The note names the first customers; the reminder lists them all."""
        alpha_2 = self._customer("Alpha Two", user=self.salesman_1)
        self._grade(alpha_2, "B")
        with (
            patch(f"{contract_reminder.__name__}.NAMES_IN_NOTE", 1),
            freeze_time("2026-11-20 05:00:00"),
        ):
            self.Reminder._cron_check_contracts()
        mine = self._reminder_activities().filtered(
            lambda activity: activity.user_id == self.salesman_1
        )
        self.assertIn("Alpha Machinery", mine.note)
        self.assertNotIn("Alpha Two", mine.note)
        self.assertIn("… and 1 more: see the list.", mine.note)
        self.assertEqual(mine.summary, "2 customers without a contract in force")
        self.assertEqual(self.Reminder.browse(mine.res_id).partner_ids, self.alpha | alpha_2)
        # done this month: none again before next month, though still missing
        mine.with_user(self.salesman_1).action_feedback(feedback="Calling them")
        with freeze_time("2026-11-25 05:00:00"):
            self.Reminder._cron_check_contracts()
        self.assertFalse(
            self._reminder_activities().filtered(lambda a: a.user_id == self.salesman_1)
        )
        with freeze_time("2026-12-01 05:00:00"):
            self.Reminder._cron_check_contracts()
        mine = self._reminder_activities().filtered(lambda a: a.user_id == self.salesman_1)
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine.date_deadline, date(2026, 12, 31))

    def test_activity_refreshed_then_closed(self):
        alpha_2 = self._customer("Alpha Two", user=self.salesman_1)
        self._grade(alpha_2, "B")
        with freeze_time("2026-11-20 05:00:00"):
            self.Reminder._cron_check_contracts()
            activity = self._reminder_activities().filtered(lambda a: a.user_id == self.salesman_1)
            # signing one contract shortens the list at once
            self._contract(self.alpha)
            self.assertTrue(activity.exists())
            self.assertNotIn("Alpha Machinery", activity.note)
            self.assertEqual(activity.summary, "1 customer without a contract in force")
            self.assertEqual(self.Reminder.browse(activity.res_id).partner_ids, alpha_2)
            # the last one closes it
            self._contract(alpha_2)
            self.assertFalse(activity.exists())
            self.Reminder._cron_check_contracts()
        self.assertFalse(
            self._reminder_activities().filtered(lambda a: a.user_id == self.salesman_1)
        )
        # the grade changed: nothing missing any more, closed by the next night
        with freeze_time("2026-11-20 05:00:00"):
            other = self._reminder_activities()
            self.assertEqual(other.user_id, self.salesman_2)
            self._grade(self.beta, "D")
            self.Reminder._cron_check_contracts()
        self.assertFalse(self._reminder_activities())

    def test_unavailable_salesperson_goes_to_the_grading_manager(self):
        self.env["crm.team"].create(
            {
                "name": "Contracts Team",
                "user_id": self.manager.id,
                "member_ids": [Command.set((self.salesman_1 | self.salesman_2).ids)],
            }
        )
        nobody = self._customer("Nobody's")
        self._grade(nobody, "A")
        # salesman 2 leaves the company: their team leader stands in
        elsewhere = self.setup_other_company(name="Elsewhere Co")["company"]
        self.salesman_2.write(
            {"company_ids": [Command.set(elsewhere.ids)], "company_id": elsewhere.id}
        )
        with freeze_time("2026-11-20 05:00:00"):
            self.Reminder._cron_check_contracts()
        activities = self._reminder_activities()
        leader = activities.filtered(lambda a: a.user_id == self.manager)
        self.assertIn("Beta Tools", leader.note)
        self.assertNotIn("Nobody", leader.note)
        # no salesperson: the company's first grading manager
        first = self.company._grading_managers()[:1]
        self.assertNotEqual(first, self.manager)
        self.assertIn("Nobody's", activities.filtered(lambda a: a.user_id == first).note)
        self.assertEqual(len(activities), 3)

    def test_activity_in_the_salespersons_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.salesman_1.lang = "zh_CN"
        # the Chinese of the summary, as the translation files will give it
        key = ("customer_grading", "zh_CN")
        translations = {
            **code_translations.get_python_translations(*key),
            "%(count)s customer without a contract in force": "%(count)s 位客户没有有效合同",
        }
        with (
            patch.dict(code_translations.python_translations, {key: translations}),
            freeze_time("2026-11-20 05:00:00"),
        ):
            self.Reminder.with_context(lang="en_US")._cron_check_contracts()
        activities = self._reminder_activities()
        mine = activities.filtered(lambda a: a.user_id == self.salesman_1)
        self.assertEqual(mine.summary, "1 位客户没有有效合同")
        theirs = activities.filtered(lambda a: a.user_id == self.salesman_2)
        self.assertEqual(theirs.summary, "1 customer without a contract in force")

    def test_queries_do_not_grow_with_customers(self):
        def count_queries():
            """Queries of a night that reminds both salespeople afresh, and of
            one that finds their lists as they are (a signed contract shortened
            them at once)."""
            self.Reminder.sudo().search([]).unlink()
            self.Reminder._refresh(self.company)  # warm-up: a first night fills the caches
            self.Reminder.sudo().search([]).unlink()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Reminder._refresh(self.company)
            first = self.env.cr.sql_log_count - before
            self.assertEqual(len(self._reminder_activities()), 2)
            self._contract(self.alpha, sign=False).action_sign()
            self._contract(self.beta, sign=False).action_sign()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Reminder._refresh(self.company)
            return first, self.env.cr.sql_log_count - before

        with freeze_time("2026-11-20 05:00:00"):
            self._grade(self.gamma, "A")  # 2 customers of salesman 1, 1 of salesman 2
            few = count_queries()
            contracts = self.Contract.search([])
            contracts.action_cancel()
            contracts.unlink()
            for index in range(8):
                customer = self._customer(f"Many {index}", user=self.salesman_1)
                self._grade(customer, "A")
            many = count_queries()
            self.assertEqual(len(self.Reminder.search([]).partner_ids), 9)
        # two reminders created with their activities, then two lists shortened
        self.assertEqual(few, (REMIND_QUERIES, REFRESH_QUERIES))
        self.assertEqual(many, (REMIND_QUERIES, REFRESH_QUERIES))


@tagged("post_install", "-at_install")
@freeze_time("2026-11-20 10:00:00")
class TestRunReviewChecks(ContractCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        scheme = cls._use_manual_scheme({"M": 100})
        levels = {level.code: level for level in scheme.level_ids}
        (levels["A"] | levels["B"]).write(
            {"contract_required": "required", "key_account_required": True}
        )
        cls.company.grading_review_required = True
        cls.customers = cls.alpha | cls.beta | cls.gamma | cls.delta
        for partner, score in zip(cls.customers, (90, 75, 72, 40), strict=True):
            cls._value(partner, scheme.indicator_ids, score)

    def test_review_counts_contracts_and_key_account_managers(self):
        self._contract(self.beta)  # B with a contract
        self.gamma.user_id = False  # graded B by the run, without a salesperson
        run = self._run(self.customers, date_to=date(2026, 9, 30), user=self.manager)
        run.action_submit_review()
        run = run.with_user(self.manager)
        # alpha (A) and gamma (B) lack a contract; gamma a key-account manager
        self.assertEqual((run.contract_missing_count, run.kam_missing_count), (2, 1))
        action = run.action_view_contract_missing()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), self.alpha | self.gamma)
        action = run.action_view_kam_missing()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), self.gamma)
        # one grouped query per check, whatever the number of results
        run.invalidate_recordset(["contract_missing_count", "kam_missing_count"])
        with self.assertQueryCount(2):
            self.assertEqual(run.kam_missing_count, 1)
        # a salesperson reading the run sees the same figures
        self.assertEqual(run.with_user(self.salesman_1).contract_missing_count, 2)
        self._contract(self.alpha)
        run.invalidate_recordset()
        self.assertEqual(run.contract_missing_count, 1)


@tagged("post_install", "-at_install")
@freeze_time("2026-11-20 10:00:00")
class TestContractSignsTheCustomer(ContractCase):
    def test_contract_in_force_counts_as_signed_for_visits(self):
        alpha = self.alpha.with_user(self.salesman_1)
        self.assertEqual(alpha.grading_visits_required, 2)  # A, potential customer
        contract = self._contract(self.alpha)
        alpha.invalidate_recordset()
        self.assertEqual(alpha.grading_visits_required, 4)  # A, signed customer
        row = self.env["customer.grading.visit.compliance"].search(
            [("partner_id", "=", self.alpha.id)]
        )
        self.assertTrue(row.is_signed)
        contract.action_cancel()
        alpha.invalidate_recordset()
        self.assertEqual(alpha.grading_visits_required, 2)
        self.assertFalse(row.is_signed)
