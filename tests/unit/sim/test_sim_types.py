"""The simulator's table of derived Graph types agrees with Microsoft's beta models."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tenantsync_sim.graph.types import PARENTS, is_of

_MODELS = {
    module.name.replace("_", ""): module.name
    for module in pkgutil.iter_modules(importlib.import_module("msgraph_beta.generated.models").__path__)
}


def _model(name: str) -> type:
    """The model class of a Graph type (``managedIOSLobApp`` lives in ``managed_i_o_s_lob_app``)."""
    loaded = importlib.import_module(f"msgraph_beta.generated.models.{_MODELS[name.lower()]}")
    cls: type = getattr(loaded, name[0].upper() + name[1:])
    return cls


@pytest.mark.parametrize(("child", "parent"), sorted(PARENTS.items()))
def test_each_parent_is_the_models_direct_base(child: str, parent: str) -> None:
    assert _model(parent) in _model(child).__bases__


def test_is_of_walks_up_and_never_down() -> None:
    assert is_of("#microsoft.graph.managedIOSLobApp", "microsoft.graph.mobileApp")
    assert is_of("#microsoft.graph.managedIOSLobApp", "microsoft.graph.managedMobileLobApp")
    assert not is_of("#microsoft.graph.managedApp", "microsoft.graph.managedIOSLobApp")
    assert not is_of("#microsoft.graph.deviceCategory", "microsoft.graph.mobileApp")
    assert is_of("#microsoft.graph.deviceCategory", "microsoft.graph.deviceCategory")
