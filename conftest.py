"""pytest-odoo glue: test modules import Odoo's test framework, which expects
Odoo's test mode while they are imported (it logs an error otherwise). Test
mode must stay off while pytest-odoo loads the registry, or Odoo would run
every installed module's own tests; pytest-odoo turns it on around each test.
"""

import odoo


def pytest_collection(session):
    odoo.tools.config["test_enable"] = True


def pytest_collection_finish(session):
    odoo.tools.config["test_enable"] = False
