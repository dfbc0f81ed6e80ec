from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    grading_scheme_id = fields.Many2one(
        "customer.grading.scheme",
        string="Grading Scheme",
        domain="['|', ('company_id', '=', False), ('company_id', '=', id)]",
        help="Scheme in force to grade this company's customers.",
    )
