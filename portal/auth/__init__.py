"""Accounts: login, sessions, password reset and activation, MFA, colleagues."""
