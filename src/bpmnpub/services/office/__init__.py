"""The office's people and settings: users, groups, roles, sign-in, sessions and throttling, e-mail, and
the office's own settings (name, memo heading, emblem)."""
