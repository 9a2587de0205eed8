"""The shared kernel every room stands on: the service context, reasons, the audit trail and its hash
chain, and who takes part in a request."""
