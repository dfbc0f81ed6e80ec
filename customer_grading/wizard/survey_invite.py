from odoo import models


class SurveyInvite(models.TransientModel):
    _inherit = "survey.invite"

    def _get_answers_values(self):
        """The answers created for a satisfaction campaign belong to it."""
        values = super()._get_answers_values()
        campaign_id = self.env.context.get("grading_survey_campaign_id")
        if campaign_id:
            campaign = self.env["customer.grading.survey.campaign"].browse(campaign_id)
            campaign.check_access("write")
            values["grading_campaign_id"] = campaign_id
        return values
