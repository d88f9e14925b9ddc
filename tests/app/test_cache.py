"""Computed results are cached per data version in the cache all workers share."""

from __future__ import annotations

import uuid

import dash
import pytest
import redis

from analysis.enrollment import enrollment_summary
from dashboard.app import create_app
from data_access.engine import make_engine
from data_access.importing import import_bundle
from tests.conftest import SMALL_BUNDLE, app_config

REDIS_URL = "redis://127.0.0.1:6379/15"


def counting(calls):
    def compute(tables, data_cut):
        calls.append(data_cut)
        return enrollment_summary(tables, data_cut)

    return compute


def store_of(tmp_path, sqlite_url, **overrides):
    dash.page_registry.clear()
    app = create_app(app_config(tmp_path, sqlite_url, **overrides))
    return app.server.extensions["mtsa_store"]


@pytest.fixture
def loaded(sqlite_url):
    import_bundle(make_engine(sqlite_url), SMALL_BUNDLE)
    return sqlite_url


def test_cache001_second_worker_reuses_the_first_workers_result(tmp_path, loaded):
    first, second = store_of(tmp_path, loaded), store_of(tmp_path, loaded)
    calls = []
    assert first.result("t", 1, counting(calls)).enrolled == 6
    assert second.result("t", 1, counting(calls)).enrolled == 6
    assert len(calls) == 1  # computed once, read back by the other "worker"


def test_cache002_a_new_version_is_computed_afresh(tmp_path, loaded):
    store = store_of(tmp_path, loaded)
    calls = []
    store.result("t", 1, counting(calls))
    import_bundle(make_engine(loaded), SMALL_BUNDLE)
    store.result("t", 2, counting(calls))
    assert len(calls) == 2


def test_cache003_redis_is_used_when_configured(tmp_path, loaded):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis must run on 127.0.0.1:6379 (the machine starts it)")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    store = store_of(tmp_path, loaded, cache_redis_url=REDIS_URL)
    store.result(prefix, 1, counting([]))
    keys = client.keys(f"*{prefix}*")
    try:
        assert keys, "the result should be stored in Redis"
    finally:
        if keys:
            client.delete(*keys)


def test_cache004_a_result_read_again_is_not_unpickled_again(tmp_path, loaded, monkeypatch):
    store = store_of(tmp_path, loaded)
    store.result("t", 1, counting([]))
    second = store_of(tmp_path, loaded)  # another worker: the result is in the shared cache
    reads = []
    get = second.cache.get
    monkeypatch.setattr(second.cache, "get", lambda key: reads.append(key) or get(key))
    first_read = second.result("t", 1, counting([]))
    assert second.result("t", 1, counting([])) is first_read
    assert len(reads) == 1  # the page's other callbacks get the object kept in the worker


def test_cache005_the_worker_keeps_a_bounded_number_of_results(tmp_path, loaded, monkeypatch):
    from dashboard import store as store_module

    monkeypatch.setattr(store_module, "MEMO_ENTRIES", 2)
    store = store_of(tmp_path, loaded)
    calls = []
    for name in ("a", "b", "c"):
        store.result(name, 1, counting(calls))
    store.cache.clear()  # only the worker's own copies are left
    store.result("c", 1, counting(calls))
    store.result("b", 1, counting(calls))
    assert len(calls) == 3  # "b" and "c" were kept
    store.result("a", 1, counting(calls))
    assert len(calls) == 4  # "a", the oldest, was dropped


def test_cache006_a_drawn_value_is_made_once_per_version_site_and_options(tmp_path, loaded):
    first, second = store_of(tmp_path, loaded), store_of(tmp_path, loaded)
    made = []

    def make(label):
        return lambda: made.append(label) or f"figure {label}"

    assert first.derived("fig", 1, make("a"), patient="P1") == "figure a"
    assert second.derived("fig", 1, make("b"), patient="P1") == "figure a"  # other worker
    assert second.derived("fig", 1, make("c"), patient="P2") == "figure c"  # other option
    assert second.derived("fig", 1, make("d"), site="LYS", patient="P1") == "figure d"
    assert second.derived("fig", 2, make("e"), patient="P1") == "figure e"  # new version
    assert made == ["a", "c", "d", "e"]
