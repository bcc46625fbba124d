"""Ledenzoeker: the public member directory with scores (blueprint `directory`).

Other features keep the precomputed public rows current by calling
`portal.directory.entries.refresh_entry(company_id)` after a company edit, an import or a review
sync, or `refresh_all()` after bulk changes (see entries.py).
"""
