"""18.0.1.1.0: the blacklist entries' admission keys are now normalised by
Odoo's email normalisation, phonenumbers and python-stdnum, in the entry's
new country: recompute them for every entry."""

from odoo import SUPERUSER_ID, api

KEY_FIELDS = ["name_key", "vat_key", "email_key", "phone_key"]


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Blacklist = env["customer.grading.blacklist"]
    entries = Blacklist.search([])
    # the new country column (the customer's, else the company's), computed first
    entries.flush_recordset(["country_id"])
    for fname in KEY_FIELDS:
        env.add_to_compute(Blacklist._fields[fname], entries)
    entries.flush_recordset(KEY_FIELDS)
