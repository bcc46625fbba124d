"""Beheer > E-mail: the mail outbox as staff see it (the delivery engine is portal.core.outbox)."""
