"""Which language a request gets (``?lang=``, the saved one, Accept-Language, English), the
user saving theirs (PUT /api/me/language, stored in users.language), and errors answered in
it, over HTTP on the real web app and PostgreSQL."""
from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from agent_console.i18n import negotiate
from callcenter.errors import Conflict, Refused
from crm_core.db import Database
from crm_core.models import User
from crm_core.users import set_language
from tests.helpers.accounts import Account, make_user
from tests.helpers.webapp import log_in, post_login

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


async def saved_language(db: Database, account: Account) -> str | None:
    async with db.sessionmaker() as session:
        return await session.scalar(select(User.language).where(User.id == account.id))


@pytest.mark.parametrize(("chosen", "saved", "accept", "expected"), [
    (None, None, None, "en"),
    (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
    (None, None, "zh", "zh_CN"),
    (None, None, "de-DE,de;q=0.9,zh;q=0.5", "zh_CN"),
    (None, None, "de-DE,fr;q=0.9", "en"),
    (None, None, "en;q=0.9,zh-CN", "zh_CN"),
    (None, None, "zh-CN;q=0,en", "en"),
    (None, None, "zh-CN;q=nonsense,en", "en"),
    (None, "zh_CN", "en-US,en;q=0.9", "zh_CN"),
    (None, "en", "zh-CN", "en"),
    ("en", "zh_CN", "zh-CN", "en"),
    ("xx", None, "zh", "zh_CN"),
])
def test_negotiation(chosen, saved, accept, expected) -> None:
    assert negotiate(chosen, saved, accept).code == expected


def test_an_error_keeps_english_for_logs_and_translates_its_template() -> None:
    cause = Conflict("no queue {queue}", queue="'sales 张'")
    error = Refused("Asterisk refused: {cause}", cause=cause)
    assert str(error) == "Asterisk refused: no queue 'sales 张'"
    assert error.translated(negotiate("zh_CN", None, None).translations.gettext) == \
        "Asterisk 拒绝了请求：没有队列 'sales 张'"


async def test_the_login_page_follows_the_browser_or_the_choice(client: TestClient) -> None:
    english = await (await client.get("/login")).text()
    assert html_lang(english) == "en" and "<h1>Log in</h1>" in english
    chinese = await (await client.get("/login", headers=CHINESE)).text()
    assert html_lang(chinese) == "zh-CN" and "<h1>登录</h1>" in chinese
    assert '<option value="zh_CN" selected>' in chinese
    chosen = await (await client.get("/login?lang=en", headers=CHINESE)).text()
    assert html_lang(chosen) == "en"
    assert 'action="/login?lang=en"' in chosen  # a failed login shows the same language


async def test_a_failed_login_answers_in_the_browsers_language(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    client.session.headers.update(CHINESE)
    try:
        response = await post_login(client, account.username, "wrong password")
    finally:
        client.session.headers.pop("Accept-Language")
    assert response.status == 401
    assert "用户名或密码错误。" in await response.text()


async def test_a_user_saves_their_language_and_their_pages_follow_it(
        client: TestClient, db: Database) -> None:
    account = await make_user(db, "supervisor")
    csrf = {"X-CSRF-Token": await log_in(client, account)}
    saved = await client.put("/api/me/language", json={"language": "zh_CN"}, headers=csrf)
    assert saved.status == 200 and await saved.json() == {"language": "zh_CN"}
    assert await saved_language(db, account) == "zh_CN"
    page = await (await client.get("/wallboard", headers={"Accept-Language": "en"})).text()
    assert html_lang(page) == "zh-CN"
    assert '<script id="i18n" type="application/json">{"locale": "zh_CN"' in page
    assert '"{m} min {s} s": "{m} 分 {s} 秒"' in page

    back = await client.put("/api/me/language", json={"language": None}, headers=csrf)
    assert back.status == 200 and await saved_language(db, account) is None
    page = await (await client.get("/wallboard", headers={"Accept-Language": "en"})).text()
    assert html_lang(page) == "en" and '<option value="" selected>' in page


async def test_only_known_languages_are_saved_with_the_csrf_token(
        client: TestClient, db: Database) -> None:
    account = await make_user(db)
    csrf = {"X-CSRF-Token": await log_in(client, account)}
    unknown = await client.put("/api/me/language", json={"language": "tlh"}, headers=csrf)
    assert unknown.status == 400 and "zh_CN" in (await unknown.json())["error"]
    forged = await client.put("/api/me/language", json={"language": "zh_CN"})
    assert forged.status == 403
    assert await saved_language(db, account) is None
    await client.post("/logout", data={"csrf_token": csrf["X-CSRF-Token"]})
    anonymous = await client.put("/api/me/language", json={"language": "zh_CN"})
    assert anonymous.status == 401


async def test_choosing_a_language_on_the_login_page_saves_it(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    page = await client.get("/login?lang=zh_CN")
    token = re.search(r'name="csrf_token" value="([^"]*)"', await page.text()).group(1)
    response = await client.post("/login?lang=zh_CN", allow_redirects=False, data={
        "csrf_token": token, "username": account.username, "password": account.password})
    assert response.status == 303
    assert await saved_language(db, account) == "zh_CN"


async def test_errors_answer_in_the_users_language(client: TestClient, db: Database) -> None:
    account = await make_user(db)  # an agent without a phone
    await set_language(db, account.id, "zh_CN")
    await log_in(client, account)
    no_phone = await client.get("/api/agent/state")
    assert no_phone.status == 409
    assert (await no_phone.json())["error"] == "您的用户没有配置话机（接口）：请联系管理员设置"
    not_admin = await client.get("/admin/queues")
    assert not_admin.status == 403
    assert (await not_admin.json())["error"] == "此操作需要以下角色：admin"
    wallboard = await client.get("/wallboard", headers={"Accept": "text/html"})
    assert wallboard.status == 403 and await wallboard.text() == "此操作需要以下角色：supervisor / admin"


async def test_the_anonymous_refusal_follows_the_browser(client: TestClient) -> None:
    refused = await client.get("/api/agent/state", headers=CHINESE)
    assert refused.status == 401 and (await refused.json())["error"] == "请先登录"


async def test_validation_problems_and_unknown_paths_answer_in_the_users_language(
        client: TestClient, db: Database) -> None:
    account = await make_user(db)
    csrf = {"X-CSRF-Token": await log_in(client, account)}
    english = await client.put("/api/me/language", json={"colour": "red"}, headers=csrf)
    assert (await english.json())["error"] == \
        "language: Field required; colour: Extra inputs are not permitted"
    await set_language(db, account.id, "zh_CN")
    chinese = await client.put("/api/me/language", json={"colour": "red"}, headers=csrf)
    assert chinese.status == 400
    assert (await chinese.json())["error"] == "language: 必填; colour: 不是已知字段"
    missing = await client.get("/api/no-such-thing")
    assert missing.status == 404 and (await missing.json())["error"] == "没有这个页面或接口"


async def test_the_crms_own_checks_answer_in_the_users_language(client: TestClient, db: Database) -> None:
    """A queue's settings and a dispositions list the CRM refuses: its words, in Chinese, both
    through a body's validator and from the CRM's own check."""
    admin = await make_user(db, "admin")
    await set_language(db, admin.id, "zh_CN")
    csrf = {"X-CSRF-Token": await log_in(client, admin)}
    zone = await client.put("/admin/queues/i18n-q", json={"timezone": "Mars/Base"}, headers=csrf)
    assert zone.status == 400
    assert (await zone.json())["error"] == "timezone: 未知时区 'Mars/Base'"
    codes = [{"code": "sale", "label": "售出"}, {"code": "sale", "label": "Jürgen 张伟 😀"}]
    repeated = await client.put("/admin/dispositions", json={"dispositions": codes}, headers=csrf)
    assert repeated.status == 400
    assert (await repeated.json())["error"] == "代码必须唯一：sale 重复"
