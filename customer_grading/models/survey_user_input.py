import logging

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    grading_campaign_id = fields.Many2one(
        "customer.grading.survey.campaign",
        string="Satisfaction Campaign",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    grading_customer_id = fields.Many2one(
        "res.partner",
        string="Graded Customer",
        related="partner_id.commercial_partner_id",
        store=True,
        index="btree_not_null",
    )

    def _mark_done(self):
        """A finished answer of a satisfaction campaign updates the manual
        indicators of its customer at once (the campaign's *Apply Answers*
        does it again for all its answers)."""
        result = super()._mark_done()
        answers = self.filtered("grading_campaign_id")
        if answers:
            # the respondent is a portal or public user: the survey writes the values
            campaigns = answers.grading_campaign_id.sudo()
            try:
                with self.env.cr.savepoint():
                    campaigns._apply_answers(customers=answers.grading_customer_id)
            except (UserError, ValidationError) as error:
                # the answer is saved; the campaign's Apply Answers shows the error
                _logger.warning("Survey answers not applied to the indicators: %s", error)
        return result
