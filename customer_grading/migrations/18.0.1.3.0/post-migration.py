"""18.0.1.3.0: a run's computation is cut into batches that several workers
claim (``customer.grading.run.batch``). A run that was being computed has no
batches: it starts again from its first customer, its partial results
cleared."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            WITH restarted AS (
                UPDATE customer_grading_run SET state = 'queued'
                 WHERE state = 'computing'
             RETURNING id
            )
            DELETE FROM customer_grading_result
             WHERE run_id IN (SELECT id FROM restarted)
            """
        )
    )
