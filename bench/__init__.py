"""Benchmarks of bpmnpub (`make bench` = `python -m bench`, `python -m bench --quick`).

Every figure is printed next to a baseline measured in the same run (the bare SpiffWorkflow round
trip with the stock serializer): the machines this runs on swing ~1.8x between runs, so only ratios
within one run compare. Nothing here passes or fails; targets are printed as met / not met.

Modules: `timing` (clock and statistics), `scenario` (the general_publication path with N revise
loops), `database` (a prepared SQLite database in a temp dir), one module per measurement
(`bare`, `engine_level`, `service_level`, `api_level`, `state_size`, `sql_count`, `task_list` with
`bulk` for its data, `web_pages` for the staff web UI's inbox and task page over the same data,
`portal` with `portal_data` for the public portal at 50 000 published items on SQLite and
PostgreSQL, `ita_index` for the ITA index, its CSV and the staff dashboard over 50 000 items,
`admin_monitoring` for issue 5's admin request list, instance page and statistics over 100 000
requests, both on SQLite and PostgreSQL), `load` with `load_server` and `load_client` for the real
server (`bpmnpub serve`) under 1 and 32 HTTP clients on both databases, `load_profile` for a cProfile of
those requests over WSGI, `report` (the Markdown), `__main__` (the run). Each of
`portal`, `ita_index` and `admin_monitoring` also runs alone (`python -m bench.<module> --help`).
"""
