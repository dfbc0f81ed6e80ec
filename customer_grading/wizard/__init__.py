from . import (
    customer_grading_migration,
    customer_grading_migration_line,
    customer_grading_result_override,
    res_partner_grading_policy_exception,
    sale_order_grading_release,
    survey_invite,
)
