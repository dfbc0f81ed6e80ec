"""18.0.1.2.0: the grade lifecycle. A result keeps the grade its score gave
(``computed_level_id``) beside the grade it gives, which an override may
change: for the results stored before, both are the same."""

from odoo.tools import SQL


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
