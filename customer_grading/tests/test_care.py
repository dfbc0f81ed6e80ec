from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import BaseCase, Form, new_test_user, tagged

from ..tools import periods
from .common import GradingCase

MANAGER = "base.group_user,customer_grading.group_customer_grading_manager"

# the care calendar's queries for one company, whatever the number of key
# persons (5 or 20)
PLAN_QUERIES = 33


class TestAnniversaries(BaseCase):
    def test_anniversaries(self):
        start, end = date(2027, 12, 28), date(2028, 1, 4)
        self.assertEqual(periods.anniversaries(date(1980, 1, 2), start, end), [date(2028, 1, 2)])
        self.assertEqual(periods.anniversaries(date(1980, 6, 2), start, end), [])
        # a 29 February is greeted on the 28th in common years
        self.assertEqual(
            periods.anniversaries(date(1980, 2, 29), date(2027, 2, 25), date(2027, 3, 1)),
            [date(2027, 2, 28)],
        )


class CareCase(GradingCase):
    """Two salespeople's customers with key persons, the shipped holidays
    (Spring Festival on 2027-02-06)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Touch = cls.env["customer.grading.care.touch"]
        cls.spring = cls.env.ref("customer_grading.care_holiday_spring_festival")
        cls.national = cls.env.ref("customer_grading.care_holiday_national_day")
        cls.customer = cls._customer("Caring Bearings", user=cls.salesman_1)
        cls.buyer = cls._key_person(cls.customer, "Li Na", birthday=date(1980, 2, 3))
        cls.other_customer = cls._customer("Quiet Gears", user=cls.salesman_2)
        cls.engineer = cls._key_person(cls.other_customer, "Wang Wei")
        cls.care_type = cls.env.ref("customer_grading.mail_activity_type_care_due")

    @classmethod
    def _key_person(cls, customer, name, birthday=False, holidays=None):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "parent_id": customer.id,
                "function": "Buyer",
                "grading_is_key_person": True,
                "grading_birthday": birthday,
                "grading_care_holiday_ids": [(6, 0, (holidays or cls.spring).ids)],
            }
        )

    def _care_activities(self, users=None):
        domain = [
            ("res_model", "=", self.Touch._name),
            ("activity_type_id", "=", self.care_type.id),
        ]
        if users:
            domain.append(("user_id", "in", users.ids))
        return self.env["mail.activity"].search(domain)


@tagged("post_install", "-at_install")
@freeze_time("2027-02-01 10:00:00")
class TestRelationshipCard(CareCase):
    def test_unchecked_cards_flagged(self):
        """A key person's card not checked within the company's review
        interval (90 days) is flagged and found by the filter."""
        Partner = self.env["res.partner"].with_user(self.salesman_1)
        self.assertTrue(self.buyer.grading_card_is_stale)  # never checked
        self.buyer.with_user(self.salesman_1).action_grading_card_checked()
        self.assertEqual(self.buyer.grading_card_checked_on, date(2027, 2, 1))
        self.assertFalse(self.buyer.grading_card_is_stale)
        self.engineer.grading_card_checked_on = date(2026, 11, 2)  # 91 days ago
        self.assertTrue(self.engineer.grading_card_is_stale)
        stale = Partner.search([("grading_card_is_stale", "=", True)])
        self.assertIn(self.engineer, stale)
        self.assertNotIn(self.buyer, stale)
        self.assertNotIn(self.customer, stale)  # not a key person
        fresh = Partner.search(
            [("grading_card_is_stale", "=", False), ("grading_is_key_person", "=", True)]
        )
        self.assertIn(self.buyer, fresh)
        self.assertNotIn(self.engineer, fresh)
        self.company.grading_stale_after_days = 100
        self.env.invalidate_all()
        self.assertFalse(self.engineer.grading_card_is_stale)

    def test_salesperson_keeps_cards_of_their_customers(self):
        """Salespeople who may not edit contacts keep the cards of their own
        customers' key persons, not those of another salesperson's."""
        self.assertFalse(self.buyer.with_user(self.salesman_1).has_access("write"))
        buyer = self.buyer.with_user(self.salesman_1)
        buyer.write(
            {
                "function": "Purchasing Director",
                "grading_birthday": "1981-03-04",
                "grading_care_holiday_ids": [(4, self.national.id)],
                "grading_care_preferences": "Green tea, no alcohol.",
            }
        )
        self.assertEqual(self.buyer.function, "Purchasing Director")
        self.assertEqual(self.buyer.grading_care_holiday_ids, self.spring | self.national)
        # a new key person among their customer's contacts
        contact = self.env["res.partner"].create(
            {"name": "Zhao Min", "parent_id": self.customer.id}
        )
        contact.with_user(self.salesman_1).grading_is_key_person = True
        self.assertTrue(contact.grading_is_key_person)
        # not the rest of the contact, which is Odoo's right to edit contacts
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            buyer.write({"grading_birthday": "1981-03-05", "email": "li@example.com"})
        # not another salesperson's customer's key person
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.engineer.with_user(self.salesman_1).write({"grading_care_preferences": "Golf"})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.engineer.with_user(self.salesman_1).action_grading_card_checked()
        # a grading manager keeps every card of their companies
        self.engineer.with_user(self.manager).write({"grading_care_preferences": "Golf"})
        self.assertEqual(self.engineer.grading_care_preferences, "Golf")

    def test_card_guarded_also_with_contact_rights(self):
        """The right to edit contacts does not open another salesperson's cards."""
        editor = new_test_user(
            self.env,
            login="cg_care_editor",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
        )
        self.assertTrue(self.engineer.with_user(editor).has_access("write"))
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.engineer.with_user(editor).write({"grading_birthday": "1990-01-01"})
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env["res.partner"].with_user(editor).create(
                {"name": "New", "parent_id": self.other_customer.id, "grading_is_key_person": True}
            )
        # the contact's other fields stay Odoo's
        self.engineer.with_user(editor).write({"email": "wang@example.com"})
        # a copy of the contact is not a key person: no card to guard
        copy = self.engineer.with_user(editor).copy()
        self.assertFalse(copy.grading_is_key_person)
        self.assertFalse(copy.grading_care_holiday_ids)

    def test_other_company_holiday_not_linked(self):
        """A salesperson links only holidays they may read."""
        other = self.setup_other_company(name="Care Co 2")["company"]
        foreign = self.env["customer.grading.care.holiday"].create(
            {"name": "Founders' Day", "company_id": other.id}
        )
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.buyer.with_user(self.salesman_1).write(
                {"grading_care_holiday_ids": [(4, foreign.id)]}
            )

    def test_key_persons_of_a_b_customers(self):
        """Key persons of customers graded A or B in the current company."""
        other = self.setup_other_company(name="Care Co AB")["company"]
        self.customer.with_company(self.company).grading_level_id = self.levels["A"]
        self.other_customer.with_company(self.company).grading_level_id = self.levels["C"]
        # graded B in the other company only
        self.other_customer.with_company(other).grading_level_id = self.levels["B"]
        action = self.env.ref("customer_grading.res_partner_action_key_person_ab")
        self.assertIn("search_default_filter_key_ab", action.context)
        domain = [
            ("grading_is_key_person", "=", True),
            ("commercial_partner_id.grading_level_id.code", "in", ("A", "B")),
        ]
        Partner = self.env["res.partner"].with_user(self.manager)
        self.assertEqual(Partner.search(domain), self.buyer)
        self.assertEqual(
            self.buyer.with_user(self.manager).grading_customer_level_id, self.levels["A"]
        )
        self.manager.company_ids |= other
        there = Partner.with_company(other).with_context(allowed_company_ids=other.ids)
        self.assertEqual(there.search(domain), self.engineer)

    def test_card_shared_customer_two_companies(self):
        """A customer shared by two companies: its salesperson keeps the card
        from either company; a manager of the second company too."""
        other = self.setup_other_company(name="Care Co Shared")["company"]
        self.salesman_1.company_ids |= other
        self.buyer.with_user(self.salesman_1).with_company(other).with_context(
            allowed_company_ids=other.ids
        ).grading_care_preferences = "Calligraphy"
        self.assertEqual(self.buyer.grading_care_preferences, "Calligraphy")
        other_manager = new_test_user(
            self.env,
            login="cg_care_other_manager",
            groups=MANAGER,
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.buyer.with_user(other_manager).grading_care_preferences = "Tea"
        self.assertEqual(self.buyer.grading_care_preferences, "Tea")

    def test_lead_days_setting(self):
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.grading_care_lead_days, 7)
        settings.grading_care_lead_days = 10
        settings.save().execute()
        self.assertEqual(self.company.grading_care_lead_days, 10)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.company.grading_care_lead_days = -1


@tagged("post_install", "-at_install")
class TestCareCalendar(CareCase):
    def _touches(self, persons=None):
        domain = [("company_id", "=", self.company.id)]
        if persons:
            domain.append(("partner_id", "in", persons.ids))
        return self.Touch.search(domain)

    def test_plan_once(self):
        """Birthdays and chosen holidays within the lead days are planned once,
        with one activity per salesperson listing them, not again the next day."""
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()
            self.Touch._cron_plan_care()  # twice: nothing more
        touches = self._touches()
        self.assertEqual(
            sorted((t.partner_id.name, t.occasion, str(t.date)) for t in touches),
            [
                ("Li Na", "birthday", "2027-02-03"),
                ("Li Na", "holiday", "2027-02-06"),
                ("Wang Wei", "holiday", "2027-02-06"),
            ],
        )
        mine = touches.filtered(lambda t: t.partner_id == self.buyer)
        self.assertEqual(mine.user_id, self.salesman_1)
        self.assertEqual(set(mine.mapped("state")), {"planned"})
        activities = self._care_activities()
        self.assertEqual(len(activities), 2)
        self.assertEqual(activities.user_id, self.salesman_1 | self.salesman_2)
        mine_activity = self._care_activities(self.salesman_1)
        self.assertEqual(mine_activity.date_deadline, date(2027, 2, 1))
        self.assertIn("Li Na", str(mine_activity.note))
        self.assertIn("Spring Festival", str(mine_activity.note))
        self.assertIn("Birthday", str(mine_activity.note))
        with freeze_time("2027-02-02 10:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(self._touches(), touches)
        self.assertEqual(self._care_activities(), activities)
        # a cancelled greeting is not planned again
        mine.action_cancel()
        with freeze_time("2027-02-02 12:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(self._touches(), touches)

    def test_new_touches_same_day_join_the_activity(self):
        """A key person added during the day: their greeting joins the
        salesperson's activity of the day."""
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()
            late = self._key_person(self.customer, "Chen Jie", birthday=date(1975, 2, 5))
            self.Touch._cron_plan_care()
        self.assertEqual(len(self._touches(late)), 2)
        activity = self._care_activities(self.salesman_1)
        self.assertEqual(len(activity), 1)
        self.assertIn("Chen Jie", str(activity.note))

    def test_lead_days(self):
        """Planned when the date comes within the company's lead days."""
        self.company.grading_care_lead_days = 2
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(self._touches().mapped("occasion"), ["birthday"])
        with freeze_time("2027-02-04 10:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(len(self._touches()), 3)
        # the next day's new touches: one new activity per salesperson that day
        self.assertEqual(len(self._care_activities(self.salesman_1)), 2)
        self.assertEqual(len(self._care_activities(self.salesman_2)), 1)
        # a holiday without date this year is not planned
        self.buyer.grading_care_holiday_ids |= self.national
        with freeze_time("2027-09-28 10:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(len(self._touches()), 3)
        self.company.grading_care_lead_days = 5
        with freeze_time("2027-09-28 10:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(
            self._touches(self.buyer).filtered("holiday_id").holiday_id, self.spring | self.national
        )

    def test_progress(self):
        """A limited run plans part of the touches and reports the rest."""
        with freeze_time("2027-02-01 10:00:00"):
            self.assertEqual(self.Touch._cron_plan_care(limit=2), 2)
            self.assertEqual(len(self._touches()), 2)
            self.assertEqual(self.Touch._cron_plan_care(limit=2), 1)
            self.assertEqual(self.Touch._cron_plan_care(limit=2), 0)
        self.assertEqual(len(self._touches()), 3)

    def test_plan_budget(self):
        """The action's queries do not grow with the number of key persons."""
        customers = [
            self._customer(f"Customer {index}", user=self.salesman_1) for index in range(20)
        ]
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()  # warm-up: caches of the registry and types
        day = 10
        for count in (5, 20):
            persons = self.env["res.partner"]
            for customer in customers[:count]:
                persons |= self._key_person(
                    customer, f"Person {customer.name}", birthday=date(1970, 3, day)
                )
            self.env.invalidate_all()
            with (
                freeze_time(f"2027-03-{day - 3:02d} 10:00:00"),
                self.assertQueryCount(PLAN_QUERIES),
            ):
                self.Touch._cron_plan_care()
            self.assertEqual(len(self._touches(persons)), count)
            day += 10

    def test_shared_customer_planned_once(self):
        """A customer shared by two companies is cared for in its
        salesperson's company, once; a company's own customer there."""
        other = self.setup_other_company(name="Care Co Plan")["company"]
        local = self._customer("Local Valves", user=self.salesman_2, company_id=other.id)
        self.salesman_2.company_ids |= other
        local_person = self._key_person(local, "Sun Li", birthday=date(1985, 2, 2))
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()
        self.assertEqual(len(self.Touch.search([("partner_id", "=", self.buyer.id)])), 2)
        there = self.Touch.search([("partner_id", "=", local_person.id)])
        self.assertEqual(there.company_id, other)
        self.assertEqual(there.user_id, self.salesman_2)

    def test_rights(self):
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()
        mine = self._touches(self.buyer)
        theirs = self._touches(self.engineer)
        self.assertTrue(mine.with_user(self.salesman_1).has_access("write"))
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_1).check_access("read")
        self.assertEqual(self.Touch.with_user(self.salesman_1).search([]), mine)
        # done with a gift and its cost
        touch = mine[0].with_user(self.salesman_1)
        touch.write({"touch_type": "gift", "gift": "Tea set", "cost": 300})
        touch.action_done()
        self.assertEqual(touch.state, "done")
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            touch.unlink()
        self.assertTrue(theirs.with_user(self.manager).has_access("write"))
        # another company's manager does not see them
        other = self.setup_other_company(name="Care Co Rights")["company"]
        outsider = new_test_user(
            self.env,
            login="cg_care_outsider",
            groups=MANAGER,
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        with self.assertRaises(AccessError):
            mine.with_user(outsider).check_access("read")
        # salespeople do not configure holidays
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            self.env["customer.grading.care.holiday"].with_user(self.manager).create(
                {"name": "Teachers' Day"}
            )

    def test_costs_per_grade_and_year(self):
        """The yearly care budget: costs summed per grade and year."""
        self.customer.with_company(self.company).grading_level_id = self.levels["A"]
        self.other_customer.with_company(self.company).grading_level_id = self.levels["B"]
        with freeze_time("2027-02-01 10:00:00"):
            self.Touch._cron_plan_care()
        touches = self._touches()
        self.assertEqual(
            touches.filtered(lambda t: t.partner_id == self.buyer).level_id, self.levels["A"]
        )
        for touch, cost in zip(touches.sorted("id"), (100, 250, 80), strict=True):
            touch.write({"cost": cost, "touch_type": "gift", "state": "done"})
        self.Touch.create(
            {"partner_id": self.buyer.id, "date": "2026-12-31", "cost": 40, "state": "done"}
        )
        groups = self.Touch._read_group(
            [("company_id", "=", self.company.id)], ["level_id", "date:year"], ["cost:sum"]
        )
        costs = {(level.code, year.year): cost for level, year, cost in groups}
        buyer_cost = sum(touches.filtered(lambda t: t.partner_id == self.buyer).mapped("cost"))
        self.assertEqual(len(costs), 3)
        self.assertEqual(costs[("A", 2027)], buyer_cost)
        self.assertEqual(costs[("B", 2027)], 430 - buyer_cost)
        self.assertEqual(costs[("A", 2026)], 40)
