"""Development and test tools (provider emulator); never imported by the production app."""
