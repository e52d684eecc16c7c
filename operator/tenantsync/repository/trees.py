"""Git's name for a folder's content, worked out without writing anything into the repository.

Most syncs back up a tenant that did not change: comparing the tree id the files would have with the
one the branch holds answers "unchanged" with one read, where building a commit to compare would add a
pack to the clone each time (and with it the repacks git runs to keep their number down).
"""

from __future__ import annotations

from dulwich.index import commit_tree
from dulwich.object_store import MemoryObjectStore
from dulwich.objects import Blob

FILE_MODE = 0o100644
"""The mode of every file the operator writes."""


def tree_id(files: dict[str, bytes]) -> str:
    """The id git gives a tree holding `files` (by path relative to it); git's empty tree for none."""
    blobs = []
    for path, content in files.items():
        blob = Blob.from_string(content)
        blobs.append((path.encode("utf-8", "surrogateescape"), blob.id, FILE_MODE))
    return commit_tree(MemoryObjectStore(), blobs).decode()
