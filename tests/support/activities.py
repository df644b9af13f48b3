"""The sample activities under the name the tests have always used (samples/activities.py)."""

from samples.activities import TENANT, USER_AAD, activity, as_user, invoke, message, submit

__all__ = ["TENANT", "USER_AAD", "activity", "as_user", "invoke", "message", "submit"]
