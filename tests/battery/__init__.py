"""Cross-cutting security battery (SECURITY.md §4): inventory, IDOR, CSRF/session, headers and more."""
