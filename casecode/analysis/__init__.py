"""Analyses that read the tidy segments table (never re-running matching)."""
