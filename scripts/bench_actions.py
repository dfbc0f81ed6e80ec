"""The benchmark's scheduled actions over every customer (``make bench``),
called step by step as Odoo's scheduler calls them, each step its own
transaction: the grading run's, the daily visit action, the receivables
reviews' preparation."""

import time
from datetime import date

from bench_data import measured, slowest_statements, statement_times


def _steps(env, action):
    """Call ``action`` as the scheduler does, committing after each call,
    while it reports work left; the seconds of each call."""
    durations = []
    remaining = True
    while remaining:
        start = time.perf_counter()
        remaining = action()
        env.cr.commit()
        durations.append(time.perf_counter() - start)
    return durations


def visit_reminders(env):
    """The daily visit action over every graded customer: two done visits for
    two customers in three this month, then the compliance overview rebuilt and
    the reminders scheduled, step by step as the scheduler calls it, each step
    its own transaction; then again the next day (reminders open)."""
    today = date.today()
    env.cr.execute(
        """
        INSERT INTO customer_grading_visit (company_id, user_id, partner_id, visit_date,
                                            visit_day, visit_type, state, duration,
                                            create_date, write_date, create_uid, write_uid)
        SELECT %(company)s, p.user_id, p.id, %(day)s::date + TIME '09:00', %(day)s,
               'on_site', 'done', 1.0, NOW(), NOW(), 1, 1
          FROM res_partner p, generate_series(1, 2)
         WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 3 <> 0
        """,
        {"company": env.ref("base.main_company").id, "day": today.replace(day=1)},
    )
    env.cr.execute("ANALYZE customer_grading_visit")
    env.cr.commit()
    Compliance = env["customer.grading.visit.compliance"]
    with measured(env.cr) as figures:
        durations = _steps(env, Compliance._cron_visit_reminders)
    figures["steps"], figures["slowest"] = len(durations), max(durations)
    figures["rows"] = Compliance.search_count([])
    figures["behind"] = Compliance.search_count([("is_behind", "=", True)])
    with measured(env.cr) as again:
        durations = _steps(env, Compliance._cron_visit_reminders)
    figures["again_seconds"] = again["seconds"]
    figures["again_slowest"] = max(durations)
    return figures


def receivable_reviews(env):
    """This month's receivables reviews prepared by the scheduled action, step
    by step as the scheduler calls it, each step its own transaction."""
    env["res.company"].search([]).grading_receivable_review_day = 1  # due today
    env.cr.commit()
    Review = env["customer.grading.receivable.review"]
    with measured(env.cr) as figures:
        durations = _steps(env, Review._cron_prepare_reviews)
    figures["steps"], figures["slowest"] = len(durations), max(durations)
    figures["lines"] = env["customer.grading.receivable.review.line"].search_count([])
    return figures


def contract_checks(env):
    """The nightly contract check over every graded customer: the lists of
    customers whose grade requires a contract and who have none, one
    reminder per salesperson, each with its activity; the first night (no
    list yet) and the next (the lists kept)."""
    Reminder = env["customer.grading.contract.reminder"]
    figures = {}
    for night in ("first", "next"):
        with measured(env.cr) as figures[night]:
            Reminder._cron_check_contracts()
            env.flush_all()
        env.cr.commit()
    figures["customers"] = sum(len(reminder.partner_ids) for reminder in Reminder.search([]))
    figures["lists"] = Reminder.search_count([])
    return figures


def scheduled_action(env):
    """The scheduled action, batch by batch, one transaction each; the time of
    each kind of step (start, rank populations, computed batch, published
    batch) and its slowest SQL statements."""
    run = (
        env["customer.grading.run"]
        .with_company(env.ref("base.main_company"))
        .create({"date_to": date(2026, 6, 30), "auto_apply": True})
    )
    run._queue()
    env.cr.commit()
    batches = []
    steps = {}
    kind = [None]
    with statement_times(lambda: kind[0]) as statements, measured(env.cr) as cron:
        remaining = True
        while remaining:
            kind[0] = _step_kind(run)
            start = time.perf_counter()
            remaining = env["customer.grading.run"]._cron_process_runs()
            env.cr.commit()
            batches.append(time.perf_counter() - start)
            steps.setdefault(kind[0], []).append(batches[-1])
    cron["batches"] = len(batches)
    cron["slowest"] = max(batches)
    cron["steps"] = {
        name: {
            "count": len(times),
            "seconds": sum(times),
            "slowest": max(times),
            "statements": slowest_statements(statements.get(name, {}), 3),
        }
        for name, times in steps.items()
    }
    return cron


def _step_kind(run):
    """What the scheduled action's next step does for ``run``."""
    run.invalidate_recordset()
    if run.state == "queued":
        return "start"
    if run.state == "computing":
        if run.env["customer.grading.computation"]._needs_rank_populations(run):
            return "rank populations"
        return "computed batch"
    return "published batch" if run.state in ("publishing", "computed") else run.state
