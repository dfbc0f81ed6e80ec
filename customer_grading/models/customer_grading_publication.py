"""Publication of a run: its results given to the customers, batch by
batch (by the scheduled action, or at once for a small run), and what
follows — the run it replaces, the notes of the grade changes, the
elimination reviews, the salespeople's notices."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

GROUP_USER = "customer_grading.group_customer_grading_user"
REVIEW_ACTIVITY = "customer_grading.mail_activity_type_run_review"

# Grading columns of res.partner that publishing a run writes, one value per company.
PARTNER_GRADE_COLUMNS = (
    "grading_level_id",
    "grading_score",
    "grading_date",
    "grading_result_id",
    "grading_state",
)


class CustomerGradingPublication(models.AbstractModel):
    _name = "customer.grading.publication"
    _description = "Customer Grading Publication"

    @api.model
    def _submit_for_review(self, runs):
        """Put ``runs`` in review and give the company's grading managers one
        activity each to review them (not the submitter when a second reviewer
        is required)."""
        submitter = self.env.user if not self.env.su else self.env.user.browse()
        runs.write(
            {
                "state": "review",
                "submitted_by_id": submitter.id,
                "submitted_date": fields.Datetime.now(),
                "review_note": False,
                "approved_by_id": False,
                "approved_date": False,
            }
        )
        for run in runs:
            reviewers = run.company_id._grading_managers()
            if run.company_id.grading_review_second_person:
                reviewers -= submitter
            for reviewer in reviewers:
                run.with_context(lang=reviewer.lang).activity_schedule(
                    REVIEW_ACTIVITY, user_id=reviewer.id
                )

    @api.model
    def _queue_publication(self, runs):
        """Hand the publication of ``runs`` to the scheduled action, which
        publishes them batch by batch (see :meth:`_publish_step`)."""
        if not runs:
            return
        runs.write({"state": "publishing"})
        self.env["customer.grading.scheduler"]._trigger_workers()

    @api.model
    def _publish_step(self, run, limit=None):
        """Give the next batch of ``run``'s customers their grade; returns how
        many (0 once the run is published). The last batch marks the run
        published, the run it replaces replaced, and tells the salespeople.

        Only the grading columns of the customers are written, so that a
        user editing a customer at the same time keeps their change.
        """
        limit = limit or run._batch_size()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT id, partner_id, level_id FROM customer_grading_result
                 WHERE run_id = %(run_id)s AND id > %(applied)s
              ORDER BY id
                 LIMIT %(limit)s
                """,
                run_id=run.id,
                applied=run.applied_result_id,
                limit=limit,
            )
        )
        batch = self.env.cr.fetchall()
        result_ids = [result_id for result_id, _partner_id, _level_id in batch]
        if result_ids:
            self._apply_to_customers(
                run,
                {partner_id: (level_id, result_id) for result_id, partner_id, level_id in batch},
            )
            run.applied_result_id = result_ids[-1]
        if len(result_ids) < limit or not run._result_count(after=run.applied_result_id, limit=1):
            self._replace_previous_runs(run)
            run.write({"state": "applied", "applied_date": fields.Datetime.now()})
            if not run.is_partial:  # a re-grading on demand tells the manager who asked
                self._notify_salespeople(run)
        return len(result_ids)

    @api.model
    def _replace_previous_runs(self, run):
        """Once published, a full run takes over from the run published before
        it for the same period, which is kept, marked replaced."""
        if run.is_partial:
            return
        previous = run.search(
            [
                ("id", "!=", run.id),
                ("company_id", "=", run.company_id.id),
                ("period_label", "=", run.period_label),
                ("is_partial", "=", False),
                ("state", "=", "applied"),
            ]
        )
        # the scheduler publishes as OdooBot: name who asked for the publication,
        # else for the new grading
        user = run.publish_requested_by_id or (run.user_id if self.env.su else self.env.user)
        previous.write(
            {
                "state": "replaced",
                "replaced_by_id": run.id,
                "replaced_user_id": user.id,
                "replaced_date": fields.Datetime.now(),
            }
        )

    @api.model
    def _apply_to_customers(self, run, grades):
        """Give the results of ``run`` in ``grades`` (``{partner id: (grade id,
        result id)}``) to their customers: their
        grading columns in the run's company and, where the company applies
        grade policies, the terms of their grade, each customer written once
        (a customer written twice in a transaction costs a second row version
        and foreign-key checks); then the contacts' terms, the notes of the
        grade changes and of the policy, and the elimination reviews. Returns
        nothing."""
        Policy = self.env["customer.grading.policy"]
        terms = Policy._changes(run, grades)
        kept_ids = [
            result_id
            for partner_id, (_level, result_id) in grades.items()
            if partner_id not in terms
        ]
        rows = self._write_grades(run, kept_ids) if kept_ids else []
        if terms:
            changed_ids = [grades[partner_id][1] for partner_id in terms]
            rows += self._write_grades(run, changed_ids, terms=terms)
        self.env["res.partner"].invalidate_model(list(PARTNER_GRADE_COLUMNS))
        run._invalidate_results()
        Policy._write_terms(run.company_id, terms, contacts_only=True)
        self._note_policy_changes(Policy._notes(run, grades, terms))
        self._log_grade_changes(run, [row for row in rows if row[1] and row[1] != row[2]])
        lowest = run.scheme_id._lowest_level().id
        self._propose_eliminations(run, {row[0]: row[4] for row in rows if row[2] == lowest})

    @api.model
    def _write_grades(self, run, result_ids, terms=None):
        """Write the grading columns of the customers of ``result_ids`` in the
        run's company, one UPDATE; with ``terms`` (``{customer id: {field:
        (old, new)}}``), their new terms too. Returns the rows ``(partner id,
        previous grade id, grade id, score, result id)``."""
        key = str(run.company_id.id)
        Policy = self.env["customer.grading.policy"]
        policy_join = policy_set = SQL()
        if terms:
            policy_join = SQL("JOIN %s ON v.id = r.partner_id", Policy._values_table(terms))
            policy_set = SQL(", %s", Policy._assignments(run.company_id))
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET grading_level_id = CASE WHEN r.level_id IS NULL
                           THEN COALESCE(p.grading_level_id, '{}'::jsonb) - %(key)s
                           ELSE COALESCE(p.grading_level_id, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, r.level_id) END,
                       grading_score = COALESCE(p.grading_score, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, r.score),
                       grading_date = COALESCE(p.grading_date, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, %(date)s),
                       grading_result_id = COALESCE(p.grading_result_id, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, r.id),
                       grading_state = COALESCE(p.grading_state, '{}'::jsonb)
                                || jsonb_build_object(%(key)s, CASE WHEN r.level_id IS NULL
                                       THEN 'insufficient' ELSE 'graded' END)
                       %(policy_set)s
                  FROM customer_grading_result r %(policy_join)s
                 WHERE r.id = ANY(%(result_ids)s)
                   AND p.id = r.partner_id
             RETURNING r.partner_id, r.previous_level_id, r.level_id, r.score, r.id
                """,
                key=key,
                date=fields.Date.to_string(run.date_to),
                result_ids=result_ids,
                policy_set=policy_set,
                policy_join=policy_join,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _propose_eliminations(self, run, results):
        """Customers given the lowest grade by ``run`` and the full runs
        before it, for the company's number of periods in a row, are proposed
        to their sales manager for reduced cooperation or blacklisting.
        ``results``: ``{partner id: result id}`` of the run's lowest grades.
        Returns nothing."""
        periods_needed = run.company_id.grading_elimination_periods
        if run.is_partial or periods_needed <= 0 or not results:
            return
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id FROM (
                    SELECT r.partner_id, r.level_id,
                           ROW_NUMBER() OVER (PARTITION BY r.partner_id
                                              ORDER BY run.date_to DESC, run.id DESC) AS n
                      FROM customer_grading_result r
                      JOIN customer_grading_run run ON run.id = r.run_id
                     WHERE r.partner_id = ANY(%(partner_ids)s)
                       AND run.company_id = %(company_id)s
                       AND NOT run.is_partial
                       AND (run.id = %(run_id)s OR run.state = 'applied'
                            AND run.period_label != %(period_label)s)
                       AND run.date_to <= %(date_to)s
                ) history
                 WHERE n <= %(periods)s
              GROUP BY partner_id
                HAVING COUNT(*) = %(periods)s AND BOOL_AND(level_id = %(lowest)s)
                """,
                partner_ids=list(results),
                company_id=run.company_id.id,
                run_id=run.id,
                period_label=run.period_label,
                date_to=run.date_to,
                periods=periods_needed,
                lowest=run.scheme_id._lowest_level().id,
            )
        )
        to_review = [results[row[0]] for row in self.env.cr.fetchall()]
        if to_review:
            self._schedule_elimination_reviews(run, to_review, periods_needed)

    @api.model
    def _schedule_elimination_reviews(self, run, result_ids, periods_needed):
        """One review activity per customer, on its result of ``run``, which
        belongs to the run's company, for the grading manager who decides on
        the customer in that company; none while one of its results in the
        company has one open. Returns nothing."""
        activity_type = self.env.ref("customer_grading.mail_activity_type_elimination_review")
        # results are read-only to everyone: the activities are written as superuser,
        # for a grading manager of the run's company, who may read the result
        Results = self.env["customer.grading.result"].sudo()
        Activity = self.env["mail.activity"].sudo()
        open_reviews = Activity.search(
            [("res_model", "=", Results._name), ("activity_type_id", "=", activity_type.id)]
        )
        reviewed = (
            Results.browse(open_reviews.mapped("res_id"))
            .filtered(lambda result: result.company_id == run.company_id)
            .partner_id
        )
        model_id = self.env["ir.model"]._get_id(Results._name)
        values = []
        reviewers = {}  # the rule depends on the customer's salesperson only
        for result in Results.browse(result_ids):
            salesperson = result.partner_id.commercial_partner_id.user_id
            if salesperson not in reviewers:
                reviewers[salesperson] = run.company_id._grading_manager_for(result.partner_id)
            reviewer = reviewers[salesperson]
            if result.partner_id in reviewed or not reviewer:
                continue
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": result.id,
                    "activity_type_id": activity_type.id,
                    "date_deadline": activity_type._get_date_deadline(),
                    "user_id": reviewer.id,
                    # in the reviewer's language, not the scheduler's
                    "summary": self.with_context(lang=reviewer.lang).env._(
                        "Lowest grade %(count)s periods in a row: reduce cooperation or "
                        "propose for the blacklist?",
                        count=periods_needed,
                    ),
                }
            )
        # no mail per activity: the reviewer finds them in their activities
        Activity.with_context(mail_activity_quick_update=True).create(values)

    @api.model
    def _notify_salespeople(self, run, limit=50):
        """Once ``run`` is published: one notification to each salesperson of
        customers whose grade changed, in their language, listing those
        customers (up to ``limit``, then how many more), never one per
        customer. Salespeople who may not open the run are left out."""
        self.env.cr.execute(
            SQL(
                """
                SELECT r.user_id, p.name, old.code, new.code,
                       COUNT(*) OVER (PARTITION BY r.user_id)
                  FROM customer_grading_result r
                  JOIN res_partner p ON p.id = r.partner_id
                  JOIN customer_grading_level old ON old.id = r.previous_level_id
             LEFT JOIN customer_grading_level new ON new.id = r.level_id
                 WHERE r.run_id = %s AND r.user_id IS NOT NULL
                   AND r.level_id IS DISTINCT FROM r.previous_level_id
              ORDER BY r.user_id, p.name
                """,
                run.id,
            )
        )
        changes = defaultdict(list)
        totals = {}
        for user_id, name, old, new, total in self.env.cr.fetchall():
            totals[user_id] = total
            if len(changes[user_id]) < limit:
                changes[user_id].append((name, old, new))
        users = self.env["res.users"].sudo().browse(list(changes))
        for user in users.filtered(lambda u: u.active and run.company_id in u.company_ids):
            if not user._has_group(GROUP_USER):
                continue
            run_in_their_language = run.with_context(lang=user.lang)
            _ = run_in_their_language.env._
            lines = Markup("").join(
                Markup("<li>%s: %s → %s</li>") % (name, old, new or _("insufficient data"))
                for name, old, new in changes[user.id]
            )
            more = totals[user.id] - len(changes[user.id])
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                _(
                    "%(run)s is published: the grade of %(count)s of your customers changed.",
                    run=run.display_name,
                    count=totals[user.id],
                ),
                lines,
            )
            if more:
                body += Markup("<p>%s</p>") % _(
                    "… and %(count)s more: see the run's results.", count=more
                )
            run_in_their_language.message_notify(
                author_id=self._author(run).id,
                partner_ids=user.partner_id.ids,
                subject=_("Grades published: %(run)s", run=run.display_name),
                body=body,
            )

    @api.model
    def _note_policy_changes(self, changes):
        """Keep on each result what its grade's policy changed in the
        customer's terms (``{result id: [change, …]}``): one UPDATE, where a
        chatter note per customer would cost a message each."""
        if not changes:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE customer_grading_result r
                   SET policy_note = v.note
                  FROM unnest(%(ids)s::int4[], %(notes)s::text[]) AS v(id, note)
                 WHERE r.id = v.id
                """,
                ids=list(changes),
                notes=["\n".join(lines) for lines in changes.values()],
            )
        )
        self.env["customer.grading.result"].invalidate_model(["policy_note"])

    @api.model
    def _log_grade_changes(self, run, changes, policy_changes=None):
        """One chatter note per customer whose grade changed (old → new) or
        whose grade's policy changed its terms, on its result of ``run``: the
        result belongs to the run's company and only those who may read it
        read the note (the customer's chatter is read by every employee of
        every company). ``changes``: rows ``(partner id, old level id, new
        level id, score, result id)``; ``policy_changes``: ``{result id:
        [change, …]}``. Returns nothing.

        A grade change is noted as tracking values (grade by its code, score,
        insufficient data), whose labels each reader reads in their own
        language; the policy's changes are words, written in the language of
        whoever published."""
        policy_changes = policy_changes or {}
        if not changes and not policy_changes:
            return
        levels = (
            self.env["customer.grading.level"]
            .sudo()
            .browse({level_id for row in changes for level_id in row[1:3] if level_id})
        )
        codes = {level.id: level.code for level in levels}
        # results are read-only to everyone: the notes are written as superuser
        Result = self.env["customer.grading.result"].sudo()
        result_ids = list(dict.fromkeys([row[4] for row in changes] + list(policy_changes)))
        bodies = dict.fromkeys(result_ids, "")
        for result_id, policy_lines in policy_changes.items():
            bodies[result_id] = Markup("<br/>").join(
                [self.env._("The grade's policy applied:"), *policy_lines]
            )
        messages = Result.browse(result_ids)._message_log_batch(
            bodies=bodies, author_id=self._author(run).id
        )
        if changes:
            message_of = {message.res_id: message.id for message in messages}
            previous = {
                result.id: result.previous_score
                for result in Result.browse([row[4] for row in changes])
            }
            self.env["mail.tracking.value"].sudo().create(
                [
                    {**tracking, "mail_message_id": message_of[row[4]]}
                    for row in changes
                    for tracking in self._grade_change_trackings(row, codes, previous)
                ]
            )

    @api.model
    def _grade_change_trackings(self, row, codes, previous):
        """The tracking values of one grade change ``(partner id, old level
        id, new level id, score, result id)``: the grade (by its code, the
        same in every language), the score (``previous``: ``{result id:
        score in force before}``), and insufficient data."""
        _partner_id, old, new, score, result_id = row
        Fields = self.env["ir.model.fields"]
        model = "customer.grading.result"
        trackings = [
            {
                "field_id": Fields._get(model, "level_id").id,
                "old_value_integer": old or 0,
                "new_value_integer": new or 0,
                "old_value_char": codes.get(old, ""),
                "new_value_char": codes.get(new, ""),
            },
            {
                "field_id": Fields._get(model, "score").id,
                "old_value_float": previous[result_id],
                "new_value_float": score,
            },
        ]
        if not new:
            trackings.append(
                {
                    "field_id": Fields._get(model, "is_insufficient").id,
                    "old_value_integer": 0,
                    "new_value_integer": 1,
                }
            )
        return trackings

    @api.model
    def _author(self, run):
        """Who the notes and notices of ``run``'s publication come from: the
        grading manager who published it, also when the scheduled action
        (OdooBot) gives the grades."""
        return (run.publish_requested_by_id or self.env.user).partner_id
