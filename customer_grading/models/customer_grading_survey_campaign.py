from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import periods, scoring

SURVEY_TEMPLATE = "customer_grading.survey_customer_satisfaction"
INVITE_TEMPLATE = "survey.mail_template_user_input_invite"
SURVEY_SOURCE = "survey"


class CustomerGradingSurveyCampaign(models.Model):
    """A satisfaction survey sent, once a period, to the contacts of the
    chosen customers (003 §3.3.2, §五). Its finished answers feed the manual
    indicators its survey maps (see customer.grading.survey.mapping)."""

    _name = "customer.grading.survey.campaign"
    _description = "Satisfaction Survey Campaign"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        tracking=True,
        help="Signs the customers' values the answers give.",
    )
    survey_id = fields.Many2one(
        "survey.survey",
        required=True,
        default=lambda self: self.env.ref(SURVEY_TEMPLATE, raise_if_not_found=False),
        tracking=True,
    )
    date = fields.Date(
        string="Campaign Date",
        required=True,
        default=lambda self: self.env.company._grading_today(),
        tracking=True,
    )
    date_next = fields.Date(
        string="Next Campaign",
        compute="_compute_date_next",
        help="The campaign date plus the company's survey interval.",
    )
    scheme_id = fields.Many2one(related="company_id.grading_scheme_id")
    level_ids = fields.Many2many(
        "customer.grading.level",
        string="Grades",
        help="Fills the customers with those of these grades in the company.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        compute="_compute_partner_ids",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('parent_id', '=', False)]",
        check_company=True,
    )
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Sent")],
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    date_sent = fields.Date(string="Sent On", readonly=True, copy=False)
    user_input_ids = fields.One2many(
        "survey.user_input", "grading_campaign_id", string="Answers", readonly=True
    )
    invited_count = fields.Integer(string="Invited", compute="_compute_rates")
    answered_count = fields.Integer(string="Answered", compute="_compute_rates")
    satisfied_count = fields.Integer(string="Satisfied", compute="_compute_rates")
    response_rate = fields.Float(
        string="Response Rate (%)",
        compute="_compute_rates",
        digits=(16, 1),
        help="Finished answers over invitations.",
    )
    satisfaction_rate = fields.Float(
        string="Satisfaction Rate (%)",
        compute="_compute_rates",
        digits=(16, 1),
        help="Share of the finished answers that rate the satisfaction question at or above "
        "the survey's 'Satisfied From'.",
    )
    target_satisfaction = fields.Float(
        related="company_id.grading_target_satisfaction", string="Satisfaction Target (%)"
    )
    is_below_target = fields.Boolean(string="Below Target", compute="_compute_rates")

    @api.depends("date", "company_id.grading_survey_interval_months")
    def _compute_date_next(self):
        for campaign in self:
            months = campaign.company_id.grading_survey_interval_months
            campaign.date_next = (
                campaign.date and months and (campaign.date + relativedelta(months=months))
            )

    @api.depends("level_ids", "company_id")
    def _compute_partner_ids(self):
        for campaign in self:
            if campaign.level_ids:
                campaign.partner_ids = campaign._customers_of_levels()
            else:
                campaign.partner_ids = campaign.partner_ids

    def _customers_of_levels(self):
        self.ensure_one()
        Partner = self.env["res.partner"].with_company(self.company_id)
        return Partner.search(
            [
                ("parent_id", "=", False),
                ("grading_level_id", "in", self.level_ids.ids),
                ("company_id", "in", (False, self.company_id.id)),
            ]
        )

    @api.depends(
        "user_input_ids.state",
        "survey_id.grading_satisfaction_question_id",
        "survey_id.grading_satisfied_from",
    )
    def _compute_rates(self):
        answers = self.user_input_ids
        done = answers.filtered(lambda answer: answer.state == "done")
        questions = self.survey_id.grading_satisfaction_question_id
        lines = self.env["survey.user_input.line"].search(
            [
                ("user_input_id", "in", done.ids),
                ("question_id", "in", questions.ids),
                ("answer_type", "=", "scale"),
            ]
        )
        satisfied = defaultdict(set)
        for line in lines:
            answer = line.user_input_id
            if line.value_scale >= answer.survey_id.grading_satisfied_from:
                satisfied[answer.grading_campaign_id.id].add(answer.id)
        for campaign in self:
            invited = len(campaign.user_input_ids)
            answered = len(campaign.user_input_ids.filtered(lambda a: a.state == "done"))
            campaign.invited_count = invited
            campaign.answered_count = answered
            campaign.satisfied_count = len(satisfied[campaign._origin.id])
            campaign.response_rate = 100.0 * answered / invited if invited else 0.0
            campaign.satisfaction_rate = (
                100.0 * campaign.satisfied_count / answered if answered else 0.0
            )
            campaign.is_below_target = bool(
                answered and campaign.satisfaction_rate < campaign.target_satisfaction
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_send(self):
        """Invite the contacts of the chosen customers through the survey's own
        invitation: one answer and one email per contact, linked to the
        campaign."""
        for campaign in self:
            if campaign.state != "draft":
                raise UserError(
                    self.env._("The campaign %(name)s is sent already.", name=campaign.name)
                )
            contacts = campaign._recipients()
            if not contacts:
                raise UserError(
                    self.env._(
                        "None of the customers of %(name)s has a contact with an email address.",
                        name=campaign.name,
                    )
                )
            campaign.survey_id.check_validity()
            invite = (
                self.env["survey.invite"]
                .with_context(grading_survey_campaign_id=campaign.id)
                .create(
                    {
                        "survey_id": campaign.survey_id.id,
                        "partner_ids": [(6, 0, contacts.ids)],
                        "existing_mode": "new",
                        "template_id": self.env.ref(INVITE_TEMPLATE).id,
                    }
                )
            )
            invite.with_context(
                default_email_layout_xmlid="mail.mail_notification_light"
            ).action_invite()
            campaign.write({"state": "sent", "date_sent": campaign.company_id._grading_today()})
            missing = campaign.partner_ids - contacts.commercial_partner_id
            campaign.message_post(
                body=self.env._(
                    "Invitations sent to %(count)s contacts. Customers without a contact "
                    "with an email address: %(missing)s",
                    count=len(contacts),
                    missing=", ".join(missing.mapped("display_name")) or "-",
                )
            )
        return True

    def action_apply_answers(self):
        """Apply the campaign's finished answers to the manual indicators
        again (each finished answer is applied when it is submitted)."""
        self.check_access("write")
        # the values are written as the survey's (see _apply_answers)
        self.sudo()._apply_answers()
        return True

    def action_view_answers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("survey.action_survey_user_input")
        action["domain"] = [("grading_campaign_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _recipients(self):
        """Who is invited for each customer: its key persons with an email
        address when the relationship cards mark them, else the customer's
        own address, else its first contact with an address."""
        self.ensure_one()
        customers = self.partner_ids
        Partner = self.env["res.partner"]
        contacts = Partner.search(
            [("parent_id", "in", customers.ids), ("email", "!=", False), ("type", "=", "contact")],
            order="parent_id, id",
        )
        has_key_persons = "grading_is_key_person" in Partner._fields
        recipients = Partner
        for customer in customers:
            own = contacts.filtered(lambda contact, c=customer: contact.parent_id == c)
            key_persons = own.filtered("grading_is_key_person") if has_key_persons else Partner
            if key_persons:
                recipients |= key_persons
            elif customer.email:
                recipients |= customer
            else:
                recipients |= own[:1]
        return recipients

    def _apply_answers(self, customers=None):
        """Write the average of each customer's finished answers to the mapped
        indicators, as values of the survey, dated the last answer's day.

        A value entered later than that day (a salesperson's) is kept: the
        survey only replaces a value older than its answers, or its own.
        Runs as superuser (respondents are portal or public users).
        """
        Value = self.env["customer.grading.value"]
        for campaign in self:
            averages = campaign._answer_averages(customers)
            if not averages:
                continue
            existing = Value.search(
                [
                    ("company_id", "=", campaign.company_id.id),
                    ("partner_id", "in", list({key[0] for key in averages})),
                    ("indicator_id", "in", list({key[1] for key in averages})),
                ]
            )
            by_key = {(value.partner_id.id, value.indicator_id.id): value for value in existing}
            to_create = []
            for (partner_id, indicator_id), (score, day, count) in averages.items():
                vals = {
                    "value": score,
                    "date": day,
                    "user_id": campaign.user_id.id,
                    "source": SURVEY_SOURCE,
                    "survey_campaign_id": campaign.id,
                    "note": self.env._(
                        "Satisfaction survey %(campaign)s: average of %(count)s answers",
                        campaign=campaign.name,
                        count=count,
                    ),
                }
                value = by_key.get((partner_id, indicator_id))
                if not value:
                    to_create.append(
                        {
                            **vals,
                            "partner_id": partner_id,
                            "indicator_id": indicator_id,
                            "company_id": campaign.company_id.id,
                        }
                    )
                elif value.date < day or (value.source == SURVEY_SOURCE and value.date <= day):
                    value.write(vals)
            Value.create(to_create)

    def _answer_averages(self, customers=None):
        """``{(customer id, indicator id): (score 0–100, last answer day,
        number of answers)}`` from the campaign's finished answers to its
        survey's mapped questions."""
        self.ensure_one()
        indicators = {
            indicator.code: indicator
            for indicator in self.company_id.grading_scheme_id.indicator_ids
            if indicator.source == "manual" and indicator.scoring_rule != "levels"
        }
        mappings = self.survey_id.grading_mapping_ids.filtered(
            lambda mapping: mapping.indicator_code in indicators
        )
        if not mappings:
            return {}
        domain = [
            ("user_input_id.grading_campaign_id", "=", self.id),
            ("user_input_id.state", "=", "done"),
            ("question_id", "in", mappings.question_id.ids),
            ("answer_type", "=", "scale"),
        ]
        if customers is not None:
            domain.append(("user_input_id.grading_customer_id", "in", customers.ids))
        lines = self.env["survey.user_input.line"].search(domain)
        tz = self.company_id._grading_tz()
        collected = defaultdict(list)
        for line in lines:
            answer = line.user_input_id
            question = line.question_id
            score = scoring.score_linear(line.value_scale, question.scale_min, question.scale_max)
            day = periods.local_day(answer.end_datetime or answer.write_date, tz)
            for mapping in mappings.filtered(lambda m, q=question: m.question_id == q):
                indicator = indicators[mapping.indicator_code]
                collected[answer.grading_customer_id.id, indicator.id].append((score, day))
        return {
            key: (
                round(sum(score for score, _day in answers) / len(answers), 2),
                max(day for _score, day in answers),
                len(answers),
            )
            for key, answers in collected.items()
        }
