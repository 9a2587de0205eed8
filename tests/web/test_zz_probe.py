import json
from .conftest import *

def show(label, r):
    print("\n==", label, r.status_code, dict(r.headers).get("WWW-Authenticate"), json.dumps(r.get_json(), ensure_ascii=False)[:1500] if r.is_json else r.data[:200])

import pytest
@pytest.mark.parametrize("backend", ["sqlite"], indirect=False)
def test_probe(api, client, at_publisher):
    owner = api.as_user("owner1")
    show("login", api.login("owner1"))
    show("procs", owner.get("/processes"))
    show("gdir procs", api.as_user("gdir_plan").get("/processes"))
    pub = api.as_user("publisher1")
    t = pub.task_in(at_publisher)
    show("task", pub.get(f"/tasks/{t['id']}"))
    show("claim", pub.post(f"/tasks/{t['id']}/claim"))
    show("claim pr", api.as_user("pr1").post(f"/tasks/{t['id']}/claim"))
    show("complete", pub.complete(t['id'], {"certified": True}))
    show("public", client.get("/api/v1/public/items"))
    show("inst", owner.get(f"/instances/{at_publisher}"))
    show("list data", owner.post("/tasks/1/complete", json={"data": [1, 2]}))
    show("bad", owner.post("/processes/general_publication/instances", data=b"{not json", content_type="application/json"))
    show("form", owner.post("/processes/general_publication/instances", data={"a": "b"}))
    show("405", owner.delete("/tasks"))
    show("nf", owner.get("/tasks/abc"))
