"""Tests of the source adapters."""
