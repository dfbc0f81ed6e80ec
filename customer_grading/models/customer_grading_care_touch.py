from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import format_date

from ..tools import periods

GROUP_USER = "customer_grading.group_customer_grading_user"
ACTIVITY_TYPE = "customer_grading.mail_activity_type_care_due"

# The occasions the scheduled action plans; "other" is entered by hand.
PLANNED_OCCASIONS = ("birthday", "holiday")


class CustomerGradingCareTouch(models.Model):
    """A greeting or a gift to a customer's key person (客户关怀日历, 003
    §3.3.1): planned ahead of a birthday or a holiday by the daily scheduled
    action, or by hand; once done, what was sent and what it cost, so that
    the yearly care budget (003 §4.3) is followed per grade."""

    _name = "customer.grading.care.touch"
    _description = "Care Touch"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Key Person",
        required=True,
        index=True,
        tracking=True,
        domain="[('grading_is_key_person', '=', True)]",
        check_company=True,
    )
    customer_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_user_id",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Who sends the greeting: the customer's salesperson by default.",
    )
    date = fields.Date(required=True, index=True, tracking=True)
    occasion = fields.Selection(
        [("birthday", "Birthday"), ("holiday", "Holiday"), ("other", "Other")],
        required=True,
        default="other",
        index=True,
    )
    holiday_id = fields.Many2one(
        "customer.grading.care.holiday", string="Holiday", index=True, check_company=True
    )
    touch_type = fields.Selection(
        [
            ("call", "Call"),
            ("message", "Message"),
            ("card", "Card"),
            ("gift", "Gift"),
            ("visit", "Visit"),
        ],
        string="Type",
        default="message",
        required=True,
        tracking=True,
    )
    gift = fields.Char(help="What was given, for a gift.")
    cost = fields.Monetary(
        currency_field="currency_id", tracking=True, help="What the greeting or gift cost."
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("cancelled", "Cancelled")],
        string="Status",
        default="planned",
        required=True,
        index=True,
        tracking=True,
    )
    level_id = fields.Many2one(
        "customer.grading.level",
        string="Grade",
        compute="_compute_level_id",
        store=True,
        precompute=True,
        index=True,
        help="The customer's grade in the company when the touch was planned: the care "
        "budget is followed per grade.",
    )
    note = fields.Text()

    @api.depends("partner_id", "occasion", "holiday_id", "date")
    @api.depends_context("lang")
    def _compute_display_name(self):
        occasions = dict(self._fields["occasion"]._description_selection(self.env))
        for touch in self:
            occasion = (
                touch.holiday_id.name
                if touch.occasion == "holiday"
                else occasions.get(touch.occasion, "")
            )
            touch.display_name = self.env._(
                "%(occasion)s – %(person)s",
                occasion=occasion or "",
                person=touch.partner_id.name or "",
            )

    @api.depends("partner_id", "company_id")
    def _compute_user_id(self):
        for touch in self:
            touch.user_id = (
                touch.partner_id.commercial_partner_id.user_id or touch.user_id or self.env.user
            )

    @api.depends("partner_id", "company_id")
    def _compute_level_id(self):
        for company, touches in self.grouped("company_id").items():
            customers = touches.partner_id.commercial_partner_id.with_company(company).sudo()
            levels = {customer.id: customer.grading_level_id.id for customer in customers}
            for touch in touches:
                touch.level_id = levels.get(touch.partner_id.commercial_partner_id.id, False)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_done(self):
        self.write({"state": "done"})
        self._care_activities().action_feedback()
        return True

    def action_cancel(self):
        self.write({"state": "cancelled"})
        return True

    def action_plan(self):
        self.write({"state": "planned"})
        return True

    def _care_activities(self):
        activity_type = self.env.ref(ACTIVITY_TYPE)
        return self.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_plan_care(self, limit=1000):
        """Daily: per company, the touches due from today to the company's
        lead days ahead for its key persons' birthdays and chosen holidays,
        each planned once whatever the number of runs, and one *Care Due*
        activity per salesperson and day listing them. ``limit`` touches are
        planned per run, the rest reported to the scheduler."""
        # every company's key persons and salespeople, whoever runs the action
        Touch = self.sudo().with_context(tracking_disable=True, mail_create_nolog=True)
        done = remaining = 0
        for company in self.env["res.company"].sudo().search([]):
            wanted = Touch._wanted_touches(company)
            todo, rest = wanted[: max(limit - done, 0)], wanted[max(limit - done, 0) :]
            if todo:
                touches = Touch.create(todo)
                touches._notify_salespeople(company)
                done += len(touches)
            remaining += len(rest)
        if remaining:
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    @api.model
    def _key_persons_domain(self, company):
        """The key persons cared for in ``company``: those of its own customers,
        and of shared customers whose salesperson's main company it is."""
        return [
            ("grading_is_key_person", "=", True),
            *expression.OR(
                [
                    [("commercial_partner_id.company_id", "=", company.id)],
                    [
                        ("commercial_partner_id.company_id", "=", False),
                        ("commercial_partner_id.user_id.company_id", "=", company.id),
                    ],
                ]
            ),
        ]

    @api.model
    def _wanted_touches(self, company):
        """The values of the touches ``company`` still has to plan: each key
        person's birthday and chosen holidays from today to the lead days
        ahead, less those planned already (in any state); a few queries
        whatever the number of key persons."""
        start = company._grading_today()
        end = start + timedelta(days=company.grading_care_lead_days)
        holiday_dates = defaultdict(list)
        for line in self.env["customer.grading.care.holiday.date"].search(
            [
                ("date", ">=", start),
                ("date", "<=", end),
                ("holiday_id.active", "=", True),
                ("company_id", "in", (False, company.id)),
            ]
        ):
            holiday_dates[line.holiday_id.id].append(line.date)
        persons = self.env["res.partner"].search_fetch(
            self._key_persons_domain(company),
            ["grading_birthday", "grading_care_holiday_ids", "commercial_partner_id"],
        )
        existing = {
            (touch.partner_id.id, touch.occasion, touch.holiday_id.id, touch.date)
            for touch in self.search_fetch(
                [
                    ("company_id", "=", company.id),
                    ("date", ">=", start),
                    ("date", "<=", end),
                    ("occasion", "in", PLANNED_OCCASIONS),
                ],
                ["partner_id", "occasion", "holiday_id", "date"],
            )
        }
        wanted = []
        assignees = {}
        for person in persons:
            occasions = []
            if person.grading_birthday:
                occasions += [
                    ("birthday", False, day)
                    for day in periods.anniversaries(person.grading_birthday, start, end)
                ]
            for holiday_id in person.grading_care_holiday_ids.ids:
                occasions += [("holiday", holiday_id, day) for day in holiday_dates[holiday_id]]
            for occasion, holiday_id, day in occasions:
                if (person.id, occasion, holiday_id, day) in existing:
                    continue
                customer = person.commercial_partner_id
                key = customer.user_id
                if key not in assignees:
                    assignees[key] = self._assignee(company, customer)
                wanted.append(
                    {
                        "company_id": company.id,
                        "partner_id": person.id,
                        "occasion": occasion,
                        "holiday_id": holiday_id,
                        "date": day,
                        "user_id": assignees[key].id,
                        "touch_type": "message",
                    }
                )
        wanted.sort(key=lambda vals: (vals["date"], vals["partner_id"]))
        return wanted

    @api.model
    def _assignee(self, company, customer):
        """The customer's salesperson, when an active grading user of
        ``company``, else the company's grading manager for the customer."""
        salesperson = customer.user_id
        if (
            salesperson.active
            and not salesperson.share
            and company in salesperson.company_ids
            and salesperson._has_group(GROUP_USER)
        ):
            return salesperson
        return company._grading_manager_for(customer)

    def _notify_salespeople(self, company):
        """One *Care Due* activity per salesperson and day, on the first of
        their new touches, listing them all; a salesperson reminded already
        today gets the new touches added to that activity's list."""
        activity_type = self.env.ref(ACTIVITY_TYPE)
        today = company._grading_today()
        Activity = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True)
        by_user = self.filtered("user_id").grouped("user_id")
        activities = Activity.search(
            [
                ("res_model", "=", self._name),
                ("activity_type_id", "=", activity_type.id),
                ("user_id", "in", [user.id for user in by_user]),
                ("date_deadline", "=", today),
            ]
        )
        of_company = self.browse(activities.mapped("res_id")).filtered(
            lambda touch: touch.company_id == company
        )
        existing = {
            activity.user_id: activity
            for activity in activities
            if activity.res_id in of_company.ids
        }
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for user, touches in by_user.items():
            activity = existing.get(user)
            if activity:
                activity.note = activity.note + touches._activity_items(user.lang)
                continue
            env = self.with_context(lang=user.lang).env
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": touches[0].id,
                    "activity_type_id": activity_type.id,
                    "user_id": user.id,
                    "date_deadline": today,
                    "summary": activity_type.with_context(lang=user.lang).summary,
                    "note": Markup("<p>%s</p>") % env._("Greetings and gifts due:")
                    + touches._activity_items(user.lang),
                }
            )
        Activity.create(values)

    def _activity_items(self, lang):
        """The touches as a list: date, occasion and key person with their customer."""
        env = self.with_context(lang=lang).env
        items = Markup("").join(
            Markup("<li>%s</li>")
            % env._(
                "%(date)s: %(touch)s (%(customer)s)",
                date=format_date(env, touch.date),
                touch=touch.with_env(env).display_name,
                customer=touch.customer_id.name,
            )
            for touch in self
        )
        return Markup("<ul>%s</ul>") % items
