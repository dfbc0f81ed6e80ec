"""18.0.1.1.0: hardening of the grade history, the company settings and the
activities.

- Result lines keep the dimension their indicator had when graded: fill it
  from the indicators for the lines stored before.
- The reference period, review interval and "grade customers without data"
  move from the (shared) scheme to each company: every company starts with
  the values of the scheme it grades with.
- 'Visit due' reminders sit on the company's row of the visit compliance,
  not on the customer: the old ones are removed, and the next run of the
  daily action reminds again, per company.
- The quarterly action runs at noon UTC, when every company's quarter has
  ended in its own time zone.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, sql


def _fill_line_dimensions(cr):
    cr.execute(
        SQL(
            """
            UPDATE customer_grading_result_line l
               SET dimension_id = i.dimension_id
              FROM customer_grading_indicator i
             WHERE i.id = l.indicator_id AND l.dimension_id IS NULL
            """
        )
    )


def _company_settings_from_schemes(cr):
    if not sql.column_exists(cr, "customer_grading_scheme", "period_months"):
        return
    cr.execute(
        SQL(
            """
            UPDATE res_company c
               SET grading_period_months = s.period_months,
                   grading_stale_after_days = s.stale_after_days,
                   grading_grade_insufficient_data = COALESCE(s.grade_insufficient_data, FALSE)
              FROM customer_grading_scheme s
             WHERE s.id = c.grading_scheme_id
            """
        )
    )


def _move_visit_reminders(env):
    visit_due = env.ref("customer_grading.mail_activity_type_visit_due", raise_if_not_found=False)
    if not visit_due:
        return
    visit_due.res_model = "customer.grading.visit.compliance"
    elimination = env.ref("customer_grading.mail_activity_type_elimination_review")
    elimination.res_model = "customer.grading.result"
    env["mail.activity"].search(
        [("res_model", "=", "res.partner"), ("activity_type_id", "=", visit_due.id)]
    ).unlink()
    env.ref("customer_grading.ir_cron_visit_reminders")._trigger()


def _quarterly_action_at_noon(env):
    cron = env.ref("customer_grading.ir_cron_grade_quarter", raise_if_not_found=False)
    if cron and cron.nextcall.hour == 2:
        cron.nextcall = cron.nextcall.replace(hour=12, minute=0, second=0)


def migrate(cr, version):
    if not version:
        return
    _fill_line_dimensions(cr)
    _company_settings_from_schemes(cr)
    env = api.Environment(cr, SUPERUSER_ID, {})
    _move_visit_reminders(env)
    _quarterly_action_at_noon(env)
