"""The Exchange admin API's error bodies, as captured from the service.

A failing cmdlet answers ``{"error": {"code": "NotFound", "message": "Error executing cmdlet",
"details": [{"code": "Client", "target": "", "message": "Ex6F9304|<exception type>|<text>"}],
"innererror": {"message": "Error executing cmdlet", "type": "...ODataServiceException",
"internalexception": {...DirectInvokeCmdletExecutionException}}, "@adminapi.warnings": []}}``: the
shape of a Remove-Mailbox failure printed by the EXO v3 module (the ``Ex6F9304`` id is the service's for
ManagementObjectNotFoundException; other ids here are stable labels). Callers read ``details[0].message``
(CIPP's New-ExoRequest does). Role failures answer what public reports show (401 "User is not allowed to
call <cmdlet>"; "The role assigned to application ... isn't supported in this scenario"); the statuses
of the anchor and missing-permission failures are assumed (docs/simulator.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

NOT_FOUND = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
ALREADY_EXISTS = "Microsoft.Exchange.Management.Tasks.ManagementObjectAlreadyExistsException"
INVALID_OPERATION = "Microsoft.Exchange.Configuration.Tasks.TaskInvalidOperationException"
PARAMETER_BINDING = "System.Management.Automation.ParameterBindingException"
COMMAND_NOT_FOUND = "System.Management.Automation.CommandNotFoundException"
ANCHOR = "Microsoft.Exchange.Configuration.Tasks.InvalidAnchorMailboxException"
OUT_OF_RANGE = "System.ArgumentOutOfRangeException"
ODATA_SERVICE = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
DIRECT_INVOKE = "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException"
EXECUTING = "Error executing cmdlet"
SERVER = "EURPR01A001DC001.EURPR01A001.PROD.OUTLOOK.COM"
_EX_IDS = {NOT_FOUND: "Ex6F9304"}


@dataclass
class ExchangeError(Exception):
    status: int
    code: str
    exception: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        ex_id = (
            _EX_IDS.get(self.exception)
            or "Ex" + hashlib.sha1(self.exception.encode()).hexdigest()[:6].upper()
        )
        return {
            "error": {
                "code": self.code,
                "message": EXECUTING,
                "details": [
                    {"code": "Client", "target": "", "message": f"{ex_id}|{self.exception}|{self.text}"}
                ],
                "innererror": {
                    "message": EXECUTING,
                    "type": ODATA_SERVICE,
                    "internalexception": {
                        "message": f"Exception of type '{DIRECT_INVOKE}' was thrown.",
                        "type": DIRECT_INVOKE,
                    },
                },
                "adminapi.warnings@odata.type": "#Collection(String)",
                "@adminapi.warnings": [],
            }
        }

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=self.headers)


def bad_request(exception: str, text: str) -> ExchangeError:
    return ExchangeError(400, "BadRequest", exception, text)


def not_found(identity: str) -> ExchangeError:
    return ExchangeError(
        404,
        "NotFound",
        NOT_FOUND,
        f"The operation couldn't be performed because object '{identity}' couldn't be found on '{SERVER}'.",
    )


def unknown_cmdlet(name: str) -> ExchangeError:
    return bad_request(
        COMMAND_NOT_FOUND,
        f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable "
        "program. Check the spelling of the name, or if a path was included, verify that the path is "
        "correct and try again.",
    )


def unknown_parameter(name: str) -> ExchangeError:
    return bad_request(
        PARAMETER_BINDING, f"A parameter cannot be found that matches parameter name '{name}'."
    )


def missing_parameter(cmdlet: str, name: str) -> ExchangeError:
    return bad_request(
        PARAMETER_BINDING,
        f"Cannot process command because of one or more missing mandatory parameters: {name}. ({cmdlet})",
    )


def unauthorized(message: str) -> web.Response:
    """A token the service does not accept: 401 with a challenge, as for Graph."""
    return web.json_response(
        {"error": {"code": "UnAuthorized", "message": message}},
        status=401,
        headers={
            "WWW-Authenticate": 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
            'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
            'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"'
        },
    )


def not_allowed(message: str) -> web.Response:
    """The service's answer when the caller's roles do not reach a cmdlet (or no role is supported):
    401 ``Unauthorized`` with an ``ODataServiceException`` (as reported in MicrosoftDocs/office-docs-powershell#7970)."""
    return web.json_response(
        {
            "error": {
                "code": "Unauthorized",
                "message": message,
                "innererror": {"message": message, "type": ODATA_SERVICE},
            }
        },
        status=401,
    )


def throttled(retry_after: int) -> ExchangeError:
    return ExchangeError(
        429,
        "TooManyRequests",
        "Microsoft.Exchange.Configuration.Core.MicroDelayException",
        f"The request was throttled. Please retry after {retry_after} seconds.",
        {"Retry-After": str(retry_after)},
    )


def injected(status: int) -> ExchangeError:
    """What the fault injector answers on this API instead of the service."""
    codes = {429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable"}
    return ExchangeError(
        status,
        codes.get(status, "InternalServerError"),
        "Microsoft.Exchange.Data.Storage.TransientException",
        "Injected fault.",
    )
