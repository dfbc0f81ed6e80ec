from contextlib import contextmanager
from datetime import date, datetime

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# The graded period of most tests: the twelve months ending on 2026-09-30.
DATE_FROM = date(2025, 10, 1)
DATE_TO = date(2026, 9, 30)


class GradingCase(AccountTestInvoicingCommon):
    """A company with accounting, the standard scheme, salespeople and helpers
    that create the sales and accounting documents the indicators read."""

    @classmethod
    def get_default_groups(cls):
        # the tests' own user administers sales, hence grading
        return super().get_default_groups() | cls.env.ref("sales_team.group_sale_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.scheme = cls.env.ref("customer_grading.scheme_standard")
        cls.company.grading_scheme_id = cls.scheme
        # the tests of grading publish computed runs directly (see test_lifecycle)
        cls.company.grading_review_required = False
        cls.levels = {level.code: level for level in cls.scheme.level_ids}
        cls.indicators = {indicator.code: indicator for indicator in cls.scheme.indicator_ids}
        cls.term_30 = cls.env["account.payment.term"].create(
            {
                "name": "30 days",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        cls.salesman_1 = new_test_user(
            cls.env,
            login="cg_sales_1",
            name="Sales One",
            groups="sales_team.group_sale_salesman",
        )
        cls.salesman_2 = new_test_user(
            cls.env,
            login="cg_sales_2",
            name="Sales Two",
            groups="sales_team.group_sale_salesman",
        )
        cls.manager = new_test_user(
            cls.env,
            login="cg_manager",
            name="Grading Manager",
            groups="base.group_user,customer_grading.group_customer_grading_manager",
        )
        cls.admin = new_test_user(
            cls.env,
            login="cg_admin",
            name="Grading Admin",
            groups="base.group_user,customer_grading.group_customer_grading_admin",
        )

    # --- documents ------------------------------------------------------

    @classmethod
    def _customer(cls, name, user=None, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "customer_rank": 1,
                "user_id": user.id if user else False,
                "property_payment_term_id": cls.term_30.id,
                **values,
            }
        )

    @classmethod
    def _invoice(
        cls, partner, amount, invoice_date, move_type="out_invoice", post=True, company=None
    ):
        company = company or cls.company
        journal = cls.env["account.journal"].search(
            [
                ("company_id", "=", company.id),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "journal_id": journal.id,
                    "invoice_date": invoice_date,
                    "invoice_payment_term_id": cls.term_30.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Service",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, payment_date, amount=None):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=invoice.ids,
            )
            .create({"payment_date": payment_date, **({"amount": amount} if amount else {})})
        )
        return wizard._create_payments()

    @classmethod
    def _order(cls, partner, order_date, price=1000.0, cost=800.0, confirm=True, company=None):
        company = company or cls.company
        product = cls.env["product.product"].create(
            {
                "name": "Grading product",
                "list_price": price,
                "standard_price": cost,
            }
        )
        order = (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": 1,
                                "price_unit": price,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if confirm:
            order.action_confirm()
            order.date_order = datetime.combine(order_date, datetime.min.time().replace(hour=10))
        return order

    @contextmanager
    def assertRefused(self, exception, message):
        """The block raises ``exception`` with ``message`` and changes nothing."""
        with self.assertRaises(exception) as catcher:  # rolled back to a savepoint
            yield catcher
        self.assertRegex(str(catcher.exception), message)

    # --- grading --------------------------------------------------------

    @classmethod
    def _value(cls, partner, indicator, value=None, option=None, **extra):
        """Enter a manual value; ``indicator`` is a record or a standard code."""
        if isinstance(indicator, str):
            indicator = cls.indicators[indicator]
        vals = {"partner_id": partner.id, "indicator_id": indicator.id, **extra}
        if option is not None:
            vals["option_id"] = indicator.option_ids.filtered(lambda o: o.name == option).id
        else:
            vals["value"] = value
        return cls.env["customer.grading.value"].create(vals)

    def _run(self, partners=None, date_to=DATE_TO, user=None, **values):
        Run = self.env["customer.grading.run"]
        if user:
            Run = Run.with_user(user)
        run = Run.create(
            {
                "date_to": date_to,
                **({"partner_ids": [Command.set(partners.ids)]} if partners else {}),
                **values,
            }
        )
        run.action_compute()
        return run

    def _result(self, run, partner):
        return run.result_ids.filtered(lambda result: result.partner_id == partner)

    def _line(self, run, partner, code):
        return self._result(run, partner).line_ids.filtered(
            lambda line: line.indicator_id.code == code
        )

    @classmethod
    def _use_manual_scheme(cls, weights):
        """A scheme of manual 0–100 indicators only, to aim scores precisely."""
        scheme = cls.env["customer.grading.scheme"].create(
            {
                "name": "Manual",
                "company_id": cls.company.id,
                "dimension_ids": [
                    Command.create(
                        {
                            "name": "All",
                            "indicator_ids": [
                                Command.create(
                                    {
                                        "code": code,
                                        "name": code,
                                        "weight": weight,
                                        "source": "manual",
                                        "scoring_rule": "direct",
                                        "sequence": sequence,
                                    }
                                )
                                for sequence, (code, weight) in enumerate(weights.items())
                            ],
                        }
                    )
                ],
                "level_ids": [
                    Command.create({"code": "A", "name": "A", "sequence": 1, "min_score": 85}),
                    Command.create({"code": "B", "name": "B", "sequence": 2, "min_score": 70}),
                    Command.create({"code": "C", "name": "C", "sequence": 3, "min_score": 55}),
                    Command.create({"code": "D", "name": "D", "sequence": 4, "min_score": 0}),
                ],
            }
        )
        cls.company.grading_scheme_id = scheme
        return scheme
