"""Paging, $select and $filter as Graph reads them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tenantsync_sim.graph.errors import GraphError
from tenantsync_sim.graph.odata import compile_filter, decode_skiptoken, encode_skiptoken, paginate, select

ITEMS = [
    {"id": str(i), "displayName": f"Policy {i:02d}", "state": "enabled" if i % 2 else "disabled"}
    for i in range(12)
]
URL = "https://sim:1/v1.0/identity/conditionalAccess/policies"


def test_pages_cover_everything_once_with_absolute_next_links() -> None:
    seen: list[str] = []
    query: dict[str, str] = {"$top": "5", "$select": "displayName"}
    links = 0
    while True:
        page = paginate(ITEMS, query, page_size=100, url=URL)
        seen += [item["id"] for item in page.items]
        if page.next_link is None:
            break
        links += 1
        assert page.next_link.startswith(URL + "?")
        parsed = parse_qs(urlsplit(page.next_link).query)
        assert parsed["$select"] == ["displayName"] and parsed["$top"] == ["5"]
        query = {k: v[0] for k, v in parsed.items()}
    assert seen == [item["id"] for item in ITEMS]
    assert links == 2


def test_default_page_size_applies_without_top() -> None:
    page = paginate(ITEMS, {}, page_size=10, url=URL)
    assert len(page.items) == 10 and page.next_link


@pytest.mark.parametrize("top", ["0", "1000", "x"])
def test_bad_top_is_400(top: str) -> None:
    with pytest.raises(GraphError) as raised:
        paginate(ITEMS, {"$top": top}, page_size=10, url=URL)
    assert raised.value.status == 400


def test_skiptoken_round_trip_and_garbage() -> None:
    assert decode_skiptoken(encode_skiptoken(42)) == 42
    with pytest.raises(GraphError):
        decode_skiptoken("not-a-token")


def test_select_keeps_id_and_type() -> None:
    item = {"id": "1", "@odata.type": "#x", "displayName": "a", "state": "on"}
    assert select(item, ["state"]) == {"id": "1", "@odata.type": "#x", "state": "on"}
    assert select(item, None) is item


def test_filter_eq_ne_startswith_and_nested() -> None:
    items = [
        {"a": "x", "n": 1, "b": True, "c": {"d": "y"}},
        {"a": "o'k", "n": 2, "b": False, "c": {"d": "z"}},
    ]
    assert [i["n"] for i in items if compile_filter("a eq 'o''k'")(i)] == [2]
    assert [i["n"] for i in items if compile_filter("n ne 1 and b eq false")(i)] == [2]
    assert [i["n"] for i in items if compile_filter("startswith(a,'X')")(i)] == [1]
    assert [i["n"] for i in items if compile_filter("c/d eq 'z'")(i)] == [2]


@pytest.mark.parametrize(
    "expression",
    ["substringof('a',displayName)", "a eq", "(a eq 'x'", "a eq 'x' xor b eq true", "a like 'x'"],
)
def test_unsupported_or_malformed_filter_is_400(expression: str) -> None:
    with pytest.raises(GraphError) as raised:
        compile_filter(expression)
    assert raised.value.status == 400


def test_select_is_case_insensitive_and_keeps_the_property_spelling() -> None:
    item = {"id": "1", "displayName": "a", "settingInstance": {"v": 1}, "description": None}
    assert select(item, ["displayname", "SETTINGINSTANCE"]) == {
        "id": "1",
        "displayName": "a",
        "settingInstance": {"v": 1},
    }


APPS: list[dict[str, Any]] = [
    {"@odata.type": "#microsoft.graph.iosStoreApp", "n": 1, "isAssigned": False},
    {"@odata.type": "#microsoft.graph.managedIOSStoreApp", "n": 2, "appAvailability": "global"},
    {"@odata.type": "#microsoft.graph.managedAndroidLobApp", "n": 3, "appAvailability": "lineOfBusiness"},
    {
        "@odata.type": "#microsoft.graph.managedIOSStoreApp",
        "n": 4,
        "appAvailability": "global",
        "isAssigned": True,
    },
]


def _matching(expression: str) -> list[int]:
    keep = compile_filter(expression)
    return [app["n"] for app in APPS if keep(app)]


def test_type_cast_is_null_for_other_types_and_or_binds_looser_than_and() -> None:
    # IntuneCD's Applications listing: apps that are not managed apps, line-of-business apps, assigned apps.
    assert _matching(
        "(microsoft.graph.managedApp/appAvailability) eq null or "
        "(microsoft.graph.managedApp/appAvailability) eq 'lineOfBusiness' or isAssigned eq true"
    ) == [1, 3, 4]
    assert _matching("n eq 1 or n eq 2 and isAssigned eq true") == [1]
    assert _matching("(n eq 1 or n eq 2) and not (n eq 1)") == [2]


def test_isof_follows_the_type_hierarchy() -> None:
    assert _matching("isof('microsoft.graph.managedApp')") == [2, 3, 4]
    assert _matching("isof('microsoft.graph.managedMobileLobApp')") == [3]
    assert _matching("isof('microsoft.graph.mobileApp') and n gt 2") == [3, 4]
    assert _matching("contains(appAvailability,'OF') or endswith(@odata.type,'storeapp') and n le 1") == [
        1,
        3,
    ]
