from . import customer_grading_demo
