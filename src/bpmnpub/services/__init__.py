"""Use cases, one transaction each: load, check permission, validate, call the engine, write state,
task projection and event, commit once. Services never read Flask globals and never raise HTTP
errors; they raise `bpmnpub.errors`."""
