from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from .customer_grading_visit import GROUP_MANAGER
from .res_partner import GROUP_USER


# The contacts' customer care is a job of its own beside their grading
# (res_partner.py) and its management by grade (res_partner_management.py):
# one model in three files keeps each file to one job.
class ResPartner(models.Model):
    """Customer care on the contacts (002 §四, 003 §3.3): the relationship
    cards of key persons, the customers' complaints and referrals. The grade,
    policies and blacklist of a customer are in ``res_partner.py``, its visits,
    contract and key-account manager in ``res_partner_management.py``."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # The relationship card of a key person (客户关系卡, 002 §四.3); the
    # position is Odoo's ``function``.
    grading_is_key_person = fields.Boolean(
        string="Key Person",
        index=True,
        copy=False,
        groups=GROUP_USER,
        help="One of the people who matter at the customer (关键人): their relationship card "
        "is kept up to date and the care calendar plans their greetings.",
    )
    grading_birthday = fields.Date(string="Birthday", copy=False, groups=GROUP_USER)
    grading_care_holiday_ids = fields.Many2many(
        "customer.grading.care.holiday",
        "res_partner_grading_care_holiday_rel",
        "partner_id",
        "holiday_id",
        string="Holidays",
        copy=False,
        groups=GROUP_USER,
        help="The holidays on which the key person is greeted.",
    )
    grading_care_preferences = fields.Text(
        string="Preferences and Notes",
        copy=False,
        groups=GROUP_USER,
        help="What the key person likes, dislikes, family, habits: what makes a greeting or "
        "a gift personal.",
    )
    grading_card_checked_on = fields.Date(
        string="Card Checked On",
        copy=False,
        groups=GROUP_USER,
        help="When the relationship card was last checked to be right.",
    )
    grading_card_is_stale = fields.Boolean(
        string="Card to Check",
        compute="_compute_grading_card_is_stale",
        search="_search_grading_card_is_stale",
        groups=GROUP_USER,
        help="A key person whose card was not checked within the company's review interval.",
    )
    grading_customer_level_id = fields.Many2one(
        "customer.grading.level",
        string="Customer Grade",
        compute="_compute_grading_customer_level_id",
        groups=GROUP_USER,
        help="The grade of the key person's customer in the current company.",
    )

    grading_complaint_open_count = fields.Integer(
        string="Open Complaints",
        compute="_compute_grading_complaint_counts",
        groups=GROUP_USER,
        help="The customer's complaints not resolved yet, of the complaints you may open.",
    )
    grading_complaint_overdue_count = fields.Integer(
        string="Overdue Complaints",
        compute="_compute_grading_complaint_counts",
        groups=GROUP_USER,
        help="The customer's open complaints past their due date.",
    )
    # Referrals (003 §3.3.3): who brought this customer, and whom a customer brought
    grading_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        tracking=True,
        domain="[('parent_id', '=', False), ('id', '!=', id)]",
        groups=GROUP_USER,
        help="The existing customer who referred this customer.",
    )
    grading_referral_date = fields.Date(
        string="Referred On",
        compute="_compute_grading_referral_date",
        store=True,
        precompute=True,
        readonly=False,
        groups=GROUP_USER,
        help="The day of the referral: the measure 'Referrals' counts the referrals of the "
        "reference period.",
    )
    grading_referral_reward = fields.Char(
        string="Referral Reward",
        groups=GROUP_USER,
        help="What the referrer received for this referral.",
    )
    grading_referral_ids = fields.One2many(
        "res.partner", "grading_referred_by_id", string="Referrals", groups=GROUP_USER
    )
    grading_referral_count = fields.Integer(
        string="Referrals Made",
        compute="_compute_grading_referral_count",
        groups=GROUP_USER,
        help="The customers this customer referred.",
    )

    @api.depends_context("company", "uid")
    def _compute_grading_complaint_counts(self):
        customers = self.commercial_partner_id._origin.filtered("id")
        # the complaints the user may open, of all the user's companies
        counts = self.env["customer.grading.complaint"]._open_counts(customers)
        for partner in self:
            counts_open, overdue = counts.get(partner.commercial_partner_id._origin.id, (0, 0))
            partner.grading_complaint_open_count = counts_open
            partner.grading_complaint_overdue_count = overdue

    @api.depends("grading_referred_by_id")
    def _compute_grading_referral_date(self):
        for partner in self:
            if not partner.grading_referred_by_id:
                partner.grading_referral_date = False
            elif not partner.grading_referral_date:
                partner.grading_referral_date = fields.Date.context_today(partner)

    def _compute_grading_referral_count(self):
        referrers = self._origin.filtered("id")
        counts = dict(
            self._read_group(
                [("grading_referred_by_id", "in", referrers.ids)],
                ["grading_referred_by_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.grading_referral_count = counts.get(partner._origin, 0)

    @api.depends("grading_is_key_person", "grading_card_checked_on")
    @api.depends_context("company")
    def _compute_grading_card_is_stale(self):
        limit = self._grading_card_limit()
        for partner in self:
            checked = partner.grading_card_checked_on
            partner.grading_card_is_stale = partner.grading_is_key_person and (
                not checked or checked < limit
            )

    def _search_grading_card_is_stale(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on cards to check."))
        stale = [
            ("grading_is_key_person", "=", True),
            "|",
            ("grading_card_checked_on", "=", False),
            ("grading_card_checked_on", "<", self._grading_card_limit()),
        ]
        if (operator == "=") == value:
            return stale
        return ["!", *expression.normalize_domain(stale)]

    @api.model
    def _grading_card_limit(self):
        """Cards checked before this day are to be checked again: the current
        company's review interval of manual information."""
        company = self.env.company
        return company._grading_today() - timedelta(days=company.grading_stale_after_days)

    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_grading_customer_level_id(self):
        for partner in self:
            partner.grading_customer_level_id = partner.commercial_partner_id.grading_level_id

    @api.constrains("grading_referred_by_id", "parent_id")
    def _check_grading_referred_by(self):
        for partner in self.filtered("grading_referred_by_id"):
            referrer = partner.grading_referred_by_id
            if partner.parent_id or referrer.parent_id or referrer == partner:
                raise ValidationError(
                    self.env._(
                        "A customer is referred by another customer (a company or an "
                        "individual, not a contact of one): %(customer)s cannot be referred by "
                        "%(referrer)s.",
                        customer=partner.display_name,
                        referrer=referrer.display_name,
                    )
                )

    def _check_grading_card_access(self):
        """Relationship cards are kept by the customer's salesperson and the
        grading managers."""
        if self.env.su or self.env.user.has_group(GROUP_MANAGER):
            return
        others = self.filtered(lambda p: p.commercial_partner_id.user_id != self.env.user)
        if others:
            raise AccessError(
                self.env._(
                    "Only the salesperson of %(customer)s or a grading manager keeps the "
                    "relationship cards of its key persons.",
                    customer=others[0].commercial_partner_id.display_name,
                )
            )

    def action_grading_card_checked(self):
        """The relationship card was checked today (in the company's time zone)."""
        self.write({"grading_card_checked_on": self.env.company._grading_today()})
        return True

    def action_grading_view_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_grading.customer_grading_complaint_action"
        )
        customer = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", customer.id)]
        action["context"] = {
            "default_partner_id": customer.id,
            "search_default_filter_open": 1,
        }
        return action
