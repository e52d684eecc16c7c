"""Command-line entry points: `tenantsync` (operator, CRDs, demo) and `kubectl-tenantsync`."""

__all__: list[str] = []
"""The entry points are named by module in pyproject.toml; nothing here is for import."""
