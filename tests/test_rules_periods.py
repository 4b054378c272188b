from datetime import date, datetime, timezone

import pytest

from gapsmodel.rules.periods import (PeriodError, add_months, deadline, parse_as_of, parse_period, period_of,
                               periods_between)


@pytest.mark.parametrize("text, kind, start, end", [("2022-05", "month", "2022-05", "2022-05"),
                                                    ("2022-Q2", "quarter", "2022-04", "2022-06"),
                                                    ("2022q4", "quarter", "2022-10", "2022-12"),
                                                    ("2023", "year", "2023-01", "2023-12")])
def test_parse_period(text, kind, start, end):
    p = parse_period(text)
    assert (p.kind, p.start, p.end) == (kind, start, end)


@pytest.mark.parametrize("text", ["2022-13", "2022-Q5", "mayo", "", "22-05"])
def test_bad_periods_are_refused(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_month_arithmetic_and_grouping():
    assert add_months("2022-11", 3) == "2023-02" and add_months("2022-01", -1) == "2021-12"
    assert period_of("2022-08", "quarter").code == "2022-Q3"
    assert [p.code for p in periods_between("2022-11", "2023-02", "quarter")] == ["2022-Q4", "2023-Q1"]
    assert parse_period("2024").clipped("2024-06").months[-1] == "2024-06"


def test_deadline_is_end_of_the_tenth_of_the_next_month():
    assert deadline("2022-12") == datetime(2023, 1, 11, tzinfo=timezone.utc)


def test_as_of_date_means_end_of_that_day():
    moment = parse_as_of("2023-05-19")
    assert moment.date() == date(2023, 5, 19) and moment.hour == 23
    with pytest.raises(PeriodError):
        parse_as_of("19/05/2023x")
