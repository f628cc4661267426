"""E-mail delivery: the monthly digest with the printed board pack, and alerts (docs/digest.md)."""
