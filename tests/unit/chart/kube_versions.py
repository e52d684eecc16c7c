"""The Kubernetes minors the chart supports and the admission APIs each serves (hack/chart-kube-versions).

One file for `make chart` (hack/lint-chart) and the chart tests, so both render for the same versions.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.unit.chart.chart_support import ROOT

VERSIONS_FILE = ROOT / "hack" / "chart-kube-versions"


@dataclass(frozen=True)
class KubeMinor:
    minor: str
    api_versions: tuple[str, ...]

    @property
    def kube_version(self) -> str:
        return f"{self.minor}.0"

    def helm_args(self) -> list[str]:
        """`helm template` / `helm lint` arguments that render as this minor's cluster would."""
        return [
            "--kube-version",
            self.kube_version,
            *(a for v in self.api_versions for a in ("--api-versions", v)),
        ]

    def serves(self, kind: str) -> str | None:
        """The group/version under which this minor serves `kind` (as the chart looks for it), if any."""
        for api in self.api_versions:
            group_version, _, served_kind = api.rpartition("/")
            if served_kind == kind:
                return group_version
        return None


def supported_minors() -> list[KubeMinor]:
    minors = []
    for line in VERSIONS_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            minor, *apis = line.split()
            minors.append(KubeMinor(minor, tuple(apis)))
    return minors
