"""Adaptive Card builders: domain values in, card dicts out. Every builder is pure."""
