"""Demo data for development: `flask demo seed` and `flask demo totp`."""
