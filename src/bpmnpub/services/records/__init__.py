"""Documents the office issues and keeps: the memo and its issued, signed copy, their public verification,
the office's signing key, and the six-monthly report."""
