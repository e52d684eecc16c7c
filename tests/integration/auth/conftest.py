"""The simulator fixtures of tests/integration/sim, for the sign-in layer's own tests."""

from tests.integration.sim.conftest import sim, sim_endpoint, tenant

__all__ = ["sim", "sim_endpoint", "tenant"]
