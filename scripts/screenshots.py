#!/usr/bin/env python3
"""Screenshots of the addon for the README: ``make screenshots``.

Serves the demo database (prepared with ``devtool.py demo --no-serve`` when it
is missing) on a free port, logs in as ``admin`` with headless Chromium through
Playwright, and shoots the main screens once per language into
``docs/screenshots/<lang>/*.png``. The administrator's language is switched for
each pass and restored at the end, so that both languages show the same screens.
"""

import argparse
import contextlib
import datetime
import importlib.util
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import devtool

ROOT = devtool.ROOT
OUTPUT = ROOT / "docs" / "screenshots"
FAILED = ROOT / ".screenshots-failed.png"  # what the browser showed when a step failed
LANGUAGES = {"en_US": "en", "zh_CN": "zh_CN"}  # language: folder
LOGIN = PASSWORD = "admin"
WIDTH, HEIGHT = 1400, 900
TIMEZONE = "Asia/Shanghai"  # the demo's customers'; 04:00 UTC is noon there
TALL = 4000  # the window's height for the screens shown whole
MAX_HEIGHT = 2600  # a screen taller than this is cut
MAX_BYTES = 250_000  # a PNG above this is reported
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LOADED = ".o_action_manager .o_view_controller"


def fail(message):
    devtool.fail(message)


info = devtool.info


# --- what the script needs ----------------------------------------------------


def find_chromium():
    """The Chromium executable: $CHROMIUM, or the first one on the PATH."""
    path = os.environ.get("CHROMIUM") or next(
        (shutil.which(name) for name in CHROMIUM_NAMES if shutil.which(name)), None
    )
    if not path or not Path(path).exists():
        fail(
            "Chromium is not installed (looked for $CHROMIUM, then "
            f"{', '.join(CHROMIUM_NAMES)} on the PATH).\n"
            "On Debian or Ubuntu: sudo apt-get install chromium\n"
            "or point CHROMIUM at a Chromium or Chrome executable."
        )
    return path


def check_python_modules():
    """Playwright (requirements-dev.txt) and Pillow (which Odoo needs too)."""
    missing = [
        package
        for module, package in (("playwright", "playwright"), ("PIL", "Pillow"))
        if importlib.util.find_spec(module) is None
    ]
    if missing:
        fail(
            f"the Python package(s) {', '.join(missing)} missing in {sys.executable}.\n"
            f"Install them with: {sys.executable} -m pip install {' '.join(missing)}\n"
            "(Playwright drives the system Chromium: no browser download is needed.)"
        )


def ensure_demo(db):
    devtool.check_odoo()
    devtool.ensure_postgres()
    if devtool.database_exists(db) and devtool.addon_installed(db, devtool.DEMO_ADDON):
        return
    info(f"{db} has no demo data: preparing it (make demo, about five minutes)")
    command = [sys.executable, str(ROOT / "scripts" / "devtool.py"), "demo", "--no-serve"]
    devtool.run([*command, "--database", db])


# --- the server -----------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """Odoo serving ``db`` on a free local port, without workers or crons."""

    def __init__(self, db):
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ROOT / ".screenshots-odoo.log"
        self.process = None

    def __enter__(self):
        command = devtool.odoo_command(
            "-d",
            self.db,
            f"--db-filter=^{self.db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            "--workers=0",
            "--max-cron-threads=0",
            "--log-level=warn",
        )
        info(f"serving {self.db} on {self.url} (log: {self.log.name})")
        with self.log.open("w") as handle:
            self.process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        try:
            self._wait()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait(self, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                fail(f"Odoo stopped at startup (exit code {code}); see {self.log}")
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/web/login", timeout=10) as response,
            ):
                if response.status == 200:
                    return
            time.sleep(1)
        fail(f"Odoo did not answer on {self.url} within {timeout} s; see {self.log}")

    def __exit__(self, *_exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        info("Odoo stopped")

    def rpc(self, model, method, *args, **kwargs):
        """Call ``model.method`` as the administrator through JSON-RPC."""
        if not hasattr(self, "_uid"):
            self._uid = self._call("common", "login", self.db, LOGIN, PASSWORD)
            if not self._uid:
                fail(f"cannot log in to {self.db} as {LOGIN}/{PASSWORD}")
        return self._call(
            "object", "execute_kw", self.db, self._uid, PASSWORD, model, method, args, kwargs
        )

    def _call(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": args},
        }
        request = urllib.request.Request(
            f"{self.url}/jsonrpc",
            json.dumps(payload).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.load(response)
        if answer.get("error"):
            error = answer["error"].get("data", {}).get("message") or answer["error"]
            fail(f"JSON-RPC {service}.{method} failed: {error}")
        return answer["result"]


# --- the records shown ------------------------------------------------------------


def pick_records(server):
    """The demo records the screens open: the best customer that can still
    reach a higher grade, the last published run, an entry in force with its
    customer, and the last receivables review."""
    graded = server.rpc(
        "res.partner",
        "search_read",
        [("is_company", "=", True), ("grading_level_id", "!=", False)],
        ["grading_next_level_id"],
        order="grading_score desc",
    )
    customer = [p["id"] for p in graded if p["grading_next_level_id"]][:1]
    run = server.rpc(
        "customer.grading.run",
        "search",
        [("state", "=", "applied"), ("is_partial", "=", False)],
        order="date_to desc",
        limit=1,
    )
    entry = server.rpc(
        "customer.grading.blacklist",
        "search",
        [("state", "=", "active"), ("partner_id", "!=", False)],
        limit=1,
    )
    review = server.rpc(
        "customer.grading.receivable.review", "search", [], order="date desc, id desc", limit=1
    )
    missing = [
        name
        for name, ids in (
            ("a graded customer", customer),
            ("a published run", run),
            ("a blacklist entry in force", entry),
            ("a receivables review", review),
        )
        if not ids
    ]
    if missing:
        fail(f"the demo database lacks {', '.join(missing)}: run make demo-reset")
    return {"customer": customer[0], "run": run[0], "entry": entry[0], "review": review[0]}


# --- shooting -----------------------------------------------------------------------


class Camera:
    """One language's pass: a logged-in browser page and its screenshots."""

    def __init__(self, page, base_url, folder):
        self.page = page
        self.base_url = base_url
        self.folder = folder
        self.last = None  # the last screenshot taken
        # Odoo keeps its bus open, so "network idle" never comes: count the other requests
        self.pending = set()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request):
        if "/websocket" not in request.url and "/longpolling" not in request.url:
            self.pending.add(request)

    def _ended(self, request):
        self.pending.discard(request)

    def open(self, path, selector=LOADED):
        self.page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        self.page.goto(f"{self.base_url}{path}")
        self.settle(selector)

    def settle(self, selector=LOADED):
        """Wait for the view, then for Odoo's requests and animations to end."""
        self.page.wait_for_selector(selector, state="visible", timeout=60_000)
        deadline, quiet = time.monotonic() + 60, 0
        while quiet < 3 and time.monotonic() < deadline:  # 0.6 s without a request
            self.page.wait_for_timeout(200)
            quiet = 0 if self.pending else quiet + 1
        self.page.wait_for_function(
            "!document.querySelector('.o_loading_indicator, .o_blockUI')", timeout=60_000
        )
        self.page.wait_for_timeout(400)

    def click(self, selector, then=LOADED):
        self.page.locator(selector).first.click()
        self.settle(then)

    def switch_view(self, view_type):
        self.click(f".o_switch_view.o_{view_type}", f".o_{view_type}_view")

    def shoot(self, name, bottom=None, top=None):
        """Save the screen as ``name``.png. With ``bottom``, the screen ends
        below that element; with ``top``, it shows the navigation bar and the
        control panel, then the page from that element on. A screen that looks
        the same as the file already there leaves the file as it is."""
        final = self.folder / f"{name}.png"
        path = final.with_suffix(".new.png")
        self.page.mouse.move(WIDTH - 1, HEIGHT - 1)  # no tooltip
        if not (top or bottom):
            self.page.screenshot(path=str(path), animations="disabled", caret="hide")
        else:
            self._shoot_part(path, top, bottom)
        optimise(path)
        self.last = final.name
        if final.exists() and looks_the_same(path, final):
            path.unlink()
            info(f"  {os.path.relpath(final)} (unchanged)")
        else:
            path.replace(final)
            info(f"  {os.path.relpath(final)} ({final.stat().st_size // 1024} KB)")
        return final

    def _shoot_part(self, path, top, bottom):
        from PIL import Image  # noqa: PLC0415

        self.page.set_viewport_size({"width": WIDTH, "height": TALL})
        self.page.wait_for_timeout(500)
        header = self._box(".o_control_panel")
        header_end = header["y"] + header["height"]
        start = self._box(top)["y"] - 8 if top else 0
        end = self._box(bottom or top)
        end = min(end["y"] + end["height"] + 4, start + MAX_HEIGHT)
        options = {"animations": "disabled", "caret": "hide", "type": "png"}
        body = self.page.screenshot(
            clip={"x": 0, "y": start, "width": WIDTH, "height": end - start}, **options
        )
        if not top or start <= header_end:
            path.write_bytes(body)
            return
        head = self.page.screenshot(
            clip={"x": 0, "y": 0, "width": WIDTH, "height": header_end}, **options
        )
        with Image.open(io.BytesIO(head)) as head, Image.open(io.BytesIO(body)) as body:
            image = Image.new("RGB", (WIDTH, head.height + body.height), "white")
            image.paste(head, (0, 0))
            image.paste(body, (0, head.height))
            image.save(path)

    def _box(self, selector):
        box = self.page.locator(selector).first.bounding_box()
        if not box:
            fail(f"{selector} is not on the screen: the view changed?")
        return box


def looks_the_same(new, old):
    """Whether two PNGs differ by no more than rendering noise (colours
    quantized a little differently, a few anti-aliased pixels)."""
    from PIL import Image, ImageChops  # noqa: PLC0415

    with Image.open(new) as first, Image.open(old) as second:
        if first.size != second.size:
            return False
        difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
        return sum(difference.convert("L").histogram()[24:]) <= 20


def optimise(path):
    """Fewer colours (a web client has few), then optipng when installed."""
    from PIL import Image  # noqa: PLC0415

    with Image.open(path) as image:
        quantized = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    quantized.save(path, optimize=True)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", str(path)], check=False)


def shoot_all(camera, records):
    """Every screen, in the order of the README."""
    action = "/odoo/action-customer_grading."
    camera.open(f"{action}res_partner_action_graded")
    camera.shoot("customers")

    camera.open(f"{action}res_partner_action_graded/{records['customer']}", ".o_form_view")
    camera.click(".o_notebook a.nav-link[name='customer_grading']", ".o_form_view")
    camera.shoot("customer_grading_tab", top=".o_notebook", bottom=".o_form_sheet")

    camera.open(f"{action}customer_grading_run_action/{records['run']}", ".o_form_view")
    camera.click("button[name='action_view_results']", ".o_list_view")
    for _group in range(2):  # open the two best grades
        camera.click(".o_group_header:not(.o_group_open)", ".o_data_row")
    camera.shoot("run_results_list")
    camera.switch_view("pivot")
    camera.shoot("run_results_pivot", bottom=".o_pivot table")

    camera.open(f"{action}customer_grading_visit_action")
    camera.switch_view("calendar")
    camera.shoot("visit_calendar")

    camera.open(f"{action}customer_grading_visit_compliance_action")
    camera.click(".o_group_header:not(.o_group_open)", ".o_data_row")
    camera.shoot("visit_compliance")

    camera.open(f"{action}customer_grading_blacklist_action/{records['entry']}", ".o_form_view")
    camera.shoot("blacklist_entry", bottom=".o_form_sheet")

    camera.open(
        f"{action}customer_grading_receivable_review_action/{records['review']}", ".o_form_view"
    )
    camera.shoot("receivables_review", bottom=".o_form_sheet")

    block = ".o_settings_container:has(#customer_grading_scheme)"
    camera.open("/odoo/action-sale.action_sale_config_settings", block)
    camera.shoot("settings", top=f"h2:has(+ {block})", bottom=block)


def shoot_language(browser, server, records, lang, output):
    from playwright.sync_api import Error as PlaywrightError  # noqa: PLC0415

    folder = output / LANGUAGES[lang]
    folder.mkdir(parents=True, exist_ok=True)
    info(f"{lang}: shooting into {os.path.relpath(folder)}")
    server.rpc("res.users", "write", [server._uid], {"lang": lang})
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        device_scale_factor=1,
        locale=lang.replace("_", "-"),
        timezone_id=TIMEZONE,
    )
    # the browser's today is the server's (the demo's dates are UTC dates)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    noon = datetime.datetime(*today.timetuple()[:3], 4, tzinfo=datetime.timezone.utc)
    context.clock.install(time=noon)
    page = context.new_page()
    camera = Camera(page, server.url, folder)
    try:
        page.goto(f"{server.url}/web/login")
        page.fill("input[name='login']", LOGIN)
        page.fill("input[name='password']", PASSWORD)
        page.locator("form.oe_login_form button[type='submit']").click()
        page.wait_for_url("**/odoo**", timeout=60_000)
        shoot_all(camera, records)
    except PlaywrightError as error:
        page.screenshot(path=str(FAILED))
        fail(
            f"{lang}: a screen did not show as expected after {camera.last or 'the login'}: "
            f"{error.message.splitlines()[0]}\nThe browser showed {FAILED.name}; "
            "Odoo's log is .screenshots-odoo.log."
        )
    finally:
        context.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("DEMO_DB", "customer_grading_demo"))
    parser.add_argument(
        "--lang",
        action="append",
        choices=LANGUAGES,
        help="only this language (repeatable); default: all of them",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    args.output = args.output.resolve()

    started = time.monotonic()
    check_python_modules()
    chromium = find_chromium()
    ensure_demo(args.database)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with Server(args.database) as server, sync_playwright() as playwright:
        records = pick_records(server)
        original = server.rpc("res.users", "read", [server._uid], ["lang"])[0]["lang"]
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            for lang in args.lang or LANGUAGES:
                shoot_language(browser, server, records, lang, args.output)
        finally:
            browser.close()
            server.rpc("res.users", "write", [server._uid], {"lang": original})
    large = [p for p in args.output.rglob("*.png") if p.stat().st_size > MAX_BYTES]
    for path in large:
        info(f"larger than {MAX_BYTES // 1000} KB: {os.path.relpath(path)}")
    info(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
