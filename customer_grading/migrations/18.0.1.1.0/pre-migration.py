"""18.0.1.1.0: the customer blacklist fields of res.partner take the
``grading_`` prefix (``is_blacklisted`` is Odoo's email blacklist again).
The stored one keeps its data: its column, index, foreign key, field record
and external id are renamed before the registry sees the new name."""

from odoo.tools import SQL, sql

# stored fields of res.partner renamed in this version
RENAMED = {"blacklist_match_id": "grading_blacklist_match_id"}


def _rename_column(cr, old, new):
    if not sql.column_exists(cr, "res_partner", old) or sql.column_exists(cr, "res_partner", new):
        return
    sql.rename_column(cr, "res_partner", old, new)
    old_index, new_index = f"res_partner__{old}_index", f"res_partner__{new}_index"
    if sql.index_exists(cr, old_index):
        cr.execute(
            SQL("ALTER INDEX %s RENAME TO %s", SQL.identifier(old_index), SQL.identifier(new_index))
        )
    old_key, new_key = f"res_partner_{old}_fkey", f"res_partner_{new}_fkey"
    if sql.constraint_definition(cr, "res_partner", old_key):
        cr.execute(
            SQL(
                "ALTER TABLE res_partner RENAME CONSTRAINT %s TO %s",
                SQL.identifier(old_key),
                SQL.identifier(new_key),
            )
        )


def _rename_field_record(cr, old, new):
    cr.execute(
        SQL(
            """UPDATE ir_model_fields SET name = %(new)s
                WHERE model = 'res.partner' AND name = %(old)s
                  AND NOT EXISTS (SELECT 1 FROM ir_model_fields
                                   WHERE model = 'res.partner' AND name = %(new)s)""",
            old=old,
            new=new,
        )
    )
    cr.execute(
        SQL(
            """UPDATE ir_model_data SET name = %(new)s
                WHERE module = 'customer_grading' AND model = 'ir.model.fields'
                  AND name = %(old)s""",
            old=f"field_res_partner__{old}",
            new=f"field_res_partner__{new}",
        )
    )


def migrate(cr, version):
    if not version:
        return
    for old, new in RENAMED.items():
        _rename_column(cr, old, new)
        _rename_field_record(cr, old, new)
