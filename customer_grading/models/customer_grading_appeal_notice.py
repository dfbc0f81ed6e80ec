"""Who hears of an appeal: the activity of the grading manager who decides
it, the decision noted and sent to the appellant, and the escalation of
the appeals not decided in time to their company's grading managers."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import format_date, plaintext2html

DECIDE_ACTIVITY = "customer_grading.mail_activity_type_appeal_decide"


class CustomerGradingAppealNotice(models.AbstractModel):
    _name = "customer.grading.appeal.notice"
    _description = "Customer Grading Appeal Notice"

    # ------------------------------------------------------------------
    # Activities and notifications
    # ------------------------------------------------------------------

    @api.model
    def _schedule_decision(self, appeal):
        """One activity for the customer's grading manager in ``appeal``'s
        company, never the appellant, due when the appeal should be decided."""
        appeal.ensure_one()
        company = appeal.company_id
        decider = company._grading_manager_for(appeal.partner_id, exclude=appeal.user_id)
        if decider:  # in the decider's language, as the type's summary is copied
            appeal.with_context(lang=decider.lang).activity_schedule(
                DECIDE_ACTIVITY,
                date_deadline=company._grading_today()
                + timedelta(days=company.grading_appeal_decision_days),
                user_id=decider.id,
            )

    @api.model
    def _close_decided(self, appeals):
        """The decision in each appeal's chatter (a note: the followers are
        not notified), its activities done, and the decision once to the
        appellant."""
        for appeal in appeals:
            appeal.message_post(
                body=plaintext2html(self._decision_summary(appeal)),
                subtype_xmlid="mail.mt_note",
            )
            appeal.activity_ids.action_feedback()
            self._notify_appellant(appeal)

    @api.model
    def _decision_summary(self, appeal):
        """The decision of ``appeal`` in one text, in the language of its context."""
        appeal.ensure_one()
        _ = appeal.env._
        if appeal.state == "accepted":
            line = _(
                "Appeal accepted: the grade of %(customer)s in %(run)s goes from %(old)s to "
                "%(new)s.",
                customer=appeal.partner_id.display_name,
                run=appeal.run_id.display_name,
                old=self._grade_label(appeal.level_id),
                new=self._grade_label(appeal.decided_level_id),
            )
        else:
            line = _(
                "Appeal rejected: %(customer)s keeps grade %(grade)s in %(run)s.",
                customer=appeal.partner_id.display_name,
                grade=self._grade_label(appeal.result_id.level_id),
                run=appeal.run_id.display_name,
            )
        return _("%(line)s\nDecision: %(decision)s", line=line, decision=appeal.decision.strip())

    @api.model
    def _grade_label(self, level):
        """``level`` as code and name, in the language of its (the appeal's) context."""
        return f"{level.code} ({level.name})" if level else level.env._("insufficient data")

    @api.model
    def _notify_appellant(self, appeal):
        """Notify the appellant of ``appeal``'s decision, once, in their language."""
        appeal.ensure_one()
        appellant = appeal.user_id
        in_their_language = appeal.with_context(lang=appellant.lang)
        _ = in_their_language.env._
        if appeal.state == "accepted":
            subject = _("Your appeal %(appeal)s is accepted", appeal=appeal.name)
        else:
            subject = _("Your appeal %(appeal)s is rejected", appeal=appeal.name)
        in_their_language.message_notify(
            partner_ids=appellant.partner_id.ids,
            subject=subject,
            body=plaintext2html(self._decision_summary(in_their_language)),
        )

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------

    @api.model
    def _escalate_overdue(self, limit=500):
        """Escalate once, to their company's grading managers, the appeals
        submitted longer ago than the company's decision time and still not
        decided: one search, then one notification per manager listing their
        company's overdue appeals (never their own). Handles up to ``limit``
        appeals, and reports the rest to the scheduler."""
        # every company's appeals, whoever runs the action
        Appeal = self.env["customer.grading.appeal"].sudo()
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().search([])
        domain = [
            ("state", "=", "submitted"),
            ("is_escalated", "=", False),
            *expression.OR(
                [
                    ("company_id", "=", company.id),
                    (
                        "date_submitted",
                        "<=",
                        now - timedelta(days=company.grading_appeal_decision_days),
                    ),
                ]
                for company in companies
            ),
        ]
        overdue = Appeal.search(domain, order="date_submitted, id", limit=limit)
        if not overdue:
            return
        overdue.write({"is_escalated": True, "date_escalated": now})
        overdue._message_log_batch(
            bodies={
                appeal.id: self.env._(
                    "Not decided within %(days)s days: escalated to the grading managers of "
                    "%(company)s.",
                    days=appeal.company_id.grading_appeal_decision_days,
                    company=appeal.company_id.name,
                )
                for appeal in overdue
            }
        )
        for company, appeals in overdue.grouped("company_id").items():
            for manager in company._grading_managers():
                theirs = appeals.filtered(lambda appeal, m=manager: appeal.user_id != m)
                if theirs:
                    self._notify_escalation(theirs, manager, company)
        remaining = Appeal.search_count(domain)
        if remaining:
            self.env["ir.cron"]._notify_progress(done=len(overdue), remaining=remaining)

    @api.model
    def _notify_escalation(self, appeals, manager, company):
        """One notification to ``manager``, in their language, listing the
        overdue ``appeals`` of ``company``."""
        in_their_language = appeals.with_context(lang=manager.lang)
        _ = in_their_language.env._
        lines = Markup("").join(
            Markup("<li>%s</li>")
            % Markup(" – ").join(
                [
                    appeal._get_html_link(title=appeal.name),
                    appeal.partner_id.display_name,
                    _(
                        "filed by %(user)s, submitted on %(date)s",
                        user=appeal.user_id.name,
                        date=format_date(
                            in_their_language.env,
                            fields.Datetime.context_timestamp(
                                in_their_language.with_context(
                                    tz=manager.tz or company._grading_tz()
                                ),
                                appeal.date_submitted,
                            ),
                        ),
                    ),
                ]
            )
            for appeal in in_their_language
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            _(
                "%(count)s appeals of %(company)s were not decided within %(days)s days: "
                "decide them or see that they are decided.",
                count=len(appeals),
                company=company.name,
                days=company.grading_appeal_decision_days,
            ),
            lines,
        )
        in_their_language.browse().message_notify(
            partner_ids=manager.partner_id.ids,
            subject=_("Appeals to decide: %(count)s overdue", count=len(appeals)),
            body=body,
        )
