"""A bare DRF project doing the minimal work of each measured path: the baseline of `bench/http_suite.py`."""
