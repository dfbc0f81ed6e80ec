from . import customer_grading_result_override
