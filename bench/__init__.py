"""Benchmarks: standalone scripts run by hand against a throw-away PostgreSQL database (see README.md)."""
