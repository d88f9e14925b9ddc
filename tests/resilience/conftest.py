"""Resilience fixtures: the small bundle on PostgreSQL, reached through a TCP proxy."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from data_access.engine import make_engine
from data_access.importing import import_bundle
from data_access.schema import Base
from tests.browser.conftest import make_app, open_app, pytest_setup_options  # noqa: F401
from tests.conftest import SMALL_BUNDLE
from tests.resilience.tcp_proxy import TcpProxy


def drop_trial_tables(url: str) -> None:
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def pg_small(postgres_url):
    """The session's PostgreSQL database holding the small bundle (version 1)."""
    engine = make_engine(postgres_url)
    import_bundle(engine, SMALL_BUNDLE)
    engine.dispose()
    yield postgres_url
    drop_trial_tables(postgres_url)


@pytest.fixture
def proxy(postgres_url):
    """A TCP proxy in front of the session's PostgreSQL server."""
    url = make_url(postgres_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


def through(proxy: TcpProxy, url: str) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)
