"""Parity: fingerprints of environments, run records, rules and reports.

A fingerprint (``fingerprint.py``) describes an environment as JSON; a run record
(``records.py``) pairs one with a command and its exit status; a staging reference
(``reference.py``) is a fingerprint staging published; the rules (``rules/``) compare them and
``reports.py`` renders the outcome as text, JSON or JUnit XML.
"""
