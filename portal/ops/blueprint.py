"""The ops blueprint: probes and metrics, at the root of the site (no Dutch names: for machines)."""

from flask import Blueprint

bp = Blueprint("ops", __name__)
