"""MLflow fixtures: a real ``mlflow server`` per session, embedded SQLite stores, UCI data.

Loaded as a plugin (``pytest_plugins = ["tests.mlflow_fixtures"]``, in the test modules that
use it or once in conftest.py), so the session fixtures exist once per session: one server,
one sweep per store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import UCI_CSV
from tests.reliability.mlflow_checks import KillableServer


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server`` on a free loopback port with a temporary SQLite backend
    and a temporary artifact folder served through the server (``--serve-artifacts``)."""
    server = KillableServer(tmp_path_factory.mktemp("mlflow-server"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server_store(mlflow_server: str):  # noqa: ANN201
    from dtwcore.runs.store import resolve_store

    return resolve_store(mlflow_server)


@pytest.fixture(scope="session")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The embedded default kind of store: SQLite file plus an artifact folder beside it."""
    from dtwcore.runs.store import Store

    root = tmp_path_factory.mktemp("mlflow-sqlite")
    return Store(f"sqlite:///{root / 'mlflow.db'}", root / "mlartifacts")


@pytest.fixture(params=["server", "sqlite"])
def store(request: pytest.FixtureRequest):  # noqa: ANN201
    """Each test using it runs against the real server and against embedded SQLite."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture(scope="session")
def uci_catalog():  # noqa: ANN201
    from dtwcore.sales import load_catalog

    return load_catalog(Path(UCI_CSV))


@pytest.fixture(scope="session")
def _sweeps() -> dict:
    return {}


@pytest.fixture
def logged_runs(store, uci_catalog, _sweeps: dict) -> dict:  # noqa: ANN001
    """The published sweep on the UCI file, logged once per store and session:
    stretch factor -> run id."""
    from dtwcore.runs.sales import sweep
    from dtwcore.sales import BLOG_TARGET, PUBLISHED_STRETCHES

    if store.tracking_uri not in _sweeps:
        ids = sweep(
            uci_catalog, BLOG_TARGET, PUBLISHED_STRETCHES, store=store, experiment="test-sweep"
        )
        _sweeps[store.tracking_uri] = dict(zip(PUBLISHED_STRETCHES, ids, strict=True))
    return _sweeps[store.tracking_uri]
