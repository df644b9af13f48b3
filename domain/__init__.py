"""The rules of Line-of-Sight reviews, in plain Python.

This package imports only the standard library, pydantic and SQLModel base models. It never
imports botbuilder, aiohttp, APScheduler or a database session (tests/unit/test_layers.py).
"""
