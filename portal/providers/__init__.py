"""Review-provider API clients without Flask or the database: transport, parsing, errors.

Klantenvertellen/Kiyoh (publication API and the older review feed) and Feedback Company v2.
Callers hand in settings objects (see `portal.providers.config`); `portal.reviews` links,
stores and syncs, and reads its settings from the app.
"""
