from odoo import fields, models


class CustomerGradingCareHoliday(models.Model):
    """A holiday on which customers' key persons are greeted (客户关怀日历,
    003 §3.3.1): Spring Festival, Mid-Autumn, National Day… Its date in each
    year is one of its lines, so that a lunar holiday moves every year."""

    _name = "customer.grading.care.holiday"
    _description = "Care Holiday"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty to share the holiday with all companies.",
    )
    date_ids = fields.One2many(
        "customer.grading.care.holiday.date",
        "holiday_id",
        string="Dates",
        copy=True,
        help="The holiday's date in each year: add next year's date in time.",
    )
    next_date = fields.Date(
        compute="_compute_next_date", help="The holiday's next date from today, if known."
    )

    def _compute_next_date(self):
        today = fields.Date.context_today(self)
        for holiday in self:
            upcoming = [line.date for line in holiday.date_ids if line.date >= today]
            holiday.next_date = min(upcoming) if upcoming else False
