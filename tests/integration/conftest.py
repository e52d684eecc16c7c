"""Fixtures of the tests against the simulator (test_*_against_simulator.py): one real simulator with the
demo seed per test module, its control API, and Graph clients signed in as the demo app through real
MSAL (tests/integration/simulator_support.py has what they are built from)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator

import pytest

from tenantsync.graph import GraphClient
from tenantsync_sim.client import SimulatorClient
from tests.integration.sim.simtest_support import SimEndpoint, running_simulator
from tests.integration.simulator_support import RecordingTransport, graph_client, service_principal_token


@pytest.fixture(scope="module")
def endpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimEndpoint]:
    """A simulator of the module's own: what one module's tests change stays out of another's."""
    state = tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])
    with running_simulator(state, "demo") as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def sim(endpoint: SimEndpoint) -> Iterator[SimulatorClient]:
    with SimulatorClient(endpoint.url, endpoint.ca) as client:
        yield client


@pytest.fixture
async def graph(endpoint: SimEndpoint) -> AsyncIterator[GraphClient]:
    token = await asyncio.to_thread(service_principal_token, endpoint)
    async with graph_client(endpoint, token) as client:
        yield client


@pytest.fixture
async def recording(endpoint: SimEndpoint) -> AsyncIterator[tuple[GraphClient, RecordingTransport]]:
    """A Graph client whose transport keeps every write's body."""
    token = await asyncio.to_thread(service_principal_token, endpoint)
    transport = RecordingTransport(ssl.create_default_context(cafile=endpoint.ca))
    async with graph_client(endpoint, token, transport) as client:
        yield client, transport
