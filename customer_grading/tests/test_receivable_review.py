import zipfile
from contextlib import closing
from datetime import date
from io import BytesIO

from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.customer_grading_receivable_review import LINE_FIGURES
from ..tools import periods
from .common import GradingCase

REVIEW_DATE = date(2026, 11, 15)

# Queries of the preparation of a review, whatever its number of customers.
PREPARE_QUERIES = 49
# Queries of a step of the scheduled preparation, whatever its number of customers.
REVIEW_STEP_QUERIES = 21


class ReviewCase(GradingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Review = cls.env["customer.grading.receivable.review"]
        cls.activity_type = cls.env.ref("customer_grading.mail_activity_type_receivable_review")
        cls.leader = new_test_user(
            cls.env,
            login="cg_leader",
            name="Team Leader",
            groups="sales_team.group_sale_manager",
        )
        cls.env["crm.team"].create(
            {
                "name": "East",
                "user_id": cls.leader.id,
                "member_ids": [Command.set(cls.salesman_1.ids)],
            }
        )

    @classmethod
    def _grade(cls, partner, code, company=None):
        partner.with_company(company or cls.company).sudo().grading_level_id = cls.levels[code]

    def _review_activities(self, review):
        return review.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.activity_type
        )


@tagged("post_install", "-at_install")
class TestReceivableReview(ReviewCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Receivable Trading", user=cls.salesman_1)
        cls.quiet = cls._customer("Quiet Buyer", user=cls.salesman_2)
        cls.ungraded = cls._customer("Ungraded Shop", user=cls.salesman_1)
        cls._grade(cls.customer, "B")
        cls._grade(cls.quiet, "C")
        cls.other_company = cls.setup_other_company(name="Grading Co 2")["company"]
        with freeze_time(REVIEW_DATE):
            buyer = cls.env["res.partner"].create(
                {"name": "Receivable Buyer", "parent_id": cls.customer.id}
            )
            cls._invoice(buyer, 1000, date(2026, 10, 10))  # last month, through a contact
            cls.old_invoice = cls._invoice(cls.customer, 2000, date(2026, 7, 10))
            cls._pay(cls.old_invoice, date(2026, 9, 1), amount=500)  # 1,500 still due
            cls._invoice(cls.customer, 300, date(2026, 10, 20), move_type="out_refund")
            cls._invoice(cls.customer, 400, date(2026, 11, 5))  # current month
            cls._invoice(cls.customer, 9000, date(2026, 10, 12), post=False)  # draft
            cls._invoice(cls.customer, 5000, date(2026, 10, 8), company=cls.other_company)
            cls._invoice(cls.ungraded, 700, date(2026, 10, 3))

    def _prepare(self, user=None, today=REVIEW_DATE):
        Review = self.Review.with_user(user) if user else self.Review
        with freeze_time(today):
            return Review._prepare(self.company, today)

    def _line(self, review, partner):
        return review.line_ids.filtered(lambda line: line.partner_id == partner)

    def _mark_all(self, review, mark="ok"):
        review.with_user(self.manager).line_ids.write({"review_mark": mark})

    # --- figures ---------------------------------------------------------------------

    def test_figures_of_the_graded_customers(self):
        review = self._prepare()
        self.assertEqual(review.name, "Receivables review 2026-11")
        self.assertEqual(
            (review.date, review.sales_date_from, review.sales_date_to),
            (REVIEW_DATE, date(2026, 10, 1), date(2026, 10, 31)),
        )
        self.assertEqual(review.state, "to_review")
        self.assertEqual(review.line_ids.partner_id, self.customer | self.quiet)  # not ungraded

        line = self._line(review, self.customer)
        self.assertEqual((line.user_id, line.level_id), (self.salesman_1, self.levels["B"]))
        self.assertEqual(line.company_id, self.company)
        self.assertEqual(line.currency_id, self.company.currency_id)
        # 1,000 invoiced in October minus the 300 credit note; no draft, no other company
        self.assertAlmostEqual(line.sales_last_month, 700)
        # the July invoice, partly paid: only what remains counts
        self.assertAlmostEqual(line.receivable_overdue, 1500)
        self.assertAlmostEqual(line.receivable_current_month, 400)
        self.assertAlmostEqual(line.receivable_total, 1000 + 1500 - 300 + 400)
        self.assertEqual(line.review_mark, "to_review")

        quiet = self._line(review, self.quiet)
        self.assertEqual(quiet.level_id, self.levels["C"])
        self.assertEqual(
            (quiet.sales_last_month, quiet.receivable_overdue, quiet.receivable_current_month),
            (0, 0, 0),
        )

        self.assertAlmostEqual(review.sales_last_month, 700)
        self.assertAlmostEqual(review.receivable_overdue, 1500)
        self.assertAlmostEqual(review.receivable_current_month, 400)
        self.assertAlmostEqual(review.receivable_total, 2600)
        self.assertEqual((review.line_count, review.to_review_count), (2, 2))

    def test_aging_buckets_add_up_to_the_open_receivables(self):
        """Every open receivable falls in one bucket: older than three months,
        the three months before the review's month, or the review's month."""
        review = self._prepare()
        line = self._line(review, self.customer)
        # October's invoice and credit note: neither old nor of the current month
        self.assertAlmostEqual(line.receivable_recent, 1000 - 300)
        with freeze_time("2026-12-03"):
            # dated after the review's month: not in this month's review
            self._invoice(self.customer, 800, date(2026, 12, 2))
            review.with_user(self.manager).action_refresh()
        buckets = ("receivable_overdue", "receivable_recent", "receivable_current_month")
        for line in review.line_ids:
            self.assertAlmostEqual(sum(line[bucket] for bucket in buckets), line.receivable_total)
        self.assertAlmostEqual(self._line(review, self.customer).receivable_total, 2600)
        self.assertAlmostEqual(sum(review[bucket] for bucket in buckets), review.receivable_total)
        # the lists show every bucket next to the open receivables
        for view in (
            "customer_grading.customer_grading_receivable_review_view_list",
            "customer_grading.customer_grading_receivable_review_line_view_list",
            "customer_grading.customer_grading_receivable_review_line_view_pivot",
        ):
            arch = self.env.ref(view).arch
            for name in (*buckets, "receivable_total"):
                self.assertIn(f'name="{name}"', arch, view)

    def test_form_totals_are_those_of_all_lines(self):
        """The form's only totals are its summary, computed over every line the
        user may read: its list of lines shows a page, so it sums none."""
        for index in range(45):  # more than the form's list shows at once
            self._grade(self._customer(f"Customer {index:02}", user=self.salesman_1), "C")
        review = self._prepare()
        self.assertEqual(len(review.line_ids), 47)
        lines_list = etree.fromstring(
            review.get_views([(False, "form")])["views"]["form"]["arch"]
        ).find(".//field[@name='line_ids']/list")
        self.assertFalse(
            [field.get("name") for field in lines_list.iter("field") if field.get("sum")]
        )
        summary = self.env["customer.grading.receivable.review.line"].read_group(
            [("review_id", "=", review.id)],
            ["receivable_overdue:sum", "receivable_recent:sum", "receivable_total:sum"],
            [],
        )[0]
        for figure in ("receivable_overdue", "receivable_recent", "receivable_total"):
            self.assertAlmostEqual(review[figure], summary[figure])

    def test_grade_of_another_company_does_not_count(self):
        self._grade(self.ungraded, "A", company=self.other_company)
        review = self._prepare()
        self.assertNotIn(self.ungraded, review.line_ids.partner_id)

    def test_refresh_keeps_marks_and_notes(self):
        review = self._prepare()
        line = self._line(review, self.customer).with_user(self.manager)
        line.write({"review_mark": "follow_up", "review_note": "Call the buyer"})
        self.assertEqual((review.to_review_count, review.follow_up_count), (1, 1))
        with freeze_time("2026-11-18"):
            self._pay(self.old_invoice, date(2026, 11, 18))
        with freeze_time("2026-11-18"):
            review.with_user(self.manager).action_refresh()
        line = self._line(review, self.customer)
        self.assertEqual(line.receivable_overdue, 0)
        self.assertEqual(review.date, REVIEW_DATE)  # the review keeps its dates
        self.assertEqual((line.review_mark, line.review_note), ("follow_up", "Call the buyer"))
        self.assertEqual(len(review.line_ids), 2)
        self.assertEqual(len(self._review_activities(review)), 2)  # none added

    def test_prepare_by_hand_and_mark_in_the_form(self):
        with freeze_time("2026-11-03"):
            form = Form(self.Review.with_user(self.manager))
            form.date = REVIEW_DATE
            review = form.save()
            self.assertEqual(review.name, "Receivables review 2026-11")
            self.assertFalse(review.line_ids)
            review.action_refresh()  # lists the customers, schedules the activities
        self.assertEqual(review.line_ids.partner_id, self.customer | self.quiet)
        self.assertEqual(len(self._review_activities(review)), 2)
        with Form(review) as form:
            for index in range(len(review.line_ids)):
                with form.line_ids.edit(index) as line:
                    line.review_mark = "ok"
                    line.review_note = "Seen"
        self.assertEqual(set(review.line_ids.mapped("review_mark")), {"ok"})
        self.assertEqual(review.to_review_count, 0)
        review.action_done()
        form = Form(review)
        with (
            self.assertRaisesRegex(AssertionError, "not editable"),
            form.line_ids.edit(0) as line,
        ):
            line.review_mark = "escalate"  # read-only once reviewed

    # --- scheduled action ------------------------------------------------------------

    def _cron(self, day):
        """The scheduled action on ``day``, called again while work remains,
        as the scheduler does."""
        Review = self.Review.with_user(self.env.ref("base.user_root"))
        with freeze_time(day):
            while Review._cron_prepare_reviews():
                pass
        return self.Review.search([("company_id", "=", self.company.id)])

    def test_cron_catches_up_a_review_day_missed_at_month_end(self):
        self.company.grading_receivable_review_day = 28
        self.assertFalse(self._cron("2026-10-01"))  # nothing of the past at install
        october = self._cron("2026-10-28")
        self.assertEqual(october.date, date(2026, 10, 28))
        # the scheduler is down from 28 to 30 November
        reviews = self._cron("2026-12-01")
        november = reviews - october
        self.assertEqual(november.date, date(2026, 11, 28))
        self.assertEqual(november.sales_date_from, date(2026, 10, 1))
        self.assertEqual(self._cron("2026-12-02"), reviews)  # nothing more before the 28th
        self.assertEqual(len(self._cron("2026-12-28")), 3)

    def test_cron_with_a_review_dated_ahead(self):
        """A review a manager dated in a later month does not make the
        scheduled action prepare this month's twice."""
        with freeze_time("2026-11-10"):
            ahead = self.Review.with_user(self.manager).create({"date": "2026-12-05"})
        reviews = self._cron("2026-11-15")
        self.assertEqual(len(reviews - ahead), 1)
        self.assertEqual(self._cron("2026-11-16"), reviews)

    def test_cron_prepares_on_the_review_day_once(self):
        self.assertFalse(self._cron("2026-11-14"))
        reviews = self._cron("2026-11-15")
        self.assertEqual(len(reviews), 1)
        self.assertEqual(reviews.date, REVIEW_DATE)
        self.assertEqual(len(reviews.line_ids), 2)
        self.assertEqual(self._cron("2026-11-15"), reviews)
        self.assertEqual(self._cron("2026-11-30"), reviews)  # never twice the same month
        # the scheduled action runs as OdooBot: customers without a sales manager
        # go to a grading manager of the company, never to OdooBot
        activities = self._review_activities(reviews)
        self.assertEqual(len(activities), 2)
        self.assertIn(self.leader, activities.user_id)
        self.assertNotIn(self.env.ref("base.user_root"), activities.user_id)
        self.assertTrue(
            all(
                user.has_group("customer_grading.group_customer_grading_manager")
                for user in activities.user_id
            )
        )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.Review.create({"company_id": self.company.id, "date": date(2026, 11, 20)})

    def test_cron_catches_up_a_missed_day(self):
        self.company.grading_receivable_review_day = 10
        reviews = self._cron("2026-11-13")  # the scheduler did not run from the 10th
        self.assertEqual(len(reviews), 1)
        self.assertEqual(reviews.date, date(2026, 11, 13))
        self.assertEqual(reviews.sales_date_from, date(2026, 10, 1))
        december = self._cron("2026-12-31") - reviews  # a whole month missed
        self.assertEqual(december.sales_date_from, date(2026, 11, 1))
        self.assertEqual(len(self._cron("2027-01-09")), 2)  # not yet in January

    # --- activities --------------------------------------------------------------------

    def test_one_activity_per_sales_manager(self):
        second = self._customer("Second Trading", user=self.salesman_1)
        self._grade(second, "A")
        west_leader = new_test_user(
            self.env,
            login="cg_leader_west",
            name="West Leader",
            groups="base.group_user,customer_grading.group_customer_grading_manager",
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["customer_grading"], ["zh_CN"])
        west_leader.lang = "zh_CN"  # the activity speaks the reviewer's language
        self.env["crm.team"].create(
            {
                "name": "West",
                "user_id": west_leader.id,
                "member_ids": [Command.set(self.salesman_2.ids)],
            }
        )
        salesman_3 = new_test_user(
            self.env, login="cg_sales_3", groups="sales_team.group_sale_salesman"
        )
        no_rights_leader = new_test_user(self.env, login="cg_leader_plain", name="Plain")
        self.env["crm.team"].create(
            {
                "name": "South",
                "user_id": no_rights_leader.id,
                "member_ids": [Command.set(salesman_3.ids)],
            }
        )
        south = self._customer("South Trading", user=salesman_3)
        self._grade(south, "D")

        review = self._prepare(user=self.manager)

        activities = self._review_activities(review)
        by_user = {activity.user_id: activity for activity in activities}
        # customer and second: the East leader; quiet: the West leader; South's
        # leader may not mark lines, so the manager preparing the review gets it
        self.assertEqual(set(by_user), {self.leader, west_leader, self.manager})
        self.assertEqual(len(activities), 3)
        self.assertIn("2 customer(s)", str(by_user[self.leader].note))
        self.assertIn("个您销售团队的客户待审核", str(by_user[west_leader].note))
        self.assertEqual(by_user[west_leader].summary, "审核上月业绩和未收应收账款，并标记每个客户")
        self.assertEqual(activities.mapped("res_model"), [review._name] * 3)

        review.with_user(self.manager).action_refresh()
        self.assertEqual(self._review_activities(review), activities)

        self._mark_all(review, "ok")
        review.with_user(self.leader).action_done()
        self.assertFalse(self._review_activities(review))
        self.assertEqual((review.state, review.reviewed_by_id), ("done", self.leader))
        self.assertEqual(review.date_reviewed, date.today())
        done = review.message_ids.filtered(
            lambda message: message.mail_activity_type_id == self.activity_type
        )
        self.assertEqual(len(done), 3)
        self.assertIn("Receivables reviewed.", done[0].body)

    # --- review and rights -----------------------------------------------------------

    def test_done_refused_while_lines_are_unmarked(self):
        review = self._prepare().with_user(self.manager)
        self._line(review, self.customer).review_mark = "escalate"
        with self.assertRefused(UserError, r"1 still to review \(Quiet Buyer\)"):
            review.action_done()
        self.assertEqual(review.state, "to_review")
        self._line(review, self.quiet).review_mark = "ok"
        review.action_done()
        self.assertEqual(review.state, "done")
        self.assertEqual(review.follow_up_count, 1)
        with self.assertRefused(UserError, "not refreshed"):
            review.action_refresh()
        with self.assertRefused(UserError, "already reviewed"):
            review.action_done()

    def test_salesperson_sees_own_lines_and_marks_nothing(self):
        review = self._prepare()
        self.env.invalidate_all()  # a new request of the salesperson
        as_sales = review.with_user(self.salesman_1)
        self.assertEqual(as_sales.name, "Receivables review 2026-11")
        self.assertEqual(as_sales.line_ids.partner_id, self.customer)
        Line = self.env["customer.grading.receivable.review.line"].with_user(self.salesman_1)
        self.assertEqual(Line.search([("review_id", "=", review.id)]).partner_id, self.customer)
        self.assertAlmostEqual(as_sales.receivable_total, 2600)  # totals of their lines
        self.assertEqual(as_sales.line_count, 1)
        self.assertFalse(
            Line.search([("review_id", "=", review.id), ("partner_id", "=", self.quiet.id)])
        )
        line = as_sales.line_ids
        with self.assertRaises(AccessError):
            line.write({"review_mark": "ok"})
        with self.assertRaises(AccessError):
            as_sales.write({"state": "done"})
        self._mark_all(review)
        with self.assertRefused(AccessError, "Only a grading manager"):
            as_sales.action_done()
        with self.assertRefused(AccessError, "Only a grading manager"):
            as_sales.action_refresh()
        with self.assertRefused(AccessError, "Only a grading manager"):
            as_sales.action_export_xlsx()
        self.assertEqual(review.state, "to_review")
        with self.assertRaises(AccessError):
            self.Review.with_user(self.salesman_1).create({"company_id": self.company.id})

    def test_reviews_stay_in_their_company(self):
        review = self._prepare()
        with freeze_time(REVIEW_DATE):
            other = self.Review._prepare(self.other_company, REVIEW_DATE)
        self.assertFalse(other.line_ids)  # no customer graded there
        self.assertEqual(
            self.Review.with_user(self.manager).search([("id", "in", (review | other).ids)]),
            review,
        )

    # --- settings and export -----------------------------------------------------------

    def test_review_day_between_1_and_28(self):
        settings = self.env["res.config.settings"].create({"grading_receivable_review_day": 28})
        settings.execute()
        self.assertEqual(self.company.grading_receivable_review_day, 28)
        for day in (0, 29, 31):
            with self.assertRefused(ValidationError, "between 1 and 28"):
                self.env["res.config.settings"].create({"grading_receivable_review_day": day})
        self.assertEqual(self.company.grading_receivable_review_day, 28)
        self.assertEqual(
            self.env["res.company"].create({"name": "New Co"}).grading_receivable_review_day, 15
        )

    def test_export_to_excel(self):
        review = self._prepare().with_user(self.manager)
        self._line(review, self.customer).write(
            {"review_mark": "follow_up", "review_note": "=HYPERLINK(1)"}
        )
        action = review.action_export_xlsx()
        attachment = review.export_attachment_id
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.name, "Receivables review 2026-11.xlsx")
        self.assertEqual((attachment.res_model, attachment.res_id), (review._name, review.id))
        content = attachment.raw
        self.assertEqual(content[:2], b"PK")
        with zipfile.ZipFile(BytesIO(content)) as book:
            strings = book.read("xl/sharedStrings.xml").decode()
            sheet = book.read("xl/worksheets/sheet1.xml").decode()
        for text in (
            "Receivables &gt; 3 Months",
            "Current Month Receivables",
            "Receivable Trading",
            "Sales One",
            "Follow Up",
            "=HYPERLINK(1)",  # kept as text
            "Total",
        ):
            self.assertIn(text, strings)
        self.assertNotIn("<f>", sheet)
        self.assertIn("<v>1500</v>", sheet)

        # exporting again replaces the file
        review.action_export_xlsx()
        self.assertFalse(attachment.exists())
        # the export lists every customer: salespeople do not get the file
        with self.assertRaises(AccessError):
            review.export_attachment_id.with_user(self.salesman_1).read(["raw"])
        self.assertFalse(
            self.env["ir.attachment"]
            .with_user(self.salesman_1)
            .search([("res_model", "=", review._name), ("res_id", "=", review.id)])
        )

    def test_month_arithmetic(self):
        self.assertEqual(
            periods.previous_month(date(2027, 1, 15)), (date(2026, 12, 1), date(2026, 12, 31))
        )
        self.assertEqual(
            periods.month_bounds(date(2028, 2, 10)), (date(2028, 2, 1), date(2028, 2, 29))
        )
        self.assertEqual(periods.month_label(date(2026, 3, 1)), "2026-03")


@tagged("post_install", "-at_install", "is_query_count")
class TestReceivableReviewQueries(ReviewCase):
    """The preparation reads the figures with grouped queries and creates the
    lines at once: its number of queries does not depend on the customers."""

    @classmethod
    def _graded_customers(cls, count, start=0):
        customers = cls.env["res.partner"]
        for n in range(start, start + count):
            customer = cls._customer(f"Counted {n}", user=cls.salesman_1)
            cls._invoice(customer, 100 * (n + 1), date(2026, 6, 1))
            cls._grade(customer, "B")
            customers |= customer
        return customers

    def _settle(self):
        """Write what is pending and empty the record cache, as between requests."""
        self.env.flush_all()
        self.env.cr.flush()  # the notifications of the previous preparation
        self.env.invalidate_all()

    def _warm_up(self, today):
        """Fill the registry caches (rules, groups) first, as on a server that
        has been running for a while."""
        self._settle()
        with freeze_time(today):
            self.Review._prepare(self.company, today)

    def _measured_prepare(self, today):
        """Prepare a review; return it and its number of queries."""
        self._settle()
        count0 = self.cr.sql_log_count
        with freeze_time(today), self.assertQueryCount(PREPARE_QUERIES):
            review = self.Review._prepare(self.company, today)
        return review, self.cr.sql_log_count - count0

    def test_prepare_query_count(self):
        customers = self._graded_customers(2)
        self._warm_up(date(2026, 8, 15))
        few, few_queries = self._measured_prepare(date(2026, 9, 15))
        self.assertEqual(len(few.line_ids), 2)

        customers |= self._graded_customers(8, start=2)
        many, many_queries = self._measured_prepare(date(2026, 10, 15))
        self.assertEqual(len(many.line_ids), 10)
        self.assertEqual(many.line_ids.partner_id, customers)
        self.assertEqual(few_queries, many_queries)
        self.assertEqual(len(self._review_activities(many)), 1)  # the East leader


@tagged("post_install", "-at_install")
class TestReceivableReviewSteps(ReviewCase):
    """The scheduled action lists a review's customers in steps, each its own
    transaction under the scheduler; interrupted or not, the review ends as
    one prepared at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.env["res.partner"]
        for n, user in enumerate(
            (cls.salesman_1, cls.salesman_2, cls.salesman_1, None, cls.salesman_2)
        ):
            customer = cls._customer(f"Stepped {n}", user=user)
            cls._grade(customer, "B")
            with freeze_time(REVIEW_DATE):
                cls._invoice(customer, 100 * (n + 1), date(2026, 10, 5))
            cls.customers |= customer

    def _snapshot(self, review):
        self.env.flush_all()
        self.env.invalidate_all()
        return (
            sorted(
                (
                    line.partner_id.id,
                    line.user_id.id,
                    line.level_id.id,
                    *(line[figure] for figure in LINE_FIGURES),
                )
                for line in review.line_ids
            ),
            sorted(
                (activity.user_id.id, str(activity.note))
                for activity in self._review_activities(review)
            ),
        )

    def _at_once(self):
        with closing(self.env.cr.savepoint()), freeze_time(REVIEW_DATE):
            snapshot = self._snapshot(
                self.Review.with_user(self.env.ref("base.user_root"))._prepare(
                    self.company, REVIEW_DATE
                )
            )
        self.env.invalidate_all()
        return snapshot

    def _call(self, limit, progress=None):
        Review = self.Review.with_user(self.env.ref("base.user_root"))
        if progress:
            Review = Review.with_context(ir_cron_progress_id=progress.id)
        with freeze_time(REVIEW_DATE):
            return Review._cron_prepare_reviews(limit=limit)

    def _review(self):
        return self.Review.search([("company_id", "=", self.company.id)])

    def test_steps_give_the_review_prepared_at_once(self):
        expected = self._at_once()
        cron = self.env.ref("customer_grading.ir_cron_receivable_review")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id})
        # 3 customers left, and the other company's review (no customer) to close
        self.assertEqual(self._call(2, progress), 4)
        self.assertEqual((progress.done, progress.remaining), (2, 4))
        review = self._review()
        self.assertTrue(review.is_preparing)
        self.assertEqual(len(review.line_ids), 2)
        self.assertFalse(self._review_activities(review))  # once all are listed
        self.assertEqual(self._call(2), 2)
        # all listed: the activities are the next step, one of its own
        self.assertEqual(self._call(2), 1)
        self.assertTrue(review.is_preparing)
        self.assertEqual(len(review.line_ids), 5)
        self.assertFalse(self._review_activities(review))
        self.assertEqual(self._call(2), 0)
        self.assertFalse(review.is_preparing)
        self.assertTrue(self._review_activities(review))
        self.assertEqual(self._snapshot(review), expected)
        self.assertEqual(len(expected[0]), 5)
        self.assertEqual(len(expected[1]), 2)
        self.assertEqual(self._call(2), 0)  # nothing more this month
        self.assertEqual(self._snapshot(review), expected)

    def test_interrupted_preparation_resumes(self):
        expected = self._at_once()
        self.assertEqual(self._call(3), 3)  # 2 customers, the other company's review
        review = self._review().with_user(self.manager)
        # the scheduler stops there: a manager cannot close a review half listed
        review.line_ids.write({"review_mark": "ok"})
        with self.assertRefused(UserError, "still being prepared"):
            review.action_done()
        # the next day, or when the server is back: the last customers, then the activities
        self.assertEqual([self._call(3), self._call(3)], [1, 0])
        self.assertEqual(self._snapshot(review), expected)


@tagged("post_install", "-at_install", "is_query_count")
class TestReceivableReviewStepQueries(ReviewCase):
    """A step of the preparation reads and writes its customers set-wise."""

    def test_queries_of_a_step(self):
        for n in range(10):
            customer = self._customer(f"Counted {n}", user=self.salesman_1)
            self._grade(customer, "B")
            self._invoice(customer, 100 * (n + 1), date(2026, 6, 1))
        Review = self.Review.with_user(self.env.ref("base.user_root"))
        with freeze_time(REVIEW_DATE):
            Review._cron_prepare_reviews(limit=1)  # the review is created
            Review._cron_prepare_reviews(limit=1)  # warm-up
            for limit in (2, 5):
                # a new request: what the last step left pending is written
                self.env.flush_all()
                self.env.cr.flush()
                self.env.invalidate_all()
                with self.assertQueryCount(REVIEW_STEP_QUERIES):
                    Review._cron_prepare_reviews(limit=limit)
            self.assertEqual(Review._cron_prepare_reviews(limit=5), 1)  # the activities left
            self.assertEqual(Review._cron_prepare_reviews(limit=5), 0)
        self.assertEqual(len(self.Review.search([]).line_ids), 10)
