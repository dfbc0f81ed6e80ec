from . import (
    customer_grading_migration,
    customer_grading_migration_line,
    customer_grading_result_override,
    sale_order_grading_release,
)
