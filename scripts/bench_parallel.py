#!/usr/bin/env python3
"""Two workers on one grading run (``make bench``, or alone on a kept bench
database: ``python3 scripts/bench_parallel.py --database customer_grading_bench``).

A full run of the main company is computed by the scheduled action's step
(``_cron_process_runs``), one transaction per call as ``ir.cron`` does: by
one worker, then by two at once — two threads of one process (Odoo's
threaded server, two cron threads) and two processes (its prefork server,
two cron workers). The results of each (scores, grades, breakdown lines)
are compared with those of the single worker. Prints one line per mode and
the JSON of the figures."""

import argparse
import json
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_data import odoo_env

PERIOD_END = date(2026, 6, 30)
FIGURES = """
    SELECT r.partner_id, r.score, r.level_id, r.computed_level_id, r.trend, r.is_insufficient,
           r.is_blacklisted, r.previous_level_id, r.demotion_held,
           (SELECT json_agg(json_build_array(l.indicator_id, l.dimension_id, l.raw_value,
                                             l.option_id, l.has_value, l.score, l.weight,
                                             l.points)
                            ORDER BY l.indicator_id)
              FROM customer_grading_result_line l WHERE l.result_id = r.id)
      FROM customer_grading_result r
     WHERE r.run_id = %s
  ORDER BY r.partner_id
"""


def work(db, run_id):
    """One worker: call the scheduled action's step until the run is
    computed, committing after each call; ``{'steps', 'idle', 'seconds'}``."""
    import odoo  # noqa: PLC0415
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    figures = {"steps": 0, "idle": 0}
    start = time.perf_counter()
    with odoo.sql_db.db_connect(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        cron = env.ref("customer_grading.ir_cron_process_runs")
        progress = env["ir.cron.progress"].create({"cron_id": cron.id})
        Run = env["customer.grading.run"].with_context(ir_cron_progress_id=progress.id)
        cr.commit()
        while True:
            Run._cron_process_runs()
            done = progress.done
            cr.commit()
            figures["steps" if done else "idle"] += 1
            env.invalidate_all()
            if Run.browse(run_id).state not in ("queued", "computing"):
                break
            if not done:  # the other worker holds what is left: ir.cron would wait for a trigger
                time.sleep(0.02)
        progress.unlink()
        cr.commit()
    figures["seconds"] = time.perf_counter() - start
    return figures


def _queued_run(env):
    run = (
        env["customer.grading.run"]
        .with_company(env.ref("base.main_company"))
        .create({"date_to": PERIOD_END, "auto_apply": False})
    )
    run._queue()
    env.cr.commit()
    return run


def _figures(env, run):
    env.cr.execute(FIGURES, [run.id])
    return env.cr.fetchall()


def _drop(env, run):
    env.cr.execute("DELETE FROM customer_grading_result WHERE run_id = %s", [run.id])
    run.invalidate_recordset()
    run.action_cancel()
    run.unlink()
    env.cr.commit()


def _processes(db, run_id):
    """Two worker processes, started together once both have loaded Odoo."""
    command = [sys.executable, __file__, "--database", db, "--worker", str(run_id)]
    workers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for worker in workers:
        while (line := worker.stdout.readline()) and line.strip() != "ready":
            pass
    start = time.perf_counter()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    figures = [json.loads(worker.communicate()[0].strip().splitlines()[-1]) for worker in workers]
    return figures, time.perf_counter() - start


def _threads(db, run_id):
    figures = [None, None]

    def target(index):
        figures[index] = work(db, run_id)

    threads = [threading.Thread(target=target, args=(index,)) for index in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return figures, time.perf_counter() - start


def measure(db):
    """The run by one worker, then by two threads and by two processes."""
    out = {}
    with odoo_env(db) as env:
        env["customer.grading.run"].search(
            [("date_to", "=", PERIOD_END), ("state", "not in", ("applied", "replaced"))]
        ).action_cancel()
        env.cr.commit()
        run = _queued_run(env)
        alone = work(db, run.id)
        env.invalidate_all()
        expected = _figures(env, run)
        out["customers"] = len(expected)
        out["batches"] = -(-len(run.partner_queue) // run._batch_size())
        out["one"] = alone
        _drop(env, run)
        for mode, workers in (("threads", _threads), ("processes", _processes)):
            run = _queued_run(env)
            figures, seconds = workers(db, run.id)
            env.cr.rollback()
            env.invalidate_all()
            out[mode] = {
                "seconds": seconds,
                "workers": figures,
                "equal": run.state == "computed" and _figures(env, run) == expected,
            }
            _drop(env, run)
    return out


def report(out):
    one = out["one"]["seconds"]
    print(
        f"one run of {out['customers']:,} customers, {out['batches']} batches: "
        f"one worker {one:.2f} s"
    )
    for mode in ("threads", "processes"):
        figures = out[mode]
        steps = " + ".join(str(worker["steps"]) for worker in figures["workers"])
        print(
            f"two workers ({mode}): {figures['seconds']:.2f} s ({one / figures['seconds']:.2f}x),"
            f" steps {steps}, results equal to one worker's: {'yes' if figures['equal'] else 'NO'}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="customer_grading_bench")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        with odoo_env(args.database):  # the registry of the database, loaded first
            print("ready", flush=True)
            sys.stdin.readline()
            print(json.dumps(work(args.database, args.worker)))
        return
    out = measure(args.database)
    report(out)
    print(json.dumps(out))
    if not all(out[mode]["equal"] for mode in ("threads", "processes")):
        sys.exit(1)


if __name__ == "__main__":
    main()
