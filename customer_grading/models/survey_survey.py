from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SurveySurvey(models.Model):
    _inherit = "survey.survey"

    grading_mapping_ids = fields.One2many(
        "customer.grading.survey.mapping",
        "survey_id",
        string="Indicators Fed",
        help="The scale questions whose answers feed the customers' manual indicators.",
    )
    grading_satisfaction_question_id = fields.Many2one(
        "survey.question",
        string="Satisfaction Question",
        domain="[('survey_id', '=', id), ('question_type', '=', 'scale')]",
        help="The scale question that tells the satisfaction rate of a survey campaign.",
    )
    grading_satisfied_from = fields.Integer(
        string="Satisfied From",
        default=4,
        help="An answer to the satisfaction question at or above this value counts as satisfied.",
    )

    @api.constrains("grading_satisfaction_question_id", "grading_satisfied_from")
    def _check_grading_satisfaction_question(self):
        for survey in self.filtered("grading_satisfaction_question_id"):
            question = survey.grading_satisfaction_question_id
            if question.survey_id != survey or question.question_type != "scale":
                raise ValidationError(
                    self.env._("The satisfaction question must be a scale question of the survey.")
                )
            if not question.scale_min <= survey.grading_satisfied_from <= question.scale_max:
                raise ValidationError(
                    self.env._(
                        "A satisfied answer starts between %(low)s and %(high)s, the scale of "
                        "the satisfaction question.",
                        low=question.scale_min,
                        high=question.scale_max,
                    )
                )
