"""18.0.1.1.0: the customer blacklist fields of res.partner take the
``grading_`` prefix (``is_blacklisted`` is Odoo's email blacklist again).

The stored one, the entry a partner matches, becomes per company: the old
integer column ``blacklist_match_id`` is turned into the company-dependent
``grading_blacklist_match_id`` (``{company id: entry id}``, the company being
the entry's), its field record and external id renamed, before the registry
sees the new field.
"""

from odoo.tools import SQL, sql

OLD, NEW = "blacklist_match_id", "grading_blacklist_match_id"


def _convert_column(cr):
    if not sql.column_exists(cr, "res_partner", OLD) or sql.column_exists(cr, "res_partner", NEW):
        return
    cr.execute(SQL("ALTER TABLE res_partner ADD COLUMN %s jsonb", SQL.identifier(NEW)))
    cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET %(new)s = jsonb_build_object(b.company_id::text, b.id)
              FROM customer_grading_blacklist b
             WHERE b.id = p.%(old)s
            """,
            new=SQL.identifier(NEW),
            old=SQL.identifier(OLD),
        )
    )
    cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(OLD)))


def _rename_field_record(cr):
    cr.execute(
        SQL(
            """UPDATE ir_model_fields SET name = %(new)s, company_dependent = TRUE
                WHERE model = 'res.partner' AND name = %(old)s
                  AND NOT EXISTS (SELECT 1 FROM ir_model_fields
                                   WHERE model = 'res.partner' AND name = %(new)s)""",
            old=OLD,
            new=NEW,
        )
    )
    cr.execute(
        SQL(
            """UPDATE ir_model_data SET name = %(new)s
                WHERE module = 'customer_grading' AND model = 'ir.model.fields'
                  AND name = %(old)s""",
            old=f"field_res_partner__{OLD}",
            new=f"field_res_partner__{NEW}",
        )
    )


def migrate(cr, version):
    if not version:
        return
    _convert_column(cr)
    _rename_field_record(cr)
