"""The Git repository: desired state on one branch, backup history on another, written atomically."""

from tenantsync.repository.git import GitAuthor, GitCredentials
from tenantsync.repository.tenant_repository import RepositoryError, TenantRepository

__all__ = ["GitAuthor", "GitCredentials", "RepositoryError", "TenantRepository"]
