"""The staff pages that show a request with what several rooms say about it: each page is one service
call and one read transaction returning a frozen value with everything the page shows and what the
reader may do (the task page, a request's page, a published item's staff page). Above the request
flow, the portal and the records (the memo, the six-monthly report), so none of those needs to know
the pages."""
