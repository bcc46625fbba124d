"""Shared building blocks: database helpers, security, htmx rendering, audit log, mail outbox."""
