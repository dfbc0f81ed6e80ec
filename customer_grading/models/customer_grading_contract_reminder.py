from collections import defaultdict

from markupsafe import Markup

from odoo import Command, api, fields, models

from ..tools import periods

GROUP_USER = "customer_grading.group_customer_grading_user"
ACTIVITY_TYPE = "customer_grading.mail_activity_type_contract_missing"
# customers named in the activity's note; the reminder lists them all (a
# salesperson may have hundreds, each name read and sanitized in the note)
NAMES_IN_NOTE = 20


class CustomerGradingContractReminder(models.Model):
    """The customers of one salesperson, in one company, whose grade requires
    a contract and who have none in force there: kept up to date every night,
    and the record the salesperson's monthly *Contract Missing* activity sits
    on (one per salesperson and company, so one activity lists them all)."""

    _name = "customer.grading.contract.reminder"
    _description = "Missing Contracts Reminder"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _mail_post_access = "read"
    _order = "company_id, user_id, id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        index=True,
        readonly=True,
        help="Who is reminded: the customers' salesperson, or the grading manager who "
        "stands in for a salesperson who does not work in the company.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "customer_grading_contract_reminder_partner_rel",
        "reminder_id",
        "partner_id",
        string="Customers Without Contract",
        readonly=True,
    )
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")
    reminded_month = fields.Date(
        string="Last Reminded For",
        readonly=True,
        help="First day of the month of the last reminder: one a month at most.",
    )

    _sql_constraints = [
        (
            "company_user_uniq",
            "UNIQUE(company_id, user_id)",
            "A salesperson has one missing-contracts reminder per company.",
        )
    ]

    @api.depends("user_id")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for reminder in self:
            reminder.display_name = self.env._(
                "Missing contracts – %(user)s", user=reminder.user_id.name or ""
            )

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for reminder in self:
            reminder.partner_count = len(reminder.partner_ids)

    def action_open_contracts(self):
        """The contracts of the listed customers in the reminder's company."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_contract_action"
        )
        action["domain"] = [
            ("partner_id", "in", self.partner_ids.ids),
            ("company_id", "=", self.company_id.id),
        ]
        action["context"] = {"default_company_id": self.company_id.id}
        return action

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_check_contracts(self):
        """Every night, per company: mark expired the contracts that ended,
        bring the lists up to date and remind each salesperson once a month."""
        Contract = self.env["customer.grading.contract"]
        for company in self.env["res.company"].search([]):
            today = company._grading_today()
            Contract._expire(company, today)
            self._refresh(company, today)

    @api.model
    def _refresh(self, company, today=None, notify=True):
        """Bring the reminders of ``company`` up to date: who lacks a contract,
        grouped by salesperson in one query; an open activity follows its
        list, and is closed once the list is empty. With ``notify`` (the
        nightly action), a salesperson without a list gets one, and one whose
        list is not empty and who has no open activity and none this month
        gets an activity; without (a contract changed), only the existing
        lists follow."""
        today = today or company._grading_today()
        wanted = self._wanted_lists(company)
        # the company's reminders, whoever refreshes them
        reminders = self.sudo().with_context(tracking_disable=True)
        existing = reminders.search([("company_id", "=", company.id)])
        by_user = {reminder.user_id.id: reminder for reminder in existing}
        existing |= reminders.create(
            [
                {
                    "company_id": company.id,
                    "user_id": user_id,
                    "partner_ids": [Command.set(partner_ids)],
                }
                for user_id, partner_ids in wanted.items()
                if notify and user_id not in by_user
            ]
        )
        changed = reminders.browse()
        for reminder in existing.filtered(lambda r: r.user_id.id in by_user):
            partner_ids = sorted(wanted.get(reminder.user_id.id, []))
            if sorted(reminder.partner_ids.ids) != partner_ids:
                reminder.partner_ids = [Command.set(partner_ids)]
                changed |= reminder
        self._update_activities(existing, changed, today, notify)
        return existing

    @api.model
    def _wanted_lists(self, company):
        """``{assignee id: [customer ids]}``: the customers whose contract is
        missing in ``company``, grouped by salesperson in one query, each
        salesperson's list going to them or to the grading manager who stands in."""
        Partner = self.env["res.partner"].sudo().with_company(company)
        groups = Partner._read_group(
            [("parent_id", "=", False), ("grading_contract_missing", "=", True)],
            ["user_id"],
            ["id:array_agg"],
        )
        wanted = defaultdict(list)
        for salesperson, partner_ids in groups:
            assignee = self._assignee(company, salesperson, Partner.browse(partner_ids[0]))
            if assignee:
                wanted[assignee.id].extend(partner_ids)
        return wanted

    @api.model
    def _assignee(self, company, salesperson, partner):
        """The salesperson, when an active grading user of ``company`` (who may
        open the reminder), else the company's grading manager for the
        salesperson's customers (``partner`` is one of them)."""
        if (
            salesperson.active
            and company in salesperson.company_ids
            and salesperson._has_group(GROUP_USER)
        ):
            return salesperson
        return company._grading_manager_for(partner)

    def _update_activities(self, reminders, changed, today, notify):
        activity_type = self.env.ref(ACTIVITY_TYPE)
        Activity = self.env["mail.activity"].sudo()
        open_activities = Activity.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", reminders.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        by_reminder = {activity.res_id: activity for activity in open_activities}
        month_start, month_end = periods.month_bounds(today)
        model_id = self.env["ir.model"]._get_id(self._name)
        values, done = [], Activity
        for reminder in reminders:
            activity = by_reminder.get(reminder.id, Activity)
            if not reminder.partner_ids:
                done |= activity
            elif activity and reminder in changed:
                activity.write(reminder._activity_texts())
            elif not activity and notify and reminder.reminded_month != month_start:
                values.append(
                    {
                        "res_model_id": model_id,
                        "res_id": reminder.id,
                        "activity_type_id": activity_type.id,
                        "user_id": reminder.user_id.id,
                        "date_deadline": month_end,
                        **reminder._activity_texts(),
                    }
                )
                reminder.reminded_month = month_start
        Activity.with_context(mail_activity_quick_update=True).create(values)
        done.action_feedback(feedback=self.env._("No customer is left on this list."))

    def _activity_texts(self):
        """The summary and the list of customers, in the assignee's language."""
        self.ensure_one()
        env = self.with_context(lang=self.user_id.lang).env
        count = len(self.partner_ids)
        if count == 1:
            summary = env._("%(count)s customer without a contract in force", count=count)
        else:
            summary = env._("%(count)s customers without a contract in force", count=count)
        intro = env._(
            "Their grade requires a signed contract in force in %(company)s:",
            company=self.company_id.name,
        )
        shown = self.partner_ids[:NAMES_IN_NOTE]
        items = Markup("").join(
            Markup("<li>%s</li>") % name for name in shown.mapped("display_name")
        )
        if count > len(shown):
            items += Markup("<li>%s</li>") % env._(
                "… and %(count)s more: see the list.", count=count - len(shown)
            )
        return {"summary": summary, "note": Markup("<p>%s</p><ul>%s</ul>") % (intro, items)}
