"""Confluence source options: resource selection, spaces, start date, body formats, names."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from confluence_source_fixtures import basic_credentials, new_pipeline, rows, truth
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.simulator.server import SimulatorServer

MACRO_BODY = (
    '<h2>Setup</h2><p>Install&nbsp;it:</p><ac:structured-macro ac:name="code">'
    '<ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA['
    'pip install dlt-atlassian\nexport X=1]]></ac:plain-text-body></ac:structured-macro>'
    '<ac:structured-macro ac:name="note"><ac:parameter ac:name="title">Careful</ac:parameter>'
    '<ac:rich-text-body><p>Read the docs.</p></ac:rich-text-body></ac:structured-macro>'
    "<table><tbody><tr><th>Option</th><th>Default</th></tr>"
    "<tr><td>spaces</td><td>all</td></tr></tbody></table>"
    "<ul><li>first</li><li>second</li></ul>"
)


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(0.2))


def test_with_resources_loads_only_the_selection(server: SimulatorServer, tmp_path: Path
                                                 ) -> None:
    pipeline = new_pipeline(tmp_path)
    creds = basic_credentials(server)
    pipeline.run(confluence_source(credentials=creds).with_resources("spaces", "pages"))
    tables = {t for t in pipeline.default_schema.data_table_names()}
    assert tables == {"spaces", "pages"}
    counts = server.sim.requests.counts()
    assert not any(k.endswith(("/versions", "/labels", "comments", "attachments"))
                   for k in counts)
    expected = truth(server.sim)
    assert rows(pipeline, "pages", "id, status, title, parent_id, position, version_number"
                ) == expected["pages"]

    # Loading the children later is complete: the content watermark is per selection.
    conf = server.sim.confluence
    server.sim.advance_clock(3600)
    conf.edit(conf.all_pages(["current"])[0]["id"])
    pipeline.run(confluence_source(credentials=creds).with_resources("labels",
                                                                     "page_versions"))
    expected = truth(server.sim)
    assert rows(pipeline, "labels", "content_id, label_id") == expected["labels"]
    assert rows(pipeline, "page_versions", "content_id, number") == expected["page_versions"]
    # ... and the pages selection still sees the edit made before
    pipeline.run(confluence_source(credentials=creds).with_resources("pages"))
    assert rows(pipeline, "pages", "id, status, title, parent_id, position, version_number"
                ) == expected["pages"]


def test_spaces_and_start_date_filter(server: SimulatorServer, tmp_path: Path) -> None:
    conf = server.sim.confluence
    space = conf.all_spaces()[0]
    content = [c for c in conf.all_content() if c["status"] != "draft"]
    stamps = sorted(c["version"]["createdAt"] for c in content)
    start = stamps[len(stamps) // 2]
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server), spaces=[space["key"]],
                                   start_date=start))
    wanted = {c["id"] for c in content
              if c["spaceId"] == space["id"] and c["version"]["createdAt"] >= start}
    got = rows(pipeline, "pages", "id") | rows(pipeline, "blog_posts", "id")
    assert got == {(i,) for i in wanted} and wanted
    assert rows(pipeline, "spaces", "id") == {(space["id"],)}
    comment_containers = {c for (c,) in rows(pipeline, "footer_comments", "content_id")}
    assert comment_containers <= wanted
    oldest = rows(pipeline, "pages", "min(version_created_at)")
    assert next(iter(oldest))[0] >= datetime.fromisoformat(start.replace("Z", "+00:00"))


@pytest.mark.parametrize("body_format", ["storage", "atlas_doc_format", "none"])
def test_body_formats_and_plain_text(server: SimulatorServer, tmp_path: Path,
                                     body_format: str) -> None:
    conf = server.sim.confluence
    page = conf.create_page(conf.all_spaces()[0]["id"], "Macros", MACRO_BODY)
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server),
                                   body_format=body_format).with_resources("pages"))
    (storage, adf, text), = rows(pipeline, "pages",
                                 "body_storage, body_atlas_doc_format, body_text",
                                 f"id = '{page['id']}'")
    if body_format == "none":
        assert (storage, adf, text) == (None, None, None)
        return
    assert (storage is not None) == (body_format == "storage")
    assert (adf is not None) == (body_format == "atlas_doc_format")
    if body_format == "atlas_doc_format":
        # the simulator turns written storage into one flat ADF paragraph
        assert "Setup" in text and "Read the docs." in text
        return
    lines = text.splitlines()
    assert "Setup" in lines and "Read the docs." in lines
    assert "pip install dlt-atlassian" in lines and "export X=1" in lines
    assert any("Option" in line and "Default" in line for line in lines)
    assert "Careful" not in text and "bash" not in text and "<" not in text


def test_shared_option_names_reach_both_sources(server: SimulatorServer, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # One [sources.atlassian] section feeds both sources: a shared concept has one name.
    from dlt_atlassian.jira import jira_source

    shared = {"lookback", "include_plain_text", "parallelism", "reconcile_deletes", "start_date"}
    for source in (jira_source, confluence_source):
        assert shared <= set(inspect.signature(source).parameters), source.__name__
    monkeypatch.setenv("SOURCES__ATLASSIAN__INCLUDE_PLAIN_TEXT", "false")
    monkeypatch.setenv("SOURCES__ATLASSIAN__LOOKBACK", "1.5")
    monkeypatch.setenv("SOURCES__ATLASSIAN__PARALLELISM", "1")
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server)).with_resources(
        "pages", "labels"))
    assert rows(pipeline, "pages", "count(*)", "body_storage is not null") != {(0,)}
    assert rows(pipeline, "pages", "count(*)", "body_text is not null") == {(0,)}
    assert rows(pipeline, "labels", "content_id, label_id") == truth(server.sim)["labels"]


def test_schema_types_are_declared(server: SimulatorServer, tmp_path: Path) -> None:
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server),
                                   body_format="atlas_doc_format"))
    tables = pipeline.default_schema.tables
    assert set(pipeline.default_schema.data_table_names()) == {
        "spaces", "pages", "blog_posts", "page_versions", "labels", "footer_comments",
        "inline_comments", "attachments"}  # no nested child tables
    column_types = tables["pages"]["columns"]
    assert column_types["version_created_at"]["data_type"] == "timestamp"
    assert column_types["body_atlas_doc_format"]["data_type"] == "json"
    assert tables["inline_comments"]["columns"]["resolution_last_modified_at"][
        "data_type"] == "timestamp"
    assert [c for c, v in tables["labels"]["columns"].items() if v.get("primary_key")] == [
        "content_id", "label_id"]
    assert tables["page_versions"]["columns"]["content_id"].get("merge_key")
    adf_text = rows(pipeline, "pages", "body_text", "body_text is not null")
    assert adf_text and all('"type"' not in t and t.strip() for (t,) in adf_text)


def test_download_attachments_writes_each_version_once(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., object],
    tmp_path: Path,
) -> None:
    from confluence_source_fixtures import DownloadingConfluence, file_bytes
    from dlt_atlassian.simulator.clock import SimClock
    from dlt_atlassian.simulator.users import UserDirectory

    config = sim_config(0.1)
    product = DownloadingConfluence(config, SimClock(), UserDirectory(config))  # type: ignore[arg-type]
    server = make_simulator(config, products={"confluence": product, "jira": None})
    folder = tmp_path / "files"
    source = lambda: confluence_source(  # noqa: E731
        credentials=basic_credentials(server), download_attachments=True,
        attachments_dir=str(folder)).with_resources("attachments")
    pipeline = new_pipeline(tmp_path)
    pipeline.run(source())
    loaded = rows(pipeline, "attachments", "id, status, download_path")
    assert loaded
    for attachment_id, status, path in loaded:
        if status in ("current", "archived"):
            assert Path(path).read_bytes() == file_bytes(attachment_id)
        else:
            assert path is None
    server.sim.requests.reset()
    pipeline.run(source())
    assert not any("download" in e.endpoint for e in server.sim.requests.entries())
