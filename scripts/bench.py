#!/usr/bin/env python3
"""Benchmark of customer_grading on a scratch database (``make bench``).

Creates a database with the addon, loads synthetic but valid sales and
accounting data with SQL bulk inserts, then measures a full grading run
against one hand-written grouped SQL statement (the floor), a what-if
preview of the standard scheme and of the RFM preset, the scheduled action's
batches, one customer graded on demand, and the customer list and
form. Prints one table, then one run by two workers compared with one
(bench_parallel.py); the database is dropped unless ``--keep`` is given.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import psycopg2.sql
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

import devtool
from bench_actions import contract_checks, receivable_reviews, scheduled_action, visit_reminders
from bench_data import (
    RUN_DATE,
    generate,
    measured,
    odoo_env,
    repeated,
    slowest_statements,
    statement_times,
)
from bench_floor import measures_floor, write_floor
from bench_reports import dashboard, export_run
from bench_table import report

SAMPLE = 500


# --- measurements --------------------------------------------------------------

MEASURES = (
    "annual_amount",
    "purchase_frequency",
    "profit_contribution",
    "growth_trend",
    "payment_record",
    "repeat_purchase",
)


def measure(db):
    """Run every measurement; print them as JSON (run in its own process)."""
    out = {}
    with odoo_env(db) as env:
        out["machine"] = _machine(env)
        _reset_grades(env)
        out.update(_volumes(env))
        run, out["full"] = _full_run(env)
        out["write_floor"] = write_floor(env, run, lambda: _vacuum_grades(db))
        out["export"] = _export(env, run)
        out["preview"] = repeated(
            lambda: _preview(env, env.ref("customer_grading.scheme_standard"))
        )
        out["preview_rfm"] = repeated(lambda: _preview(env, env.ref("customer_grading.scheme_rfm")))
        out["visits"] = visit_reminders(env)
        out["reviews"] = receivable_reviews(env)
        out["contracts"] = contract_checks(env)
        rows, out["floor"] = measures_floor(env, run.company_id)
        sample = _sample(env, run)
        out.update(_compare_with_floor(env, run, rows, sample))
        out["other_user_mismatches"] = _other_user_mismatches(env, run, sample[:200])
        # on demand and the scheduled action publish at once: without review
        run.company_id.grading_review_required = False
        env.cr.commit()
        customers = env["res.partner"].browse(sample[:3])
        out["single"] = _single_customer(env, customers[:2])
        # customers list (80 rows with the grade columns) and one form with its Grading page
        out["list"] = _list_queries(env, 80)
        out["list_20"] = _list_queries(env, 20)
        out["form"] = _form_queries(env, customers[2])
        out["cron"] = scheduled_action(env)
        out["policies"] = _publication_with_policies(env, run)
        out["background"] = _background_publication(env, run)
        out["dashboard"] = dashboard(env)
    print(json.dumps(out))


def _machine(env):
    """What the figures were measured on."""
    import odoo  # noqa: PLC0415

    env.cr.execute("SHOW server_version")
    return {
        "cores": os.cpu_count(),
        "postgresql": env.cr.fetchone()[0],
        "python": platform.python_version(),
        "odoo": odoo.release.version,
    }


def _export(env, run):
    """The run's Excel export, three times; the memory of the first (the
    next ones reuse what the process allocated)."""
    exports = []

    def once():
        exports.append(export_run(env, run))
        return exports[-1]

    figures = repeated(once)
    figures["extra_mb"], figures["peak_reset"] = exports[0]["extra_mb"], exports[0]["peak_reset"]
    return figures


def _reset_grades(env):
    """Start from ungraded customers, so that the measurements can be repeated."""
    env.cr.execute("DELETE FROM customer_grading_run")
    env.cr.execute(
        """
        UPDATE res_partner SET grading_level_id = NULL, grading_score = NULL,
               grading_date = NULL, grading_result_id = NULL, grading_state = NULL
         WHERE grading_date IS NOT NULL
        """
    )
    env.cr.commit()


def _volumes(env):
    counts = {}
    for key, query in (
        (
            "invoice_lines",
            "SELECT COUNT(*) FROM account_move_line"
            " WHERE display_type = 'product' AND name = 'Bench line'",
        ),
        ("payments", "SELECT COUNT(*) FROM account_partial_reconcile"),
        ("orders", "SELECT COUNT(*) FROM sale_order WHERE state = 'sale'"),
    ):
        env.cr.execute(query)
        counts[key] = env.cr.fetchone()[0]
    return counts


def _full_run(env):
    """Compute and store a run over all customers of the main company, then
    submit it for review and approve it, which publishes it (the company
    reviews grades before publication, as by default). Three times when under
    10 s, the first two rolled back (and the tables vacuumed), the last kept;
    with the SQL time of each kind of statement."""
    Run = env["customer.grading.run"].with_company(env.ref("base.main_company"))
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = []

    def once():
        with statement_times() as statements, measured(env.cr) as computed:
            run = Run.create({"date_to": RUN_DATE})
            with measured(env.cr) as compute:
                run.action_compute()
                env.flush_all()
            run.action_submit_review()
            env.flush_all()
            with measured(env.cr) as published:
                run.action_approve()  # hands the publication to the scheduled action
                run._publish()  # all its batches, here in one transaction
                env.flush_all()
        runs.append(run)
        return {
            "seconds": computed["seconds"],
            "queries": computed["queries"],
            "publish": published,
            "compute_seconds": compute["seconds"],
            "compute_queries": compute["queries"],
            "sql_seconds": sum(seconds for _queries, seconds in statements.values()),
            "statements": slowest_statements(statements),
        }

    def restore():
        env.cr.rollback()
        _vacuum_grades(env.cr.dbname)

    full = repeated(once, restore)
    run = runs[-1]
    full["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full["peak_before_mb"] = memory_before / 1024
    full["customers"] = len(run.result_ids)
    env.cr.commit()
    # statistics for the comparison queries below (autovacuum may not have run yet)
    env.cr.execute("ANALYZE customer_grading_result, customer_grading_result_line")
    return run, full


def _publication_with_policies(env, run):
    """The full run's period graded again and published: without the grade
    policies; with them, when they change the terms of every customer (the
    first publication after the company turns them on: the worst case); then
    without them again, the customers and contacts now carrying terms (wider
    rows, three more indexes written: the baseline of the next case); and
    with them when the credit limit of the second grade (B) changed (only
    that grade's customers get new terms). Elimination reviews off, so that
    only the policies differ. Returns ``{"without"|"every customer"|"without,
    terms set"|"one grade": figures}``, each with the number of customers
    whose terms changed."""
    company = run.company_id
    company.grading_elimination_periods = 0
    term = env["account.payment.term"].search([("company_id", "in", (company.id, False))], limit=1)
    levels = run.scheme_id.level_ids.with_company(company)
    for index, level in enumerate(levels):
        level.write({"payment_term_id": term.id, "credit_limit": 10000.0 * (index + 1)})
    figures = {}
    for key in ("without", "every customer", "without, terms set", "one grade"):
        company.grading_apply_policies = not key.startswith("without")
        if key == "one grade":
            levels[1].credit_limit += 1000.0
        in_force = env["customer.grading.run"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "applied"),
                ("is_partial", "=", False),
            ],
            order="id desc",
            limit=1,
        )
        again = env["customer.grading.run"].browse(in_force.action_regrade_period()["res_id"])
        again.action_compute()
        env.cr.commit()
        # each publication rewrites every customer's row: start each from a
        # vacuumed table, so that one case does not pay for the previous one's
        _vacuum(env.cr.dbname, "res_partner", "customer_grading_result")

        def once(again=again):
            with measured(env.cr) as published:
                again.action_apply()
                again._publish()  # all batches in one transaction
                env.flush_all()
            published["changed"] = env["customer.grading.result"].search_count(
                [("run_id", "=", again.id), ("policy_note", "!=", False)]
            )
            # Odoo keeps the terms on a customer's contacts: each is a row written too
            env.cr.execute(
                """
                SELECT COUNT(*) FROM res_partner c
                  JOIN customer_grading_result r ON r.partner_id = c.commercial_partner_id
                 WHERE r.run_id = %s AND r.policy_note IS NOT NULL AND c.id != r.partner_id
                """,
                [again.id],
            )
            published["contacts"] = env.cr.fetchone()[0]
            return published

        def restore():  # the same publication again, from the same vacuumed tables
            env.cr.rollback()
            _vacuum(env.cr.dbname, "res_partner", "customer_grading_result")

        figures[key] = repeated(once, restore)
        env.cr.commit()
    return figures


def _background_publication(env, run):
    """The period graded again and published from the interface: the button
    hands it to the scheduled action, which publishes it batch by batch, one
    transaction each (without grade policies); three times under 10 s, each
    time a new grading of the period."""
    run.company_id.grading_apply_policies = False
    return repeated(lambda: _background_publication_once(env, run))


def _background_publication_once(env, run):
    company = run.company_id
    in_force = env["customer.grading.run"].search(
        [("company_id", "=", company.id), ("state", "=", "applied"), ("is_partial", "=", False)],
        order="id desc",
        limit=1,
    )
    again = env["customer.grading.run"].browse(in_force.action_regrade_period()["res_id"])
    again.action_compute()
    env.cr.commit()
    _vacuum(env.cr.dbname, "res_partner", "customer_grading_result")
    with measured(env.cr) as request:
        again.action_apply()
        env.cr.commit()
    batches = []
    with measured(env.cr) as cron:
        remaining = True
        while remaining:
            start = time.perf_counter()
            remaining = env["customer.grading.run"]._cron_process_runs()
            env.cr.commit()
            batches.append(time.perf_counter() - start)
    cron.update(
        request=request["seconds"],
        batches=len(batches),
        slowest=max(batches),
        state=again.state,
    )
    return cron


def _vacuum_grades(db):
    """Vacuum the tables a run writes (after a rolled-back one)."""
    _vacuum(
        db,
        "res_partner",
        "customer_grading_run",
        "customer_grading_result",
        "customer_grading_result_line",
    )


def _vacuum(db, *tables):
    conn = devtool._connect(db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(
            psycopg2.sql.SQL("VACUUM ANALYZE {}").format(
                psycopg2.sql.SQL(", ").join(map(psycopg2.sql.Identifier, tables))
            )
        )
    conn.close()


def _preview(env, scheme):
    """A what-if preview over all customers of the main company with
    ``scheme``, compared with the grades the full run gave; then checks that
    it wrote no run, result nor grade."""
    company = env.ref("base.main_company")

    def written():
        env.cr.execute(
            """
            SELECT (SELECT COUNT(*) FROM customer_grading_run),
                   (SELECT MAX(id) FROM customer_grading_result),
                   (SELECT MAX(write_date) FROM res_partner)
            """
        )
        return env.cr.fetchone()

    before = written()
    Preview = env["customer.grading.preview"].with_company(company)
    with measured(env.cr) as figures:
        preview = Preview.create({"scheme_id": scheme.id, "date_to": RUN_DATE})
        preview.action_compute()
        env.flush_all()
    figures["customers"] = preview.customer_count
    figures["changed"] = preview.changed_count
    figures["comparison"] = preview.comparison
    figures["wrote"] = written() != before
    env.cr.rollback()
    return figures


def _run_values(env, run):
    """``{partner id: {measure: raw value}}`` of the automatic indicators of ``run``."""
    env.cr.execute(
        """
        SELECT r.partner_id, i.measure, l.raw_value
          FROM customer_grading_result r
          JOIN customer_grading_result_line l ON l.result_id = r.id
          JOIN customer_grading_indicator i ON i.id = l.indicator_id
         WHERE r.run_id = %s AND i.source = 'auto'
        """,
        [run.id],
    )
    values = {}
    for partner_id, code, value in env.cr.fetchall():
        values.setdefault(partner_id, {})[code] = value
    return values


def _sample(env, run):
    partner_ids = sorted(_run_values(env, run))
    return partner_ids[:: max(1, len(partner_ids) // SAMPLE)][:SAMPLE]


def _floor_value(code, value):
    """The floor's figure as the run stores it: no document counts as 0."""
    if value is None and code in ("annual_amount", "purchase_frequency"):
        return 0.0
    return None if value is None else float(value)


def _compare_with_floor(env, run, rows, sample):
    run_values = _run_values(env, run)
    mismatches = []
    for partner_id in sample:
        expected = dict(
            zip(MEASURES, rows.get(partner_id, (0, 0, 0, None, None, None)), strict=True)
        )
        for code, value in run_values[partner_id].items():
            floor_value = _floor_value(code, expected[code])
            if (value is None) != (floor_value is None) or (
                value is not None and abs(value - floor_value) > 0.01
            ):
                mismatches.append((partner_id, code, value, floor_value))
    return {
        "checked": len(sample),
        "mismatches": len(mismatches),
        "mismatch_examples": mismatches[:5],
    }


def _other_user_mismatches(env, run, partner_ids):
    """The same customers graded by a manager without sales or accounting rights."""
    manager = env["res.users"].search([("login", "=", "bench_manager")])
    partial = (
        env["customer.grading.run"]
        .with_user(manager)
        .with_company(run.company_id)
        .create({"date_to": RUN_DATE, "partner_ids": [(6, 0, partner_ids)]})
    )
    partial.action_compute()
    env.cr.execute(
        """
        SELECT r.partner_id, l.indicator_id, l.raw_value
          FROM customer_grading_result_line l
          JOIN customer_grading_result r ON r.id = l.result_id
         WHERE r.run_id = %s
        EXCEPT
        SELECT r.partner_id, l.indicator_id, l.raw_value
          FROM customer_grading_result_line l
          JOIN customer_grading_result r ON r.id = l.result_id
         WHERE r.run_id = %s
        """,
        [partial.id, run.id],
    )
    mismatches = len(env.cr.fetchall())
    env.cr.rollback()
    return mismatches


def _single_customer(env, customers):
    """One customer on demand (warm registry and caches, as on a live server)."""

    def once():
        customers[0].action_grading_regrade()  # warm registry and caches
        with measured(env.cr) as single:
            customers[1].action_grading_regrade()
            env.flush_all()
        env.cr.rollback()
        return single

    return repeated(once)


def _specification(model, arch):
    """The field specification the web client sends for a view: the view's
    fields, and for each one2many the columns of its list."""
    spec = {}
    for node in arch.iter("field"):
        if any(ancestor.tag == "field" for ancestor in node.iterancestors()):
            continue  # a column of a one2many list, handled with its field
        field = model._fields.get(node.get("name"))
        if not field:
            continue
        if field.type in ("one2many", "many2many"):
            comodel = model.env[field.comodel_name]
            inline = node.find("list")
            if inline is None:
                inline = etree.fromstring(
                    comodel.get_views([(False, "list")])["views"]["list"]["arch"]
                )
            spec[field.name] = {"fields": _specification(comodel, inline)}
        elif field.type == "many2one":
            spec[field.name] = {"fields": {"display_name": {}}}
        else:
            spec[field.name] = {}
    return spec


def _view_specification(model, view_type):
    arch = model.get_views([(False, view_type)])["views"][view_type]["arch"]
    return _specification(model, etree.fromstring(arch))


def _list_queries(env, limit):
    """Queries of the customers list, as the web client loads it (caches warm)."""
    Partner = env["res.partner"].with_user(env.ref("base.user_admin"))
    spec = _view_specification(Partner, "list")
    Partner.web_search_read([("customer_rank", ">", 0)], spec, limit=limit)
    env.invalidate_all()
    with measured(env.cr) as figures:
        Partner.web_search_read(
            [("customer_rank", ">", 0), ("parent_id", "=", False)], spec, limit=limit
        )
    return figures


def _form_queries(env, partner):
    partner = partner.with_user(env.ref("base.user_admin"))
    spec = _view_specification(partner, "form")
    partner.web_read(spec)
    env.invalidate_all()
    with measured(env.cr) as figures:
        partner.web_read(spec)
    return figures


def _two_workers(database):
    """One run by two workers at once, compared with one worker (bench_parallel.py)."""
    devtool.info("one run by two workers")
    script = Path(__file__).resolve().with_name("bench_parallel.py")
    result = subprocess.run(
        [sys.executable, str(script), "--database", database],
        capture_output=True,
        text=True,
        check=False,
    )
    print("\n".join(result.stdout.strip().splitlines()[:-1]))
    if result.returncode:
        sys.stderr.write(result.stderr[-5000:])
        devtool.fail("two workers did not give the results of one")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--database", default="customer_grading_bench")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        measure(args.database)
        return
    devtool.check_odoo()
    devtool.ensure_postgres()
    devtool.drop_database(args.database)
    devtool.info(f"creating {args.database} with customer_grading")
    devtool.odoo_setup(args.database, ["-i", devtool.ADDON, "--without-demo=all"])
    devtool.info(f"loading {args.customers:,} customers and their documents")
    start = time.perf_counter()
    generate(args.database, args.customers)
    load_seconds = time.perf_counter() - start
    devtool.info("measuring")
    result = subprocess.run(
        [sys.executable, __file__, "--measure-only", "--database", args.database],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.stderr.write(result.stderr[-5000:])
        devtool.fail("the measurements failed")
    report(args, json.loads(result.stdout.strip().splitlines()[-1]), load_seconds)
    _two_workers(args.database)
    if not args.keep:
        devtool.drop_database(args.database)


if __name__ == "__main__":
    main()
