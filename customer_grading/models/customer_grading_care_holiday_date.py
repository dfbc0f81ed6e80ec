from odoo import fields, models


class CustomerGradingCareHolidayDate(models.Model):
    """The date of a care holiday in one year."""

    _name = "customer.grading.care.holiday.date"
    _description = "Care Holiday Date"
    _order = "date, id"

    holiday_id = fields.Many2one(
        "customer.grading.care.holiday", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="holiday_id.company_id", store=True, index=True)
    date = fields.Date(required=True, index=True)

    _sql_constraints = [
        (
            "holiday_date_uniq",
            "UNIQUE(holiday_id, date)",
            "A holiday has each date once.",
        )
    ]
