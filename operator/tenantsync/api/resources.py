"""The names of the configuration types a Tenant may list in `spec.resources` (SPEC §3)."""

from __future__ import annotations

from enum import StrEnum


class ResourceType(StrEnum):
    CONDITIONAL_ACCESS_POLICIES = "conditionalAccessPolicies"
    NAMED_LOCATIONS = "namedLocations"
    AUTHENTICATION_METHODS_POLICY = "authenticationMethodsPolicy"
    AUTHENTICATION_STRENGTH_POLICIES = "authenticationStrengthPolicies"
    AUTHORIZATION_POLICY = "authorizationPolicy"
    CROSS_TENANT_ACCESS_POLICY = "crossTenantAccessPolicy"
    SECURITY_DEFAULTS = "securityDefaults"
    DEVICE_CONFIGURATIONS = "deviceConfigurations"
    DEVICE_COMPLIANCE_POLICIES = "deviceCompliancePolicies"
    SETTINGS_CATALOG_POLICIES = "settingsCatalogPolicies"
    PASSWORD_RESET_POLICY = "passwordResetPolicy"
    B2B_POLICY = "b2bPolicy"
    ENTERPRISE_STATE_ROAMING = "enterpriseStateRoaming"
