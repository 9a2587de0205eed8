"""Running the system: the worker's pass and its heartbeat, backups, and the demo office."""
