from . import (
    test_blacklist,
    test_manual_values,
    test_measures,
    test_performance,
    test_receivable_review,
    test_run,
    test_scheme,
    test_scoring,
    test_security,
    test_visit,
    test_visit_compliance,
    test_visit_report,
)
