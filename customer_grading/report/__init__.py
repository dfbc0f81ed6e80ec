from . import customer_evaluation_report, receivable_review_xlsx
