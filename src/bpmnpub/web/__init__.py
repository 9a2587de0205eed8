"""Flask blueprints (HTML) and the JSON API. Thin: parse input, call one service, render or return
JSON. Web code never commits and never touches engine internals."""
