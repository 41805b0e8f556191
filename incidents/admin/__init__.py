"""Accounts and their penalties in the console: the account page (state, restrictions,
violations, reviews, history), the review queue, lifting restrictions, the access log."""

from incidents.admin import accounts, flags, reviews, rm

__all__ = ["accounts", "flags", "reviews", "rm"]
