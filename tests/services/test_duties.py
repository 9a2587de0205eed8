"""Recurring duties (issue #11 item 8): each topic's duty per period, due on a working day, satisfied by
an item on its topic published in the period, made idempotently by the worker, with its notices.

Items are put on the portal here the way the publish step leaves them (the row and its confirmed O
items, then `duties.item_changed` in the same transaction); one test publishes through a real
procedure and one plans the topics through the yearly programme.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bpmnpub.engine import WorkCalendar
from bpmnpub.errors import NotFoundError, PermissionDeniedError, ValidationError
from bpmnpub.models import (
    ConfirmedOItem,
    Duty,
    DutyTopic,
    Group,
    Notification,
    PublishedItem,
    User,
)
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations.worker import Worker
from bpmnpub.services.portal import published_items
from bpmnpub.services.procedures import duties, duty_periods, duty_topics, duty_views
from bpmnpub.services.procedures.duty_periods import due_at, label, period_of, periods_from
from bpmnpub.services.requests import deadlines, instances, tasks
from bpmnpub.thaidate import BANGKOK

from ..scenarios import runner
from ..scenarios.paths import SCENARIOS

HOLIDAYS_ONLY = WorkCalendar()


def bangkok(*args: int) -> datetime:
    return datetime(*args, tzinfo=BANGKOK).astimezone(UTC)


def topic(
    ctx: ServiceContext,
    actor: Any,
    *,
    title: str = "สรุปผลการจัดซื้อจัดจ้างประจำเดือน (สขร.1)",
    category: str = "1.3",
    group: str = "plan",
    frequency: str = "monthly",
    workdays: int | None = 10,
    ita_item: str = "",
    starts_on: date | None = None,
) -> duty_topics.TopicRow:
    values = duty_topics.TopicInput(
        title=title,
        category=category,
        group_code=group,
        frequency=frequency,
        due_workdays=workdays,
        ita_item=ita_item,
        starts_on=starts_on,
    )
    return duty_topics.save_topic(ctx, actor("admin1"), None, values)


def publish(
    ctx: ServiceContext,
    at: datetime,
    *,
    category: str = "1.3",
    group: str = "plan",
    confirmed: tuple[str, ...] = (),
) -> int:
    """An item on the portal as the publish step leaves it, with the duty check of that transaction."""
    with ctx.db.write() as session:
        group_id = session.scalar(select(Group.id).where(Group.code == group))
        item = PublishedItem(
            kind="document",
            title="รายการทดสอบ",
            slug="item",
            category=category,
            group_id=group_id,
            status="published",
            fiscal_year=2570,
            published_at=at,
            updated_at=at,
            attachments=[],
            photos=[],
            views=0,
        )
        session.add(item)
        session.flush()
        for code in confirmed:
            session.add(ConfirmedOItem(item_id=item.id, code=code))
        duties.item_changed(session, item)
        return item.id


def duty_rows(ctx: ServiceContext) -> list[Duty]:
    with ctx.db.read() as session:
        rows = list(session.scalars(select(Duty).order_by(Duty.topic_id, Duty.period_start)))
        session.expunge_all()
        return rows


def notices(ctx: ServiceContext, kind: str | None = None) -> list[Notification]:
    with ctx.db.read() as session:
        stmt = select(Notification).where(Notification.kind.in_([duties.REMINDER, duties.OVERDUE]))
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        rows = list(session.scalars(stmt.order_by(Notification.id)))
        session.expunge_all()
        return rows


def plan_people(ctx: ServiceContext) -> set[int]:
    with ctx.db.read() as session:
        group_id = session.scalar(select(Group.id).where(Group.code == "plan"))
        members = set(session.scalars(select(User.id).where(User.group_id == group_id)))
        assert group_id is not None
        return members | set(duties.group_people(session, group_id))


# --- periods and due dates (no database) ------------------------------------------------------------


def test_periods_follow_the_fiscal_year() -> None:
    assert period_of("monthly", date(2026, 4, 30)) == (date(2026, 4, 1), date(2026, 5, 1))
    assert period_of("quarterly", date(2026, 11, 16)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_of("quarterly", date(2027, 2, 1)) == (date(2027, 1, 1), date(2027, 4, 1))
    assert period_of("semiannual", date(2027, 3, 31)) == (date(2026, 10, 1), date(2027, 4, 1))
    assert period_of("semiannual", date(2027, 4, 1)) == (date(2027, 4, 1), date(2027, 10, 1))
    assert period_of("yearly", date(2027, 9, 30)) == (date(2026, 10, 1), date(2027, 10, 1))
    assert periods_from("monthly", date(2026, 12, 15), date(2027, 2, 1)) == [
        (date(2026, 12, 1), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 2, 1)),
        (date(2027, 2, 1), date(2027, 3, 1)),
    ]
    assert label("monthly", date(2026, 4, 1)) == "เมษายน 2569"
    assert label("quarterly", date(2027, 1, 1)) == "ไตรมาส 2 ปีงบประมาณ 2570"
    assert label("semiannual", date(2027, 4, 1)) == "ครึ่งปีหลัง ปีงบประมาณ 2570"
    assert label("yearly", date(2026, 10, 1)) == "ปีงบประมาณ 2570"


def test_the_tenth_working_day_skips_weekends_and_songkran() -> None:
    # March 2026 starts on a Sunday and Makha Bucha (Tuesday 3rd) is off: the 10th working day is Monday 16th.
    assert due_at(date(2026, 3, 1), 10, HOLIDAYS_ONLY) == bangkok(2026, 3, 16, 16, 30)
    # April 2026: Chakri Day (Mon 6) and Songkran (Mon 13 – Wed 15) are off: Monday 20th, not the 14th.
    assert due_at(date(2026, 4, 1), 10, HOLIDAYS_ONLY) == bangkok(2026, 4, 20, 16, 30)
    # An admin's closure day counts too.
    assert due_at(date(2026, 4, 1), 10, WorkCalendar(frozenset({date(2026, 4, 17)}))) == bangkok(
        2026, 4, 21, 16, 30
    )
    # Every due day falls inside its period, even the longest rule in the shortest month.
    for frequency, most in duty_periods.MAX_DUE_WORKDAYS.items():
        for start in [date(2026, 4, 1), date(2027, 2, 1), date(2026, 10, 1), date(2027, 4, 1)]:
            begin, end = period_of(frequency, start)
            assert due_at(begin, most, HOLIDAYS_ONLY).astimezone(BANGKOK).date() < end


# --- the worker's pass with a fake clock -------------------------------------------------------------


def test_the_worker_makes_each_months_duty_due_on_its_working_day_across_songkran(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    clock.current = bangkok(2026, 3, 2, 9, 0)
    topic(ctx, actor, starts_on=date(2026, 3, 1))
    report = Worker(ctx, interval=30).run_pass(clock.current)
    assert report.duties == 1 and not report.errors
    (march,) = duty_rows(ctx)
    assert (march.period_start, march.period_end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert march.due_at == bangkok(2026, 3, 16, 16, 30)
    # An admin closes the office on Friday 17 April before the April duty is made.
    deadlines.add_closure(ctx, actor("admin1"), date(2026, 4, 17), "ทำบุญสำนักงาน")
    clock.current = bangkok(2026, 4, 1, 8, 0)  # across the month boundary
    assert Worker(ctx, interval=30).run_pass(clock.current).duties == 1
    april = duty_rows(ctx)[1]
    assert (april.period_start, april.due_at) == (date(2026, 4, 1), bangkok(2026, 4, 21, 16, 30))
    # March went by without an item: overdue was said once, and the missed duty stays missed.
    assert duties.state_of(duty_rows(ctx)[0], clock.current) == "missed"


def test_a_pass_twice_makes_nothing_twice_and_notifies_once(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    clock.current = bangkok(2026, 11, 2, 9, 0)
    topic(ctx, actor, starts_on=date(2026, 11, 1))
    first = duties.run_pass(ctx, clock.current)
    assert (first.created, first.reminded, first.overdue) == (1, 0, 0)
    assert duties.run_pass(ctx, clock.current).created == 0
    (duty,) = duty_rows(ctx)
    assert duty.due_at == bangkok(2026, 11, 13, 16, 30)  # 10th working day of November 2026
    clock.current = bangkok(2026, 11, 11, 9, 0)  # within three days of the due time
    assert duties.run_pass(ctx, clock.current).reminded == 1
    assert duties.run_pass(ctx, clock.current).reminded == 0
    reminders = notices(ctx, duties.REMINDER)
    assert {n.user_id for n in reminders} == plan_people(ctx)
    assert len(reminders) == len(plan_people(ctx))
    assert "หน้าที่ประจำใกล้ครบกำหนด (13 พ.ย. 2569)" in reminders[0].text and "พฤศจิกายน 2569" in reminders[0].text
    assert all(n.instance_id is None and n.mail_state is None for n in reminders)  # the e-mail outbox
    clock.current = bangkok(2026, 11, 16, 9, 0)
    assert duties.run_pass(ctx, clock.current).overdue == 1
    assert duties.run_pass(ctx, clock.current).overdue == 0
    assert len(notices(ctx, duties.OVERDUE)) == len(plan_people(ctx))
    assert len(duty_rows(ctx)) == 1


def test_a_satisfied_duty_sends_nothing(ctx: ServiceContext, clock: Any, actor: Any) -> None:
    clock.current = bangkok(2026, 11, 2, 9, 0)
    topic(ctx, actor, starts_on=date(2026, 11, 1))
    publish(ctx, bangkok(2026, 11, 1, 10, 0))  # before the duty existed: the pass finds it
    duties.run_pass(ctx, clock.current)
    clock.current = bangkok(2026, 11, 20, 9, 0)
    result = duties.run_pass(ctx, clock.current)
    assert (result.reminded, result.overdue) == (0, 0) and notices(ctx) == []
    assert duties.state_of(duty_rows(ctx)[0], clock.current) == "done"


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_workers_at_the_same_moment_make_each_duty_and_notice_once(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    clock.current = bangkok(2026, 11, 16, 9, 0)
    for n in range(3):
        topic(ctx, actor, title=f"เรื่องที่ {n}", starts_on=date(2026, 10, 1))
    start = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            # the duty part of the pass (two whole passes at once: tests/services/test_schedules.py)
            results.append(duties.run_pass(ctx, clock.current))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = duty_rows(ctx)
    assert len(rows) == 6  # October and November of three topics, once each
    assert sum(r.created for r in results) == 6
    assert sum(r.overdue for r in results) == 3
    overdue = notices(ctx, duties.OVERDUE)  # both months are past their due day
    assert len(overdue) == 3 * len(plan_people(ctx))  # November's; October's period is over


# --- what satisfies a duty -------------------------------------------------------------------------------


def test_only_an_item_on_the_topic_in_the_period_satisfies_it(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    clock.current = bangkok(2026, 11, 2, 9, 0)
    topic(ctx, actor, ita_item="O4", starts_on=date(2026, 11, 1))
    duties.run_pass(ctx, clock.current)
    publish(ctx, bangkok(2026, 10, 31, 23, 0), confirmed=("O4",))  # October in Bangkok
    publish(ctx, bangkok(2026, 11, 3, 9, 0), category="1.8", confirmed=("O4",))  # another category
    publish(ctx, bangkok(2026, 11, 3, 9, 0), group="hr", confirmed=("O4",))  # another group
    unconfirmed = publish(ctx, bangkok(2026, 11, 3, 9, 0))  # nobody said it answers O4
    assert duty_rows(ctx)[0].satisfied_item_id is None
    published_items.set_item_o_items(ctx, actor("publisher1"), unconfirmed, ["O4"])
    (duty,) = duty_rows(ctx)
    assert duty.satisfied_item_id == unconfirmed
    assert duty.satisfied_at == bangkok(2026, 11, 3, 9, 0)
    # Withdrawn, it no longer counts; republished, it does again.
    published_items.withdraw_item(ctx, actor("publisher1"), unconfirmed, "ไฟล์ผิด")
    assert duty_rows(ctx)[0].satisfied_item_id is None
    published_items.republish_item(ctx, actor("publisher1"), unconfirmed)
    assert duty_rows(ctx)[0].satisfied_item_id == unconfirmed


def test_publishing_through_a_procedure_satisfies_the_duty(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    scenario = next(s for s in SCENARIOS if s.id == "general_publication-approve")
    requester = actor(scenario.starter)
    with ctx.db.read() as session:
        group = session.get(Group, requester.group_id)
        assert group is not None
        group_code = group.code
    topic(ctx, actor, group=group_code, starts_on=date(2026, 11, 1))
    duties.run_pass(ctx, clock.current)
    assert duty_rows(ctx)[0].satisfied_item_id is None
    runner.walk(ctx, clock, actor, scenario)
    (duty,) = duty_rows(ctx)
    assert duty.satisfied_item_id is not None
    with ctx.db.read() as session:
        item = session.get(PublishedItem, duty.satisfied_item_id)
        assert item is not None and item.category == "1.3"


# --- the property: satisfied iff an item on its topic was published in its period ------------------------

START = bangkok(2026, 3, 1, 0, 0)
SPAN = timedelta(days=120)  # March – June 2026: a month boundary every month and Songkran in April

events = st.lists(
    st.tuples(
        st.sampled_from(["publish", "other", "worker"]),
        st.integers(min_value=0, max_value=int(SPAN.total_seconds() // 3600)),
    ),
    max_size=14,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, frequency=st.sampled_from(["monthly", "quarterly"]))
def test_each_periods_duty_is_satisfied_iff_an_item_on_its_topic_was_published_in_it(
    ctx: ServiceContext, clock: Any, actor: Any, events: list[tuple[str, int]], frequency: str
) -> None:
    with ctx.db.write() as session:
        for model in (Notification, Duty, DutyTopic, ConfirmedOItem, PublishedItem):
            session.execute(delete(model))
    clock.current = START
    topic(ctx, actor, frequency=frequency, workdays=None, starts_on=date(2026, 3, 1))
    published: list[datetime] = []
    for kind, hours in sorted(events, key=lambda e: e[1]):
        clock.current = START + timedelta(hours=hours)
        if kind == "worker":
            duties.run_pass(ctx, clock.current)
        elif kind == "publish":
            publish(ctx, clock.current)
            published.append(clock.current)
        else:  # an item of another category: never on the topic
            publish(ctx, clock.current, category="1.8")
    clock.current = START + SPAN
    duties.run_pass(ctx, clock.current)
    rows = duty_rows(ctx)
    # from the period the topic starts in, or the next when that one's due day was already past
    workdays = duty_periods.DEFAULT_DUE_WORKDAYS[frequency]
    expected = [
        (begin, end)
        for begin, end in periods_from(frequency, date(2026, 3, 1), (START + SPAN).astimezone(BANGKOK).date())
        if due_at(begin, workdays, HOLIDAYS_ONLY).astimezone(BANGKOK).date() >= date(2026, 3, 1)
    ]
    assert [(d.period_start, d.period_end) for d in rows] == expected
    for duty in rows:
        begin, end = (
            duty_periods.local_midnight(duty.period_start),
            duty_periods.local_midnight(duty.period_end),
        )
        in_period = sorted(t for t in published if begin <= t < end)
        assert (duty.satisfied_at is not None) == bool(in_period), (duty.period_start, published)
        if in_period:
            assert duty.satisfied_at == in_period[0]


# --- topics: edited, planned by the programme, started from the inbox ------------------------------------


def test_only_editors_change_topics_and_bad_values_say_which_field(ctx: ServiceContext, actor: Any) -> None:
    values = duty_topics.TopicInput(title="ก", category="1.3", group_code="plan", frequency="monthly")
    with pytest.raises(PermissionDeniedError):
        duty_topics.save_topic(ctx, actor("owner1"), None, values)
    bad = duty_topics.TopicInput(
        title=" ", category="9.9", group_code="x", frequency="weekly", due_workdays=5
    )
    with pytest.raises(ValidationError) as caught:
        duty_topics.save_topic(ctx, actor("admin1"), None, bad)
    assert {p.field for p in caught.value.problems} == {"title", "category", "group", "frequency"}
    too_late = duty_topics.TopicInput(
        title="ก", category="1.3", group_code="plan", frequency="monthly", due_workdays=16
    )
    with pytest.raises(ValidationError) as caught:
        duty_topics.save_topic(ctx, actor("admin1"), None, too_late)
    assert [p.field for p in caught.value.problems] == ["due_workdays"]
    saved = duty_topics.save_topic(ctx, actor("procowner1"), None, values)
    assert saved.due_workdays == 10 and saved.active  # the monthly default
    with pytest.raises(NotFoundError):
        duty_topics.save_topic(ctx, actor("admin1"), saved.id + 1000, values)


def test_changing_the_rule_moves_the_due_date_of_the_running_period(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    clock.current = bangkok(2026, 11, 2, 9, 0)
    made = topic(ctx, actor, starts_on=date(2026, 11, 1))
    duties.run_pass(ctx, clock.current)
    changed = duty_topics.TopicInput(
        title=made.title, category="1.3", group_code="plan", frequency="monthly", due_workdays=5
    )
    duty_topics.save_topic(ctx, actor("admin1"), made.id, changed)
    assert duty_rows(ctx)[0].due_at == bangkok(2026, 11, 6, 16, 30)


def test_the_programmes_topics_become_recurring_topics(ctx: ServiceContext, clock: Any, actor: Any) -> None:
    scenario = next(s for s in SCENARIOS if s.id == "publication_programme-by-publisher")
    runner.walk(ctx, clock, actor, scenario)
    rows = duty_topics.list_topics(ctx)
    # The row with a category and a recurring frequency; the one without a category makes no duty.
    assert [(t.category, t.group_code, t.ita_item, t.frequency, t.due_workdays) for t in rows] == [
        ("1.5", "plan", "O10", "yearly", duty_periods.DEFAULT_DUE_WORKDAYS["yearly"])
    ]
    assert rows[0].source.startswith(duty_topics.PROGRAMME_SOURCE)
    # Planned after this year's due day (the 30th working day of October): the first duty is next year's.
    assert rows[0].starts_on > date(2026, 11, 12)
    assert duties.run_pass(ctx, clock.current).created == 0
    clock.current = bangkok(2027, 10, 1, 9, 0)
    duties.run_pass(ctx, clock.current)
    (duty,) = duty_rows(ctx)
    assert duty.period_start == date(2027, 10, 1)


def test_the_group_starts_the_procedure_its_category_allows_with_the_topic_filled_in(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    made = topic(
        ctx,
        actor,
        title="แผนปฏิบัติการประจำปี",
        category="1.6",
        frequency="yearly",
        workdays=None,  # the 30th working day: 13 Nov 2026
        starts_on=date(2026, 11, 1),
    )
    duties.run_pass(ctx, clock.current)
    owner = actor("owner1")
    (mine,) = duty_views.my_duties(ctx, owner)
    assert (mine.topic_id, mine.state) == (made.id, "overdue")  # the clock is at 16 Nov
    assert [p for p, _ in mine.procedures] == ["regulatory_publication"]  # 1.6: 3.3 only
    assert duty_views.my_duties(ctx, actor("owner2")) == []  # another group
    with pytest.raises(PermissionDeniedError):
        instances.start_for_duty(ctx, mine.id, "regulatory_publication", actor("owner2"))
    with pytest.raises(ValidationError):
        instances.start_for_duty(ctx, mine.id, "general_publication", owner)
    started = instances.start_for_duty(ctx, mine.id, "regulatory_publication", owner)
    first = instances.first_task_for(ctx, started.id, owner)
    assert first is not None
    data = tasks.get_task(ctx, first, owner).data
    assert data["category"] == "1.6" and data["title"] == "แผนปฏิบัติการประจำปี — ปีงบประมาณ 2570"


def test_the_dashboard_counts_each_topics_duties_under_its_o_item(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    clock.current = bangkok(2027, 1, 20, 9, 0)
    topic(ctx, actor, ita_item="O4", starts_on=date(2026, 10, 1))
    publish(ctx, bangkok(2026, 10, 5, 9, 0), confirmed=("O4",))  # on time
    publish(ctx, bangkok(2026, 12, 28, 9, 0), confirmed=("O4",))  # late
    duties.run_pass(ctx, clock.current)  # November missed; January overdue
    with pytest.raises(PermissionDeniedError):
        duty_views.o_item_duties(ctx, actor("owner1"), 2570)
    (row,) = duty_views.o_item_duties(ctx, actor("director1"), 2570)
    assert row.code == "O4"
    (progress,) = row.topics
    assert progress.counts == {"done": 1, "late": 1, "overdue": 1, "due": 0, "missed": 1}
    assert progress.current is not None and progress.current.state == "overdue"
    with ctx.db.read() as session:
        assert session.scalar(select(func.count(Duty.id))) == 4
