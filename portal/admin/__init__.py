"""The admin pages under /beheer: staff accounts, app-wide settings, specialisms, the audit log."""
