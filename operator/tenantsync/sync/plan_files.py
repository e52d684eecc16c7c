"""The whole plan as files in the repository, reviewable like a pull request: Markdown for people,
JSON for tools. The SyncRun's status keeps a bounded summary and links here, so a plan of thousands
of changes never approaches etcd's object size limit."""

from __future__ import annotations

from tenantsync.api import ChangeAction, PlanChange
from tenantsync.catalog import serialise

STATUS_CHANGES = 50
"""How many changes the status lists; the rest are in the plan's files."""
_VERB = {ChangeAction.CREATE: "create", ChangeAction.UPDATE: "update", ChangeAction.DELETE: "delete"}


def plan_files(changes: list[PlanChange], digest: str, title: str) -> dict[str, bytes]:
    """`plan.md` and `plan.json` for one run's plan."""
    lines = [
        f"# {title}",
        "",
        f"Digest: `{digest}`",
        "",
        f"{len(changes)} change{'s' * (len(changes) != 1)}.",
        "",
    ]
    for change in changes:
        name = f" ({change.displayName})" if change.displayName else ""
        lines += [f"## {_VERB[change.action]} {change.type}/{change.id}{name}", "", "```diff"]
        for value in change.values:
            if value.old is not None:
                lines.append(f"- {value.path}: {value.old}")
            if value.new is not None:
                lines.append(f"+ {value.path}: {value.new}")
        lines += ["```", ""]
    document = {"digest": digest, "changes": [c.model_dump(mode="json", exclude_none=True) for c in changes]}
    return {"plan.md": "\n".join(lines).encode(), "plan.json": serialise(document)}
