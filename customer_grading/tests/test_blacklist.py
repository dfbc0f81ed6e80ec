import base64
from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DATE_TO, GradingCase

# the partners, the current company and its country, the entries
ADMISSION_CHECK_QUERIES = 7


@tagged("post_install", "-at_install")
class TestBlacklist(GradingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer(
            "Bad Payer Trading",
            user=cls.salesman_1,
            vat="CN913100001234",
            email="finance@badpayer.example",
            phone="+86 21 5555 0100",
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Bad Payer Buyer", "parent_id": cls.customer.id}
        )
        cls.cn, cls.us = cls.env.ref("base.cn"), cls.env.ref("base.us")

    def _propose(self, user=None, **values):
        Blacklist = self.env["customer.grading.blacklist"].with_user(user or self.salesman_1)
        return Blacklist.create(
            {"partner_id": self.customer.id, "reason": "payment_default", **values}
        )

    def _quotation(self, partner=None):
        return self._order(partner or self.customer, date(2026, 10, 1), confirm=False)

    # --- proposal, approval, lifting ---------------------------------------------

    def test_propose_approve_block_lift(self):
        order = self._quotation()
        entry = self._propose(description="Three invoices unpaid for six months.")
        self.assertEqual((entry.state, entry.proposed_by_id), ("draft", self.salesman_1))
        self.assertEqual(entry.vat, "CN913100001234")  # copied from the customer
        self.assertFalse(self.customer.grading_blacklisted)
        self._quotation().action_confirm()  # a proposal blocks nothing

        entry.with_user(self.manager).action_approve()
        self.assertEqual(entry.state, "active")
        self.assertEqual(entry.approved_by_id, self.manager)
        self.assertEqual(entry.date_start, date.today())
        self.assertTrue(self.customer.grading_blacklisted)
        self.assertTrue(self.contact.grading_blacklisted)
        self.assertEqual(self.customer.grading_blacklist_reason, "payment_default")
        self.assertIn(
            self.contact, self.env["res.partner"].search([("grading_blacklisted", "=", True)])
        )
        self.assertNotIn(
            self.contact, self.env["res.partner"].search([("grading_blacklisted", "=", False)])
        )
        # through the ORM, as an RPC call would
        with self.assertRefused(ValidationError, "cannot be confirmed.*Payment default"):
            order.with_user(self.salesman_1).action_confirm()
        self.assertEqual(order.state, "draft")

        with self.assertRefused(UserError, "reason for lifting"):
            entry.with_user(self.manager).action_lift()
        entry.with_user(self.manager).lift_reason = "Debt settled in full."
        entry.with_user(self.manager).action_lift()
        self.assertEqual((entry.state, entry.lifted_by_id), ("lifted", self.manager))
        self.assertFalse(self.customer.grading_blacklisted)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        with self.assertRefused(UserError, "never deleted"):
            entry.unlink()
        self.assertTrue(entry.exists())

    def test_in_force_from_its_approval_at_the_earliest(self):
        """An entry blocks from its approval: it cannot say it was in force before."""
        today = date.today()
        entry = self._propose(date_start=today - timedelta(days=40))
        entry.with_user(self.manager).action_approve()
        self.assertEqual((entry.date_approved, entry.date_start), (today, today))
        with self.assertRefused(ValidationError, "in force before it was approved"):
            entry.with_user(self.manager).write({"date_start": today - timedelta(days=1)})
        self.assertEqual(entry.date_start, today)
        # a manager importing the entries of a paper blacklist gives both dates
        imported = (
            self.env["customer.grading.blacklist"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Former Customer Ltd.",
                    "reason": "fraud",
                    "state": "active",
                    "approved_by_id": self.admin.id,
                    "date_approved": date(2025, 3, 1),
                    "date_start": date(2025, 3, 1),
                }
            )
        )
        self.assertEqual(imported.date_start, date(2025, 3, 1))
        with self.assertRefused(ValidationError, "in force before it was approved"):
            imported.write({"date_start": date(2025, 2, 28)})

    def test_contact_orders_and_other_entry_points_are_blocked(self):
        confirmed = self._order(self.customer, date(2026, 9, 1))
        self._propose().with_user(self.manager).action_approve()
        with self.assertRefused(ValidationError, "Bad Payer Trading is blacklisted"):
            self._quotation(self.contact).action_confirm()
        duplicate = confirmed.copy()  # quotations stay allowed by default
        with self.assertRefused(ValidationError, "cannot be confirmed"):
            duplicate.action_confirm()
        with self.assertRefused(ValidationError, "cannot be confirmed"):
            duplicate.write({"state": "sale"})
        with self.assertRefused(ValidationError, "cannot be confirmed"):
            self.env["sale.order"].create({"partner_id": self.contact.id, "state": "sale"})
        imported = self.env["sale.order"].load(
            ["partner_id/.id", "state"], [[str(self.customer.id), "sale"]]
        )
        self.assertFalse(imported["ids"])
        self.assertIn("blacklisted", imported["messages"][0]["message"])

    def test_quotations_refused_when_company_says_so(self):
        self._propose().with_user(self.manager).action_approve()
        self._quotation()
        self.company.grading_blacklist_blocks_quotations = True
        with self.assertRefused(ValidationError, "No quotation for Bad Payer Trading"):
            self._quotation(self.contact)

    def test_blacklist_is_per_company(self):
        self._propose().with_user(self.manager).action_approve()
        other = self.setup_other_company(name="Grading Co 2")["company"]
        self.assertFalse(self.customer.with_company(other).grading_blacklisted)
        order = self._order(self.customer, date(2026, 10, 1), confirm=False, company=other)
        here = self._quotation()
        # the order form's banner speaks of the order's company, whichever is current
        self.assertFalse(order.with_company(self.company).grading_blacklist_reason)
        self.assertEqual(here.with_company(other).grading_blacklist_reason, "payment_default")
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_email_blacklist_stays_odoos(self):
        """``is_blacklisted`` is Odoo's email blacklist for mass mailings; the
        customer blacklist has its own field."""
        self._propose().with_user(self.manager).action_approve()
        Partner = self.env["res.partner"].with_user(self.salesman_1)
        customer = Partner.browse(self.customer.id)
        self.assertTrue(customer.grading_blacklisted)
        self.assertFalse(customer.is_blacklisted)  # its email may still get mailings
        mailed = self.env["res.partner"].create({"name": "No Mailings", "email": "stop@x.example"})
        self.env["mail.blacklist"]._add("stop@x.example")
        mailed = Partner.browse(mailed.id)
        self.assertTrue(mailed.is_blacklisted)
        self.assertFalse(mailed.grading_blacklisted)
        self.assertEqual(Partner.search([("is_blacklisted", "=", True)]), mailed)
        self.assertEqual(
            Partner.search([("grading_blacklisted", "=", True)]), self.customer | self.contact
        )

    # --- rights --------------------------------------------------------------------

    def test_only_managers_decide(self):
        entry = self._propose()
        with self.assertRefused(AccessError, "Only a grading manager"):
            entry.action_approve()
        with self.assertRefused(AccessError, "Only a grading manager"):
            entry.write({"state": "active"})
        with self.assertRefused(AccessError, "Only a grading manager"):
            self._propose(state="active")
        self.assertEqual(entry.state, "draft")
        # another salesperson reads the entry but cannot change it
        entry.with_user(self.salesman_2).read(["reason", "state"])
        with self.assertRaises(AccessError):
            entry.with_user(self.salesman_2).write({"reason": "fraud"})
        entry.with_user(self.manager).action_approve()
        with self.assertRaises(AccessError):
            entry.with_user(self.salesman_1).write({"description": "Changed afterwards"})
        with self.assertRefused(AccessError, "Only a grading manager"):
            entry.with_user(self.salesman_1).action_lift()

    def _file(self, user, name, **values):
        Attachment = (
            self.env["ir.attachment"].with_user(user) if user else self.env["ir.attachment"]
        )
        return Attachment.create(
            {"name": name, "datas": base64.b64encode(b"%PDF-1.4 file"), **values}
        )

    def test_evidence_for_managers_only(self):
        entry = self._propose()
        attachment = self._file(self.manager, "unpaid.pdf")  # the manager's own upload
        entry.with_user(self.manager).write({"evidence_ids": [Command.link(attachment.id)]})
        entry.with_user(self.manager).action_approve()
        self.assertEqual(
            (attachment.res_model, attachment.res_id, attachment.res_field),
            (entry._name, entry.id, "evidence_ids"),
        )
        self.assertEqual(entry.with_user(self.manager).evidence_ids, attachment)
        self.assertEqual(entry.with_user(self.salesman_1).reason, "payment_default")
        with self.assertRaises(AccessError):
            entry.with_user(self.salesman_1).read(["evidence_ids"])
        with self.assertRaises(AccessError):
            attachment.with_user(self.salesman_1).read(["datas"])
        self.assertFalse(
            self.env["ir.attachment"]
            .with_user(self.salesman_1)
            .search([("res_model", "=", entry._name), ("res_id", "=", entry.id)])
        )

    def test_evidence_only_from_the_managers_own_uploads(self):
        """Linking an attachment id as evidence never takes over a file the
        manager may not read, nor one that belongs to another record."""
        entry = self._propose()
        order = self._quotation()
        foreign = {
            "private file of another user": self._file(self.salesman_2, "payslip.pdf"),
            "pending upload of another user": self._file(
                self.salesman_2, "draft.pdf", res_model="mail.compose.message", res_id=0
            ),
            "file of a sale order": self._file(
                None, "order.pdf", res_model="sale.order", res_id=order.id
            ),
            "file of a partner": self._file(
                None, "contract.pdf", res_model="res.partner", res_id=self.customer.id
            ),
        }
        Entry = entry.with_user(self.manager)
        for label, attachment in foreign.items():
            before = (attachment.res_model, attachment.res_id, attachment.res_field)
            for command in (Command.link(attachment.id), Command.set(attachment.ids)):
                with self.subTest(label, command=command[0]):
                    with self.assertRefused(UserError, f"{attachment.id}.*cannot become evidence"):
                        Entry.write({"evidence_ids": [command]})
                    self.assertEqual(
                        (attachment.res_model, attachment.res_id, attachment.res_field), before
                    )
                    self.assertFalse(Entry.evidence_ids)
            with self.subTest(label, on="create"):
                with self.assertRefused(UserError, "cannot become evidence"):
                    self._propose(user=self.manager, evidence_ids=[Command.link(attachment.id)])
                self.assertEqual(
                    (attachment.res_model, attachment.res_id, attachment.res_field), before
                )
        # what the form's upload button sends: the manager's files, pending on the entry
        uploaded = self._file(self.manager, "letter.pdf", res_model=entry._name, res_id=0)
        on_entry = self._file(self.admin, "notice.pdf", res_model=entry._name, res_id=entry.id)
        Entry.write({"evidence_ids": [Command.set((uploaded | on_entry).ids)]})
        self.assertEqual(Entry.evidence_ids, uploaded | on_entry)
        self.assertEqual(set((uploaded | on_entry).mapped("res_id")), {entry.id})
        with self.assertRaises(AccessError):
            on_entry.with_user(self.salesman_1).read(["datas"])

    # --- admission check ---------------------------------------------------------

    def _outsider_entry(self, **values):
        """An entry for a company that is not a customer."""
        entry = (
            self.env["customer.grading.blacklist"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Shady Imports Co., Ltd.",
                    "vat": "CN-9131-0000-9999",
                    "email": "boss@shady.example",
                    "phone": "+86 10 6666 0200",
                    "reason": "fraud",
                    **values,
                }
            )
        )
        entry.action_approve()
        return entry

    def test_admission_check_on_each_key(self):
        entry = self._outsider_entry()
        Partner = self.env["res.partner"]
        for label, values in (
            ("tax id", {"name": "Some Name", "vat": "cn91310000 9999"}),
            ("name", {"name": "SHADY IMPORTS CO LTD"}),
            ("email", {"name": "Other", "email": "Boss@Shady.example"}),
            ("phone", {"name": "Other", "phone": "010-6666-0200", "country_id": self.cn.id}),
        ):
            partner = Partner.create(values)
            self.assertEqual(partner.grading_blacklist_match_id, entry, label)
            # noted on the entry, read by its company's users only
            self.assertIn(
                f"{partner.name} matches this entry on its {label}", entry.message_ids[0].body
            )
            warning = Partner.new(values)._onchange_blacklist_admission()
            self.assertIn("Shady Imports", warning["warning"]["message"])
        clean = Partner.create({"name": "Honest Buyer", "email": "buyer@honest.example"})
        self.assertFalse(clean.grading_blacklist_match_id)
        clean.write({"email": "boss@shady.example"})  # edits are checked too
        self.assertEqual(clean.grading_blacklist_match_id, entry)

    def test_admission_check_names_only_entries_of_the_partners_companies(self):
        """An entry is matched in its company only, and named only in its own
        chatter and to its company's users: never in the chatter of a partner,
        which the users of every company read."""
        other = self.setup_other_company(name="Grading Co 2")["company"]
        entry = (
            self.env["customer.grading.blacklist"]
            .with_company(other)
            .create(
                {
                    "name": "Second Company Fraudster",
                    "email": "boss@fraudster.example",
                    "reason": "fraud",
                    "company_id": other.id,
                }
            )
        )
        entry.action_approve()
        groups = "sales_team.group_sale_salesman,base.group_partner_manager"
        user_a = new_test_user(self.env, login="cg_sales_a", groups=groups)
        user_ab = new_test_user(
            self.env,
            login="cg_sales_ab",
            groups=groups,
            company_ids=[Command.set((self.company | other).ids)],
        )
        values = {"name": "New Prospect", "email": "boss@fraudster.example"}

        def check(user, expected, **extra):
            Partner = (
                self.env["res.partner"]
                .with_user(user)
                .with_context(allowed_company_ids=user.company_ids.ids)
            )
            partner = Partner.create({**values, **extra})
            warning = Partner.new({**values, **extra})._onchange_blacklist_admission()
            bodies = " ".join(partner.sudo().message_ids.mapped("body"))
            self.assertNotIn("Second Company Fraudster", bodies)
            self.assertEqual(
                partner.sudo().with_company(other).grading_blacklist_match_id, expected
            )
            self.assertFalse(partner.sudo().with_company(self.company).grading_blacklist_match_id)
            if expected:
                self.assertIn(partner.name, entry.message_ids[0].body)
                self.assertIn("Second Company Fraudster", warning["warning"]["message"])
            else:
                self.assertFalse(warning)
            return partner

        check(user_a, entry.browse())  # not in the entry's company
        check(user_a, entry.browse(), company_id=self.company.id)
        check(user_ab, entry.browse(), company_id=self.company.id)  # a partner of A only
        check(user_ab, entry, company_id=other.id)
        shared = check(user_ab, entry)  # a partner of every company
        shared.with_user(user_ab).with_context(
            allowed_company_ids=user_ab.company_ids.ids
        ).company_id = self.company  # moved to A: the match goes
        self.assertFalse(shared.sudo().with_company(other).grading_blacklist_match_id)

    def test_admission_keys_read_in_the_partners_country(self):
        self.company.country_id = self.us
        entry = self._outsider_entry(
            name="Shanghai Li Trading",
            phone="021-5555-0100",
            email="li@x.cn",
            vat="91310000MA1FL8XQ37",
            country_id=self.cn.id,
        )
        self.assertEqual(entry.phone_key, "+862155550100")  # as dialled in China

        def match(**values):
            partner = self.env["res.partner"].create({"name": "Prospect", **values})
            return partner.grading_blacklist_match_id

        self.assertEqual(match(phone="+86 21 5555 0100"), entry)
        self.assertEqual(match(mobile="021 5555 0100", country_id=self.cn.id), entry)
        self.assertFalse(match(phone="+1 215 555 0100", country_id=self.us.id))  # Philadelphia
        self.assertFalse(match(phone="021 5555 0100"))  # dialled in the company's country
        self.assertEqual(match(email='"Li" <li@x.cn>'), entry)
        self.assertEqual(match(email="sales@li.example, Li <LI@x.cn>"), entry)
        self.assertEqual(match(vat="9131 0000-ma1fl8xq37", country_id=self.cn.id), entry)
        self.assertEqual(match(vat="cn91310000ma1fl8xq37"), entry)
        self.assertFalse(match(vat="91310000MA1FL8XQ28", country_id=self.cn.id))
        # no country of its own: its company's, else the current company's
        self.company.country_id = self.cn
        self.assertEqual(match(phone="021 5555 0100", company_id=self.company.id), entry)
        self.assertEqual(match(phone="021 5555 0100"), entry)
        # moving to China makes the partner's number a Shanghai one
        partner = self.env["res.partner"].create(
            {"name": "Mover", "phone": "021 5555 0100", "country_id": self.us.id}
        )
        self.assertFalse(partner.grading_blacklist_match_id)
        partner.country_id = self.cn
        self.assertEqual(partner.grading_blacklist_match_id, entry)

    def test_entry_country_reads_its_phone_and_tax_id(self):
        self.company.country_id = self.cn
        Blacklist = self.env["customer.grading.blacklist"].with_user(self.salesman_1)
        entry = Blacklist.create(
            {"name": "Li Trading", "phone": "021-5555-0100", "reason": "fraud"}
        )
        self.assertEqual(entry.country_id, self.cn)  # the company's by default
        self.assertEqual(entry.phone_key, "+862155550100")
        entry.country_id = self.us  # a number dialled in the United States
        self.assertEqual(entry.phone_key, "02155550100")
        self.customer.country_id = self.us
        self.assertEqual(self._propose().country_id, self.us)  # the customer's

    def test_no_admission_warning_for_lifted_entry(self):
        entry = self._outsider_entry()
        entry.lift_reason = "Court cleared them."
        entry.action_lift()
        partner = self.env["res.partner"].create({"name": "Shady Imports Co Ltd"})
        self.assertFalse(partner.grading_blacklist_match_id)
        self.assertFalse(
            self.env["res.partner"].new({"name": "Shady Imports"})._onchange_blacklist_admission()
        )

    def test_admission_check_queries_do_not_grow_with_the_batch(self):
        entry = self._outsider_entry()
        for count in (2, 20):
            partners = self.env["res.partner"].create(
                [{"name": f"Prospect {n}", "email": f"p{n}@x.example"} for n in range(count)]
            )
            partners[0].email = "boss@shady.example"
            self.env.invalidate_all()
            partners._check_blacklist_admission()  # fills the registry caches
            self.env.invalidate_all()
            with self.subTest(count=count), self.assertQueryCount(ADMISSION_CHECK_QUERIES):
                partners._check_blacklist_admission()
            self.assertEqual(partners.grading_blacklist_match_id, entry)

    # --- grading -------------------------------------------------------------------

    def test_blacklisted_customer_graded_lowest(self):
        for code in ("new_business", "financial_condition", "recommendation"):
            self._value(self.customer, code, 100)
        self._propose().with_user(self.manager).action_approve()
        run = self._run(self.customer)
        result = self._result(run, self.customer)
        self.assertTrue(result.is_blacklisted)
        self.assertEqual(result.level_id, self.levels["D"])
        self.assertGreater(result.score, 0)

    def _elimination_reviews(self, partner, company=None):
        """The open elimination reviews of ``partner``: activities on its results."""
        activity_type = self.env.ref("customer_grading.mail_activity_type_elimination_review")
        Result = self.env["customer.grading.result"]
        return (
            self.env["mail.activity"]
            .search([("res_model", "=", Result._name), ("activity_type_id", "=", activity_type.id)])
            .filtered(
                lambda activity: (
                    Result.browse(activity.res_id).partner_id == partner
                    and Result.browse(activity.res_id).company_id == (company or self.company)
                )
            )
        )

    def test_elimination_review_for_a_grading_manager(self):
        """A team leader who may not blacklist is passed over."""
        plain_leader = new_test_user(self.env, login="cg_plain_leader", groups="base.group_user")
        self.env["crm.team"].create(
            {
                "name": "Plain",
                "user_id": plain_leader.id,
                "member_ids": [Command.set(self.salesman_1.ids)],
            }
        )
        self._value(self.customer, "new_business", 10)
        for date_to in (date(2026, 6, 30), DATE_TO):
            run = self.env["customer.grading.run"].create({"date_to": date_to})
            run.action_compute()
            run.action_apply()
        review = self._elimination_reviews(self.customer)
        self.assertEqual(review.user_id, self.company._grading_managers()[:1])
        self.assertNotEqual(review.user_id, plain_leader)

    def test_elimination_proposed_after_two_lowest_periods(self):
        self.env["crm.team"].create(
            {
                "name": "East",
                "user_id": self.manager.id,
                "member_ids": [Command.set(self.salesman_1.ids)],
            }
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.manager.lang = "zh_CN"
        self._value(self.customer, "new_business", 10)

        def reviews():
            return self._elimination_reviews(self.customer)

        first = self.env["customer.grading.run"].create({"date_to": date(2026, 6, 30)})
        first.action_compute()
        first.action_apply()
        self.assertEqual(self.customer.grading_level_id, self.levels["D"])
        self.assertFalse(reviews())  # one period is not enough

        second = self.env["customer.grading.run"].create({"date_to": DATE_TO})
        second.action_compute()
        second.action_apply()
        self.assertEqual(len(reviews()), 1)
        self.assertEqual(reviews().user_id, self.manager)
        self.assertEqual(
            reviews().summary,
            "连续 2 个周期处于最低等级：减少合作还是提议列入黑名单？",  # the manager's language
        )

        third = self.env["customer.grading.run"].create({"date_to": date(2026, 12, 31)})
        third.action_compute()
        third.action_apply()
        self.assertEqual(len(reviews()), 1)  # no second activity while one is open
