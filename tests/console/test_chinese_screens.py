"""Every screen of the menu in Chinese: the demo station and the demo brigade open each entry
of their menu, and each tab on it, and read what is shown. No "undefined", "null", "NaN" or
"Invalid Date" anywhere in the page, and no table header, button, tab, label, placeholder or
menu entry in English words (codes, numbers, usernames and units such as km pass)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.test_console import sign_in

# What the page shows, read in the browser: the visible text of the main area (and of an open
# drawer or dialog), and the words people act on or read as headings, each with where it is.
READ = """() => {
  const visible = (el) => {
    if (!el.getClientRects().length) return false
    const style = getComputedStyle(el)
    return style.visibility !== 'hidden' && style.display !== 'none'
  }
  const texts = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim()
    if (text && node.parentElement && visible(node.parentElement)) texts.push(text)
  }
  const WORDS = [
    ['menu', '.el-menu-item, .el-menu-item-group__title'],
    ['header', 'th .cell'],
    ['button', 'button, .el-radio-button__inner'],
    ['tab', '.el-tabs__item'],
    ['label', '.el-form-item__label, .el-descriptions__label, .el-checkbox__label, .el-radio__label'],
    ['title', '.title, .el-dialog__title, .el-drawer__title, .el-card__header'],
    ['empty', '.el-table__empty-text'],
  ]
  const words = []
  for (const [kind, selector] of WORDS) {
    for (const el of document.querySelectorAll(selector)) {
      if (visible(el)) words.push([kind, el.innerText.trim()])
    }
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (visible(el)) words.push(['placeholder', el.placeholder])
  }
  return { texts, words }
}"""
NONSENSE = r"\b(undefined|null|NaN|Invalid Date)\b"
# Words people read that may be written in Latin letters: the product's name in a rule-set
# version, units, file formats and the brand names a Chinese screen writes as they are.
LATIN_ALLOWED = {"km", "m", "Excel", "PDF", "App", "Web Push", "WGS-84", "GCJ-02", "CSV", "xlsx"}


def english(text: str) -> bool:
    """Words in English and nothing in Chinese: 'Complaint to triage', 'Save', not '119'."""
    if re.search(r"[\u4e00-\u9fff]", text):
        return False
    rest = text
    for allowed in LATIN_ALLOWED:
        rest = rest.replace(allowed, "")
    return re.search(r"[A-Za-z]{3,}", rest) is not None


def read(page) -> tuple[list[str], list[list[str]]]:
    shown = page.evaluate(READ)
    return shown["texts"], shown["words"]


def settled(page) -> None:
    """The screen's requests answered and its loading masks gone."""
    page.wait_for_load_state("networkidle")
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0)


def test_english_is_told_from_codes_and_units():
    assert english("Complaint to triage") and english("SHA-256") and english("undefined")
    assert not english("450202901001-002") and not english("2.0 km") and not english("导出Excel")
    # A device's code (SD-DEMO-0001) would read as English: so only the words people act on or
    # read as headings are checked this way, never the data in a table's cells.


def problems_of(page, where: str) -> list[str]:
    texts, words = read(page)
    assert texts and words, f"{where}: nothing read"
    found = [f"{where}: {t!r}" for t in texts if re.search(NONSENSE, t)]
    found += [f"{where}: {kind} {text!r}" for kind, text in words if english(text)]
    return found


@pytest.mark.parametrize("username", ["station.cz1", "brigade.chengzhong"])
def test_every_screen_of_the_menu_reads_in_chinese(tab, demo, username):
    page = tab.page
    tab.goto("/console/signin")
    sign_in(tab, username, demo[username])
    expect(page).to_have_url(f"{tab.base_url}/console/hazards")
    settled(page)

    entries = page.locator(".el-menu-item")
    titles = [t.strip() for t in entries.all_inner_texts()]
    assert len(titles) > 10, titles
    problems: list[str] = []
    for n, title in enumerate(titles):
        entries.nth(n).click()
        settled(page)
        problems += problems_of(page, title)
        tabs = page.locator(".el-main .el-tabs__header .el-tabs__item")
        for t in range(1, tabs.count()):  # the first is open already
            tab_title = tabs.nth(t).inner_text().strip()
            tabs.nth(t).click()
            settled(page)
            problems += problems_of(page, f"{title} / {tab_title}")

    assert problems == []
