"""Microsoft Graph v1.0 and beta, for the configuration types tenantsync manages."""
