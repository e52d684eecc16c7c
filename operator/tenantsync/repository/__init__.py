"""The Git repository: desired state on one branch, backup history on another, written atomically."""

from tenantsync.repository.credentials import (
    GitCredentials,
    GitSshCredentials,
    RepositoryCredentials,
    credentials_from_secret,
    repository_credentials,
)
from tenantsync.repository.errors import RepositoryError
from tenantsync.repository.git import GitAuthor
from tenantsync.repository.remote import missing_local_remote
from tenantsync.repository.tenant_repository import FolderRevision, TenantRepository, is_within

__all__ = [
    "FolderRevision",
    "GitAuthor",
    "GitCredentials",
    "GitSshCredentials",
    "RepositoryCredentials",
    "RepositoryError",
    "TenantRepository",
    "credentials_from_secret",
    "is_within",
    "missing_local_remote",
    "repository_credentials",
]
