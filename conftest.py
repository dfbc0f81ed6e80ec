"""pytest-odoo glue.

Test modules import Odoo's test framework, which expects Odoo's test mode
while they are imported (it logs an error otherwise). Test mode must stay off
while pytest-odoo loads the registry, or Odoo would run every installed
module's own tests; pytest-odoo turns it on around each test.

The browser tours (``HttpCase``) need an HTTP server in the test process:
``make test`` passes ``--odoo-http``, with which pytest-odoo starts Odoo's
threaded server on a free port (``odoo.service.server.server``, where
``HttpCase`` finds it). Without it pytest-odoo skips them, and Odoo skips them
too when Chrome is missing or does not start: here such a skip is a failure,
so that the tours are never left out silently.
"""

import pytest

import odoo

# pytest-odoo imports the test framework at start-up, before any collection:
# import it here first, in test mode, so that Odoo has nothing to complain of
odoo.tools.config["test_enable"] = True
import odoo.tests  # noqa: E402

odoo.tools.config["test_enable"] = False


def pytest_collection(session):
    odoo.tools.config["test_enable"] = True


def pytest_collection_finish(session):
    odoo.tools.config["test_enable"] = False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    from odoo.tests.common import HttpCase  # noqa: PLC0415

    if report.skipped and isinstance(getattr(item, "instance", None), HttpCase):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped, which counts as a failure: {reason}"
