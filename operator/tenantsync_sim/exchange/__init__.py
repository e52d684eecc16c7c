"""The Exchange admin API (``/adminapi/beta/{tenant}/InvokeCommand``) for Exchange Online and Purview."""
