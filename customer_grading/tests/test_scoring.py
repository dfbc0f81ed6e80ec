from datetime import date, datetime

from odoo.tests import BaseCase

from ..tools import periods, pg_arrays, scoring


class TestScoring(BaseCase):
    """The scoring rules and the period arithmetic, on plain values."""

    def test_direct_is_clamped(self):
        self.assertEqual(scoring.score_direct(73.5), 73.5)
        self.assertEqual(scoring.score_direct(120), 100)
        self.assertEqual(scoring.score_direct(-5), 0)

    def test_linear(self):
        self.assertEqual(scoring.score_linear(0, -50, 50), 50)
        self.assertEqual(scoring.score_linear(25, -50, 50), 75)
        self.assertEqual(scoring.score_linear(-80, -50, 50), 0)
        self.assertEqual(scoring.score_linear(80, -50, 50), 100)
        # less is better: bounds reversed
        self.assertEqual(scoring.score_linear(10, 40, 0), 75)
        with self.assertRaises(ValueError):
            scoring.score_linear(1, 5, 5)

    def test_bands(self):
        bands = [(0, 0), (1, 30), (3, 60), (6, 80), (12, 100)]
        self.assertEqual(scoring.score_bands(-1, bands), 0)
        self.assertEqual(scoring.score_bands(0, bands), 0)
        self.assertEqual(scoring.score_bands(2, bands), 30)
        self.assertEqual(scoring.score_bands(3, bands), 60)
        self.assertEqual(scoring.score_bands(11.9, bands), 80)
        self.assertEqual(scoring.score_bands(40, bands), 100)
        self.assertTrue(scoring.bands_are_ordered([0, 1, 3]))
        self.assertFalse(scoring.bands_are_ordered([0, 3, 1]))
        self.assertFalse(scoring.bands_are_ordered([0, 1, 1]))

    def test_score_value_dispatches_by_rule(self):
        self.assertEqual(scoring.score_value("direct", 40), 40)
        self.assertEqual(scoring.score_value("levels", 80), 80)
        self.assertEqual(scoring.score_value("linear", 0, low=-50, high=50), 50)
        self.assertEqual(scoring.score_value("bands", 5, bands=[(0, 10), (3, 60)]), 60)
        self.assertEqual(scoring.score_value("linear", None, missing=50, low=-50, high=50), 50)

    def test_rank(self):
        others = [10, 20, 30, 40]
        self.assertEqual(scoring.score_rank(50, others), 100)
        self.assertEqual(scoring.score_rank(5, others), 0)
        self.assertEqual(scoring.score_rank(30, others), 50)
        self.assertEqual(scoring.score_rank(7, []), 100)

    def test_points(self):
        self.assertEqual(scoring.points(80, 30), 24)
        self.assertEqual(scoring.points(33.333, 10), 3.33)

    def test_level_boundaries(self):
        levels = [("A", 85), ("B", 70), ("C", 55), ("D", 0)]
        self.assertEqual(scoring.level_for_score(85, levels), "A")
        self.assertEqual(scoring.level_for_score(84.99, levels), "B")
        self.assertEqual(scoring.level_for_score(70, levels), "B")
        self.assertEqual(scoring.level_for_score(55, levels), "C")
        self.assertEqual(scoring.level_for_score(54.99, levels), "D")
        self.assertEqual(scoring.level_for_score(0, levels), "D")
        self.assertEqual(scoring.level_for_score(30, [("A", 85), ("B", 60)]), "B")
        self.assertIsNone(scoring.level_for_score(30, []))
        self.assertTrue(scoring.thresholds_are_ordered([85, 70, 55, 0]))
        self.assertFalse(scoring.thresholds_are_ordered([85, 85, 55]))
        self.assertFalse(scoring.thresholds_are_ordered([70, 85]))

    def test_periods(self):
        self.assertEqual(periods.quarter_label(date(2026, 11, 22)), "2026 Q4")
        self.assertEqual(
            periods.last_ended_quarter(date(2026, 11, 22)), (date(2026, 7, 1), date(2026, 9, 30))
        )
        self.assertEqual(
            periods.last_ended_quarter(date(2026, 1, 1)), (date(2025, 10, 1), date(2025, 12, 31))
        )
        self.assertEqual(
            periods.reference_period(date(2026, 9, 30)), (date(2025, 10, 1), date(2026, 9, 30))
        )
        self.assertEqual(
            periods.previous_period(date(2025, 10, 1), date(2026, 9, 30)),
            (date(2024, 10, 1), date(2025, 9, 30)),
        )

    def test_day_start_utc(self):
        # a local midnight in UTC+8 is 16:00 UTC the day before
        self.assertEqual(
            periods.day_start_utc(date(2026, 10, 1), "Asia/Shanghai"), datetime(2026, 9, 30, 16)
        )
        self.assertEqual(
            periods.day_start_utc(date(2026, 10, 1), "America/New_York"), datetime(2026, 10, 1, 4)
        )
        # no time zone, or one Python does not know: UTC
        self.assertEqual(periods.day_start_utc(date(2026, 10, 1), False), datetime(2026, 10, 1))
        self.assertEqual(
            periods.day_start_utc(date(2026, 10, 1), "Mars/Base"), datetime(2026, 10, 1)
        )
        # midnight skipped by the change to summer time: the day starts at 01:00
        self.assertEqual(
            periods.day_start_utc(date(2026, 3, 29), "Atlantic/Azores"), datetime(2026, 3, 29, 1)
        )
        # midnight lived twice on the change back: the day starts at the first one
        self.assertEqual(
            periods.day_start_utc(date(2026, 10, 25), "Atlantic/Azores"), datetime(2026, 10, 25)
        )

    def test_array_literal(self):
        self.assertEqual(pg_arrays.array_literal([1, None, 2.5, True]), "{1,NULL,2.5,t}")
        self.assertEqual(pg_arrays.array_literal(["up", 'a"b\\c']), '{"up","a\\"b\\\\c"}')
        self.assertEqual(pg_arrays.array_literal([]), "{}")
