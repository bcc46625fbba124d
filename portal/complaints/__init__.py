"""Complaint registration and handling (klachtenregeling): member, public and staff pages."""
