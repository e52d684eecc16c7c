"""Command-line entry points: `tenantsync` (operator, CRDs, demo) and `kubectl-tenantsync`."""
