"""v1 CQL search over real HTTP: lastmodified filters, paging, time zones, errors, spec."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from confluence_sim_fixtures import client, scoped_accounts, validate
from conftest import build_sim_config
from dlt_atlassian.simulator.server import SimulatorServer

SEARCH = "/wiki/rest/api/search"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    config = build_sim_config(1.0, accounts=scoped_accounts())
    config.data.confluence_pages = 60
    config.data.blog_posts = 15
    with SimulatorServer(config) as srv:
        yield srv


@pytest.fixture(scope="module", params=["site", "gateway"])
def http(request: pytest.FixtureRequest, server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server, request.param) as c:
        yield c


def searchable(server: SimulatorServer) -> list[dict]:
    sim = server.sim.confluence
    live_spaces = {s["id"] for s in sim.all_spaces() if s["status"] == "current"}
    return [c for c in sim.all_content(statuses=["current"]) if c["spaceId"] in live_spaces]


def modified(row: dict) -> datetime:
    return datetime.fromisoformat(row["version"]["createdAt"])


def search_all(http: httpx.Client, cql: str, limit: int = 7) -> list[dict]:
    out: list[dict] = []
    resp = http.get(SEARCH, params={"cql": cql, "limit": limit})
    seen = set()
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        validate("v1:/wiki/rest/api/search", body)
        assert body["size"] == len(body["results"]) <= limit
        assert body["_links"]["base"].endswith("/wiki") and body["_links"]["context"] == "/wiki"
        out.extend(body["results"])
        nxt = body["_links"].get("next")
        if not nxt:
            return out
        assert nxt.startswith("/rest/api/search?") and nxt not in seen
        seen.add(nxt)
        resp = http.get("/wiki" + nxt)  # v1 links are relative to _links.base (…/wiki)


def test_lastmodified_literal_matches_truth(server: SimulatorServer, http: httpx.Client) -> None:
    rows = searchable(server)
    cutoff = sorted(modified(r) for r in rows)[len(rows) // 2].replace(second=0, microsecond=0)
    literal = cutoff.strftime("%Y-%m-%d %H:%M")
    got = search_all(http, f'type in (page, blogpost) AND lastmodified >= "{literal}" '
                           "order by lastmodified")
    want = {r["id"] for r in rows if modified(r) >= cutoff}
    assert [r["content"]["id"] for r in got if r["content"]["id"] in want] == [
        r["content"]["id"] for r in got]
    assert {r["content"]["id"] for r in got} == want
    stamps = [r["lastModified"] for r in got]
    assert stamps == sorted(stamps)
    assert all(r["content"]["type"] in ("page", "blogpost") for r in got)


def test_type_space_and_order_desc(server: SimulatorServer, http: httpx.Client) -> None:
    sim = server.sim.confluence
    space = next(s for s in sim.all_spaces() if s["status"] == "current")
    got = search_all(http, f"type = page and space = {space['key']} order by lastmodified desc")
    want = {r["id"] for r in searchable(server)
            if r["spaceId"] == space["id"] and "parentType" in r}
    assert {r["content"]["id"] for r in got} == want
    stamps = [r["lastModified"] for r in got]
    assert stamps == sorted(stamps, reverse=True)
    first = http.get(SEARCH, params={"cql": "type = blogpost", "limit": 3}).json()
    assert first["totalSize"] == sum(1 for r in searchable(server) if "parentType" not in r)


def test_start_offset_and_expand(server: SimulatorServer, http: httpx.Client) -> None:
    cql = "type = page order by created"
    full = [r["content"]["id"] for r in search_all(http, cql, limit=250)]
    part = http.get(SEARCH, params={"cql": cql, "start": 5, "limit": 4,
                                    "expand": "content.version,content.space"}).json()
    assert [r["content"]["id"] for r in part["results"]] == full[5:9]
    assert part["start"] == 5 and "start=9" in part["_links"]["next"]
    back = http.get("/wiki" + part["_links"]["prev"]).json()
    assert [r["content"]["id"] for r in back["results"]] == full[1:5]
    creator = part["results"][0]["content"]["version"]["by"]["accountId"]
    assert creator
    content = part["results"][0]["content"]
    assert content["version"]["number"] >= 1 and content["space"]["key"]
    validate("v1:/wiki/rest/api/search", part)


def test_now_function_sees_fresh_edits(fresh_simulator: SimulatorServer) -> None:
    sim = fresh_simulator.sim.confluence
    page = sim.all_pages(["current"])[-1]
    with client(fresh_simulator, "site") as http:
        before = http.get(SEARCH, params={"cql": 'lastmodified > now("-1d")'}).json()
        assert before["totalSize"] == 0  # generated history ended long ago
        fresh_simulator.sim.confluence.edit(page["id"], body="<p>changed</p>")
        after = http.get(SEARCH, params={"cql": 'type=page and lastmodified > now("-1d")'})
        assert [r["content"]["id"] for r in after.json()["results"]] == [page["id"]]
        fresh_simulator.sim.advance_clock(2 * 86400)
        later = http.get(SEARCH, params={"cql": 'lastmodified > now("-1d")'}).json()
        assert later["totalSize"] == 0


def test_dates_are_read_in_the_user_time_zone(fresh_simulator: SimulatorServer) -> None:
    sim = fresh_simulator.sim
    admin = sim.users.admin
    page = sim.confluence.all_pages(["current"])[0]
    when = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    sim.clock.set(when)
    sim.confluence.edit(page["id"])
    tokyo = when.astimezone(ZoneInfo("Asia/Tokyo"))  # 21:00 local
    literal = (tokyo - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    cql = f'lastmodified >= "{literal}"'
    with client(fresh_simulator, "site") as http:
        utc_hits = http.get(SEARCH, params={"cql": cql}).json()["totalSize"]
        sim.users.set_time_zone(admin.account_id, "Asia/Tokyo")
        tokyo_hits = http.get(SEARCH, params={"cql": cql}).json()["totalSize"]
    assert utc_hits == 0 and tokyo_hits == 1


def test_creator_contributor_and_space_type(server: SimulatorServer, http: httpx.Client) -> None:
    rows = searchable(server)
    author = rows[0]["authorId"]
    got = search_all(http, f"creator = {author}", limit=50)
    assert {r["content"]["id"] for r in got} == {r["id"] for r in rows if r["authorId"] == author}
    personal = search_all(http, "space.type = personal", limit=50)
    spaces = {s["id"]: s for s in server.sim.confluence.all_spaces()}
    assert {r["content"]["id"] for r in personal} == {
        r["id"] for r in rows if spaces[r["spaceId"]]["type"] == "personal"}
    editors = search_all(http, f'contributor = "{author}" and not creator = {author}', limit=50)
    sim = server.sim.confluence
    want = {r["id"] for r in rows if r["authorId"] != author
            and author in {v["authorId"] for v in sim.versions_of(r["id"])}}
    assert {r["content"]["id"] for r in editors} == want


@pytest.mark.parametrize("cql", ["creator.fullname = bob", "type = page and", "lastmodified ~ x",
                                 'lastmodified > startOfWeek()', "(type = page", ""])
def test_unsupported_cql_is_a_v1_400(http: httpx.Client, cql: str) -> None:
    resp = http.get(SEARCH, params={"cql": cql})
    assert resp.status_code == 400
    body = resp.json()
    assert body["statusCode"] == 400 and "message" in body and "data" in body
