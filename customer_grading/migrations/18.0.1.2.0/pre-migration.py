"""18.0.1.2.0: a grade's description is its service measures: the column
``description`` of the grades becomes ``service_measures`` (translations
included), its field record and external id renamed."""

from odoo.tools import SQL, sql

TABLE, OLD, NEW = "customer_grading_level", "description", "service_measures"


def migrate(cr, version):
    if not version:
        return
    if sql.column_exists(cr, TABLE, OLD) and not sql.column_exists(cr, TABLE, NEW):
        sql.rename_column(cr, TABLE, OLD, NEW)
    cr.execute(
        SQL(
            """UPDATE ir_model_fields SET name = %(new)s
                WHERE model = 'customer.grading.level' AND name = %(old)s
                  AND NOT EXISTS (SELECT 1 FROM ir_model_fields
                                   WHERE model = 'customer.grading.level' AND name = %(new)s)""",
            old=OLD,
            new=NEW,
        )
    )
    cr.execute(
        SQL(
            """UPDATE ir_model_data SET name = %(new)s
                WHERE module = 'customer_grading' AND model = 'ir.model.fields'
                  AND name = %(old)s""",
            old=f"field_customer_grading_level__{OLD}",
            new=f"field_customer_grading_level__{NEW}",
        )
    )
