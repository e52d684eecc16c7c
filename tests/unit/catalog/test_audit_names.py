"""Each watched type's audit name is the one the simulator's audit records give its objects, and every
Graph type the application reads is watched (the admin API's types are in no Graph audit log, and the types
that need a signed-in user are read by the scheduled sync only)."""

from __future__ import annotations

from tenantsync.api import ResourceType
from tenantsync.catalog import AuditSource, Service, audit_names, catalog, drift_permission_needs, named_type
from tenantsync.catalog.audit_names import UNIFIED_AUDIT_LOG_ONLY
from tenantsync_sim.exchange.admin_audit import RECORD_TYPES
from tenantsync_sim.exchange.schema import types as exchange_types
from tenantsync_sim.graph.audit_trail import source_of
from tenantsync_sim.graph.resources import RESOURCES


def test_every_graph_type_is_watched_under_the_simulators_model_name() -> None:
    by_path = {resource.path.lower(): resource for resource in RESOURCES}
    for name, entry in catalog().items():
        if entry.requires_user or entry.service == Service.TCM or name in UNIFIED_AUDIT_LOG_ONLY:
            # Teams policies are compared snapshot to snapshot: no audit log names them; what needs a
            # signed-in user is read by the scheduled sync only (the watch's reads are the application's)
            assert name not in audit_names(), f"{name} is in no audit log the watch reads"
            continue
        if entry.cmdlets is not None:
            continue
        resource = by_path[entry.path.lower()]
        declared = audit_names().get(name)
        assert declared is not None, (
            f"{name}: declare in catalog/audit_names.py which audit log records it and under which model"
            f" name ({resource.entity.rsplit('.', 1)[-1]}), or drift in it goes unseen"
        )
        assert declared.model == resource.entity.rsplit(".", 1)[-1], name
        assert declared.source == (
            AuditSource.INTUNE if source_of(resource) == "intune" else AuditSource.DIRECTORY
        ), name


def test_an_activity_names_a_type_in_words_and_only_among_the_tenants_types() -> None:
    everything = list(ResourceType)
    assert named_type(AuditSource.DIRECTORY, "conditional access policy", everything) == (
        ResourceType.CONDITIONAL_ACCESS_POLICIES
    )
    assert (
        named_type(AuditSource.INTUNE, "DeviceConfiguration", everything)
        == ResourceType.DEVICE_CONFIGURATIONS
    )
    assert named_type(AuditSource.INTUNE, "conditional access policy", everything) is None
    assert named_type(AuditSource.DIRECTORY, "user", everything) is None
    assert named_type(AuditSource.DIRECTORY, "named location", [ResourceType.DEVICE_CONFIGURATIONS]) is None


def test_drift_needs_one_read_permission_per_audit_log() -> None:
    needs = drift_permission_needs([ResourceType.NAMED_LOCATIONS, ResourceType.DEVICE_CONFIGURATIONS])
    assert needs == {
        "AuditLog.Read.All": (ResourceType.NAMED_LOCATIONS,),
        "DeviceManagementApps.Read.All": (ResourceType.DEVICE_CONFIGURATIONS,),
    }
    assert drift_permission_needs([ResourceType.B2B_POLICY]) == {}


def test_every_exchange_type_is_watched_by_its_cmdlet_noun_in_its_endpoints_record_type() -> None:
    cmdlet_types = [entry for entry in catalog().values() if entry.cmdlets is not None]
    sim_types = {t.key: t for t in exchange_types().values()}
    for entry in cmdlet_types:
        declared = audit_names()[entry.name]
        assert entry.cmdlets is not None
        assert declared.model == entry.cmdlets.noun == sim_types[entry.name].noun, entry.name
        service = sim_types[entry.name].service
        assert declared.source.value == RECORD_TYPES[service][0], entry.name
    assert named_type(AuditSource.EXCHANGE_ADMIN, "TransportRule", list(ResourceType)) == (
        ResourceType.TRANSPORT_RULE
    )
    assert named_type(AuditSource.COMPLIANCE_ADMIN, "TransportRule", list(ResourceType)) is None
    assert drift_permission_needs([ResourceType.TRANSPORT_RULE]) == {
        "Exchange.ManageAsApp": (ResourceType.TRANSPORT_RULE,),
        "Entra role: Security Reader or Security Administrator or Compliance Administrator or Exchange"
        " Administrator or Global Administrator": (ResourceType.TRANSPORT_RULE,),
    }
