"""The office's catalogue: categories and each fiscal year's ITA/OIT items, as data admins edit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bpmnpub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from bpmnpub.forms import FormSpec
from bpmnpub.services.catalogue import categories as catalogue
from bpmnpub.services.catalogue import ita_years, presets
from bpmnpub.services.catalogue.categories import CategoryInput
from bpmnpub.services.catalogue.ita_years import ItaItemInput
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo
from bpmnpub.services.requests import instances, tasks
from bpmnpub.thaidate import fiscal_year

from ..conftest import PROCESSES
from .conftest import request_data, task_id, upload_pdf

PROCUREMENT = "ข้อมูลการจัดซื้อจัดจ้าง"  # seed 000, item 1.9


@pytest.fixture
def this_year(ctx: ServiceContext) -> int:
    return fiscal_year(ctx.now())


def test_the_demo_office_starts_from_the_presets(ctx: ServiceContext, this_year: int) -> None:
    categories = catalogue.list_categories(ctx)
    assert [c.code for c in categories] == [f"1.{n}" for n in range(1, 18)]
    assert catalogue.category_names(ctx)["1.9"] == PROCUREMENT
    assert ("1.9", f"1.9 {PROCUREMENT}") in catalogue.category_choices(ctx)
    years = {y.fiscal_year: y for y in ita_years.list_fiscal_years(ctx)}
    assert years[2566].item_count == 43 and years[2566].source == "ita-2566-oit"
    assert years[this_year].source == "ita-2568-oit" and 0 < years[this_year].item_count < 43
    assert not years[2566].verified and "คู่มือ" in years[2566].note and "manual" in years[2566].note
    procurement = {i.code: i for i in ita_years.get_fiscal_year(ctx, 2566).items}["O21"]
    assert procurement.categories == ("1.9",) and procurement.period_rule == "current_fy"


def test_presets_ship_both_category_lists_and_the_ita_sets() -> None:
    sizes = {p.name: p.size for p in presets.list_presets("categories")}
    assert sizes == {"categories-chachoengsao1": 9, "categories-phitsanulok2": 17}
    ita = {p.name: p.size for p in presets.list_presets("ita")}
    assert ita["ita-2566-oit"] == 43 and ita["ita-2568-oit"] < 43


def test_running_the_demo_again_keeps_the_office_edits(ctx: ServiceContext, actor: Any) -> None:
    admin = actor("admin1")
    catalogue.save_category(ctx, admin, "1.1", CategoryInput(name="กฎ ระเบียบ และข้อบังคับ"))
    assert demo.create_demo_office(ctx) is False
    assert catalogue.get_category(ctx, "1.1").name == "กฎ ระเบียบ และข้อบังคับ"
    assert len(catalogue.list_categories(ctx)) == 17


def test_loading_a_preset_adds_and_rewords_but_keeps_hand_edits(ctx: ServiceContext, actor: Any) -> None:
    admin = actor("admin1")
    catalogue.save_category(ctx, admin, "1.2", CategoryInput(name="นโยบายของสำนักงาน"))
    catalogue.save_category(ctx, admin, "1.5", CategoryInput(name="ข้อมูลผู้บริหารสำนักงาน", active=False))
    loaded = catalogue.load_category_preset(ctx, admin, "categories-chachoengsao1")
    assert loaded.added == () and loaded.kept == ("1.2", "1.5")
    assert len(loaded.renamed) == 7
    names = catalogue.category_names(ctx)
    assert names["1.9"].startswith("ภาพถ่ายหรือภาพที่แสดงถึงบุคคล")
    assert names["1.2"] == "นโยบายของสำนักงาน"
    assert names["1.17"].startswith("ข้อมูลอื่นๆ")  # never deleted
    assert not catalogue.get_category(ctx, "1.5").active  # nor reactivated
    with pytest.raises(ValidationError):
        catalogue.load_category_preset(ctx, admin, "ita-2566-oit")


def test_create_update_and_deactivate_a_category(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("procowner1")
    row, created = catalogue.save_category(
        ctx, owner, "1.18", CategoryInput(name="ข้อมูลงานวิจัย", group_code="plan"), create=True
    )
    assert created and row.group_name == "กลุ่มนโยบายและแผน" and row.sort_order > 170
    with pytest.raises(ValidationError) as caught:
        catalogue.save_category(ctx, owner, "1.18", CategoryInput(name="ซ้ำ"), create=True)
    assert [p.field for p in caught.value.problems] == ["code"]
    with pytest.raises(ValidationError) as caught:
        catalogue.save_category(ctx, owner, "๑.๑๙ x", CategoryInput(name="", group_code="nope"))
    assert {p.field for p in caught.value.problems} == {"code", "name", "group"}
    with pytest.raises(NotFoundError):
        catalogue.save_category(ctx, owner, "9.9", CategoryInput(name="ไม่มี"), create=False)
    catalogue.save_category(ctx, owner, "1.18", CategoryInput(name="ข้อมูลงานวิจัย", active=False))
    assert "1.18" not in dict(catalogue.category_choices(ctx))
    assert catalogue.category_names(ctx)["1.18"] == "ข้อมูลงานวิจัย"  # old items still show its name


def test_clone_copies_items_guidance_groups_rules_and_mappings(
    ctx: ServiceContext, actor: Any, this_year: int
) -> None:
    admin = actor("admin1")
    edited = ItaItemInput(
        title="ข้อมูลพื้นฐานของสำนักงาน",
        guidance="แผนผังโครงสร้างและข้อมูลผู้บริหารที่เป็นปัจจุบัน",
        group_code="admin",
        period_rule="first_half",
        categories=("1.4", "1.8"),
    )
    ita_years.update_ita_item(ctx, admin, this_year, "O1", edited)
    ita_years.set_verified(ctx, admin, this_year, True)
    copy = ita_years.clone_fiscal_year(ctx, admin, this_year, this_year + 1)
    assert (copy.source, copy.verified) == (f"clone:{this_year}", False)
    source, target = ita_years.get_fiscal_year(ctx, this_year), ita_years.get_fiscal_year(ctx, this_year + 1)
    assert target.items == source.items
    first = target.items[0]
    assert (first.code, first.group_code, first.period_rule, first.categories) == (
        "O1",
        "admin",
        "first_half",
        ("1.4", "1.8"),
    )
    assert sum(len(i.categories) for i in target.items) > len(target.items)  # every mapping came along
    with pytest.raises(ConflictError):
        ita_years.clone_fiscal_year(ctx, admin, 2566, this_year + 1)
    with pytest.raises(NotFoundError):
        ita_years.clone_fiscal_year(ctx, admin, 2501, 2502)


def test_a_year_from_a_preset_maps_to_the_office_categories(ctx: ServiceContext, actor: Any) -> None:
    admin = actor("admin1")
    row = ita_years.create_fiscal_year(ctx, admin, 2567, "ita-2566-oit")
    assert (row.item_count, row.verified) == (43, False)
    items = {i.code: i for i in ita_years.get_fiscal_year(ctx, 2567).items}
    assert items["O23"].categories == ("1.9",) and items["O23"].period_rule == "first_half"
    assert items["O28"].group_code == "hr" and items["O12"].period_rule == "previous_fy"
    with pytest.raises(ConflictError):
        ita_years.create_fiscal_year(ctx, admin, 2567, "ita-2568-oit")
    with pytest.raises(ValidationError):
        ita_years.create_fiscal_year(ctx, admin, 2568, "categories-phitsanulok2")
    with pytest.raises(ValidationError):
        ita_years.create_fiscal_year(ctx, admin, 25680, "ita-2568-oit")


def test_an_item_edit_is_checked(ctx: ServiceContext, actor: Any, this_year: int) -> None:
    admin = actor("admin1")
    bad = ItaItemInput(title=" ", group_code="nope", period_rule="whenever", categories=("1.1", "7.7"))
    with pytest.raises(ValidationError) as caught:
        ita_years.update_ita_item(ctx, admin, this_year, "O1", bad)
    assert {p.field for p in caught.value.problems} == {"title", "group", "period_rule", "categories"}
    with pytest.raises(NotFoundError):
        ita_years.update_ita_item(ctx, admin, this_year, "O99", ItaItemInput(title="x"))


@pytest.mark.parametrize("username", ["owner1", "gdir_plan", "publisher1", "director1"])
def test_only_admins_and_process_owners_edit(
    ctx: ServiceContext, actor: Any, username: str, this_year: int
) -> None:
    who = actor(username)
    writes = [
        lambda: catalogue.save_category(ctx, who, "1.1", CategoryInput(name="x")),
        lambda: catalogue.load_category_preset(ctx, who, "categories-phitsanulok2"),
        lambda: ita_years.create_fiscal_year(ctx, who, 2567, "ita-2566-oit"),
        lambda: ita_years.clone_fiscal_year(ctx, who, this_year, this_year + 1),
        lambda: ita_years.update_ita_item(ctx, who, this_year, "O1", ItaItemInput(title="x")),
        lambda: ita_years.set_verified(ctx, who, this_year, True),
    ]
    for write in writes:
        with pytest.raises(PermissionDeniedError):
            write()
    assert catalogue.list_categories(ctx) and ita_years.get_fiscal_year(ctx, this_year).items  # anyone reads


@pytest.mark.parametrize("category", ["9.9", "1.17"])
def test_a_request_must_name_an_active_category(ctx: ServiceContext, actor: Any, category: str) -> None:
    catalogue.save_category(ctx, actor("admin1"), "1.17", CategoryInput(name="ข้อมูลอื่นๆ", active=False))
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    data = request_data(upload_pdf(ctx, owner), category=category)
    with pytest.raises(ValidationError) as caught:
        tasks.complete_task(ctx, first, data, owner)
    assert [(p.field, p.message) for p in caught.value.problems] == [("category", catalogue.NOT_A_CATEGORY)]
    done = tasks.complete_task(ctx, first, {**data, "category": "1.3"}, owner)
    assert done.status == "running"


def test_rows_of_a_form_are_checked_too(ctx: ServiceContext) -> None:
    schema = json.loads((PROCESSES / "forms" / "define_topics_form.json").read_text(encoding="utf-8"))
    topics = [{"topic": "ก", "category": "1.1"}, {"topic": "ข"}, {"topic": "ค", "category": "x"}]
    with ctx.db.read() as session:
        sourced = FormSpec("define_topics_form", schema).sourced({"topics": topics}, "categories")
        problems = catalogue.unknown_categories(session, sourced)
    assert sourced == [("topics.0.category", "1.1"), ("topics.2.category", "x")]
    assert [(p.field, p.message) for p in problems] == [("topics.2.category", catalogue.NOT_A_CATEGORY)]
