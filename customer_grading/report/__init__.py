from . import receivable_review_xlsx
