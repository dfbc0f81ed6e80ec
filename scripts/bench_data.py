"""Synthetic but valid sales and accounting data for the benchmark
(``scripts/bench.py``), loaded with SQL bulk inserts into a scratch database
that has the addon installed, and the environment both scripts work in."""

import re
import sys
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import devtool

RUN_DATE = date(2026, 9, 30)


# --- environment -------------------------------------------------------------


@contextmanager
def odoo_env(db):
    """A superuser environment on ``db``; commits when the block ends."""
    import odoo  # noqa: PLC0415
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    odoo.tools.config.parse_config(["-d", db, f"--addons-path={devtool.addons_path()}"])
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


@contextmanager
def measured(cr):
    """Wall time and SQL queries of the block: ``{'seconds': …, 'queries': …}``."""
    import odoo  # noqa: PLC0415

    figures = {}
    queries, start = odoo.sql_db.sql_counter, time.perf_counter()
    yield figures
    figures["seconds"] = time.perf_counter() - start
    figures["queries"] = odoo.sql_db.sql_counter - queries


REPEAT_BELOW = 10.0  # seconds: a step faster than this is timed three times


def repeated(step, restore=None, times=3):
    """Time ``step`` (a function returning figures with ``seconds``) three
    times when it takes under 10 s, else once; ``restore`` puts back its
    starting state between two repetitions. Returns the figures of the median
    repetition, with ``runs``: the seconds of every repetition, and the
    queries of the first."""
    results = [step()]
    while len(results) < times and results[0]["seconds"] < REPEAT_BELOW:
        if restore:
            restore()
        results.append(step())
    ordered = sorted(results, key=lambda figures: figures["seconds"])
    figures = ordered[len(ordered) // 2]
    figures["runs"] = [result["seconds"] for result in results]
    if "queries" in results[0]:  # the first, with cold caches, as a single run
        figures["queries"] = results[0]["queries"]
    return figures


_STATEMENT = re.compile(
    r"^\s*(?:EXPLAIN\s*\([^)]*\)\s*)?(INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", re.I
)
_READ = re.compile(r"\bFROM\s+\"?(\w+)", re.I)


def statement_kind(query):
    """``INSERT INTO table``, ``UPDATE table``… or ``SELECT table`` (the first
    table read) of a query."""
    if isinstance(query, bytes):
        query = query.decode(errors="replace")
    written = _STATEMENT.match(query)
    if written:
        return f"{written[1].upper()} {written[2]}"
    read = _READ.search(query)
    return f"SELECT {read[1]}" if read else query.split(None, 1)[0].upper()


@contextmanager
def statement_times(label=None):
    """SQL time spent in the block by kind of statement: yields ``{kind:
    [queries, seconds]}`` (``{label(): {kind: …}}`` with ``label``, a function
    telling which part of the work is running)."""
    times = {}

    def hook(_cr, query, _params, _start, delay):
        kinds = times.setdefault(label(), {}) if label else times
        figures = kinds.setdefault(statement_kind(query), [0, 0.0])
        figures[0] += 1
        figures[1] += delay

    thread = threading.current_thread()
    hooks = getattr(thread, "query_hooks", ())
    thread.query_hooks = (*hooks, hook)
    try:
        yield times
    finally:
        thread.query_hooks = hooks


def slowest_statements(times, limit=5):
    """The ``limit`` kinds of statements that took the most time, slowest first:
    ``[[kind, queries, seconds], …]``."""
    ranked = sorted(times.items(), key=lambda item: item[1][1], reverse=True)
    return [[kind, queries, seconds] for kind, (queries, seconds) in ranked[:limit]]


# --- data ----------------------------------------------------------------------


def generate(db, customers):
    """Synthetic customers, invoices, refunds, payments and orders, in bulk."""
    with odoo_env(db) as env:
        env["ir.config_parameter"].set_param("customer_grading.batch_size", 1000)
        c1 = env.ref("base.main_company")
        c2 = env["res.company"].create(
            {"name": "Bench Second Company", "currency_id": c1.currency_id.id}
        )
        env["account.chart.template"].try_loading("generic_coa", company=c2, install_demo=False)
        c2.grading_scheme_id = c1.grading_scheme_id
        users = env["res.users"].create(
            [
                {
                    "name": f"Bench Sales {n}",
                    "login": f"bench_sales_{n}",
                    "groups_id": [(4, env.ref("sales_team.group_sale_salesman").id)],
                }
                for n in range(8)
            ]
        )
        env["res.users"].create(
            {
                "name": "Bench Manager",
                "login": "bench_manager",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            env.ref("base.group_user").id,
                            env.ref("customer_grading.group_customer_grading_manager").id,
                        ],
                    )
                ],
            }
        )
        product = env["product.product"].create({"name": "Bench product", "list_price": 100.0})
        accounts = {company.id: _accounts(env, company) for company in (c1, c2)}
        env.flush_all()
        cr = env.cr
        cr.execute("SELECT setseed(0.42)")
        for label, load in (
            ("customers and contacts", lambda: _partners(cr, customers, users.ids)),
            ("invoices and credit notes", lambda: _invoices(cr, customers, c1, c2, accounts)),
            ("payments", lambda: _payments(cr, c1, c2, accounts)),
            ("sale orders", lambda: _orders(cr, customers, c1, c2, product)),
            ("manual indicators", lambda: _manual_values(env, c1)),
        ):
            start = time.perf_counter()
            load()
            devtool.info(f"  {label}: {time.perf_counter() - start:.1f} s")
        env.cr.commit()
    # VACUUM (hint bits, visibility map) and ANALYZE, as on a database in service
    conn = devtool._connect(db)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute("VACUUM ANALYZE")
    conn.close()


def _accounts(env, company):
    Account = env["account.account"].with_company(company)
    domain = Account._check_company_domain(company)
    journal = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "sale")], limit=1
    )
    bank = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    return {
        "receivable": Account.search(
            [*domain, ("account_type", "=", "asset_receivable")], limit=1
        ).id,
        "income": Account.search([*domain, ("account_type", "=", "income")], limit=1).id,
        "bank": bank.default_account_id.id,
        "sale_journal": journal.id,
        "bank_journal": bank.id,
        "currency": company.currency_id.id,
    }


def _prepare_temp_table(cr, table, key):
    """Index and analyse a work table, or the planner joins it row by row."""
    from psycopg2 import sql  # noqa: PLC0415

    cr.execute(
        sql.SQL("CREATE INDEX ON {} ({})").format(sql.Identifier(table), sql.Identifier(key))
    )
    cr.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def _partners(cr, customers, user_ids):
    """Companies and one contact each; ids drawn first, so nothing is updated later."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_customer AS
        SELECT nextval('res_partner_id_seq')::int AS id, i FROM generate_series(1, %s) i
        """,
        [customers],
    )
    _prepare_temp_table(cr, "bench_customer", "i")
    cr.execute(
        """
        INSERT INTO res_partner (id, name, complete_name, ref, active, is_company, type,
                                 commercial_partner_id, customer_rank, supplier_rank, user_id,
                                 lang, autopost_bills, email,
                                 create_date, write_date, create_uid, write_uid)
        SELECT c.id, 'Bench Customer ' || c.i, 'Bench Customer ' || c.i, 'BENCH-' || c.i, TRUE,
               TRUE, 'contact', c.id, 1, 0, (%(users)s::int[])[1 + c.i %% %(nusers)s], 'en_US',
               'ask', 'customer' || c.i || '@bench.example.com', NOW(), NOW(), 1, 1
          FROM bench_customer c
        """,
        {"users": user_ids, "nusers": len(user_ids)},
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_contact AS
        SELECT c.i, c.id AS parent_id, nextval('res_partner_id_seq')::int AS id
          FROM bench_customer c
        """
    )
    _prepare_temp_table(cr, "bench_contact", "i")
    cr.execute(
        """
        INSERT INTO res_partner (id, name, complete_name, parent_id, commercial_partner_id,
                                 active, is_company, type, customer_rank, supplier_rank, lang,
                                 autopost_bills, create_date, write_date, create_uid, write_uid)
        SELECT k.id, 'Buyer ' || k.i, 'Bench Customer ' || k.i || ', Buyer ' || k.i,
               k.parent_id, k.parent_id, TRUE, FALSE, 'contact', 0, 0, 'en_US', 'ask',
               NOW(), NOW(), 1, 1
          FROM bench_contact k
        """
    )
    cr.execute("ANALYZE res_partner")


def _invoices(cr, customers, c1, c2, accounts):
    """Posted invoices of two product lines each (half of them to a contact),
    5 % credit notes, two years of dates; one in ten for the second company.
    Four invoices in five are paid in full: most on time, some late."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_invoice AS
        SELECT g AS i, c.id AS commercial_id,
               CASE WHEN g %% 2 = 0 THEN c.id ELSE k.id END AS partner_id,
               CASE WHEN g %% 10 = 0 THEN %(c2)s ELSE %(c1)s END AS company_id,
               d.move_type, d.invoice_date,
               ROUND((50 + random() * 950 * (1 + c.i %% 7))::numeric, 2) AS amount_1,
               ROUND((20 + random() * 400)::numeric, 2) AS amount_2,
               CASE WHEN d.move_type = 'out_refund' OR d.draw >= 0.8 THEN NULL
                    ELSE LEAST(%(run_date)s::date,
                               CASE WHEN d.draw < 0.6 THEN d.invoice_date + (random() * 30)::int
                                    ELSE d.invoice_date + 31 + (random() * 60)::int END)
               END AS paid_on,
               nextval('account_move_id_seq')::int AS move_id,
               nextval('account_move_line_id_seq')::int AS receivable_line_id
          FROM generate_series(1, %(n)s) g
          JOIN bench_customer c ON c.i = 1 + (g::bigint * 7919) %% %(customers)s
          JOIN bench_contact k ON k.i = c.i
         CROSS JOIN LATERAL (
               SELECT CASE WHEN g %% 20 = 7 THEN 'out_refund' ELSE 'out_invoice' END AS move_type,
                      %(run_date)s::date - (random() * 729)::int AS invoice_date,
                      random() + 0 * g AS draw
         ) d
        """,
        {
            "n": customers * 5,
            "customers": customers,
            "c1": c1.id,
            "c2": c2.id,
            "run_date": RUN_DATE,
        },
    )
    _prepare_temp_table(cr, "bench_invoice", "move_id")
    params = _company_params(c1, c2, accounts)
    cr.execute(
        """
        INSERT INTO account_move (id, name, ref, move_type, state, date, invoice_date,
                                  invoice_date_due, partner_id, commercial_partner_id, company_id,
                                  journal_id, currency_id, auto_post, amount_untaxed,
                                  amount_untaxed_signed, amount_untaxed_in_currency_signed,
                                  amount_tax, amount_tax_signed, amount_total, amount_total_signed,
                                  amount_total_in_currency_signed, amount_residual,
                                  amount_residual_signed, payment_state,
                                  create_date, write_date, create_uid, write_uid)
        SELECT b.move_id, 'BENCH/' || b.move_type || '/' || b.i, 'BENCH-' || b.i, b.move_type,
               'posted', b.invoice_date, b.invoice_date, b.invoice_date + 30, b.partner_id,
               b.commercial_id, b.company_id,
               CASE WHEN b.company_id = %(c2)s THEN %(sale_journal_2)s ELSE %(sale_journal_1)s END,
               %(currency)s, 'no', v.total, s.sign * v.total, s.sign * v.total, 0, 0, v.total,
               s.sign * v.total, s.sign * v.total, v.residual, s.sign * v.residual,
               CASE WHEN b.paid_on IS NULL THEN 'not_paid' ELSE 'paid' END,
               NOW(), NOW(), 1, 1
          FROM bench_invoice b
         CROSS JOIN LATERAL (
               SELECT CASE WHEN b.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
         ) s
         CROSS JOIN LATERAL (
               SELECT b.amount_1 + b.amount_2 AS total,
                      CASE WHEN b.paid_on IS NULL THEN b.amount_1 + b.amount_2
                           ELSE 0 END AS residual
         ) v
        """,
        params,
    )
    # two product lines (income, credit) and the receivable line (debit) per invoice
    for part in (1, 2, 0):
        cr.execute(
            """
            INSERT INTO account_move_line (id, move_id, move_name, date, invoice_date,
                                           date_maturity, parent_state, journal_id, company_id,
                                           company_currency_id, currency_id, account_id,
                                           partner_id, display_type, name, quantity, price_unit,
                                           price_subtotal, price_total, balance, amount_currency,
                                           debit, credit, amount_residual,
                                           amount_residual_currency, reconciled)
            SELECT CASE WHEN %(part)s = 0 THEN b.receivable_line_id
                        ELSE nextval('account_move_line_id_seq') END,
                   b.move_id, 'BENCH/' || b.move_type || '/' || b.i, b.invoice_date,
                   b.invoice_date, b.invoice_date + 30, 'posted',
                   CASE WHEN b.company_id = %(c2)s THEN %(sale_journal_2)s
                        ELSE %(sale_journal_1)s END,
                   b.company_id, %(currency)s, %(currency)s,
                   CASE WHEN %(part)s = 0 THEN
                        CASE WHEN b.company_id = %(c2)s THEN %(receivable_2)s
                             ELSE %(receivable_1)s END
                   ELSE CASE WHEN b.company_id = %(c2)s THEN %(income_2)s
                             ELSE %(income_1)s END END,
                   b.commercial_id, v.display_type, 'Bench line', 1, v.amount, v.amount, v.amount,
                   v.balance, v.balance, GREATEST(v.balance, 0), GREATEST(-v.balance, 0),
                   v.residual, v.residual, %(part)s = 0 AND b.paid_on IS NOT NULL
              FROM bench_invoice b
             CROSS JOIN LATERAL (
                   SELECT CASE %(part)s WHEN 1 THEN b.amount_1 WHEN 2 THEN b.amount_2
                               ELSE b.amount_1 + b.amount_2 END AS amount,
                          CASE WHEN %(part)s = 0 THEN 'payment_term' ELSE 'product' END
                               AS display_type,
                          CASE WHEN b.move_type = 'out_refund' THEN -1 ELSE 1 END
                               * CASE WHEN %(part)s = 0 THEN 1 ELSE -1 END AS sign
             ) a
             CROSS JOIN LATERAL (
                   SELECT a.amount, a.display_type, a.sign * a.amount AS balance,
                          CASE WHEN %(part)s = 0 AND b.paid_on IS NULL THEN a.sign * a.amount
                               ELSE 0 END AS residual
             ) v
            """,
            {**params, "part": part},
        )
    cr.execute("ANALYZE account_move")
    cr.execute("ANALYZE account_move_line")


def _company_params(c1, c2, accounts):
    """Query parameters: each company's accounts and journals."""
    params = {"c1": c1.id, "c2": c2.id, "currency": accounts[c1.id]["currency"]}
    for number, company in ((1, c1), (2, c2)):
        for key, value in accounts[company.id].items():
            params[f"{key}_{number}"] = value
    return params


def _payments(cr, c1, c2, accounts):
    """The payments of the paid invoices, reconciled with them."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_payment AS
        SELECT b.i, b.company_id, b.commercial_id, b.amount_1 + b.amount_2 AS amount,
               b.paid_on, b.receivable_line_id AS invoice_line_id,
               nextval('account_move_id_seq')::int AS move_id,
               nextval('account_move_line_id_seq')::int AS line_id
          FROM bench_invoice b
         WHERE b.paid_on IS NOT NULL
        """
    )
    _prepare_temp_table(cr, "bench_payment", "move_id")
    params = _company_params(c1, c2, accounts)
    cr.execute(
        """
        INSERT INTO account_move (id, name, ref, move_type, state, date, partner_id,
                                  commercial_partner_id, company_id, journal_id, currency_id,
                                  auto_post, amount_total, amount_total_signed, payment_state,
                                  create_date, write_date, create_uid, write_uid)
        SELECT p.move_id, 'BENCH/PAY/' || p.i, 'BENCH-PAY-' || p.i, 'entry', 'posted', p.paid_on,
               p.commercial_id, p.commercial_id, p.company_id,
               CASE WHEN p.company_id = %(c2)s THEN %(bank_journal_2)s ELSE %(bank_journal_1)s END,
               %(currency)s, 'no', p.amount, p.amount, 'not_paid', NOW(), NOW(), 1, 1
          FROM bench_payment p
        """,
        params,
    )
    # the bank line (debit) and the receivable line (credit, reconciled) of each payment
    for sign in (1, -1):
        cr.execute(
            """
            INSERT INTO account_move_line (id, move_id, move_name, date, parent_state, journal_id,
                                           company_id, company_currency_id, currency_id,
                                           account_id, partner_id, display_type, name,
                                           balance, amount_currency, debit, credit,
                                           amount_residual, amount_residual_currency, reconciled)
            SELECT CASE WHEN %(sign)s < 0 THEN p.line_id
                        ELSE nextval('account_move_line_id_seq') END,
                   p.move_id, 'BENCH/PAY/' || p.i, p.paid_on, 'posted',
                   CASE WHEN p.company_id = %(c2)s THEN %(bank_journal_2)s
                        ELSE %(bank_journal_1)s END,
                   p.company_id, %(currency)s, %(currency)s,
                   CASE WHEN %(sign)s > 0 THEN
                        CASE WHEN p.company_id = %(c2)s THEN %(bank_2)s ELSE %(bank_1)s END
                   ELSE CASE WHEN p.company_id = %(c2)s THEN %(receivable_2)s
                             ELSE %(receivable_1)s END END,
                   p.commercial_id, 'product', 'Bench payment',
                   %(sign)s * p.amount, %(sign)s * p.amount,
                   GREATEST(%(sign)s * p.amount, 0), GREATEST(-%(sign)s * p.amount, 0),
                   0, 0, %(sign)s < 0
              FROM bench_payment p
            """,
            {**params, "sign": sign},
        )
    cr.execute(
        """
        INSERT INTO account_payment (move_id, payment_type, partner_type, partner_id, amount,
                                     currency_id, company_id, journal_id, date, state,
                                     create_date, write_date, create_uid, write_uid)
        SELECT p.move_id, 'inbound', 'customer', p.commercial_id, p.amount, %(currency)s,
               p.company_id,
               CASE WHEN p.company_id = %(c2)s THEN %(bank_journal_2)s ELSE %(bank_journal_1)s END,
               p.paid_on, 'paid', NOW(), NOW(), 1, 1
          FROM bench_payment p
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO account_partial_reconcile (debit_move_id, credit_move_id, amount,
                                               debit_amount_currency, credit_amount_currency,
                                               debit_currency_id, credit_currency_id, company_id,
                                               max_date, create_date, write_date, create_uid,
                                               write_uid)
        SELECT p.invoice_line_id, p.line_id, p.amount, p.amount, p.amount, %(currency)s,
               %(currency)s, p.company_id, p.paid_on, NOW(), NOW(), 1, 1
          FROM bench_payment p
        """,
        params,
    )


def _orders(cr, customers, c1, c2, product):
    """Confirmed orders, three per customer on average, with their margin."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_order AS
        SELECT g AS i, c.id AS commercial_id,
               CASE WHEN g %% 3 = 0 THEN k.id ELSE c.id END AS partner_id,
               CASE WHEN g %% 10 = 0 THEN %(c2)s ELSE %(c1)s END AS company_id,
               (%(run_date)s::date - (random() * 729)::int)::timestamp + INTERVAL '10 hours'
                   AS date_order,
               ROUND((100 + random() * 2000)::numeric, 2) AS amount,
               ROUND((0.05 + random() * 0.35)::numeric, 2) AS margin_rate
          FROM generate_series(1, %(n)s) g
          JOIN bench_customer c ON c.i = 1 + (g::bigint * 104729) %% %(customers)s
          JOIN bench_contact k ON k.i = c.i
        """,
        {
            "n": customers * 3,
            "customers": customers,
            "c1": c1.id,
            "c2": c2.id,
            "run_date": RUN_DATE,
        },
    )
    _prepare_temp_table(cr, "bench_order", "i")
    cr.execute(
        """
        INSERT INTO sale_order (name, client_order_ref, state, date_order, partner_id,
                                partner_invoice_id, partner_shipping_id, company_id, currency_id,
                                currency_rate, amount_untaxed, amount_tax, amount_total,
                                margin, margin_percent, invoice_status, locked,
                                create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH-SO-' || o.i, 'BENCH-SO-' || o.i, 'sale', o.date_order, o.partner_id,
               o.partner_id, o.partner_id, o.company_id, %(currency)s, 1.0, o.amount, 0,
               o.amount, ROUND(o.amount * o.margin_rate, 2), o.margin_rate, 'invoiced', FALSE,
               NOW(), NOW(), 1, 1
          FROM bench_order o
        """,
        {"currency": c1.currency_id.id},
    )
    cr.execute(
        """
        INSERT INTO sale_order_line (order_id, name, product_id, product_uom, product_uom_qty,
                                     price_unit, price_subtotal, price_total, purchase_price,
                                     margin, margin_percent, customer_lead, company_id,
                                     currency_id, state, create_date, write_date, create_uid,
                                     write_uid)
        SELECT so.id, 'Bench product', %(product)s, %(uom)s, 1, so.amount_untaxed,
               so.amount_untaxed, so.amount_untaxed, so.amount_untaxed - so.margin, so.margin,
               so.margin_percent, 0, so.company_id, so.currency_id, 'sale', NOW(), NOW(), 1, 1
          FROM sale_order so WHERE so.name LIKE 'BENCH-SO-%%'
        """,
        {"product": product.id, "uom": product.uom_id.id},
    )


def _manual_values(env, company):
    """Most manual indicators filled in for nine customers in ten, some of them stale."""
    indicators = company.grading_scheme_id.indicator_ids.filtered(lambda i: i.source == "manual")
    for indicator in indicators:
        options = indicator.option_ids
        env.cr.execute(
            """
            INSERT INTO customer_grading_value (partner_id, indicator_id, indicator_sequence,
                                                company_id, option_id, value, date, user_id,
                                                source, create_date, write_date, create_uid,
                                                write_uid)
            SELECT c.id, %(indicator)s, %(sequence)s, %(company)s, pick.option_id,
                   COALESCE(pick.score, ROUND((random() * 100)::numeric)),
                   %(run_date)s::date - (random() * 200)::int, 1, 'manual', NOW(), NOW(), 1, 1
              FROM bench_customer c
              CROSS JOIN LATERAL (
                   SELECT (%(option_ids)s::int[])[n] AS option_id,
                          (%(scores)s::numeric[])[n] AS score
                     FROM (SELECT 1 + floor(random() * %(count)s)::int + 0 * c.i AS n) draw
              ) pick
             WHERE c.i %% 10 != 3
            """,
            {
                "indicator": indicator.id,
                "sequence": indicator.sequence,
                "company": company.id,
                "option_ids": options.ids or [None],
                "scores": options.mapped("score") or [None],
                "count": len(options) or 1,
                "run_date": RUN_DATE,
            },
        )
