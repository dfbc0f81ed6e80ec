from datetime import date, datetime

from odoo.tests import BaseCase, tagged

from ..tools import periods, scoring
from .common import DATE_FROM, DATE_TO, GradingCase


class TestRfmRules(BaseCase):
    """The rules RFM scoring needs, on plain values: rank with lower values
    better, rank rounded down into equal groups, days since a last purchase."""

    def test_rank_lower_is_better(self):
        population = [3, 10, 10, 40, 90]  # days since the last purchase, the customer among them
        rank = scoring.score_rank_sorted
        self.assertEqual(rank(3, population, True, lower_is_better=True), 100)
        self.assertEqual(rank(90, population, True, lower_is_better=True), 0)
        # equal values share a rank: the two at 10 beat the 40 and the 90
        self.assertEqual(rank(10, population, True, lower_is_better=True), 50)
        self.assertEqual(rank(40, population, True, lower_is_better=True), 25)
        # a customer outside the population (re-graded on demand)
        self.assertEqual(rank(5, population, False, lower_is_better=True), 80)
        # higher is better by default, as before
        self.assertEqual(rank(90, population, True), 100)
        self.assertEqual(rank(10, population, True), 25)

    def test_rank_in_quintiles(self):
        """Rounded down into five equal groups scored 0, 25, 50, 75, 100 (the
        classic RFM scores 1 to 5): the top fifth scores 100, the bottom 0."""
        population = list(range(11))  # 0…10, the customer among them: 10 others
        scores = [scoring.score_rank_sorted(v, population, True, groups=5) for v in population]
        self.assertEqual(scores, [0, 0, 25, 25, 50, 50, 75, 75, 100, 100, 100])
        lower = [
            scoring.score_rank_sorted(v, population, True, lower_is_better=True, groups=5)
            for v in population
        ]
        self.assertEqual(lower, list(reversed(scores)))
        # group boundaries are exact whatever the size (no rounding of a float)
        self.assertEqual(scoring.quantile_score(1, 3, 3), 50)
        self.assertEqual(scoring.quantile_score(2, 3, 3), 100)
        self.assertEqual(scoring.quantile_score(6, 30, 5), 25)
        self.assertEqual(scoring.quantile_score(5, 30, 5), 0)
        self.assertEqual(scoring.quantile_score(3, 4, 0), 75)  # no groups: the percentile

    def test_rank_groups_are_valid(self):
        self.assertTrue(scoring.rank_groups_are_valid(0))
        self.assertTrue(scoring.rank_groups_are_valid(5))
        self.assertFalse(scoring.rank_groups_are_valid(1))
        self.assertFalse(scoring.rank_groups_are_valid(-2))
        self.assertFalse(scoring.rank_groups_are_valid(101))

    def test_local_day_of_a_utc_moment(self):
        # 2026-09-30 18:00 UTC is 1 October 02:00 in Shanghai
        moment = datetime(2026, 9, 30, 18, 0)
        self.assertEqual(periods.local_day(moment, "Asia/Shanghai"), date(2026, 10, 1))
        self.assertEqual(periods.local_day(moment, "America/New_York"), date(2026, 9, 30))
        self.assertEqual(periods.local_day(moment, False), date(2026, 9, 30))
        self.assertEqual(periods.local_day(moment, "Nowhere/Atlantis"), date(2026, 9, 30))

    def test_days_since_last_purchase(self):
        day = date(2026, 9, 30)
        self.assertEqual(periods.days_since(day, (date(2026, 9, 30), None)), 0)
        self.assertEqual(periods.days_since(day, (date(2026, 9, 1), date(2026, 8, 1))), 29)
        self.assertEqual(periods.days_since(day, (None, date(2025, 9, 30))), 365)
        self.assertIsNone(periods.days_since(day, (None, None)))


@tagged("post_install", "-at_install")
class TestRecency(GradingCase):
    """The recency measure: days from the last purchase to the period end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Measure = cls.env["customer.grading.measure"]
        cls.customer = cls._customer("Recent Ltd")
        cls.contact = cls.env["res.partner"].create(
            {"name": "Buyer at Recent", "parent_id": cls.customer.id}
        )

    def _recency(self, partners, date_to=DATE_TO, measures=None):
        self.env.flush_all()
        values, _active = self.Measure.with_user(self.manager)._measure(
            self.company, partners.ids, DATE_FROM, date_to, 0.0, measures
        )
        return [values["recency"].get(partner.id) for partner in partners]

    def test_last_order_or_invoice(self):
        self._order(self.customer, date(2026, 8, 1))
        self._invoice(self.customer, 1000, date(2026, 7, 1))
        self.assertEqual(self._recency(self.customer), [60])  # 1 Aug → 30 Sep
        self._invoice(self.customer, 1000, date(2026, 9, 10))
        self.assertEqual(self._recency(self.customer), [20])

    def test_documents_that_do_not_count(self):
        self._order(self.customer, date(2026, 3, 1))
        self._order(self.customer, date(2026, 9, 1), confirm=False)  # quotation
        cancelled = self._order(self.customer, date(2026, 9, 2))
        cancelled._action_cancel()
        self._invoice(self.customer, 500, date(2026, 9, 3), post=False)  # draft
        self._invoice(self.customer, 500, date(2026, 9, 4), move_type="out_refund")
        self._order(self.customer, date(2026, 10, 2))  # after the period end
        self._invoice(self.customer, 500, date(2026, 10, 3))
        other = self.setup_other_company(name="Other Co")["company"]
        self._invoice(self.customer, 500, date(2026, 9, 20), company=other)
        self._order(self.customer, date(2026, 9, 21), company=other)
        self.assertEqual(self._recency(self.customer), [213])  # 1 Mar → 30 Sep

    def test_contacts_roll_up_and_history_counts(self):
        newcomer = self._customer("Old Friend")
        self._order(self.contact, date(2026, 9, 25))
        self._invoice(newcomer, 100, date(2024, 9, 30))  # long before the period
        self.assertEqual(self._recency(self.customer | newcomer), [5, 730])

    def test_no_purchase_ever_has_no_value(self):
        self.assertEqual(self._recency(self.customer), [None])

    def test_order_day_in_the_company_time_zone(self):
        order = self._order(self.customer, date(2026, 9, 29))
        order.date_order = datetime(2026, 9, 29, 18, 0)  # 30 Sep 02:00 in Shanghai
        self.company.partner_id.tz = "Asia/Shanghai"
        self.assertEqual(self._recency(self.customer), [0])
        self.company.partner_id.tz = "UTC"
        self.assertEqual(self._recency(self.customer), [1])
        # an order placed after the period end in the company's day is not counted
        order.date_order = datetime(2026, 9, 30, 17, 0)  # 1 Oct 01:00 in Shanghai
        self.company.partner_id.tz = "Asia/Shanghai"
        self.assertEqual(self._recency(self.customer), [None])

    def test_read_only_when_wanted(self):
        self._order(self.customer, date(2026, 9, 1))
        self.assertEqual(self._recency(self.customer, measures={"recency"}), [29])
        self.assertEqual(self._recency(self.customer, measures={"annual_amount"}), [None])


@tagged("post_install", "-at_install")
class TestRfmPreset(GradingCase):
    """The shipped RFM scheme: complete, and grading customers by their RFM ranks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rfm = cls.env.ref("customer_grading.scheme_rfm")

    def test_preset_loads_complete(self):
        self.assertFalse(self.rfm.company_id)
        self.assertEqual(self.rfm.total_weight, 100)
        self.assertEqual(
            [(d.name, sum(d.indicator_ids.mapped("weight"))) for d in self.rfm.dimension_ids],
            [("Recency", 40), ("Frequency", 30), ("Monetary", 30)],
        )
        self.assertEqual(
            [
                (i.measure, i.scoring_rule, i.rank_groups, i.is_lower_better)
                for i in self.rfm.indicator_ids
            ],
            [
                ("recency", "rank", 5, True),
                ("purchase_frequency", "rank", 5, False),
                ("annual_amount", "rank", 5, False),
            ],
        )
        levels = self.rfm.level_ids.sorted("sequence")
        self.assertEqual(levels.mapped("code"), ["CHAMP", "LOYAL", "POT", "RISK", "LOST"])
        self.assertTrue(scoring.thresholds_are_ordered(levels.mapped("min_score")))
        self.rfm._check_ready()

    def test_rfm_run_grades_by_quintiles(self):
        """Five customers, one per quintile on every measure: the best is a
        champion, the worst lost, each measure scored 0, 25, 50, 75 or 100."""
        self.company.grading_scheme_id = self.rfm
        customers = self.env["res.partner"]
        for n in range(5):
            customer = self._customer(f"RFM {n}")
            for month in range(n + 1):  # n + 1 orders, the last in month 4 + n
                self._order(customer, date(2026, 4 + month, 10))
            self._invoice(customer, 1000 * (n + 1), date(2026, 4 + n, 10))
            customers |= customer
        run = self._run(user=self.manager)
        self.assertEqual(
            [self._line(run, c, "recency").score for c in customers], [0, 25, 50, 75, 100]
        )
        self.assertEqual(
            [self._line(run, c, "annual_amount").score for c in customers], [0, 25, 50, 75, 100]
        )
        self.assertEqual(
            [self._result(run, c).level_id.code for c in customers],
            ["LOST", "RISK", "POT", "LOYAL", "CHAMP"],
        )
