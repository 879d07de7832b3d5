"""Deterministic generator of realistic kpimon sample data (tickets, ACE files, inventories).

`bench/generate.py` is its command line; `tickets`, `ace`, `inventory` and `demo` hold the
models and writers, `timebase` the time zone, holiday and office-clock helpers.
"""
