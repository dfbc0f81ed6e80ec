"""Demo data: a realistic customer base to grade.

Sixty companies with contacts, across industries and salespeople, with two
years of confirmed orders, posted invoices, credit notes and payments (on
time, late, or still overdue) and filled-in manual indicators; then the last
two quarters are graded so that every grade shows.

This model belongs to the customer_grading_demo addon, never installed in a
production database; its demo data calls ``_generate`` once, at installation.
"""

import calendar
import logging
import random
from datetime import date, datetime, time, timedelta

from odoo import Command, api, fields, models

from odoo.addons.customer_grading.tools import periods

_logger = logging.getLogger(__name__)

CITIES = [
    "Shanghai",
    "Suzhou",
    "Hangzhou",
    "Ningbo",
    "Shenzhen",
    "Guangzhou",
    "Tianjin",
    "Qingdao",
    "Wuhan",
    "Chengdu",
    "Xiamen",
    "Nanjing",
    "Dalian",
    "Foshan",
    "Taipei",
]
NAMES = [
    "Hengda",
    "Jinhai",
    "Huaxin",
    "Tianrui",
    "Yongsheng",
    "Dongfang",
    "Xinghe",
    "Ruifeng",
    "Zhongke",
    "Longteng",
    "Baoli",
    "Kaiyuan",
    "Minghua",
    "Shengtai",
    "Anda",
    "Fuxing",
    "Guanghui",
    "Hongyun",
    "Jiahe",
    "Lianfa",
]
INDUSTRIES = [  # (industry xmlid, name suffix)
    ("base.res_partner_industry_C", "Machinery Co., Ltd."),
    ("base.res_partner_industry_C", "Electronics Co., Ltd."),
    ("base.res_partner_industry_F", "Construction Engineering Co., Ltd."),
    ("base.res_partner_industry_G", "Trading Co., Ltd."),
    ("base.res_partner_industry_J", "Information Technology Co., Ltd."),
    ("base.res_partner_industry_M", "Technical Services Co., Ltd."),
]
PEOPLE = [
    "Wang Fang",
    "Li Wei",
    "Zhang Min",
    "Liu Yang",
    "Chen Jie",
    "Yang Lei",
    "Zhao Jing",
    "Huang Tao",
    "Zhou Yan",
    "Wu Hao",
    "Xu Lin",
    "Sun Li",
    "Ma Chao",
    "Zhu Hong",
]
VISIT_TOPICS = [  # (planned content, actual content, next steps)
    (
        "Service satisfaction and delivery times of the last quarter.",
        "Satisfied with delivery times; two late shipments in October explained.",
        "Send the corrected delivery schedule for December.",
    ),
    (
        "Logistics needs for the new plant.",
        "New plant opens in March; they need weekly deliveries and on-site storage.",
        "Prepare a storage and delivery offer with the logistics department.",
    ),
    (
        "Competitors' offers and our pricing.",
        "A competitor offered 6 % less on sensors; quality concerns on their side.",
        "Propose a volume discount for 2027.",
    ),
    (
        "Business outlook and next year's volumes.",
        "Expect 15 % more volume next year; budget approved in January.",
        "Book a meeting with their general manager in January.",
    ),
    (
        "Overdue invoices and payment terms.",
        "Promised to settle the two overdue invoices by the end of the month.",
        "Follow up with finance on the 30th.",
    ),
]
FUNCTIONS = ["Purchasing Manager", "General Manager", "Finance Director", "Procurement Officer"]

CARE_PREFERENCES = [
    "Green tea, no alcohol. Two children; plays badminton on Saturdays.",
    "Collects calligraphy; prefers a call to a message.",
    "Vegetarian. Likes local specialities from our region.",
    "Golf; fond of single-origin coffee. Do not call before 10:00.",
]

# (share of customers, orders per month, order amount range, margin, on-time payment rate,
#  manual rating range): a customer base shaped like a real one, from strategic to marginal.
PROFILES = {
    "strategic": (0.15, 1.2, (18000, 42000), 0.34, 0.97, (80, 100)),
    "important": (0.25, 0.7, (8000, 20000), 0.28, 0.85, (65, 90)),
    "general": (0.30, 0.35, (3000, 9000), 0.22, 0.7, (45, 75)),
    "marginal": (0.25, 0.12, (800, 3500), 0.12, 0.35, (15, 50)),
    "dormant": (0.05, 0.0, (0, 0), 0.0, 0.0, None),
}
SALESPEOPLE = [  # (login, name, language)
    ("sales_li", "Lucas Li", "en_US"),
    ("sales_wang", "Mia Wang", "zh_CN"),
    ("sales_chen", "Noah Chen", "zh_TW"),
]
MANAGER_LOGIN = "grading_manager"


class CustomerGradingDemo(models.AbstractModel):
    _name = "customer.grading.demo"
    _description = "Customer Grading Demo Data"

    @api.model
    def _generate(self, customers=60, seed=2026):
        """Generate the demo data, unless the database already holds it."""
        if self._demo_exists():
            _logger.info("customer_grading demo: the demo users exist, nothing generated")
            return False
        env = (
            self.sudo()
            .with_context(
                tracking_disable=True,
                mail_notrack=True,
                mail_create_nolog=True,
                mail_auto_subscribe_no_notify=True,
            )
            .env
        )
        rng = random.Random(seed)
        company = env.company
        users = self._demo_users(env)
        products = self._demo_products(env)
        today = fields.Date.context_today(self)
        start = today - timedelta(days=730)
        partners = self._demo_customers(env, rng, users, customers)
        _logger.info("customer_grading demo: %s customers, two years of documents", len(partners))
        for partner, profile in partners:
            self._demo_documents(env, rng, partner, profile, products, start, today)
            self._demo_manual_values(env, rng, company, partner, profile, users, today)
        self._demo_sales_team(env, users)
        self._demo_blacklist(env, partners, users, today)
        self._demo_policies(env, partners)
        self._demo_grade(env, today)
        self._demo_appeals(env, users)
        self._demo_contracts(env, rng, partners, today)
        self._demo_visits(env, rng, partners, today)
        self._demo_receivable_review(env, rng, today)
        self._demo_quotations_above_limit(env, rng, partners, products, today)
        self._demo_run_in_review(env)
        self._demo_preview(env)
        self._demo_complaints(env, partners, today)
        self._demo_care(env, rng, partners, today)
        self._demo_surveys(env, rng, partners, today)
        self._demo_referrals(env, partners, today)
        # the salespeople's monthly missing-contract reminders
        env["customer.grading.contract.reminder"]._cron_check_contracts()
        return True

    @api.model
    def _demo_exists(self):
        """Whether a demo user exists already (archived ones included): the
        users are created first, in the same transaction as the rest."""
        logins = [login for login, _name, _lang in SALESPEOPLE] + [MANAGER_LOGIN]
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        return bool(Users.search_count([("login", "in", logins)], limit=1))

    # --- people -------------------------------------------------------------

    def _demo_users(self, env):
        langs = set(env["res.lang"].search([]).mapped("code"))
        salesman = env.ref("sales_team.group_sale_salesman")
        partner_manager = env.ref("base.group_partner_manager")
        users = env["res.users"]
        for login, name, lang in SALESPEOPLE:
            users |= env["res.users"].create(
                {
                    "login": login,
                    "password": login,
                    "name": name,
                    "email": f"{login}@example.com",
                    "lang": lang if lang in langs else "en_US",
                    # as a user created in Settings: contact creation, without which
                    # the customer form (and its Grading tab) is read-only
                    "groups_id": [
                        Command.set(
                            [env.ref("base.group_user").id, partner_manager.id, salesman.id]
                        )
                    ],
                }
            )
        env["res.users"].create(
            {
                "login": MANAGER_LOGIN,
                "password": MANAGER_LOGIN,
                "name": "Sophie Zhang",
                "email": "grading_manager@example.com",
                "groups_id": [
                    Command.set(
                        [
                            env.ref("base.group_user").id,
                            env.ref("base.group_partner_manager").id,
                            env.ref("sales_team.group_sale_salesman_all_leads").id,
                            env.ref("customer_grading.group_customer_grading_manager").id,
                        ]
                    )
                ],
            }
        )
        return users

    def _demo_products(self, env):
        Product = env["product.product"]
        return Product.create(
            [
                {
                    "name": name,
                    "type": kind,
                    "list_price": price,
                    "standard_price": cost,
                    "invoice_policy": "order",
                }
                for name, kind, price, cost in (
                    ("Industrial Controller IC-200", "consu", 4800.0, 3100.0),
                    ("Sensor Kit SK-12", "consu", 950.0, 520.0),
                    ("Installation Service (day)", "service", 1200.0, 650.0),
                    ("Annual Maintenance Contract", "service", 6000.0, 2900.0),
                )
            ]
        )

    def _demo_customers(self, env, rng, users, count):
        names = iter(rng.sample([f"{city} {name}" for city in CITIES for name in NAMES], count))
        kinds = [kind for kind, spec in PROFILES.items() for _i in range(round(spec[0] * count))]
        kinds = (kinds + ["general"] * count)[:count]
        rng.shuffle(kinds)
        term = env.ref("account.account_payment_term_30days")
        result = []
        for index, kind in enumerate(kinds):
            industry, suffix = INDUSTRIES[index % len(INDUSTRIES)]
            name = f"{next(names)} {suffix}"
            slug = name.split()[1].lower()
            partner = env["res.partner"].create(
                {
                    "name": name,
                    "is_company": True,
                    "industry_id": env.ref(industry).id,
                    "user_id": users[index % len(users)].id,
                    "email": f"info@{slug}{index}.example.com",
                    "phone": f"+86 21 {rng.randint(5000, 9999)} {rng.randint(1000, 9999)}",
                    "city": name.split(maxsplit=1)[0],
                    "country_id": env.ref("base.tw" if name.startswith("Taipei") else "base.cn").id,
                    "property_payment_term_id": term.id,
                    "child_ids": [
                        Command.create(self._demo_contact_values(rng, person, f"{slug}{index}"))
                        for person in rng.sample(PEOPLE, rng.randint(1, 2))
                    ],
                }
            )
            result.append((partner, kind))
        return result

    def _demo_contact_values(self, rng, person, domain):
        return {
            "name": person,
            "function": rng.choice(FUNCTIONS),
            "email": f"{person.split()[1].lower()}@{domain}.example.com",
            "phone": f"+86 138 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        }

    # --- documents ----------------------------------------------------------

    def _demo_documents(self, env, rng, partner, kind, products, start, today):
        """A customer's orders, invoices, credit notes and payments, in batches."""
        _share, per_month, (low, high), margin, on_time, _rating = PROFILES[kind]
        if not per_month:
            return
        # growth: strategic customers buy more every year, marginal ones less
        trend = {"strategic": 1.25, "important": 1.1, "general": 1.0, "marginal": 0.8}[kind]
        buyer = partner.child_ids[:1] or partner
        days = []
        day = start + timedelta(days=rng.randint(0, 20))
        while day < today - timedelta(days=3):
            days.append(day)
            day += timedelta(days=max(3, int(rng.expovariate(per_month / 30.0))))
        orders = env["sale.order"].create(
            [
                self._demo_order_values(rng, buyer, products, day, low, high, trend, margin, today)
                for day in days
            ]
        )
        orders.action_confirm()
        for order, day in zip(orders, days, strict=True):
            order.date_order = datetime.combine(day, time(rng.randint(8, 17), 0))
        # a few recent orders are not invoiced yet
        invoiced = orders.filtered(lambda o: rng.random() > 0.04)
        invoices = invoiced._create_invoices(grouped=True)
        for invoice in invoices:
            day = invoice.invoice_line_ids.sale_line_ids.order_id.date_order.date()
            invoice.write({"invoice_date": day, "date": day})
        invoices.action_post()
        self._demo_refunds(rng, invoices.filtered(lambda i: rng.random() < 0.05))
        self._demo_payments(env, rng, invoices, on_time, today)

    def _demo_order_values(self, rng, buyer, products, day, low, high, trend, margin, today):
        product = rng.choice(products)
        amount = rng.uniform(low, high) * trend ** (1 - (today - day).days / 365.0)
        return {
            "partner_id": buyer.id,
            "user_id": buyer.commercial_partner_id.user_id.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": max(1, round(amount / product.list_price)),
                        "price_unit": product.list_price,
                        "purchase_price": round(
                            product.list_price * (1 - margin * rng.uniform(0.8, 1.2)), 2
                        ),
                    }
                )
            ],
        }

    def _demo_refunds(self, rng, invoices):
        """Credit notes for part of a few invoices, twelve days later."""
        for invoice in invoices:
            day = invoice.invoice_date + timedelta(days=12)
            refund = invoice._reverse_moves([{"invoice_date": day, "date": day}])
            line = refund.invoice_line_ids[:1]
            line.quantity = max(1, round(line.quantity * 0.3))
            refund.action_post()

    def _demo_payments(self, env, rng, invoices, on_time, today):
        """Pay on time, late, or never (overdue once the due date passes)."""
        payments, paid_invoices = [], env["account.move"]
        for invoice in invoices:
            due = invoice.invoice_date_due
            if rng.random() < on_time:
                paid_on = due - timedelta(days=rng.randint(0, 20))
            elif rng.random() < 0.75:
                paid_on = due + timedelta(days=rng.randint(5, 75))
            else:
                continue
            paid_on = max(paid_on, invoice.invoice_date)
            if paid_on > today or invoice.currency_id.is_zero(invoice.amount_residual):
                continue
            payments.append(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": invoice.commercial_partner_id.id,
                    "amount": invoice.amount_residual,
                    "date": paid_on,
                    "memo": invoice.name,
                }
            )
            paid_invoices |= invoice
        payments = env["account.payment"].create(payments)
        payments.action_post()
        for invoice, payment in zip(paid_invoices, payments, strict=True):
            (invoice.line_ids | payment.move_id.line_ids).filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            ).reconcile()

    # --- manual indicators and grading -------------------------------------

    def _demo_manual_values(self, env, rng, company, partner, kind, users, today):
        rating = PROFILES[kind][5]
        scheme = company.grading_scheme_id
        if not rating or not scheme:
            return
        Value = env["customer.grading.value"]
        for indicator in scheme.indicator_ids.filtered(lambda i: i.source == "manual"):
            if rng.random() < 0.1:
                continue  # not assessed yet
            score = rng.uniform(*rating)
            values = {
                "partner_id": partner.id,
                "indicator_id": indicator.id,
                "company_id": company.id,
                # a few assessments are older than the quarterly review
                "date": today - timedelta(days=rng.choice([5, 20, 40, 60, 75, 130, 200])),
                "user_id": partner.user_id.id or users[0].id,
            }
            if indicator.scoring_rule == "levels":
                option = min(indicator.option_ids, key=lambda o, s=score: abs(o.score - s))
                values["option_id"] = option.id
            else:
                values["value"] = round(score)
            Value.create(values)

    def _demo_sales_team(self, env, users):
        """The grading manager leads the salespeople's team: elimination
        reviews of customers that stay at the lowest grade go to her."""
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        env["crm.team"].create(
            {"name": "Key Accounts", "user_id": manager.id, "member_ids": [Command.set(users.ids)]}
        )

    def _demo_blacklist(self, env, partners, users, today):
        """An entry in force, a lifted one, a proposal waiting for approval,
        and a company that is not a customer, matched by a new prospect."""
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        Blacklist = env["customer.grading.blacklist"]
        marginal = [partner for partner, profile in partners if profile == "marginal"]
        active, lifted, proposed = marginal[:3]
        entries = {
            "active": Blacklist.with_user(active.user_id or users[0]).create(
                {
                    "partner_id": active.id,
                    "reason": "payment_default",
                    "description": "Four invoices overdue by more than 120 days; "
                    "reminders and the formal notice went unanswered.",
                }
            ),
            "lifted": Blacklist.with_user(lifted.user_id or users[0]).create(
                {
                    "partner_id": lifted.id,
                    "reason": "contract_breach",
                    "description": "Resold goods outside the agreed territory.",
                }
            ),
            "outsider": Blacklist.with_user(manager).create(
                {
                    "name": "Shenzhen Quick Profit Imports Co., Ltd.",
                    "vat": "91440300MA5FQUICK1",
                    "email": "boss@quickprofit.example",
                    "phone": "+86 755 8888 0101",
                    "country_id": env.ref("base.cn").id,
                    "reason": "fraud",
                    "description": "Paid with forged bank acceptance bills (court case 2025-118).",
                }
            ),
        }
        Blacklist.with_user(proposed.user_id or users[0]).create(
            {
                "partner_id": proposed.id,
                "reason": "other",
                "description": "Asks for ever longer payment terms; proposed for review.",
            }
        )
        # approved some time ago, in force since the approval (never before it)
        approved_days_ago = {"active": 40, "lifted": 300, "outsider": 0}
        for key, entry in entries.items():
            entry.with_user(manager).action_approve()
            if approved_days_ago[key]:
                approved = today - timedelta(days=approved_days_ago[key])
                entry.with_user(manager).write({"date_approved": approved, "date_start": approved})
        entries["lifted"].with_user(manager).write(
            {"lift_reason": "The dispute was settled; new distribution agreement signed."}
        )
        entries["lifted"].with_user(manager).action_lift()
        # a new prospect sharing the fraudster's phone number: the admission check flags it
        env["res.partner"].create(
            {
                "name": "Pengcheng Prosperity Trading Co., Ltd.",
                "is_company": True,
                "phone": "0755-8888-0101",
                "city": "Shenzhen",
                "country_id": env.ref("base.cn").id,
                "user_id": users[0].id,
            }
        )

    def _demo_visits(self, env, rng, partners, today):
        """Three months of visits: approved, done and waiting for approval,
        planned and overdue, some customers visited less than their grade
        requires; then the compliance overview and the reminders."""
        company = env.company
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        month_start = today.replace(day=1)
        for partner, profile in partners:
            if profile == "dormant" or not partner.user_id:
                continue
            partner.with_company(company).is_signed_customer = profile in ("strategic", "important")
            Visit = env["customer.grading.visit"].with_user(partner.user_id)
            # how diligent the salesperson is with this customer this month
            this_month = (
                rng.choice([0, 1, 1, 2, 3, 4]) if profile != "marginal" else rng.choice([0, 1])
            )
            days = [
                today - timedelta(days=rng.randint(35, 90)) for _i in range(rng.randint(1, 3))
            ] + [
                month_start + timedelta(days=rng.randint(0, max(0, (today - month_start).days - 1)))
                for _i in range(this_month)
            ]
            for day in sorted(days):
                visit = self._demo_visit(Visit, rng, partner, day, done=True)
                if visit.visit_day < month_start and rng.random() < 0.9:
                    visit.with_user(manager).action_approve()
            if rng.random() < 0.5:  # coming visit
                self._demo_visit(Visit, rng, partner, today + timedelta(days=rng.randint(1, 20)))
            elif rng.random() < 0.3:  # planned, never marked done
                self._demo_visit(Visit, rng, partner, today - timedelta(days=rng.randint(2, 9)))
        Compliance = env["customer.grading.visit.compliance"]
        Compliance._refresh(company)._remind()
        _logger.info(
            "customer_grading demo: %s visits, %s customers behind",
            env["customer.grading.visit"].search_count([]),
            Compliance.search_count([("is_behind", "=", True)]),
        )

    def _demo_contracts(self, env, rng, partners, today):
        """Framework agreements with most customers whose grade requires a
        contract: signed and in force, one expired, one renewal still a
        draft; every fifth has none, so that *Contract Missing* lists some."""
        Contract = env["customer.grading.contract"]
        if Contract.search_count([], limit=1):
            return
        company = env.company
        required = [
            partner
            for partner, _profile in partners
            if partner.with_company(company).grading_level_id.contract_required == "required"
        ]
        values = []
        for index, partner in enumerate(required):
            if index % 5 == 4:
                continue
            start = today - timedelta(days=rng.randint(30, 600))
            end = start + timedelta(days=2 * 365 - 1)
            state = "signed"
            if index == 3:  # ended two months ago
                start, end = today - timedelta(days=790), today - timedelta(days=60)
            elif index == 8:  # the renewal being negotiated
                start, end, state = today + timedelta(days=30), False, "draft"
            values.append(
                {
                    "name": f"FA-{start.year}-{index + 1:03d}",
                    "partner_id": partner.id,
                    "user_id": partner.user_id.id,
                    "date_start": start,
                    "date_end": end,
                    "state": state,
                    "signed_date": start - timedelta(days=rng.randint(3, 20))
                    if state == "signed"
                    else False,
                    "note": "Framework agreement: prices, volumes and delivery terms.",
                }
            )
        Contract.create(values)
        Contract._expire(company, today)

    def _demo_complaints(self, env, partners, today):
        """Complaints of the important customers: two open, one overdue and
        escalated, one resolved waiting for the customer's confirmation, one
        closed; then the overdue reminders of the scheduled action."""
        Complaint = env["customer.grading.complaint"]
        if Complaint.search_count([], limit=1):
            return
        customers = [
            partner
            for partner, profile in partners
            if profile in ("strategic", "important") and partner.user_id
        ][:5]
        category = {
            key: env.ref(f"customer_grading.complaint_category_{key}")
            for key in ("product_quality", "delivery", "service", "billing")
        }
        complaints = [  # (category, days ago, description, resolution, state)
            (
                "delivery",
                1,
                "The last order arrived two days late; their line stopped.",
                "",
                "received",
            ),
            (
                "product_quality",
                4,
                "Three controllers of batch 2611 fail at start-up.",
                "",
                "in_progress",
            ),
            (
                "service",
                12,
                "Nobody answered their maintenance requests for a week.",
                "",
                "in_progress",
            ),
            (
                "billing",
                9,
                "Invoice charged the list price instead of the contract price.",
                "Credit note issued for the difference; price list corrected.",
                "resolved",
            ),
            (
                "product_quality",
                30,
                "Sensor kits delivered with the wrong cable length.",
                "Replacement cables sent by express; the batch was checked.",
                "closed",
            ),
        ]
        for customer, (key, days_ago, description, resolution, state) in zip(
            customers, complaints, strict=False
        ):
            complaint = Complaint.with_user(customer.user_id).create(
                {
                    "partner_id": customer.id,
                    "contact_id": customer.child_ids[:1].id,
                    "category_id": category[key].id,
                    "date_received": today - timedelta(days=days_ago),
                    "description": description,
                    "resolution": resolution,
                }
            )
            if state != "received":
                complaint.action_start()
            if state in ("resolved", "closed"):
                complaint.action_resolve()
            if state == "closed":
                complaint.customer_confirmed = True
                complaint.action_close()
        Complaint._cron_escalate()

    def _demo_care(self, env, rng, partners, today):
        """Relationship cards and the care calendar: the holidays' dates of
        last, this and next year, key persons of the best customers with
        birthdays this month (some cards not checked for long), last year's
        greetings done with their gifts and costs, then the scheduled action
        that plans what is due and reminds the salespeople."""
        Touch = env["customer.grading.care.touch"]
        if Touch.search_count([], limit=1):
            return
        holidays = {
            key: env.ref(f"customer_grading.care_holiday_{key}")
            for key in ("new_year", "spring_festival", "dragon_boat", "mid_autumn", "national_day")
        }
        lunar = {  # the lunar holidays move every year
            "spring_festival": ("2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26"),
            "dragon_boat": ("2025-05-31", "2026-06-19", "2027-06-09", "2028-05-28"),
            "mid_autumn": ("2025-10-06", "2026-09-25", "2027-09-15", "2028-10-03"),
        }
        years = range(today.year - 1, today.year + 2)
        wanted = {
            "new_year": [date(year, 1, 1) for year in years],
            "national_day": [date(year, 10, 1) for year in years],
            **{
                key: [fields.Date.to_date(day) for day in days if int(day[:4]) in years]
                for key, days in lunar.items()
            },
        }
        env["customer.grading.care.holiday.date"].create(
            [
                {"holiday_id": holidays[key].id, "date": day}
                for key, days in wanted.items()
                for day in days
                if day not in holidays[key].date_ids.mapped("date")
            ]
        )
        customers = [
            partner
            for partner, profile in partners
            if profile in ("strategic", "important") and partner.user_id and partner.child_ids
        ][:12]
        month_days = calendar.monthrange(today.year, today.month)[1]
        gifts = {
            "spring_festival": ("Tea set", 380.0),
            "mid_autumn": ("Mooncakes", 260.0),
            "dragon_boat": ("Zongzi box", 150.0),
        }
        touches = []
        for index, customer in enumerate(customers):
            person = customer.child_ids[0]
            chosen = [holidays["spring_festival"], holidays["mid_autumn"]]
            if index % 3 == 0:
                chosen.append(holidays["dragon_boat"])
            # birthdays this month, the first ones in the coming days: planned
            birth_year = rng.choice(range(1964, 1992, 4))  # leap years: any day exists
            if index < 4:
                birthday = (today + timedelta(days=index + 1)).replace(year=birth_year)
            else:
                birthday = date(birth_year, today.month, 1 + (index * 5) % month_days)
            person.write(
                {
                    "grading_is_key_person": True,
                    "grading_birthday": birthday,
                    "grading_care_holiday_ids": [Command.set([h.id for h in chosen])],
                    "grading_care_preferences": rng.choice(CARE_PREFERENCES),
                    # a third of the cards not checked for months: flagged
                    "grading_card_checked_on": today
                    - timedelta(days=200 if index % 3 == 1 else rng.randint(5, 60)),
                }
            )
            this_year = birthday.replace(year=today.year)
            if this_year < today:
                touches.append(
                    {
                        "partner_id": person.id,
                        "occasion": "birthday",
                        "date": this_year,
                        "touch_type": "card" if index % 2 else "call",
                        "state": "done",
                    }
                )
            for holiday in chosen:
                key = next(k for k, h in holidays.items() if h == holiday)
                gift, cost = gifts[key]
                for day in holiday.date_ids.mapped("date"):
                    if day < today:
                        touches.append(
                            {
                                "partner_id": person.id,
                                "occasion": "holiday",
                                "holiday_id": holiday.id,
                                "date": day,
                                "touch_type": "gift",
                                "gift": gift,
                                "cost": cost * (1.5 if index < 4 else 1.0),
                                "state": "done",
                            }
                        )
        Touch.create(touches)
        Touch._cron_plan_care()

    def _demo_surveys(self, env, rng, partners, today):
        """The twice-yearly satisfaction campaigns sent to the A and B
        customers, seven months and one month ago, three answers in four
        finished: the answers feed the customers' recommendation and brand
        recognition values (the later campaign's win), and the earlier one
        falls in the graded periods, so that the goals show a satisfaction."""
        Campaign = env["customer.grading.survey.campaign"]
        if Campaign.search_count([], limit=1):
            return
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        levels = env.company.grading_scheme_id.level_ids.filtered(
            lambda level: level.code in ("A", "B")
        )
        for name, days_ago in (
            ("Customer Satisfaction Survey, Spring", 210),
            ("Customer Satisfaction Survey, Autumn", 30),
        ):
            campaign = Campaign.with_user(manager).create(
                {
                    "name": name,
                    "date": today - timedelta(days=days_ago),
                    "level_ids": [Command.set(levels.ids)],
                }
            )
            if campaign.partner_ids:
                campaign.action_send()
                self._demo_survey_answers(rng, campaign)

    def _demo_survey_answers(self, rng, campaign):
        survey = campaign.survey_id
        questions = {question.question_type: question for question in survey.question_ids}
        satisfaction = survey.grading_satisfaction_question_id
        scales = survey.question_ids.filtered(lambda q: q.question_type == "scale")
        for answer in campaign.user_input_ids.sudo():
            if rng.random() < 0.25:
                continue  # not answered
            happy = rng.random() < 0.85
            for question in scales:
                low, high = question.scale_min, question.scale_max
                middle = (low + high) / 2
                value = (
                    rng.randint(round(middle), high) if happy else rng.randint(low, round(middle))
                )
                if question == satisfaction and happy:
                    value = max(value, survey.grading_satisfied_from)
                answer._save_lines(question, str(value))
            if not happy and "text_box" in questions:
                answer._save_lines(questions["text_box"], "Deliveries are often late.")
            answer._mark_done()

    def _demo_referrals(self, env, partners, today):
        """Two customers referred by strategic customers, with the reward given."""
        referrers = [partner for partner, profile in partners if profile == "strategic"][:2]
        referred = [partner for partner, profile in partners if profile == "general"][:2]
        rewards = ["2% discount on the next order", "Free on-site training day"]
        for referrer, customer, reward, days_ago in zip(
            referrers, referred, rewards, (45, 200), strict=False
        ):
            customer.write(
                {
                    "grading_referred_by_id": referrer.id,
                    "grading_referral_date": today - timedelta(days=days_ago),
                    "grading_referral_reward": reward,
                }
            )

    def _demo_visit(self, Visit, rng, partner, day, done=False):
        planned, actual, next_steps = rng.choice(VISIT_TOPICS)
        visit = Visit.create(
            {
                "partner_id": partner.id,
                "visit_date": datetime.combine(day, time(rng.randint(1, 8), 0)),
                "visit_type": rng.choice(["on_site"] * 5 + ["phone", "video"]),
                "attendee_ids": [Command.set(partner.child_ids[:1].ids)],
                "planned_content": planned,
            }
        )
        if rng.random() < 0.15:
            visit.write({"needs_support": True, "support_department": "Logistics"})
        if done:
            visit.write({"actual_content": actual, "next_steps": next_steps})
            visit.action_done()
        return visit

    def _demo_receivable_review(self, env, rng, today):
        """This month's receivables review, prepared for the grading manager and
        partly marked."""
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        Review = env["customer.grading.receivable.review"].with_user(manager)
        review = Review._prepare(env.company, today)
        for line in review.line_ids.sorted("receivable_overdue", reverse=True)[:8]:
            mark = (
                "escalate" if line.receivable_overdue > 20000 else rng.choice(["ok", "follow_up"])
            )
            line.write(
                {
                    "review_mark": mark,
                    "review_note": "Called finance; payment plan agreed."
                    if mark == "follow_up"
                    else False,
                }
            )

    def _demo_grade(self, env, today):
        """Grade the two quarters that ended, oldest first: the grading
        manager computes and submits each run, and approves it, which
        publishes it (the company reviews grades before publication)."""
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        Run = env["customer.grading.run"].with_user(manager)
        _first, last_end = periods.last_ended_quarter(today)
        _first, previous_end = periods.last_ended_quarter(last_end)
        for date_to in (previous_end, last_end):
            run = Run.create({"date_to": date_to})
            run.action_compute()
            run.action_submit_review()
            run.action_approve()

    def _demo_policies(self, env, partners):
        """The company applies its grades' credit policies; one strategic
        customer keeps the terms its head office negotiated."""
        company = env.company
        company.grading_apply_policies = True
        policies = {  # grade: (payment terms xmlid, credit limit)
            "A": ("account.account_payment_term_45days", 500000.0),
            "B": ("account.account_payment_term_30days", 200000.0),
            "C": ("account.account_payment_term_21days", 60000.0),
            "D": ("account.account_payment_term_immediate", 10000.0),
        }
        for level in company.grading_scheme_id.level_ids.with_company(company):
            xmlid, limit = policies.get(level.code, (None, 0.0))
            term = env.ref(xmlid, raise_if_not_found=False) if xmlid else None
            level.write({"payment_term_id": term.id if term else False, "credit_limit": limit})
        exception = next(partner for partner, kind in partners if kind == "strategic")
        exception.with_company(company).write(
            {
                "grading_policy_exception": True,
                "grading_policy_exception_reason": "Group agreement negotiated by head "
                "office: payment at the end of the following month, a 1,000,000 limit.",
                "property_payment_term_id": env.ref(
                    "account.account_payment_term_end_following_month"
                ).id,
                "credit_limit": 1000000.0,
            }
        )

    def _demo_quotations_above_limit(self, env, rng, partners, products, today):
        """Quotations that would take their customer above its grade's credit
        limit: a D customer's is blocked, a C customer's warned."""
        company = env.company
        for code in ("D", "C"):
            partner = next(
                (
                    partner
                    for partner, kind in partners
                    if kind != "dormant"
                    and not partner.with_company(company).grading_blacklisted
                    and partner.with_company(company).grading_level_id.code == code
                ),
                None,
            )
            if not partner:
                continue
            limit = partner.with_company(company).grading_level_id.credit_limit
            values = self._demo_order_values(
                rng, partner, products, today, limit * 1.1, limit * 1.2, 1.0, 0.25, today
            )
            env["sale.order"].create(values)

    def _demo_preview(self, env):
        """What the RFM preset would change, previewed against the grades in force."""
        preview = env["customer.grading.preview"].create(
            {"scheme_id": env.ref("customer_grading.scheme_rfm").id}
        )
        preview.action_compute()

    def _demo_run_in_review(self, env):
        """The last quarter graded again, waiting for review, one grade overridden."""
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        published = env["customer.grading.run"].search(
            [("state", "=", "applied"), ("is_partial", "=", False)], limit=1
        )
        action = published.with_user(manager).action_regrade_period()
        run = env["customer.grading.run"].with_user(manager).browse(action["res_id"])
        run.note = "Graded again after the manual indicators were reviewed."
        run.action_compute()
        result = run.result_ids.filtered(lambda result: result.level_id.code == "C")[:1]
        better = run.scheme_id.level_ids.filtered(lambda level: level.code == "B")
        result._set_override(better, "Framework contract signed for next year: kept as B.")
        run.action_submit_review()

    def _demo_appeals(self, env, users):
        """Two appeals on the last published quarter: one waiting for the
        grading manager's decision, one she accepted."""
        Appeal = env["customer.grading.appeal"]
        if Appeal.search_count([], limit=1):
            return
        manager = env["res.users"].search([("login", "=", MANAGER_LOGIN)])
        run = env["customer.grading.run"].search(
            [("state", "=", "applied"), ("is_partial", "=", False)], limit=1
        )
        requests = [
            (
                users[1],
                "Signed a three-year framework agreement in the last weeks of the quarter; "
                "the orders start next month and are not in the figures yet.",
                None,
            ),
            (
                users[0],
                "Two large orders were invoiced a few days after the quarter closed; with "
                "them the customer is well above the threshold.",
                "Checked the invoices of the first week of this quarter: the volumes are "
                "there. Grade raised for this period; the next run grades them normally.",
            ),
        ]
        for user, reason, decision in requests:
            result = self._demo_appealable_result(run, user)
            if not result:
                continue
            better = result.scheme_id.level_ids.filtered(
                lambda level, r=result: level.min_score > r.level_id.min_score
            ).sorted("min_score")[:1]
            appeal = Appeal.with_user(user).create(
                {
                    "result_id": result.id,
                    "requested_level_id": better.id,
                    "indicator_ids": [Command.set(result.line_ids[:1].indicator_id.ids)],
                    "reason": reason,
                }
            )
            appeal.action_submit()
            if decision:
                appeal.with_user(manager).write({"decision": decision})
                appeal.with_user(manager).action_accept()

    def _demo_appealable_result(self, run, user):
        """The result in force of ``run`` with the best score of ``user``'s
        customers below the highest grade."""
        top = run.scheme_id.level_ids.sorted("min_score")[-1:]
        results = run.result_ids.filtered(
            lambda result: (
                result.partner_id.user_id == user
                and result.level_id
                and result.level_id != top
                and result.is_current
            )
        )
        return results.sorted("score", reverse=True)[:1]
