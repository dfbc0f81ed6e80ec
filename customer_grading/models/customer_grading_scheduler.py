"""The scheduled actions of the grading runs: the quarterly grading of
every company, and the bounded steps that compute and publish the queued
runs in the background."""

import logging

from psycopg2 import OperationalError

from odoo import api, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY

from ..tools import periods
from .customer_grading_run import ACTIVE_STATES

_logger = logging.getLogger(__name__)


class CustomerGradingScheduler(models.AbstractModel):
    _name = "customer.grading.scheduler"
    _description = "Customer Grading Scheduler"

    @api.model
    def _grade_last_quarter(self):
        """Queue the grading of the quarter that just ended, once per company.

        Idempotent: a company whose quarter already has a run (but a
        cancelled or replaced one) keeps it as it is; one still computing is
        resumed. A company without a grading scheme is reported in the log.
        """
        companies = self.env["res.company"].search([])
        without_scheme = companies.filtered(lambda company: not company.grading_scheme_id)
        if without_scheme:
            _logger.warning(
                "Customer grading: %s has no grading scheme; its customers are not graded. "
                "Choose one in Settings › Customer Grading.",
                ", ".join(without_scheme.mapped("name")),
            )
        Run = self.env["customer.grading.run"]
        runs = Run.browse()
        for company in companies - without_scheme:
            # the quarter that ended in the company's time zone
            _date_from, date_to = periods.last_ended_quarter(company._grading_today())
            label = periods.quarter_label(date_to)
            run = Run.search(
                [
                    ("company_id", "=", company.id),
                    ("period_label", "=", label),
                    ("is_partial", "=", False),
                    ("state", "in", ACTIVE_STATES),
                ],
                order="id desc",
                limit=1,
            )
            if not run:
                run = Run.create(
                    {
                        "company_id": company.id,
                        "scheme_id": company.grading_scheme_id.id,
                        "date_to": date_to,
                        "period_label": label,
                        "auto_apply": True,
                    }
                )
                run._queue()
            runs |= run
        if runs.filtered_domain(self._waiting_domain()):
            self._trigger_workers()
        return runs

    @api.model
    def _process_runs(self):
        """Do one bounded step of the oldest run waiting for the scheduler
        that has work for this worker.

        The scheduler commits after each call and calls again while work
        remains, so an interruption loses one batch at most. Several
        workers may call it at once (see :meth:`_trigger_workers`): each
        takes batches no other one holds, and skips what another holds
        rather than wait. A batch that meets a concurrent update of the
        same rows is rolled back alone and tried again in a new
        transaction. Returns the remaining work.
        """
        Run = self.env["customer.grading.run"]
        done = 0
        for run in Run.search(self._waiting_domain(), order="id"):
            try:
                with self.env.cr.savepoint():
                    done = run._process_step()
            except OperationalError as error:
                if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise
                _logger.info("Grading run %s met a concurrent update; retrying the batch", run.id)
                self._trigger_workers()
                break
            if done:
                break
        remaining = sum(other._remaining_work() for other in Run.search(self._waiting_domain()))
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    @api.model
    def _trigger_workers(self):
        """Wake the workers of the queued runs: every active scheduled action
        that processes them. *Customer Grading: compute queued runs* is
        shipped twice, so that Odoo's two cron threads (its default) grade
        a run together; a copy of it adds a worker."""
        # ir.cron is readable by administrators only; the scheduled actions are
        # only triggered, which any user starting a run may do
        crons = (
            self.env["ir.cron"]
            .sudo()
            .search(
                [
                    ("model_id.model", "=", "customer.grading.run"),
                    ("code", "=", "model._cron_process_runs()"),
                ]
            )
        )
        for cron in crons:
            cron._trigger()

    @api.model
    def _waiting_domain(self):
        return [("state", "in", ("queued", "computing", "publishing"))]
