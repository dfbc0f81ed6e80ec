from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import GradingCase

MANAGER = "base.group_user,customer_grading.group_customer_grading_manager"


class SurveyCase(GradingCase):
    """Two graded customers of two salespeople with their contacts, the shipped
    satisfaction survey and a campaign of the grading manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.env.ref("customer_grading.survey_customer_satisfaction")
        cls.q_satisfaction = cls.env.ref("customer_grading.survey_question_satisfaction")
        cls.q_recommendation = cls.env.ref("customer_grading.survey_question_recommendation")
        cls.q_recognition = cls.env.ref("customer_grading.survey_question_recognition")
        cls.customer = cls._customer("Loyal Bearings", user=cls.salesman_1)
        cls.buyer = cls._contact("Li Na", cls.customer, "li.na@bearings.example.com")
        cls.engineer = cls._contact("Wang Wei", cls.customer, "wang.wei@bearings.example.com")
        cls.other_customer = cls._customer(
            "Quiet Gears", user=cls.salesman_2, email="info@gears.example.com"
        )
        cls.no_email_customer = cls._customer("Silent Springs", user=cls.salesman_2)
        level_a = cls.levels["A"]
        (cls.customer | cls.other_customer).with_company(cls.company).sudo().write(
            {"grading_level_id": level_a.id}
        )
        cls.Campaign = cls.env["customer.grading.survey.campaign"]

    @classmethod
    def _contact(cls, name, customer, email):
        return cls.env["res.partner"].create(
            {"name": name, "parent_id": customer.id, "email": email, "type": "contact"}
        )

    def _campaign(self, **values):
        return self.Campaign.with_user(self.manager).create(
            {
                "name": "Satisfaction H1 2026",
                "date": "2026-06-01",
                "partner_ids": [(6, 0, (self.customer | self.other_customer).ids)],
                **values,
            }
        )

    def _answer(self, campaign, contact, satisfaction, recommendation, recognition):
        """The contact fills the survey in and submits it, as the public form does."""
        answer = campaign.user_input_ids.filtered(lambda a: a.partner_id == contact)
        self.assertEqual(len(answer), 1)
        answer = answer.sudo()
        for question, value in (
            (self.q_satisfaction, satisfaction),
            (self.q_recommendation, recommendation),
            (self.q_recognition, recognition),
        ):
            answer._save_lines(question, str(value))
        answer._mark_done()
        return answer

    def _invite_all_contacts(self, campaign, when="2026-06-01 09:00:00"):
        """Send the campaign (to the buyer and the other customer), and invite
        the engineer too, as the survey's own invitation does."""
        with freeze_time(when):
            campaign.with_user(self.manager).action_send()
            self.survey.with_user(self.manager)._create_answer(
                partner=self.engineer, check_attempts=False, grading_campaign_id=campaign.id
            )

    def _value(self, customer, code):
        return self.env["customer.grading.value"].search(
            [("partner_id", "=", customer.id), ("indicator_id", "=", self.indicators[code].id)]
        )


@tagged("post_install", "-at_install")
class TestSurveyCampaign(SurveyCase):
    def test_send_invites_the_customers_contacts(self):
        """Without key persons, each customer's own address, else its first
        contact with one, is invited through the survey's own invitation: one
        answer per contact, linked to the campaign. A customer without any
        address is left out and named on the campaign."""
        campaign = self._campaign()
        campaign.partner_ids |= self.no_email_customer
        with freeze_time("2026-06-01 09:00:00"):
            campaign.with_user(self.manager).action_send()
        self.assertEqual((campaign.state, campaign.date_sent), ("sent", date(2026, 6, 1)))
        answers = campaign.user_input_ids
        self.assertEqual(answers.partner_id, self.buyer | self.other_customer)
        self.assertEqual(set(answers.mapped("state")), {"new"})
        self.assertEqual(answers.survey_id, self.survey)
        mails = self.env["mail.mail"].search([("recipient_ids", "in", answers.partner_id.ids)])
        self.assertEqual(mails.recipient_ids, answers.partner_id)
        self.assertIn("Silent Springs", campaign.message_ids[0].body)
        action = campaign.with_user(self.manager).action_view_answers()
        self.assertEqual(
            self.env["survey.user_input"].with_user(self.manager).search(action["domain"]), answers
        )
        with self.assertRefused(UserError, "is sent already"):
            campaign.with_user(self.manager).action_send()

    def test_key_persons_first(self):
        """Where the relationship cards mark key persons, only they are invited."""
        Partner = self.env["res.partner"]
        if "grading_is_key_person" not in Partner._fields:
            self.skipTest("no relationship cards")
        self.engineer.grading_is_key_person = True
        campaign = self._campaign()
        self.assertEqual(campaign._recipients(), self.engineer | self.other_customer)

    def test_grades_fill_the_customers(self):
        campaign = self._campaign(partner_ids=False)
        campaign.level_ids = self.levels["A"]
        self.assertEqual(campaign.partner_ids, self.customer | self.other_customer)
        campaign.level_ids = self.levels["B"]
        self.assertFalse(campaign.partner_ids)

    def test_a_campaign_without_customers_sends_nothing(self):
        campaign = self.Campaign.with_user(self.manager).create({"name": "Empty"})
        self.assertEqual(
            (campaign.survey_id, campaign.partner_ids), (self.survey, self.env["res.partner"])
        )
        with self.assertRefused(UserError, "has a contact with an email address"):
            campaign.action_send()

    def test_next_campaign_after_the_company_interval(self):
        campaign = self._campaign()
        self.assertEqual(campaign.date_next, date(2026, 12, 1))
        self.company.grading_survey_interval_months = 12
        self.assertEqual(campaign.date_next, date(2027, 6, 1))
        with self.assertRefused(ValidationError, "due every month or less often"):
            self.company.grading_survey_interval_months = 0


@tagged("post_install", "-at_install")
class TestSurveyValues(SurveyCase):
    def test_answers_feed_the_indicators(self):
        """A finished answer writes the mapped indicators at once, its scale
        converted to 0–100, averaged over the customer's contacts, dated the
        day of the last answer and signed by the survey."""
        campaign = self._campaign()
        self._invite_all_contacts(campaign)
        with freeze_time("2026-06-03 09:00:00"):
            self._answer(campaign, self.buyer, 5, 8, 4)  # recommendation 80, recognition 75
        value = self._value(self.customer, "recommendation")
        self.assertEqual(
            (value.value, value.date, value.source), (80.0, date(2026, 6, 3), "survey")
        )
        self.assertEqual((value.survey_campaign_id, value.user_id), (campaign, self.manager))
        with freeze_time("2026-06-05 09:00:00"):
            self._answer(campaign, self.engineer, 3, 5, 2)  # 50, 25
        self.assertEqual(self._value(self.customer, "recommendation").value, 65.0)
        recognition = self._value(self.customer, "brand_recognition")
        self.assertEqual((recognition.value, recognition.date), (50.0, date(2026, 6, 5)))
        self.assertFalse(self._value(self.other_customer, "recommendation"))
        # the button writes the same again
        campaign.action_apply_answers()
        self.assertEqual(self._value(self.customer, "recommendation").value, 65.0)
        self.assertEqual(len(self._value(self.customer, "recommendation")), 1)

    def test_later_manual_value_wins_until_the_next_survey(self):
        campaign = self._campaign()
        self._invite_all_contacts(campaign)
        with freeze_time("2026-06-03 09:00:00"):
            self._answer(campaign, self.buyer, 5, 8, 4)
        value = self._value(self.customer, "recommendation")
        # the salesperson knows better a week later
        with freeze_time("2026-06-10 09:00:00"):
            value.with_user(self.salesman_1).value = 40.0
        self.assertEqual(
            (value.value, value.date, value.source), (40.0, date(2026, 6, 10), "manual")
        )
        self.assertFalse(value.survey_campaign_id)
        # another answer of the same campaign, and the button, keep it
        with freeze_time("2026-06-05 09:00:00"):
            self._answer(campaign, self.engineer, 3, 5, 2)
        campaign.action_apply_answers()
        self.assertEqual((value.value, value.source), (40.0, "manual"))
        # the next survey replaces it
        next_campaign = self._campaign(name="Satisfaction H2 2026", date="2026-12-01")
        self._invite_all_contacts(next_campaign, "2026-12-01 09:00:00")
        with freeze_time("2026-12-02 09:00:00"):
            self._answer(next_campaign, self.buyer, 4, 10, 5)
        self.assertEqual(
            (value.value, value.date, value.source, value.survey_campaign_id),
            (100.0, date(2026, 12, 2), "survey", next_campaign),
        )

    def test_only_the_survey_signs_as_the_survey(self):
        value = self.env["customer.grading.value"].with_user(self.salesman_1)
        with self.assertRefused(UserError, "Only the satisfaction surveys"):
            value.create(
                {
                    "partner_id": self.customer.id,
                    "indicator_id": self.indicators["recommendation"].id,
                    "value": 90,
                    "source": "survey",
                }
            )

    def test_a_copied_survey_value_is_a_manual_one(self):
        """Copying values (a company copying a shared scheme copies them) is
        no survey writing: the copy is an ordinary value."""
        campaign = self._campaign()
        self._invite_all_contacts(campaign)
        with freeze_time("2026-06-03 09:00:00"):
            self._answer(campaign, self.buyer, 5, 8, 4)
        value = self._value(self.customer, "recommendation").with_user(self.manager)
        copy = value.copy({"partner_id": self.other_customer.id})
        self.assertEqual(
            (copy.value, copy.source, copy.survey_campaign_id.id), (80.0, "manual", False)
        )

    def test_response_and_satisfaction_rates(self):
        """Response rate: finished answers over invitations; satisfaction
        rate: finished answers rating 4 or 5 over finished answers, against
        the company's target."""
        campaign = self._campaign()
        self._invite_all_contacts(campaign)
        self.assertEqual((campaign.invited_count, campaign.response_rate), (3, 0.0))
        self.assertFalse(campaign.is_below_target)
        with freeze_time("2026-06-03 09:00:00"):
            self._answer(campaign, self.buyer, 5, 8, 4)
            self._answer(campaign, self.engineer, 3, 5, 2)
        self.assertEqual((campaign.answered_count, campaign.satisfied_count), (2, 1))
        self.assertAlmostEqual(campaign.response_rate, 66.7, places=1)
        self.assertEqual(campaign.satisfaction_rate, 50.0)
        self.assertEqual(campaign.target_satisfaction, 90.0)
        self.assertTrue(campaign.is_below_target)
        self.survey.grading_satisfied_from = 3
        self.assertEqual(campaign.satisfaction_rate, 100.0)
        self.assertFalse(campaign.is_below_target)


@tagged("post_install", "-at_install")
class TestSurveyRights(SurveyCase):
    def test_salespeople_see_no_campaign(self):
        campaign = self._campaign()
        with self.assertRefused(AccessError, "not allowed"):
            campaign.with_user(self.salesman_1).read(["name"])
        with self.assertRefused(AccessError, "not allowed"):
            self.Campaign.with_user(self.salesman_1).create({"name": "Mine", "date": "2026-06-01"})

    def test_salesperson_reads_the_survey_values_of_their_customers(self):
        campaign = self._campaign()
        self._invite_all_contacts(campaign)
        with freeze_time("2026-06-03 09:00:00"):
            self._answer(campaign, self.buyer, 5, 8, 4)
            self._answer(campaign, self.other_customer, 5, 10, 5)
        Value = self.env["customer.grading.value"].with_user(self.salesman_1)
        mine = Value.search([("source", "=", "survey")])
        self.assertEqual(mine.partner_id, self.customer)
        self.assertEqual(mine[0].survey_campaign_id.display_name, campaign.name)

    def test_campaigns_per_company(self):
        other_company = self.env["res.company"].create({"name": "Other Grading Co"})
        other_company.grading_scheme_id = self.scheme
        manager_2 = new_test_user(
            self.env,
            login="cg_survey_manager_2",
            groups=MANAGER,
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        campaign = self._campaign()
        self.assertFalse(self.Campaign.with_user(manager_2).search([("id", "=", campaign.id)]))
        with self.assertRefused(AccessError, "doesn't have 'write' access"):
            campaign.with_user(manager_2).action_apply_answers()

    def test_applied_in_the_campaign_company_only(self):
        """The answers write the values of the campaign's company."""
        campaign = self._campaign()
        self._invite_all_contacts(campaign)
        with freeze_time("2026-06-03 09:00:00"):
            self._answer(campaign, self.buyer, 5, 8, 4)
        self.assertEqual(self._value(self.customer, "recommendation").company_id, self.company)


@tagged("post_install", "-at_install")
class TestReferrals(SurveyCase):
    def test_referrals_counted_and_measured(self):
        """A new customer records who referred it; the referrer counts its
        referrals, and the measure 'Referrals' those of the period."""
        Partner = self.env["res.partner"]
        with freeze_time("2026-03-01"):
            new = Partner.create(
                {
                    "name": "New Pumps",
                    "is_company": True,
                    "grading_referred_by_id": self.customer.id,
                    "grading_referral_reward": "2% off the next order",
                }
            )
        self.assertEqual(new.grading_referral_date, date(2026, 3, 1))
        old = Partner.create(
            {
                "name": "Old Valves",
                "is_company": True,
                "grading_referred_by_id": self.customer.id,
                "grading_referral_date": "2024-05-01",
            }
        )
        self._customer("Other Fans").grading_referred_by_id = self.other_customer
        self.assertEqual(self.customer.with_user(self.salesman_1).grading_referral_count, 2)
        self.assertEqual(self.customer.grading_referral_ids, new | old)
        values, active = self.env["customer.grading.measure"]._measure(
            self.company,
            [self.customer.id, self.other_customer.id, self.no_email_customer.id],
            date(2025, 10, 1),
            date(2026, 9, 30),
            0.0,
            {"referrals"},
        )
        self.assertEqual(
            values["referrals"],
            {self.customer.id: 1, self.other_customer.id: 0, self.no_email_customer.id: 0},
        )
        self.assertFalse(active)
        values, _active = self.env["customer.grading.measure"]._measure(
            self.company, [self.customer.id], date(2025, 10, 1), date(2026, 9, 30), 0.0, set()
        )
        self.assertEqual(values["referrals"], {})  # not measured

    def test_referral_count_in_one_query(self):
        customers = self.customer | self.other_customer | self.no_email_customer
        for customer in customers:
            self._customer(f"Referred by {customer.name}").grading_referred_by_id = customer
        customers.with_user(self.salesman_1).mapped("grading_referral_count")  # warm-up
        for some in (customers[:1], customers):
            self.env.invalidate_all()
            partners = some.with_user(self.salesman_1)
            with self.assertQueryCount(2):  # the same, whatever the number of customers
                counts = partners.mapped("grading_referral_count")
            self.assertEqual(counts, [1] * len(some))

    def test_referred_by_a_customer_not_a_contact(self):
        with self.assertRefused(ValidationError, "is referred by another customer"):
            self._customer("Odd Referral").grading_referred_by_id = self.buyer
        with self.assertRefused(ValidationError, "is referred by another customer"):
            self.customer.grading_referred_by_id = self.customer
