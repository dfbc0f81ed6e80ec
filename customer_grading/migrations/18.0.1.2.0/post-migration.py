"""18.0.1.2.0: the grade lifecycle and the policies per grade.

A result keeps the grade its score gave (``computed_level_id``) beside the
grade it gives, which an override may change: for the results stored before,
both are the same. The shipped grades get their contract, key-account and
order policies (the preset data is not updated on existing databases).
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

# xml id: (contract, key-account manager required, order above the credit limit)
SHIPPED_POLICIES = {
    "level_a": ("required", True, "warn"),
    "level_b": ("required", True, "warn"),
    "level_c": ("recommended", False, "warn"),
    "level_d": ("no", False, "block"),
    "level_s_a": ("required", True, "warn"),
    "level_s_b": ("required", True, "warn"),
    "level_s_c": ("recommended", False, "warn"),
}


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            UPDATE customer_grading_result
               SET computed_level_id = level_id
             WHERE computed_level_id IS NULL AND level_id IS NOT NULL
            """
        )
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, (contract, key_account, order_action) in SHIPPED_POLICIES.items():
        level = env.ref(f"customer_grading.{xmlid}", raise_if_not_found=False)
        if level:
            level.write(
                {
                    "contract_required": contract,
                    "key_account_required": key_account,
                    "order_action": order_action,
                }
            )
