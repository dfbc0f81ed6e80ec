from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerGradingSurveyMapping(models.Model):
    """Which question of a satisfaction survey feeds which manual indicator.

    The answer on the question's scale (``scale_min`` to ``scale_max``) is
    converted linearly to 0–100 (the minimum gives 0, the maximum 100); the
    answers of the contacts of one customer in one campaign are averaged into
    the customer's value of the indicator with that code in the campaign
    company's scheme.
    """

    _name = "customer.grading.survey.mapping"
    _description = "Survey Question to Indicator Mapping"
    _order = "survey_id, sequence, id"

    sequence = fields.Integer(default=10)
    survey_id = fields.Many2one("survey.survey", required=True, index=True, ondelete="cascade")
    question_id = fields.Many2one(
        "survey.question",
        required=True,
        ondelete="cascade",
        domain="[('survey_id', '=', survey_id), ('question_type', '=', 'scale')]",
        help="A question answered on a scale.",
    )
    indicator_code = fields.Char(
        required=True,
        help="Code of the manual indicator the answers feed, in the grading scheme of the "
        "campaign's company (for example recommendation, brand_recognition).",
    )

    _sql_constraints = [
        (
            "survey_question_indicator_uniq",
            "UNIQUE(survey_id, question_id, indicator_code)",
            "A question feeds an indicator once.",
        ),
    ]

    @api.constrains("question_id", "survey_id")
    def _check_question(self):
        for mapping in self:
            question = mapping.question_id
            if question.survey_id != mapping.survey_id or question.question_type != "scale":
                raise ValidationError(
                    self.env._(
                        "Only a scale question of the survey %(survey)s can feed an indicator: "
                        "%(question)s is not one.",
                        survey=mapping.survey_id.display_name,
                        question=question.display_name,
                    )
                )
