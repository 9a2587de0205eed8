"""The request flow: starting requests, the inbox and its steps, comments, notifications, the chain of
superiors, deadlines, the document register, and what administrators see and do to running requests."""
