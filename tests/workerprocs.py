"""Helpers for the worker's fault tests: a database with many due timers, a real `bpmnpub worker` (or
`serve`) process, and reading back what fired."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance, WorkerHeartbeat
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import definitions
from bpmnpub.services.requests import instances

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

# The smallest diagram with a timer: start, wait one second, the director acknowledges, end.
PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_timer_probe"
    targetNamespace="https://bpmnpub.example/processes">
  <bpmn:process id="timer_probe" name="ทดสอบตัวจับเวลา" isExecutable="true">
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="category" value="publication"/>
        <spiffworkflow:property name="startRoles" value="*"/>
      </spiffworkflow:properties>
    </bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_timer_probe">
      <bpmn:lane id="Lane_director" name="director">
        <bpmn:flowNodeRef>StartEvent_Probe</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Timer_Wait</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Acknowledge</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_Done</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_Probe" name="เริ่ม">
      <bpmn:outgoing>Flow_Start_To_Wait</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="Timer_Wait" name="รอ 1 วินาที">
      <bpmn:incoming>Flow_Start_To_Wait</bpmn:incoming>
      <bpmn:outgoing>Flow_Wait_To_Acknowledge</bpmn:outgoing>
      <bpmn:timerEventDefinition id="TimerEventDefinition_Wait">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT1S"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Task_Acknowledge" name="รับทราบ">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formKey" value="director_ack_form"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_Wait_To_Acknowledge</bpmn:incoming>
      <bpmn:outgoing>Flow_Acknowledge_To_Done</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_Done" name="เสร็จ">
      <bpmn:incoming>Flow_Acknowledge_To_Done</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_Start_To_Wait" sourceRef="StartEvent_Probe" targetRef="Timer_Wait"/>
    <bpmn:sequenceFlow id="Flow_Wait_To_Acknowledge" sourceRef="Timer_Wait" targetRef="Task_Acknowledge"/>
    <bpmn:sequenceFlow id="Flow_Acknowledge_To_Done" sourceRef="Task_Acknowledge" targetRef="End_Done"/>
  </bpmn:process>
</bpmn:definitions>
"""


def deploy_probe(ctx: ServiceContext) -> None:
    with ctx.db.write() as session:
        forms = definitions.known_forms(session)
        definitions.deploy(ctx, session, PROBE.encode(), "timer_probe.bpmn", forms, actor_id=None)


def file_due_timers(ctx: ServiceContext, count: int) -> list[int]:
    """`count` running requests whose timer has been due for an hour: one started an hour ago through
    the services, the rest copies of its row (same state, same due time; each fires on its own).

    Safe while workers run: the first row is read once, locked (PostgreSQL; SQLite's write lock holds
    every worker off), and copied only while its timer is still unfired; a worker that fired it first
    makes this start another."""
    ctx.clock = lambda: datetime.now(UTC) - timedelta(hours=1)
    table = ProcessInstance.__table__
    columns = [c for c in table.columns if c.name != "id"]
    for _ in range(10):
        first = instances.start_instance(ctx, "timer_probe", None, None).id
        with ctx.db.write() as session:
            row = (
                session.execute(select(*columns).where(table.c.id == first).with_for_update())
                .mappings()
                .one()
            )
            if row["status"] != "running" or row["next_timer_due"] is None:
                continue  # a worker fired it before it was locked: its copies would not be due
            copies = (
                session.execute(insert(table).returning(table.c.id), [dict(row)] * (count - 1))
                .scalars()
                .all()
                if count > 1
                else []
            )
        ids = [first, *copies]
        assert len(ids) == count
        return ids
    raise AssertionError("the workers fired every first request before it could be copied")


def fired(ctx: ServiceContext, ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Per request: how many `timer_fired` events, how many acknowledge tasks."""
    with ctx.db.read() as session:
        events = dict(
            session.execute(
                select(InstanceEvent.instance_id, func.count())
                .where(InstanceEvent.action == "timer_fired", InstanceEvent.instance_id.in_(ids))
                .group_by(InstanceEvent.instance_id)
            ).all()
        )
        tasks = dict(
            session.execute(
                select(HumanTask.instance_id, func.count())
                .where(HumanTask.task_spec == "Task_Acknowledge", HumanTask.instance_id.in_(ids))
                .group_by(HumanTask.instance_id)
            ).all()
        )
    return events, tasks


def beats(ctx: ServiceContext) -> list[WorkerHeartbeat]:
    with ctx.db.read() as session:
        return list(session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())))


def environment(data_dir: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "BPMNPUB_DATA_DIR": str(data_dir),
        "BPMNPUB_DATABASE_URL": url,
        "BPMNPUB_SECRET_KEY": "test",
        **extra,
    }


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A `bpmnpub` command as its own process group (so a test can stop all it started), output in `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(BIN / "bpmnpub"), *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(check: Callable[[], object], timeout: float, what: str, step: float = 0.1) -> object:
    """Poll `check` until it returns something true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- a private PostgreSQL cluster that stops and starts again -----------------------------------------


class PrivateCluster:
    """A throwaway PostgreSQL cluster on a free loopback port (as the `postgres` user when we are root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="bpmnpub-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        (self.root / "options").write_text(options)
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (self.root / "options").read_text()
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None
