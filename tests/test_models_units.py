"""Pure parts of the models: dialect choice, option and model-name checks, SQL fragments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dlt
import duckdb
import pytest

from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.models import MODEL_NAMES, run_models
from dlt_atlassian.models.dialect import Dialect, dialect_for
from models_fixtures import make_pipeline, table


def test_dialect_for_destinations() -> None:
    assert dialect_for("dlt.destinations.duckdb").name == "duckdb"
    assert dialect_for("motherduck").name == "duckdb"
    assert dialect_for("dlt.destinations.postgres").name == "postgres"
    with pytest.raises(ConfigurationError) as caught:
        dialect_for("dlt.destinations.bigquery")
    assert "bigquery" in caught.value.message and "models = false" in caught.value.hint


def test_duckdb_fragments_on_json_text_and_numbers() -> None:
    d = Dialect("duckdb")
    con = duckdb.connect()
    doc = '[{"id": 1, "name": "S 1"}, {"id": 2, "name": "S 2"}]'
    assert con.execute(f"SELECT {d.json_list_text(repr(doc), 'name')}").fetchone() == ("S 1, S 2",)
    assert con.execute(f"SELECT {d.json_last(repr(doc), 'name')}").fetchone() == ("S 2",)
    assert con.execute(f"SELECT {d.json_list_text(repr('[]'), None)}").fetchone() == (None,)
    nested = d.json_text("'{\"a\": {\"b\": \"x\"}}'", "a", "b")
    assert con.execute(f"SELECT {nested}").fetchone() == ("x",)
    for text, value in (("'5.0'", 5.0), ("''", None), ("'abc'", None), ("NULL", None)):
        assert con.execute(f"SELECT {d.to_double(text)}").fetchone() == (value,)
    series = d.days_series(d.date_literal("2024-02-27"), d.date_literal("2024-03-01"))
    days = con.execute(f"SELECT * FROM {series}").fetchall()
    assert [r[0] for r in days] == [date(2024, 2, 27), date(2024, 2, 28), date(2024, 2, 29),
                                    date(2024, 3, 1)]
    week = con.execute(f"SELECT {d.week(d.ts_literal('2024-03-03T23:30:00+00:00'))}").fetchone()
    assert week == (date(2024, 2, 26),)  # a Sunday belongs to the week starting Monday


def test_unknown_model_names_are_rejected(tmp_path: Path) -> None:
    pipeline = make_pipeline("duckdb", tmp_path)
    with pytest.raises(ConfigurationError) as caught:
        run_models(pipeline, models=["jira_issue_enhanced", "nope"])
    assert "nope" in caught.value.message and MODEL_NAMES[0] in caught.value.hint


def test_missing_tables_skip_or_fail(tmp_path: Path) -> None:
    pipeline = make_pipeline("duckdb", tmp_path)
    pipeline.run([dlt.resource([{"id": "1", "key": "S", "name": "Space", "type": "global",
                                 "status": "current"}], name="spaces")])
    as_of = datetime(2025, 1, 1, tzinfo=UTC)
    # only what the loaded tables allow is built; nothing else is attempted
    assert run_models(pipeline, as_of=as_of) == {"confluence_space_summary": 1}
    row = table(pipeline, "confluence_space_summary")[0]
    assert (row["pages"], row["blog_posts"], row["contributors"]) == (0, 0, 0)
    with pytest.raises(ConfigurationError) as caught:
        run_models(pipeline, models=["jira_issue_enhanced"], as_of=as_of)
    assert "issues" in caught.value.message


def test_unsupported_destination_is_skipped_unless_named() -> None:
    class Fake:
        class destination:  # mimics pipeline.destination
            destination_type = "dlt.destinations.bigquery"

    assert run_models(Fake()) == {}
    with pytest.raises(ConfigurationError):
        run_models(Fake(), models=["jira_issue_enhanced"])


def test_options_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from dlt_atlassian.models import options_from_config

    monkeypatch.setenv("SOURCES__ATLASSIAN__MODELS_STALE_DAYS", "7")
    monkeypatch.setenv("SOURCES__ATLASSIAN__MODELS_HISTORY_FIELDS", "status, priority")
    monkeypatch.setenv("SOURCES__ATLASSIAN__MODELS_STORY_POINTS_FIELD", "customfield_1")
    options = options_from_config()
    assert options.stale_days == 7
    assert list(options.history_fields) == ["status", "priority"]
    assert options.story_points_field == "customfield_1"
