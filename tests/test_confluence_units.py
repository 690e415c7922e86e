"""Pure parts of the Confluence source: timestamps, rows, id sets, deletion planning, dlt hints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import pytest

from dlt_atlassian.confluence.deletions import parse_cadence, plan, reconcile_due
from dlt_atlassian.confluence.idset import (
    decode_id_map,
    decode_ids,
    encode_id_map,
    encode_ids,
)
from dlt_atlassian.confluence.rows import (
    comment_row,
    content_row,
    label_row,
    parse_ts,
    space_row,
    tombstone,
)
from dlt_atlassian.confluence.settings import LABEL_COLUMNS, PAGE_COLUMNS
from dlt_atlassian.errors import ConfigurationError


@pytest.mark.parametrize("text", [
    "2024-01-17T12:34:56.789Z", "2024-01-17T12:34:56.789+00:00", "2024-01-17T12:34:56.789+0000",
    "2024-01-17T13:34:56.789+01:00", "2024-01-17T07:34:56.789-0500", "2024-01-17T12:34:56.789",
])
def test_parse_ts_is_utc(text: str) -> None:
    assert parse_ts(text) == datetime(2024, 1, 17, 12, 34, 56, 789000, tzinfo=UTC)


def test_parse_ts_missing_and_bad() -> None:
    assert parse_ts(None) is None and parse_ts("") is None
    with pytest.raises(ValueError):
        parse_ts("yesterday")


def test_rows_are_flat_and_typed() -> None:
    page = {
        "id": "101", "status": "current", "title": "T", "spaceId": "7", "parentId": "100",
        "parentType": "page", "position": 3, "authorId": "a", "ownerId": "o",
        "lastOwnerId": None, "createdAt": "2024-01-01T00:00:00.000Z",
        "version": {"createdAt": "2024-02-01T10:00:00.000Z", "message": "m", "number": 4,
                    "minorEdit": False, "authorId": "b"},
        "body": {"storage": {"representation": "storage", "value": "<p>x</p>"}},
        "_links": {"webui": "/spaces/X/pages/101/T"},
    }
    row = content_row(page, "page", plain_text=True)
    assert row["id"] == "101" and row["parent_id"] == "100" and row["position"] == 3
    assert row["version_created_at"] == datetime(2024, 2, 1, 10, tzinfo=UTC)
    assert row["version_number"] == 4 and row["body_text"] == "x"
    assert all(not isinstance(v, dict | list) for k, v in row.items()
               if k != "body_atlas_doc_format")
    assert set(row) <= set(PAGE_COLUMNS)
    post = content_row({**page, "id": "5"}, "blogpost", plain_text=False)
    assert "parent_id" not in post and post["body_text"] is None

    space = space_row({"id": 9, "key": "K", "type": "personal", "status": "archived",
                       "homepageId": 12, "description": {"plain": {"value": "d"}}})
    assert space["id"] == "9" and space["homepage_id"] == "12" and space["description"] == "d"

    reply = comment_row({"id": "3", "blogPostId": "5", "parentCommentId": "2",
                         "resolutionStatus": "resolved",
                         "properties": {"inline-marker-ref": "m"}}, inline=True, plain_text=True)
    assert (reply["content_id"], reply["content_type"], reply["parent_comment_id"]) == (
        "5", "blogpost", "2")
    assert reply["resolution_status"] == "resolved" and reply["inline_marker_ref"] == "m"
    label = label_row("101", "page", {"id": 77, "name": "n", "prefix": "global"})
    assert label == {"content_id": "101", "content_type": "page", "label_id": "77",
                     "name": "n", "prefix": "global"}
    assert tombstone(id="1") == {"id": "1", "_deleted": True}


def test_id_sets_round_trip_compactly() -> None:
    ids = {str(i) for i in range(65537, 65537 + 30000, 3)} | {"att12", "att9", "odd-id", "007"}
    encoded = encode_ids(ids)
    assert decode_ids(encoded) == ids
    assert len(str(encoded)) < 2 * len(ids)  # far below the ~6 bytes of a plain id
    assert decode_ids(None) == set() and decode_ids(encode_ids([])) == set()
    mapping = {"1": 0, "att5": 2**32 - 1, "x": 7, "65537": 12345}
    assert decode_id_map(encode_id_map(mapping)) == mapping
    assert decode_id_map(None) == {}


def test_cadence() -> None:
    assert parse_cadence("always") == timedelta(0)
    assert parse_cadence("never") is None
    assert parse_cadence("24h") == timedelta(hours=24)
    assert parse_cadence(" 1.5H ") == timedelta(hours=1.5)
    with pytest.raises(ConfigurationError):
        parse_cadence("daily")
    now = datetime(2024, 1, 2, tzinfo=UTC)
    assert reconcile_due(timedelta(hours=24), None, now)
    assert not reconcile_due(timedelta(hours=24), now - timedelta(hours=1), now)
    assert reconcile_due(timedelta(hours=24), now - timedelta(hours=25), now)
    assert not reconcile_due(None, None, now)
    assert reconcile_due(timedelta(0), now, now)


def test_plan_full_pass_and_sweep() -> None:
    full = plan({"1": 10, "2": 20, "4": 40}, {"1": 10, "2": 21, "3": 30}, {"1", "2", "3"},
                full=True, skip={"4"})
    assert full.refetch == {"2"} and full.purged == {"3"} and not full.maybe_purged
    sweep = plan({"1": "trashed", "5": "archived"}, {"2": "trashed", "5": "archived"},
                 {"1", "2", "5", "6"}, full=False, default="current")
    # 1 moved to the trash; 2 left the trash (restored or purged: a by-id fetch decides)
    assert sweep.refetch == {"1", "2"} and sweep.maybe_purged == {"2"} and not sweep.purged


def test_tombstones_delete_by_parent_key_in_duckdb(tmp_path: Path) -> None:
    """dlt 1.31 + DuckDB: delete-insert on a merge key replaces a parent's rows; a tombstone
    (hard_delete flag) removes them without inserting anything."""

    def load(batch: list[dict[str, object]]) -> set[tuple[str, str]]:
        @dlt.resource(name="labels", primary_key=("content_id", "label_id"),
                      merge_key="content_id", write_disposition="merge", columns=LABEL_COLUMNS)
        def labels() -> object:
            yield batch

        pipeline = dlt.pipeline("hard_delete", destination=dlt.destinations.duckdb(
            str(tmp_path / "hd.duckdb")), pipelines_dir=str(tmp_path), dataset_name="d")
        pipeline.run(labels())
        with pipeline.sql_client() as client:
            return {tuple(r) for r in client.execute_sql("select content_id, label_id from labels")}

    assert load([{"content_id": "1", "label_id": "a"}, {"content_id": "1", "label_id": "b"},
                 {"content_id": "2", "label_id": "a"}]) == {("1", "a"), ("1", "b"), ("2", "a")}
    # page 1 refreshed: its rows are replaced, page 2 untouched
    assert load([{"content_id": "1", "label_id": "c"}]) == {("1", "c"), ("2", "a")}
    # page 2 now has no label: a tombstone deletes its rows and is not inserted
    assert load([tombstone(content_id="2", label_id="")]) == {("1", "c")}


def test_interleave_reads_every_stream_and_propagates_errors() -> None:
    import threading

    from dlt_atlassian.confluence.parallel import interleave

    threads: set[str] = set()

    def stream(n: int) -> object:
        def read() -> object:
            for i in range(50):
                threads.add(threading.current_thread().name)
                yield (n, i)
        return read

    got = list(interleave([stream(n) for n in range(6)], workers=3))  # type: ignore[list-item]
    assert sorted(got) == [(n, i) for n in range(6) for i in range(50)]
    assert len(threads) > 1

    def broken() -> object:
        yield (9, 0)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        list(interleave([stream(1), broken, stream(2)], workers=2))  # type: ignore[list-item]
    # closing early stops the workers
    gen = interleave([stream(n) for n in range(4)], workers=2)  # type: ignore[list-item]
    assert next(gen)
    gen.close()  # type: ignore[attr-defined]
