from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    """What installing customer_grading alone puts in a database."""

    def test_no_demo_generator(self):
        """The demo generator lives in the customer_grading_demo addon: a
        production database with customer_grading only has no such model."""
        self.assertNotIn("customer.grading.demo", self.env)
        self.assertFalse(
            self.env["ir.model"].search_count([("model", "=", "customer.grading.demo")])
        )
        self.assertFalse(
            self.env["ir.module.module"].search_count(
                [("name", "=", "customer_grading_demo"), ("state", "=", "installed")]
            )
        )
