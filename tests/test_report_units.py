"""Pure parts of the report: weekly series, histogram buckets, SVG output, empty states."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from xml.etree import ElementTree

from dlt_atlassian.report.data import ReportData, cycle_histogram, weekly_series
from dlt_atlassian.report.html import render_html
from dlt_atlassian.report.svg import Series, bar_chart, hbar_chart


def test_weekly_series_fills_missing_weeks_and_ends_at_latest() -> None:
    points = [(date(2025, 3, 5), 2), (datetime(2025, 3, 6, 12), 1), (date(2025, 2, 17), 4)]
    weeks, values = weekly_series(points, weeks=4)
    assert weeks == ["2025-02-10", "2025-02-17", "2025-02-24", "2025-03-03"]
    assert values == [0.0, 4.0, 0.0, 3.0]
    assert weekly_series([]) == ([], [])


def test_cycle_histogram_buckets() -> None:
    day = 86400
    labels, counts = cycle_histogram([0.5 * day, day, 3 * day, 100 * day, 64 * day])
    assert len(labels) == len(counts) and sum(counts) == 5
    assert counts[0] == 1 and counts[1] == 1 and counts[2] == 1 and counts[-1] == 2


def test_bar_chart_is_valid_svg_with_one_bar_per_value() -> None:
    svg = bar_chart("x", "T <&>", ["a", "b", "c"], [Series("s1", [1, 2, 3]),
                                                    Series("s2", [0, 5, 1], "#000")])
    root = ElementTree.fromstring(svg)
    bars = [e for e in root.iter() if e.get("class") == "bar"]
    assert len(bars) == 6
    assert [b.get("data-value") for b in bars] == ["1", "0", "2", "5", "3", "1"]
    heights = {b.get("data-value"): float(b.get("height") or 0) for b in bars}
    assert heights["5"] > heights["3"] > heights["1"] > heights["0"] == 0


def test_empty_and_horizontal_charts() -> None:
    empty = bar_chart("e", "Empty", [], [Series("s", [])])
    assert 'class="chart empty"' in empty and "No data yet" in empty
    ElementTree.fromstring(empty)
    svg = hbar_chart("h", "H", [("To Do", 3.5), ("Done", 1.0)], unit=" d")
    assert len(re.findall(r'class="bar"', svg)) == 2
    ElementTree.fromstring(svg)


def test_render_html_without_models_shows_placeholders() -> None:
    html = render_html(ReportData(), subtitle="s")
    assert html.count('class="chart empty"') == 5
    assert "<script" not in html and "No data yet." in html
    data = ReportData(weeks=[(date(2025, 1, 6) + timedelta(weeks=k)).isoformat()
                             for k in range(3)], throughput=[1, 0, 2])
    assert 'data-chart="throughput"' in render_html(data)
