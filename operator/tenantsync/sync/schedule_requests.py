"""Writing a type through request documents (``ScheduleRequests`` in the catalogue), as PIM requires.

Graph never creates, changes or deletes an eligible or active role assignment at the path it is read
from: a request is POSTed to the type's request collection, naming the schedule's principal, role and
scope, its ``scheduleInfo`` and an action (``adminAssign``, ``adminUpdate``, ``adminRemove``). So the
deploy's create, update and delete of such a type each send one request, and a create learns the new
schedule's id from the request's ``targetScheduleId``.
"""

from __future__ import annotations

from typing import Any

from tenantsync.catalog import ConfigurationType, RequestAction, without_withheld
from tenantsync.graph import GraphClient

JsonObject = dict[str, Any]


async def submit(
    graph: GraphClient, entry: ConfigurationType, action: RequestAction, document: JsonObject
) -> str:
    """POST one request for ``document`` and return the id of the schedule it targets.

    An assignment or update sends the schedule's writable fields; a removal only names the schedule by
    its identity (principal, role, scope), which is all Graph takes for ``adminRemove``.
    """
    requests = entry.requests
    assert requests is not None, f"{entry.name} is not written through requests"
    if action == RequestAction.REMOVE:
        fields = {name: document[name] for name in requests.identity if name in document}
    else:
        fields = {k: v for k, v in document.items() if k not in entry.read_only_fields}
    body = {
        **without_withheld(fields),
        "action": str(action),
        "justification": requests.justification,
    }
    answered = await graph.create(requests.path, body, version=entry.api_version)
    return str(answered.get("targetScheduleId") or document.get(entry.key_field) or "")
