"""Shipped reference data (Dutch places with coordinates and PC4 ranges)."""
