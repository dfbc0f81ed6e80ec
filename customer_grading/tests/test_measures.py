from datetime import date, datetime

from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from .common import DATE_FROM, DATE_TO, GradingCase


@tagged("post_install", "-at_install")
class TestMeasures(GradingCase):
    """Every automatic indicator, on documents the tests create."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Measure = cls.env["customer.grading.measure"]
        cls.customer = cls._customer("Measured Ltd")
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Buyer at Measured",
                "parent_id": cls.customer.id,
            }
        )

    def _measure(self, partners, total_margin=None):
        self.env.flush_all()
        if total_margin is None:
            total_margin = self.Measure._company_margin(self.company, DATE_FROM, DATE_TO)
        values, active = self.Measure._measure(
            self.company, partners.ids, DATE_FROM, DATE_TO, total_margin
        )
        return values, active

    def test_annual_amount(self):
        self._invoice(self.customer, 1000, date(2025, 11, 5))
        self._invoice(self.contact, 500, date(2026, 3, 1))  # rolls up to the company
        self._invoice(self.customer, 200, date(2026, 4, 1), move_type="out_refund")
        self._invoice(self.customer, 7000, date(2026, 5, 1), post=False)  # draft
        cancelled = self._invoice(self.customer, 9000, date(2026, 5, 2))
        cancelled.button_draft()
        cancelled.button_cancel()
        self._invoice(self.customer, 3000, date(2025, 9, 30))  # before the period
        self._invoice(self.customer, 4000, date(2026, 10, 1))  # after the period
        other = self.setup_other_company(name="Other Co")["company"]
        self._invoice(self.customer, 8000, date(2026, 2, 2), company=other)
        values, active = self._measure(self.customer)
        self.assertEqual(values["annual_amount"][self.customer.id], 1300)
        self.assertIn(self.customer.id, active)

    def test_untaxed_amount(self):
        invoice = self._invoice(self.customer, 1000, date(2026, 1, 5), post=False)
        invoice.invoice_line_ids.tax_ids = self.tax_sale_a
        invoice.action_post()
        self.assertGreater(invoice.amount_total, 1000)
        values, _active = self._measure(self.customer)
        self.assertEqual(values["annual_amount"][self.customer.id], 1000)

    def test_purchase_frequency(self):
        self._order(self.customer, date(2025, 12, 1))
        self._order(self.contact, date(2026, 6, 1))
        self._order(self.customer, date(2026, 7, 1), confirm=False)  # quotation
        cancelled = self._order(self.customer, date(2026, 7, 2))
        cancelled._action_cancel()
        self._order(self.customer, date(2025, 6, 1))  # before the period
        values, active = self._measure(self.customer)
        self.assertEqual(values["purchase_frequency"][self.customer.id], 2)
        self.assertIn(self.customer.id, active)

    def test_profit_contribution(self):
        other_customer = self._customer("Other buyer")
        self._order(self.customer, date(2026, 1, 10), price=1000, cost=700)  # margin 300
        self._order(other_customer, date(2026, 2, 10), price=1000, cost=100)  # margin 900
        values, _active = self._measure(self.customer | other_customer)
        self.assertAlmostEqual(values["profit_contribution"][self.customer.id], 25.0)
        self.assertAlmostEqual(values["profit_contribution"][other_customer.id], 75.0)

    def test_profit_contribution_without_company_margin(self):
        values, _active = self._measure(self.customer, total_margin=0.0)
        self.assertIsNone(values["profit_contribution"][self.customer.id])

    def test_payment_record(self):
        on_time = self._invoice(self.customer, 1000, date(2026, 1, 1))  # due 2026-01-31
        self._pay(on_time, date(2026, 1, 31))
        late = self._invoice(self.customer, 1000, date(2026, 2, 1))  # due 2026-03-03
        self._pay(late, date(2026, 3, 20))
        partly = self._invoice(self.customer, 1000, date(2026, 3, 1))  # due 2026-03-31
        self._pay(partly, date(2026, 3, 15), amount=600)
        self._invoice(self.customer, 1000, date(2026, 4, 1))  # overdue, never paid
        early = self._invoice(self.contact, 1000, date(2026, 5, 1))  # due 2026-05-31
        self._pay(early, date(2026, 5, 2))
        # due after the period: not counted
        self._invoice(self.customer, 1000, date(2026, 9, 15))
        values, _active = self._measure(self.customer)
        self.assertAlmostEqual(values["payment_record"][self.customer.id], 40.0)

    def test_payment_record_to_the_currency_rounding(self):
        """What is left unpaid is zero when the company currency rounds it to
        zero, not below a fixed 0.005."""
        self.company.currency_id.rounding = 0.001  # three decimals, as the dinar
        invoice = self._invoice(self.customer, 1000, date(2026, 1, 1))  # due 2026-01-31
        self._pay(invoice, date(2026, 1, 20), amount=999.996)
        values, _active = self._measure(self.customer)
        self.assertEqual(values["payment_record"][self.customer.id], 0)  # 0.004 still due

    def test_payment_record_in_a_currency_without_cents(self):
        invoice = self._invoice(self.customer, 1000, date(2026, 1, 1))  # due 2026-01-31
        self._pay(invoice, date(2026, 1, 20), amount=999.70)
        values, _active = self._measure(self.customer)
        self.assertEqual(values["payment_record"][self.customer.id], 0)  # 0.30 still due
        # the same remainder in a currency rounded to units (Odoo refuses to
        # drop the decimals of a currency with entries: set as old data has it)
        self.env.flush_all()
        self.env.cr.execute(
            SQL("UPDATE res_currency SET rounding = 1.0 WHERE id = %s", self.company.currency_id.id)
        )
        self.env.invalidate_all()
        values, _active = self._measure(self.customer)
        self.assertEqual(values["payment_record"][self.customer.id], 100)

    def test_payment_record_without_invoice_due(self):
        self._order(self.customer, date(2026, 1, 10))
        values, _active = self._measure(self.customer)
        self.assertIsNone(values["payment_record"][self.customer.id])

    def test_repeat_purchase(self):
        newcomer = self._customer("Newcomer")
        self._order(self.customer, date(2024, 5, 1))  # first order ever, before the period
        self._order(self.customer, date(2026, 1, 1))
        self._order(self.customer, date(2026, 2, 1))
        self._order(newcomer, date(2026, 1, 1))  # first order ever, in the period
        self._order(newcomer, date(2026, 3, 1))
        self._order(newcomer, date(2026, 4, 1))
        self._order(newcomer, date(2026, 5, 1))
        values, _active = self._measure(self.customer | newcomer)
        self.assertEqual(values["repeat_purchase"][self.customer.id], 100)
        self.assertEqual(values["repeat_purchase"][newcomer.id], 75)

    def test_repeat_purchase_without_order(self):
        values, active = self._measure(self.customer)
        self.assertIsNone(values["repeat_purchase"][self.customer.id])
        self.assertNotIn(self.customer.id, active)

    def test_growth_trend(self):
        newcomer = self._customer("Newcomer")
        lost = self._customer("Lost")
        self._invoice(self.customer, 1000, date(2025, 3, 1))  # previous period
        self._invoice(self.customer, 1500, date(2026, 3, 1))
        self._invoice(newcomer, 1500, date(2026, 3, 1))
        self._invoice(lost, 800, date(2025, 3, 1))
        values, active = self._measure(self.customer | newcomer | lost)
        self.assertAlmostEqual(values["growth_trend"][self.customer.id], 50.0)
        self.assertIsNone(values["growth_trend"][newcomer.id])  # no history: not -100 %
        self.assertAlmostEqual(values["growth_trend"][lost.id], -100.0)
        self.assertNotIn(lost.id, active)

    def test_only_the_measures_wanted(self):
        """A ranking reads only what its measures need: the same figures
        for them, nothing for the others, and the previous period's invoices
        and the orders before the period left out when no measure needs them."""
        self._invoice(self.customer, 1000, date(2025, 3, 1))  # previous period
        self._invoice(self.customer, 1500, date(2026, 3, 1))
        self._order(self.customer, date(2024, 5, 1))  # first order ever, before the period
        self._order(self.customer, date(2026, 2, 1))
        self.env.flush_all()
        margin = self.Measure._company_margin(self.company, DATE_FROM, DATE_TO)
        everything, active = self._measure(self.customer)
        for whole_company in (False, True):
            values, only_active = self.Measure._measure(
                self.company,
                self.customer.ids,
                DATE_FROM,
                DATE_TO,
                margin,
                {"annual_amount", "profit_contribution"},
                whole_company=whole_company,
            )
            self.assertEqual(only_active, active)
            for code in ("annual_amount", "profit_contribution"):
                self.assertEqual(values[code], everything[code])
            self.assertEqual(values["growth_trend"], {})
            self.assertEqual(values["repeat_purchase"], {})
        period = (self.company, None, DATE_FROM, DATE_TO)
        full, limited = (
            self.Measure._invoice_totals(*period)[self.customer.id],
            self.Measure._invoice_totals(*period, previous=False)[self.customer.id],
        )
        self.assertEqual((full, limited), ((1500, 1000, 1), (1500, 0, 1)))
        self.assertEqual(self.Measure._order_totals(*period)[self.customer.id][::2], (1, False))
        newcomer = self._customer("Newcomer")
        self._order(newcomer, date(2026, 1, 1))
        self.env.flush_all()
        self.assertEqual(self.Measure._order_totals(*period)[newcomer.id][2], True)
        self.assertEqual(
            self.Measure._order_totals(*period, first_orders=False)[newcomer.id][2], False
        )

    def test_measures_ignore_the_reader_record_rules(self):
        """A run reads every document, whatever its starter may read."""
        self._invoice(self.customer, 1000, date(2026, 1, 5))
        self._order(self.customer, date(2026, 1, 5))
        self.env.flush_all()
        Measure = self.Measure.with_user(self.salesman_1)
        values, _active = Measure._measure(
            self.company, self.customer.ids, DATE_FROM, DATE_TO, 200.0
        )
        self.assertEqual(values["annual_amount"][self.customer.id], 1000)
        self.assertEqual(values["purchase_frequency"][self.customer.id], 1)

    # --- periods cut at midnight in the company's time zone ---------------

    def _orders_around_new_year(self):
        """Orders near the turn of 2026 Q3/Q4 and of 2026/2027, dated in UTC;
        the comments give the time in Shanghai (UTC+8)."""
        early = self._customer("Early Bird")
        newcomer = self._customer("Newcomer")
        for customer, moment, margin in (
            (early, datetime(2026, 9, 30, 15, 30), 100),  # 30 Sep 23:30
            (newcomer, datetime(2026, 9, 30, 18, 0), 200),  # 1 Oct 02:00, its first order
            (newcomer, datetime(2026, 11, 15, 10, 0), 300),  # 15 Nov 18:00
            (newcomer, datetime(2026, 12, 31, 17, 0), 400),  # 1 Jan 2027 01:00
        ):
            order = self._order(customer, moment.date(), price=1000, cost=1000 - margin)
            order.date_order = moment
        return early, newcomer

    def _quarter(self, customers, date_from, date_to):
        """The company's margin and each customer's (purchase frequency, repeat
        purchase rate) in a quarter, measured by the grading manager."""
        self.env.flush_all()
        Measure = self.Measure.with_user(self.manager)
        total_margin = Measure._company_margin(self.company, date_from, date_to)
        values, _active = Measure._measure(
            self.company, customers.ids, date_from, date_to, total_margin
        )
        return total_margin, [
            (values["purchase_frequency"][c.id], values["repeat_purchase"][c.id]) for c in customers
        ]

    def _assert_quarters(self, customers, q3, q4):
        self.assertEqual(self._quarter(customers, date(2026, 7, 1), date(2026, 9, 30)), q3)
        self.assertEqual(self._quarter(customers, date(2026, 10, 1), date(2026, 12, 31)), q4)

    def test_orders_cut_at_midnight_in_the_company_time_zone(self):
        early, newcomer = self._orders_around_new_year()
        self.company.partner_id.tz = "Asia/Shanghai"
        self.manager.tz = "America/New_York"  # the company's time zone wins
        self._assert_quarters(
            early | newcomer,
            q3=(100.0, [(1, 0.0), (0, None)]),
            # the newcomer's first order is in Q4; its New Year order is not
            q4=(500.0, [(0, None), (2, 50.0)]),
        )

    def test_orders_cut_in_the_user_time_zone_without_company_one(self):
        early, newcomer = self._orders_around_new_year()
        self.company.partner_id.tz = False
        self.manager.tz = "Asia/Shanghai"
        self._assert_quarters(
            early | newcomer,
            q3=(100.0, [(1, 0.0), (0, None)]),
            q4=(500.0, [(0, None), (2, 50.0)]),
        )

    def test_orders_cut_in_utc_without_time_zone(self):
        early, newcomer = self._orders_around_new_year()
        self.company.partner_id.tz = False
        self.manager.tz = False
        self._assert_quarters(
            early | newcomer,
            q3=(300.0, [(1, 0.0), (1, 0.0)]),
            q4=(700.0, [(0, None), (2, 100.0)]),
        )

    def test_run_cuts_orders_in_the_company_time_zone(self):
        _early, newcomer = self._orders_around_new_year()
        self.company.partner_id.tz = "Asia/Shanghai"
        run = self._run(newcomer, date_to=date(2026, 12, 31), user=self.manager)
        self.assertEqual(run.total_margin, 600)  # the New Year order is 2027's
        self.assertEqual(self._line(run, newcomer, "purchase_frequency").raw_value, 2)

    def test_company_time_zone_from_settings(self):
        """Odoo shows no time zone on the company's contact: the settings set it."""
        early, newcomer = self._orders_around_new_year()
        self.company.partner_id.tz = False
        sysadmin = new_test_user(
            self.env,
            login="cg_sysadmin",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        settings = Form(self.env["res.config.settings"].with_user(sysadmin))
        settings.grading_company_tz = "Asia/Shanghai"
        settings.save().execute()
        self.assertEqual(self.company.partner_id.tz, "Asia/Shanghai")
        self.assertEqual(
            self._quarter(early | newcomer, date(2026, 10, 1), date(2026, 12, 31)),
            (500.0, [(0, None), (2, 50.0)]),
        )
