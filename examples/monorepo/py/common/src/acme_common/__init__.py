"""Small helpers shared by the acme Python packages."""

import re

__all__ = ["format_minor", "slug"]


def format_minor(amount_minor: int, currency_code: str) -> str:
    """Format an amount in minor units (e.g. cents) as a decimal string."""
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole}.{cents:02d} {currency_code}"


def slug(text: str) -> str:
    """Lowercase text and join its alphanumeric words with dashes."""
    return "-".join(w for w in re.split(r"[\W_]+", text.lower()) if w)
