from . import (
    test_manual_values,
    test_measures,
    test_receivable_review,
    test_run,
    test_scheme,
    test_scoring,
    test_security,
)
