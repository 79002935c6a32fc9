"""In Chromium: a user whose language is Simplified Chinese sees the login page (in their
browser's Chinese) and their own page in Chinese even from an English browser, and switches
back with the page's language chooser (the real web app and PostgreSQL, Debian's chromium)."""
from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect
from sqlalchemy import select

from crm_core.db import Database
from crm_core.models import User
from crm_core.users import set_language
from tests.helpers.accounts import make_user
from tests.helpers.browser import log_in


async def test_a_chinese_user_sees_the_login_page_and_their_page_in_chinese(
        browser: Browser, client: TestClient, db: Database) -> None:
    account = await make_user(db)  # an agent without a phone: the softphone page says so
    await set_language(db, account.id, "zh_CN")
    base = str(client.make_url("/"))
    chinese_browser = await browser.new_context(base_url=base, locale="zh-CN")
    english_browser = await browser.new_context(base_url=base, locale="en-US")
    try:
        page = await chinese_browser.new_page()
        await page.goto("/login")
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        await expect(page.locator("h1")).to_have_text("登录")
        await expect(page.locator("label[for=username]")).to_have_text("用户名")
        await expect(page).to_have_title("登录 · 呼叫中心")

        page = await english_browser.new_page()
        await page.goto("/login")
        await expect(page.locator("h1")).to_have_text("Log in")
        await log_in(page, account.username, account.password, next_path="/softphone")
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        await expect(page.locator("h1")).to_have_text("软电话")
        await expect(page.locator("#softphone-answer")).to_have_text("接听")
        state = page.locator("#softphone-state")
        await expect(state).to_have_attribute("data-state", "failed")
        await expect(state).to_have_text("失败")
        await expect(page.locator("#softphone-detail")).to_have_text("该用户没有软电话（409）")
        assert await page.evaluate("fmt.duration(65)") == "1 分 5 秒"

        await page.select_option("#language", "en")
        await expect(page.locator("h1")).to_have_text("Softphone")
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(state).to_have_text("failed")
        async with db.sessionmaker() as session:
            language = await session.scalar(select(User.language).where(User.id == account.id))
        assert language == "en"
    finally:
        await chinese_browser.close()
        await english_browser.close()
