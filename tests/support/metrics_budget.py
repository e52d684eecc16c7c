"""The series budget per Tenant that docs/metrics.md documents, and what a /metrics text costs a Tenant.

The documentation is the contract (SPEC §4: "Each metric family has a documented series budget per
Tenant"), so tests read the budget from its table rather than from a copy of it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

METRICS_DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
TENANT_SERIES_LIMIT = 25
"""SPEC §4: at most this many series per Tenant by default."""

_ROW = re.compile(r"^\| `(?P<family>tenantsync_\w+)` \| (?P<default>\d+) \| (?P<detail>\d+) \|", re.MULTILINE)
_TOTAL = re.compile(
    r"^\| \*\*total\*\* \| \*\*(?P<default>\d+)\*\* \| \*\*(?P<detail>\d+)\*\* \|", re.MULTILINE
)


@dataclass(frozen=True)
class SeriesBudget:
    default: dict[str, int]
    """Family -> series per Tenant with the default flags."""
    per_type_detail: dict[str, int]
    """Family -> series per Tenant with --metrics-per-type."""
    total_default: int
    total_per_type_detail: int

    def of(self, *, per_type_detail: bool) -> dict[str, int]:
        return self.per_type_detail if per_type_detail else self.default


def documented_budget() -> SeriesBudget:
    """The table under "## Series per Tenant" in docs/metrics.md."""
    text = METRICS_DOC.read_text()
    section = text.split("## Series per Tenant\n", 1)[1].split("\n## ", 1)[0]
    rows = list(_ROW.finditer(section))
    total = _TOTAL.search(section)
    assert rows and total, "docs/metrics.md: no budget table under '## Series per Tenant'"
    return SeriesBudget(
        default={row["family"]: int(row["default"]) for row in rows},
        per_type_detail={row["family"]: int(row["detail"]) for row in rows},
        total_default=int(total["default"]),
        total_per_type_detail=int(total["detail"]),
    )


def series_per_tenant(exposition: str, namespace: str, tenant: str) -> Counter[str]:
    """Series of one Tenant in a /metrics text, by sample name (a counter's ends in _total): every series
    that carries the Tenant's namespace and tenant labels."""
    counts: Counter[str] = Counter()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.labels.get("namespace") == namespace and sample.labels.get("tenant") == tenant:
                counts[sample.name] += 1
    return counts


def over_budget(counts: Counter[str], budget: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Family -> (series, budget) for each family above its budget; a family the table lacks has none."""
    return {
        name: (count, budget.get(name, 0)) for name, count in counts.items() if count > budget.get(name, 0)
    }
