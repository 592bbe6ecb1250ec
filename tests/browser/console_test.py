#!/usr/bin/python3
"""The web console in Debian's headless chromium, against the whole system that
scripts/browser-test starts (broker, fabledger, fabweb, one simulated gate at lab/laser-1).

A manager logs in, sees the seeded machines, is refused a change without the CSRF token,
enrols a badge just seen at the gate, grants the right, sees the gate admit the member and the
board turn "in use" without a reload, locks the machine and sees the badge refused, closes a
billing period and downloads its CSV, reads and types prices with the ledger's decimals (KWD
kept at 2, IQD at ISO's 3); a trainer grants a right on their own machine and is
refused one on another; a treasurer is refused a rights change. Screenshots of
the board and the usage page are saved on success and on failure.
"""
import os
import re
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["FABGATE_CONSOLE_URL"]
GATE_SEND = shlex.split(os.environ["FABGATE_GATE_SEND"])
SHOTS = Path(os.environ["FABGATE_SHOTS"])
DOWNLOADS = Path(os.environ["FABGATE_DOWNLOADS"])
ADMIN = os.environ["FABGATE_ADMIN"].split(":", 1)
TREASURER = os.environ["FABGATE_TREASURER"].split(":", 1)
TRAINER = os.environ["FABGATE_TRAINER"].split(":", 1)  # trains on lab/laser-1 only

NEW_UID = "0BADC0DE"
MACHINE = "lab/laser-1"


class Failure(Exception):
    pass


def step(text):
    print(f"console_test: {text}", flush=True)


def gate(command):
    reply = subprocess.run(GATE_SEND + [command], capture_output=True, text=True, timeout=10)
    return (reply.stdout + reply.stderr).strip()


def start_browser():
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=en-GB"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "intl.accept_languages": "en-GB,en",
        "download.default_directory": str(DOWNLOADS),
        "download.prompt_for_download": False,
    })
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(DOWNLOADS)})
    return driver


class Console:
    def __init__(self, driver):
        self.d = driver

    def wait(self, condition, what, timeout=10):
        try:
            # The board replaces a card when its machine changes: a stale element is retried.
            return WebDriverWait(self.d, timeout, poll_frequency=0.1,
                                 ignored_exceptions=[StaleElementReferenceException]).until(condition)
        except TimeoutException:
            raise Failure(f"timed out after {timeout} s waiting for {what}") from None

    def css(self, selector, what=None, timeout=10):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, selector)),
                         what or selector, timeout)

    def visible(self, selector, timeout=10):
        return self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, selector)), selector, timeout)

    def go(self, page):
        """Moves between pages as the menu does: the hash changes, the page is not reloaded."""
        self.d.execute_script("location.hash = arguments[0]", f"#/{page}")

    def fill(self, form, values):
        for name, value in values.items():
            field = self.visible(f"form[name={form}] [name={name}]")
            if field.tag_name == "select":
                self.d.execute_script("arguments[0].value = arguments[1]", field, value)
            else:
                field.clear()
                field.send_keys(value)
        self.d.find_element(By.CSS_SELECTOR, f"form[name={form}] button[type=submit]").click()

    def login(self, who):
        self.d.get(URL + "/")
        self.fill("login", {"login": who[0], "password": who[1]})
        self.css("#board", "the board after logging in")

    def login_by_keyboard(self, who):
        """The login page focuses its first field; Tab and Enter do the rest."""
        self.d.get(URL + "/")
        self.css("form[name=login]")
        ActionChains(self.d).send_keys(who[0], Keys.TAB, who[1], Keys.ENTER).perform()
        self.css("#board", "the board after logging in with the keyboard")

    def logout(self):
        self.visible("#logout").click()
        self.css("form[name=login]", "the login form after logging out")

    def fetch(self, method, path, body, with_csrf):
        """A request from the page itself, with the session cookie; returns (status, body)."""
        return self.d.execute_async_script("""
            const [method, path, body, withCsrf, done] = arguments;
            (async () => {
              const headers = {'Content-Type': 'application/json'};
              if (withCsrf) headers['X-CSRF-Token'] = (await (await fetch('/api/session')).json()).csrf;
              const r = await fetch(path, {method, headers, body: JSON.stringify(body)});
              let data = null;
              try { data = await r.json(); } catch (e) { data = null; }
              done([r.status, data]);
            })().catch((e) => done([0, String(e)]));
        """, method, path, body, with_csrf)

    def card(self, machine):
        return self.css(f'#board [data-machine="{machine}"]', f"the board's card {machine}")

    def card_state(self, machine):
        """The card's data-state and text, read at once (the card may be replaced any time)."""
        return self.d.execute_script(
            "const c = document.querySelector(`#board [data-machine=\"${arguments[0]}\"]`);"
            "return c ? [c.dataset.state, c.dataset.online, c.textContent] : [null, null, ''];", machine)

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        # The corner notice fades after 6 s; the picture is of the page, not of the notice.
        self.d.execute_script("document.getElementById('status').textContent = ''")
        self.d.save_screenshot(str(SHOTS / name))


def badge_until(reply_has, tries=40):
    reply = ""
    for _ in range(tries):
        reply = gate(f"badge {NEW_UID}")
        if reply_has in reply:
            return reply
        time.sleep(0.1)
    raise Failure(f"the gate never answered {reply_has} to badge {NEW_UID}: last reply {reply!r}")


def admin_part(c):
    step("logs in as the admin and sees the seeded machines")
    c.login(ADMIN)
    c.d.execute_script("window.__sameDocument = 'not reloaded'")
    # Read through card_state: the board may replace a card between finding it and reading it.
    c.css(f'#board [data-machine="{MACHINE}"]', f"the board's card {MACHINE}")
    c.css('#board [data-machine="lab/printer-1"]', "the board's card lab/printer-1")
    laser, printer = c.card_state(MACHINE)[2], c.card_state("lab/printer-1")[2]
    if "Laser cutter" not in laser or "Prusa MK4" not in printer:
        raise Failure(f"the board does not name the seeded machines: {laser!r} {printer!r}")
    c.wait(lambda d: c.card_state("lab/printer-1")[1] == "no",
           "the printer without a gate shown offline (grey)")

    step("is refused a change without the CSRF token")
    status, body = c.fetch("POST", "/api/members", {"id": "mallory", "name": "Mallory", "class": "member"}, False)
    if status != 403 or (body or {}).get("error", {}).get("code") != "csrf":
        raise Failure(f"a POST without X-CSRF-Token was answered {status} {body}")
    members = c.d.execute_async_script(
        "const done = arguments[0]; fetch('/api/members?q=mallory').then(r => r.json()).then(done)")
    if members:
        raise Failure(f"the refused request created a member anyway: {members}")

    step(f"badges the unknown UID {NEW_UID} at the gate: refused")
    reply = gate(f"badge {NEW_UID}")
    if "flash=denied" not in reply:
        raise Failure(f"an unknown badge was not refused: {reply!r}")

    step("a refused form shows the server's (fabctl's) message beside it and marks the field")
    c.go("members")
    c.fill("add-member", {"id": "bad id!", "name": "Nobody"})
    error = c.wait(lambda d: d.find_element(By.CSS_SELECTOR, "form[name=add-member] .form-error:not([hidden])"),
                   "the add form's error")
    marked = c.d.find_element(By.CSS_SELECTOR, "form[name=add-member] [name=id]").get_attribute("aria-invalid")
    if not error.text.strip() or marked != "true":
        raise Failure(f"the refusal shows {error.text!r}, field marked {marked!r}")
    print(f"console_test: the server said: {error.text}")

    step("enrols it from the unknown badges list in two clicks")
    for _ in range(50):  # the ledger stores the gate's event within its batch interval
        c.css("#unknown-badges")
        if c.d.find_elements(By.CSS_SELECTOR, f'[data-enrol="{NEW_UID}"]'):
            break
        time.sleep(0.2)
        c.go("board")
        c.css("#board")
        c.go("members")
    c.visible(f'[data-enrol="{NEW_UID}"]').click()
    c.visible('[data-give-to="bob"]').click()
    result = c.css("#enrol-result", "the enrolment's confirmation")
    if NEW_UID not in result.text or "bob" not in result.text:
        raise Failure(f"unexpected enrolment result: {result.text!r}")

    step("grants bob the laser")
    c.go("rights")
    c.fill("grant", {"member": "bob", "target_kind": "machine", "target": "laser-1", "role": "user"})
    c.wait(lambda d: "bob" in d.find_element(By.CSS_SELECTOR, "form[name=grant] .form-result").text,
           "the grant's confirmation")

    step("filters the rights by member, then clears the filter")
    listed = lambda d: d.find_element(By.CSS_SELECTOR, "#rights-list").text
    c.wait(lambda d: "(alice)" in listed(d) and "(bob)" in listed(d), "alice's and bob's rights")
    c.visible("form.search [name=member]").send_keys("bob")
    c.d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    c.wait(lambda d: "(alice)" not in listed(d) and "(bob)" in listed(d), "only bob's rights")
    c.visible("form.search [name=member]").clear()
    c.d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click()
    c.wait(lambda d: "(alice)" in listed(d), "alice's rights back without the filter")

    step("badges again: the gate admits bob and the board turns 'in use' without a reload")
    c.go("board")
    c.card(MACHINE)
    badge_until("flash=granted")
    admitted = time.monotonic()
    c.wait(lambda d: c.card_state(MACHINE)[0] == "in_use", "the board showing in use", 5)
    print(f"console_test: board showed 'in use' {time.monotonic() - admitted:.2f} s after the gate admitted")
    card_text = c.card_state(MACHINE)[2]
    if "bob" not in card_text.lower():
        raise Failure(f"the in-use card does not name its member: {card_text!r}")
    if c.d.execute_script("return window.__sameDocument") != "not reloaded":
        raise Failure("the page was reloaded")
    c.shot("board.png")

    step("badges out; locks the machine; the badge is refused")
    gate(f"badge {NEW_UID}")
    c.wait(lambda d: c.card_state(MACHINE)[0] == "idle", "the board showing idle", 5)
    session_ended = datetime.now(timezone.utc)
    c.go(f"machine/{MACHINE}")
    c.fill("lock", {"reason": "lens cleaning"})
    result = c.css('#command-result[data-confirmed]', "the lock's result")
    if result.get_attribute("data-confirmed") != "yes":
        raise Failure(f"the gate did not confirm the lock: {result.text!r}")
    reply = gate(f"badge {NEW_UID}")
    if "flash=denied" not in reply:
        raise Failure(f"the locked machine admitted bob: {reply!r}")

    step("closes the billing period and downloads its CSV")
    while datetime.now(timezone.utc).replace(microsecond=0) <= session_ended:
        time.sleep(0.2)
    c.go("billing")
    c.fill("close", {"end": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    link = c.css("#billing-periods a[data-csv]", "the closed batch's CSV link")
    batch = link.get_attribute("data-csv")
    link.click()
    csv_file = DOWNLOADS / f"batch-{batch}.csv"
    c.wait(lambda d: csv_file.exists() and csv_file.stat().st_size > 0, f"the download {csv_file.name}")
    text = csv_file.read_text()
    if "bob" not in text or "laser-1" not in text:
        raise Failure(f"the CSV lacks bob's laser session:\n{text}")

    step("the usage page plots the period")
    c.go("usage")
    c.css("#chart-weeks", "the weekly plot")
    c.wait(lambda d: d.execute_script(
        "return !!window.Chart && Object.keys(Chart.instances).length === 3"), "three drawn plots")
    if "bob" not in c.css("#usage-tables").text:
        raise Failure("the usage tables do not show bob")
    c.shot("usage.png")

    step("reads a KWD price the ledger keeps at 2 decimals, types one in IQD (3): both as stored")
    c.go("tariffs")
    listed = lambda d: d.find_element(By.CSS_SELECTOR, "#tariffs-list").text.replace("\u00a0", " ")
    c.wait(lambda d: "KWD" in listed(d), "the KWD tariff")
    c.fill("tariff", {"target_kind": "group", "target": "printers", "per_hour": "1.250",
                      "currency": "IQD"})
    c.wait(lambda d: "IQD" in listed(d), "the IQD tariff typed in the console")
    text = listed(c.d)
    for price in (r"KWD 1\.50(?!\d)", r"IQD 1\.250(?!\d)"):
        if not re.search(price, text):
            raise Failure(f"the tariffs page does not show {price!r}:\n{text}")

    step("the language switch shows the pages in French")
    c.d.execute_script("const s = document.getElementById('lang-switch'); s.value = 'fr';"
                       "s.dispatchEvent(new Event('change'))")
    c.wait(lambda d: d.find_element(By.ID, "nav-members").text == "Membres", "the French menu")
    c.d.execute_script("const s = document.getElementById('lang-switch'); s.value = 'en';"
                       "s.dispatchEvent(new Event('change'))")
    c.wait(lambda d: d.find_element(By.ID, "nav-members").text == "Members", "the English menu")
    phone_and_labels(c)
    c.logout()


UNLABELLED = """return [...document.querySelectorAll('input, select, textarea')]
    .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .map((e) => e.name || e.id || e.outerHTML)"""


def phone_and_labels(c):
    """On a phone's 360 px width (a laptop at 200 % zoom is 640) no page is wider than the
    screen, and every form field has a label."""
    step("every page fits a phone's width and labels its fields")
    c.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
    try:
        for page in ("board", "members", "rights", "usage", "tariffs", "billing", "audit",
                     f"machine/{MACHINE}"):
            c.go(page)
            c.wait(lambda d: d.execute_script(
                "return !!document.querySelector('#view h1') && !document.querySelector('#view .loading')"),
                f"the page {page}")
            time.sleep(0.5)  # the page's lists arrive after its title
            width, screen = c.d.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth]")
            if width > screen + 1:
                c.shot(f"phone-{page.split('/')[0]}.png")
                raise Failure(f"the page {page} is {width} px wide on a {screen} px screen")
            unlabelled = c.d.execute_script(UNLABELLED)
            if unlabelled:
                raise Failure(f"fields without a label on {page}: {unlabelled}")
    finally:
        c.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def treasurer_part(c):
    step("logs in as the treasurer, with the keyboard only, and is refused a rights change")
    c.login_by_keyboard(TREASURER)
    c.go("rights")
    c.css("#rights-list")
    if c.d.find_elements(By.CSS_SELECTOR, "form[name=grant]"):
        raise Failure("the rights page offers the treasurer a grant form")
    status, body = c.fetch("POST", "/api/rights", {"member": "alice", "machine": "laser-1", "role": "user"}, True)
    if status != 403 or (body or {}).get("error", {}).get("code") != "role":
        raise Failure(f"the treasurer's grant was answered {status} {body}")

    step("logged out elsewhere, the board's live stream ends and the page shows the login form")
    c.go("board")
    c.css('.page-head .live[data-live="yes"]', "the board's live stream")
    status, body = c.fetch("POST", "/api/logout", {}, True)
    if status != 200:
        raise Failure(f"the logout from the page was answered {status} {body}")
    c.css("form[name=login]", "the login form once the board's session ended")


def trainer_part(c):
    step("logs in as the laser's trainer: grants alice the laser, is refused the printer")
    c.login(TRAINER)
    for page in ("usage", "billing", "audit"):
        if c.d.find_elements(By.ID, f"nav-{page}"):
            raise Failure(f"the menu offers the trainer the {page} page")
    c.go("rights")
    c.fill("grant", {"member": "alice", "target_kind": "machine", "target": "laser-1", "role": "user"})
    c.wait(lambda d: "alice" in d.find_element(By.CSS_SELECTOR, "form[name=grant] .form-result").text,
           "the trainer's grant confirmation")
    rights = c.d.execute_async_script(
        "const done = arguments[0]; fetch('/api/rights?member=alice').then(r => r.json()).then(done)")
    if "laser-1" not in str(rights):
        raise Failure(f"the trainer's grant is not in alice's rights: {rights}")
    status, body = c.fetch("POST", "/api/rights", {"member": "bob", "machine": "printer-1", "role": "user"}, True)
    if status != 403 or (body or {}).get("error", {}).get("code") != "role":
        raise Failure(f"the trainer's grant on a machine not theirs was answered {status} {body}")
    status, body = c.fetch("POST", "/api/machines/lab/printer-1/lock", {"reason": "mine now"}, True)
    if status != 403:
        raise Failure(f"the trainer's lock of a machine not theirs was answered {status} {body}")
    c.logout()


def failure_shots(c):
    try:
        c.shot("failure.png")
        for page in ("board", "usage"):
            c.go(page)
            time.sleep(1.5)
            c.shot(f"{page}.png")
    except Exception as error:  # the failure itself is what gets reported
        print(f"console_test: could not save the failure screenshots: {error}")


def main():
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    driver = start_browser()
    c = Console(driver)
    try:
        admin_part(c)
        trainer_part(c)
        treasurer_part(c)
    except Exception as error:
        print(f"console_test: FAILED: {error}", file=sys.stderr)
        failure_shots(c)
        for entry in driver.get_log("browser"):
            print(f"console_test: browser log: {entry['level']} {entry['message']}", file=sys.stderr)
        return 1
    finally:
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
                  and not any(f"status of {code}" in e["message"] for code in (400, 401, 403))]
        driver.quit()
    if errors:
        for entry in errors:
            print(f"console_test: browser error: {entry['message']}", file=sys.stderr)
        return 1
    step(f"passed; screenshots in {SHOTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
