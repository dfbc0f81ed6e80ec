from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import format_date

from ..tools import blacklist_keys

GROUP_MANAGER = "customer_grading.group_customer_grading_manager"

REASONS = [
    ("payment_default", "Payment default"),
    ("fraud", "Fraud"),
    ("contract_breach", "Contract breach"),
    ("legal", "Legal"),
    ("other", "Other"),
]

# Where Odoo keeps a user's uploads until a message or record takes them
# (mail.thread._process_attachments_for_post).
PENDING_ATTACHMENT_MODELS = ("mail.compose.message", "mail.scheduled.message")

# Written by the approval and lifting actions only.
DECISION_FIELDS = {
    "state",
    "approved_by_id",
    "date_approved",
    "lifted_by_id",
    "date_lifted",
}


class CustomerGradingBlacklist(models.Model):
    _name = "customer.grading.blacklist"
    _description = "Customer Blacklist Entry"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Company Name",
        compute="_compute_identity",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        tracking=True,
        domain="[('parent_id', '=', False)]",
        help="Leave empty for a company that is not a customer yet: the name, tax id, "
        "email and phone are then what the admission check compares.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    vat = fields.Char(
        string="Tax ID",
        compute="_compute_identity",
        store=True,
        readonly=False,
        precompute=True,
    )
    email = fields.Char(compute="_compute_identity", store=True, readonly=False, precompute=True)
    phone = fields.Char(compute="_compute_identity", store=True, readonly=False, precompute=True)
    country_id = fields.Many2one(
        "res.country",
        compute="_compute_country_id",
        store=True,
        readonly=False,
        precompute=True,
        help="The blacklisted company's country: its phone number and tax id are read as "
        "written there. The customer's country, else the company's.",
    )
    name_key = fields.Char(compute="_compute_keys", store=True, index=True)
    vat_key = fields.Char(compute="_compute_keys", store=True, index=True)
    email_key = fields.Char(compute="_compute_keys", store=True, index=True)
    phone_key = fields.Char(compute="_compute_keys", store=True, index=True)
    reason = fields.Selection(REASONS, string="Reason", required=True, tracking=True)
    description = fields.Text(
        tracking=True, help="What happened, as the proposer and the approver describe it."
    )
    evidence_ids = fields.Many2many(
        "ir.attachment",
        string="Evidence",
        groups=GROUP_MANAGER,
        copy=False,
        help="Documents supporting the entry; only grading managers see them.",
    )
    state = fields.Selection(
        [("draft", "Proposed"), ("active", "Active"), ("lifted", "Lifted")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        copy=False,
    )
    proposed_by_id = fields.Many2one(
        "res.users",
        string="Proposed By",
        default=lambda self: self.env.user,
        readonly=True,
        copy=False,
    )
    approved_by_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False, tracking=True
    )
    date_approved = fields.Date(string="Approved On", readonly=True, copy=False)
    date_start = fields.Date(
        string="In Force Since",
        copy=False,
        tracking=True,
        help="The date the entry takes effect: its approval day at the earliest, as an "
        "entry blocks nothing before it is approved; the approval day when none is given.",
    )
    lifted_by_id = fields.Many2one(
        "res.users", string="Lifted By", readonly=True, copy=False, tracking=True
    )
    date_lifted = fields.Date(string="Lifted On", readonly=True, copy=False, tracking=True)
    lift_reason = fields.Text(string="Reason for Lifting", copy=False, tracking=True)

    @api.depends("partner_id")
    def _compute_identity(self):
        for entry in self.filtered("partner_id"):
            partner = entry.partner_id
            entry.name = partner.name
            entry.vat = partner.vat
            entry.email = partner.email
            entry.phone = partner.phone or partner.mobile

    @api.depends("partner_id", "company_id")
    def _compute_country_id(self):
        for entry in self:
            if entry.partner_id or not entry.country_id:
                entry.country_id = entry.partner_id.country_id or entry.company_id.country_id

    @api.depends("name", "vat", "email", "phone", "country_id")
    def _compute_keys(self):
        for entry in self:
            country_code = entry.country_id.code
            entry.name_key = blacklist_keys.name_key(entry.name)
            entry.vat_key = blacklist_keys.vat_key(entry.vat, country_code)
            entry.email_key = blacklist_keys.email_key(entry.email)
            entry.phone_key = blacklist_keys.phone_key(entry.phone, country_code)

    @api.constrains("date_start", "date_approved")
    def _check_date_start(self):
        for entry in self:
            if entry.date_start and entry.date_approved and entry.date_start < entry.date_approved:
                raise ValidationError(
                    self.env._(
                        "%(entry)s cannot be in force before it was approved (%(date)s).",
                        entry=entry.display_name,
                        date=format_date(self.env, entry.date_approved),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_decision_rights(vals_list)
        for vals in vals_list:
            self._check_evidence(vals.get("evidence_ids"))
        entries = super().create([self._with_commercial_partner(vals) for vals in vals_list])
        entries._invalidate_partner_flags()
        if any("evidence_ids" in vals for vals in vals_list):
            entries._link_evidence()
        return entries

    def write(self, vals):
        self._check_decision_rights([vals])
        self._check_evidence(vals.get("evidence_ids"))
        result = super().write(self._with_commercial_partner(vals))
        self._invalidate_partner_flags()
        if "evidence_ids" in vals:
            self._link_evidence()
        return result

    def unlink(self):
        if any(entry.state != "draft" for entry in self):
            raise UserError(
                self.env._(
                    "An approved blacklist entry is never deleted: lift it to keep its history."
                )
            )
        return super().unlink()

    def _with_commercial_partner(self, vals):
        """The blacklist holds commercial entities: a contact stands for its company."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals = {**vals, "partner_id": partner.commercial_partner_id.id}
        return vals

    def _check_decision_rights(self, vals_list):
        decided = {field for vals in vals_list for field in vals} & DECISION_FIELDS
        if decided - {"state"} or any(vals.get("state", "draft") != "draft" for vals in vals_list):
            self._check_manager()

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only a grading manager approves or lifts blacklist entries.")
            )

    def _invalidate_partner_flags(self):
        self.env["res.partner"].invalidate_model(
            ["grading_blacklisted", "grading_blacklist_reason"]
        )
        self.env["sale.order"].invalidate_model(["grading_blacklist_reason"])

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_approve(self):
        """Put the proposed entries in force."""
        self._check_manager()
        if any(entry.state != "draft" for entry in self):
            raise UserError(self.env._("Only a proposed entry can be approved."))
        today = fields.Date.context_today(self)
        for entry in self:
            entry.write(
                {
                    "state": "active",
                    "approved_by_id": self.env.uid,
                    "date_approved": today,
                    # a proposal dated in the past takes effect now
                    "date_start": max(entry.date_start or today, today),
                }
            )
        return True

    def action_lift(self):
        """End the entries; the record and its history stay."""
        self._check_manager()
        for entry in self:
            if entry.state != "active":
                raise UserError(self.env._("Only an active entry can be lifted."))
            if not entry.lift_reason:
                raise UserError(
                    self.env._(
                        "Give the reason for lifting %(entry)s first.", entry=entry.display_name
                    )
                )
        self.write(
            {
                "state": "lifted",
                "lifted_by_id": self.env.uid,
                "date_lifted": fields.Date.context_today(self),
            }
        )
        return True

    def _check_evidence(self, value):
        """Refuse, before anything is written, the attachments that ``value``
        (an ``evidence_ids`` write value) would link and that may not become
        the evidence of these entries (of a new entry when ``self`` is empty)."""
        attachments = self.env["ir.attachment"].browse(_linked_ids(value))
        if not attachments:
            return
        refused = attachments - self._acceptable_evidence(attachments)
        if refused:
            raise UserError(
                self.env._(
                    "Attachment %(ids)s cannot become evidence: only files you have just "
                    "uploaded, or files already attached to this entry, can be added.",
                    ids=", ".join(str(attachment_id) for attachment_id in refused.ids),
                )
            )

    def _acceptable_evidence(self, attachments):
        """The attachments the user may read (Odoo's attachment rule) that no
        other record holds: the user's own pending uploads (Odoo's rule for
        the composer's files), or the files already attached to this entry."""
        readable = self.env["ir.attachment"]._filter_attachment_access(attachments.ids)
        return readable.filtered(
            lambda attachment: (
                (self and attachment.res_model == self._name and [attachment.res_id] == self.ids)
                or (
                    not attachment.res_id
                    and not attachment.res_field
                    and attachment.create_uid == self.env.user
                    and attachment.res_model in (False, self._name, *PENDING_ATTACHMENT_MODELS)
                )
            )
        )

    def _link_evidence(self):
        """Attach the evidence to the entry through its manager-only field, so
        that Odoo's attachment rules hide the files from other users too. With
        the user's rights: Odoo checks again that the files are theirs to move."""
        for entry in self:
            entry.evidence_ids.write(
                {"res_model": self._name, "res_id": entry.id, "res_field": "evidence_ids"}
            )

    # ------------------------------------------------------------------
    # Lookups used by customers, sales and grading
    # ------------------------------------------------------------------

    @api.model
    def _active_domain(self, company):
        return [("state", "=", "active"), ("company_id", "=", company.id)]

    @api.model
    def _blacklisted(self, company, partner_ids):
        """``{commercial partner id: reason}`` of the given commercial partners
        with an active entry in ``company`` (one query)."""
        groups = (
            self.sudo()
            .with_context(active_test=False)
            ._read_group(
                [*self._active_domain(company), ("partner_id", "in", list(partner_ids))],
                ["partner_id", "reason"],
            )
        )
        return {partner.id: reason for partner, reason in groups}

    @api.model
    def _matching(self, companies, keys):
        """Active entries of ``companies`` sharing one of ``keys`` (``{key field:
        values}``): indexed lookups on the entries, never a scan of the customers."""
        key_domains = [[(field, "in", list(values))] for field, values in keys.items() if values]
        if not key_domains:
            return self.browse()
        return self.sudo().search(
            [
                ("state", "=", "active"),
                ("company_id", "in", companies.ids),
                *expression.OR(key_domains),
            ]
        )

    @api.model
    def _reason_label(self, reason):
        return dict(self._fields["reason"]._description_selection(self.env)).get(reason, "")

    # ------------------------------------------------------------------
    # Admission check of partners
    # ------------------------------------------------------------------

    @api.model
    def _partner_keys(self, partner):
        """``{key field: {keys}}`` of ``partner``'s name, tax id, emails and
        phones, read in its country, else its company's, else the current one's."""
        country = partner.country_id or partner.company_id.country_id or self.env.company.country_id
        return blacklist_keys.keys(
            partner.name, partner.vat, partner.email, (partner.phone, partner.mobile), country.code
        )

    @api.model
    def _partner_companies(self, partner):
        """The companies whose entries ``partner`` is checked against: those
        the user works in, and of them the partner's own if it has one. Only
        their users read the partner, hence the entry named on it."""
        companies = self.env.companies
        return companies & partner.company_id if partner.company_id else companies

    @api.model
    def _partner_matches(self, partner, entries):
        """The entries of ``entries`` ``partner`` matches, and on which keys."""
        keys = self._partner_keys(partner)
        customer = partner.commercial_partner_id._origin
        companies = self._partner_companies(partner)
        matches = {}
        for entry in entries:
            if entry.company_id not in companies:
                continue
            if entry.partner_id and entry.partner_id == customer:
                continue  # the blacklisted customer itself: flagged as such
            fields_matched = [field for field, values in keys.items() if entry[field] in values]
            if fields_matched:
                matches[entry] = fields_matched
        return matches

    @api.model
    def _key_labels(self, fields_matched):
        labels = {
            "name_key": self.env._("name"),
            "vat_key": self.env._("tax id"),
            "email_key": self.env._("email"),
            "phone_key": self.env._("phone"),
        }
        return ", ".join(labels[field] for field in fields_matched)

    @api.model
    def _check_admission(self, partners):
        """Record on each of ``partners``, per company, the active entry of
        that company it matches, and note the match in the entry's chatter:
        the entry is named only where its company's users read it, never in
        the partner's chatter, which every employee of every company reads.
        One indexed lookup for the whole batch."""
        wanted = defaultdict(set)
        for partner in partners:
            for field, keys in self._partner_keys(partner).items():
                wanted[field] |= keys
        entries = self._matching(self.env.companies, wanted)
        for partner in partners:
            matches = self._partner_matches(partner, entries)
            for company in self.env.companies:
                entry = next(
                    (match for match in matches if match.company_id == company), self.browse()
                )
                # recorded whoever edits the partner, grading user or not
                partner_sudo = partner.sudo().with_company(company)
                if entry == partner_sudo.grading_blacklist_match_id:
                    continue
                partner_sudo.grading_blacklist_match_id = entry
                if entry:
                    entry.sudo()._message_log(
                        body=self.env._(
                            "Admission check: %(partner)s matches this entry on its %(keys)s.",
                            partner=partner.display_name,
                            keys=self._key_labels(matches[entry]),
                        )
                    )

    @api.model
    def _admission_warning(self, partner):
        """The warning of ``partner``'s form when it matches an active entry."""
        entries = self._matching(self._partner_companies(partner), self._partner_keys(partner))
        matches = self._partner_matches(partner, entries)
        if not matches:
            return None
        entry, fields_matched = next(iter(matches.items()))
        return {
            "warning": {
                "title": self.env._("Blacklisted company?"),
                "message": self.env._(
                    "Admission check: this partner matches the blacklist entry %(entry)s "
                    "(%(reason)s) on its %(keys)s.",
                    entry=entry.name,
                    reason=entry._reason_label(entry.reason),
                    keys=self._key_labels(fields_matched),
                ),
            }
        }


def _linked_ids(value):
    """The ids an x2many write ``value`` links: ``Command.link`` and
    ``Command.set`` ids, or a plain list, tuple or recordset of ids (the forms
    ``fields.Many2many`` accepts); created records are new, hence not listed."""
    if isinstance(value, models.BaseModel):
        return value.ids
    if isinstance(value, tuple):
        return list(value)
    ids = []
    for command in value if isinstance(value, list) else ():
        if isinstance(command, int):
            ids.append(command)
        elif isinstance(command, (list, tuple)) and command and command[0] == Command.LINK:
            ids.append(command[1])
        elif isinstance(command, (list, tuple)) and command and command[0] == Command.SET:
            ids.extend(command[2] or ())
    return ids
