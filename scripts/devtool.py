#!/usr/bin/env python3
"""Development commands for customer_grading: demo, test and bench.

The commands *use* an Odoo 18.0 that is already installed in this Python
environment (``import odoo``) and a PostgreSQL server; they install neither.
Odoo's installation guide:
https://www.odoo.com/documentation/18.0/administration/on_premise/source.html
"""

import argparse
import ast
import getpass
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "customer_grading"
DEMO_ADDON = "customer_grading_demo"  # the demo data generator, for demo databases only
DEMO_LANGUAGES = "en_US,zh_CN,zh_TW"
# what the hooks of .pre-commit-config.yaml run (requirements-dev.txt)
LINT_MODULES = ("pre_commit", "pre_commit_hooks", "ruff", "pylint_odoo", "oca_pre_commit_hooks")
ODOO_DOC = "https://www.odoo.com/documentation/18.0/administration/on_premise/source.html"
# the browsers Odoo 18's HttpCase looks for on Linux, by name (odoo/tests/common.py)
CHROME_NAMES = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")


def fail(message):
    sys.stderr.write(f"\nERROR: {message}\n\n")
    sys.exit(2)


def info(message):
    print(f"==> {message}", flush=True)


# --- Odoo -------------------------------------------------------------------


def check_odoo():
    """Return the Odoo package, or stop with what is missing."""
    try:
        import odoo  # noqa: PLC0415
    except ImportError as error:
        fail(
            f"Odoo is not importable from {sys.executable} ({error}).\n"
            "Install Odoo 18.0 Community in this Python environment "
            f"(see {ODOO_DOC}),\nor run with PYTHON=/path/to/odoo/python."
        )
    version = getattr(odoo.release, "version_info", (0,))
    if tuple(version[:2]) != (18, 0):
        fail(
            f"Odoo {odoo.release.version} found at {odoo.__file__}, "
            "but customer_grading needs Odoo 18.0."
        )
    return odoo


def addons_path():
    """Odoo's own addons paths followed by this repository."""
    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config([])
    paths = [p for p in odoo.tools.config["addons_path"].split(",") if p]
    extra = os.environ.get("ODOO_ADDONS_PATH", "")
    paths += [p for p in extra.split(",") if p]
    missing = [
        m
        for m in ("sale", "account", "sale_margin")
        if not any((Path(p) / m / "__manifest__.py").exists() for p in paths)
    ]
    if missing:
        fail(
            f"Odoo's addons {', '.join(missing)} are not in the addons path "
            f"({', '.join(paths)}). Set ODOO_ADDONS_PATH to the folder holding them."
        )
    return ",".join([*paths, str(ROOT)])


def odoo_command(*args):
    return [sys.executable, "-m", "odoo", *args, f"--addons-path={addons_path()}"]


# --- PostgreSQL -------------------------------------------------------------


def _connect(dbname="postgres"):
    import psycopg2  # noqa: PLC0415

    return psycopg2.connect(dbname=dbname, connect_timeout=5)


def _start_local_cluster():
    """Start a stopped local Debian PostgreSQL cluster; True if one was started."""
    if not shutil.which("pg_lsclusters"):
        return False
    lines = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    started = False
    for line in lines:
        version, cluster, _port, status = line.split()[:4]
        if status == "down":
            info(f"starting the local PostgreSQL cluster {version}/{cluster}")
            subprocess.run(["pg_ctlcluster", version, cluster, "start"], check=False)
            started = True
    return started


def _create_role():
    """Create a login role for this OS user through the postgres superuser."""
    user = getpass.getuser()
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return False
    info(f"creating the PostgreSQL role {user!r}")
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", "createuser", "--createdb", user],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def ensure_postgres():
    """Reach PostgreSQL (PG* environment variables apply), starting it if needed."""
    import psycopg2  # noqa: PLC0415

    for attempt in range(3):
        try:
            _connect().close()
            return
        except psycopg2.OperationalError as error:
            message = str(error)
        if "does not exist" in message and "role" in message and _create_role():
            continue
        if attempt == 0 and _start_local_cluster():
            for _ in range(30):
                time.sleep(1)
                try:
                    _connect().close()
                    return
                except psycopg2.OperationalError as error:
                    message = str(error)
                    if "role" in message:
                        break
            continue
        break
    fail(
        f"PostgreSQL is not reachable as {os.environ.get('PGUSER', getpass.getuser())!r}: "
        f"{message.strip()}\nStart PostgreSQL (15 or newer) or set PGHOST, PGPORT, "
        "PGUSER and PGPASSWORD."
    )


def database_exists(name):
    conn = _connect()
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return bool(cr.fetchone())
    finally:
        conn.close()


def addon_installed(db, addon=ADDON):
    conn = _connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT 1 FROM ir_module_module WHERE name = %s AND state = 'installed'",
                (addon,),
            )
            return bool(cr.fetchone())
    except Exception:
        return False
    finally:
        conn.close()


def drop_database(name):
    if not database_exists(name):
        return
    info(f"dropping database {name}")
    conn = _connect()
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            from psycopg2 import sql  # noqa: PLC0415

            cr.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    import odoo  # noqa: PLC0415

    # the default data directory, or the one of the configuration already parsed
    filestore = Path(odoo.tools.config["data_dir"]) / "filestore" / name
    shutil.rmtree(filestore, ignore_errors=True)


def run(command, **kwargs):
    info(" ".join(str(c) for c in command))
    result = subprocess.run(command, check=False, **kwargs)
    if result.returncode:
        fail(f"command failed with exit code {result.returncode}: {command[0]} …")
    return result


def ensure_requirements():
    """Install requirements.txt when a Python dependency the addon's manifest
    declares is missing (Odoo would refuse to install the addon)."""
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
    declared = manifest.get("external_dependencies", {}).get("python", [])
    missing = [name for name in declared if importlib.util.find_spec(name) is None]
    if missing:
        info(f"installing the addon's Python requirements ({', '.join(missing)} missing)")
        run([sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "requirements.txt")])


def odoo_setup(db, options, addons=(ADDON,)):
    """Install or update ``addons`` in ``db``; stop on any error in Odoo's log,
    including demo data that failed to load (Odoo logs that as a warning)."""
    ensure_requirements()
    log = ROOT / ".odoo-setup.log"
    command = odoo_command("-d", db, "--stop-after-init", "--log-level=info", *options)
    info(" ".join(command[2:4] + options) + f"  (log: {log.name})")
    with log.open("w") as handle:
        result = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, check=False)
    lines = log.read_text().splitlines()
    errors = [
        line
        for line in lines
        if " ERROR " in line
        or " CRITICAL " in line
        or "failed to install" in line
        or "demo data failed" in line
    ]
    if result.returncode or errors or not all(addon_installed(db, a) for a in addons):
        sys.stderr.write("\n".join(lines[-200:]) + "\n")
        names = ", ".join(addons)
        fail(f"setting up {names} in {db} failed: {errors[:1] or result.returncode} (log: {log})")


# --- commands ---------------------------------------------------------------


def cmd_check(_args):
    odoo = check_odoo()
    ensure_postgres()
    info(f"Odoo {odoo.release.version} at {Path(odoo.__file__).parent}")
    info(f"addons path: {addons_path()}")
    info("PostgreSQL reachable")


def cmd_demo(args):
    check_odoo()
    ensure_postgres()
    db = args.database
    if args.reset:
        drop_database(db)
    addons = (ADDON, DEMO_ADDON)
    if database_exists(db) and addon_installed(db):
        if addon_installed(db, DEMO_ADDON):
            info(f"refreshing {db}: updating {ADDON} and {DEMO_ADDON}")
            odoo_setup(db, ["-u", ",".join(addons)], addons)
        else:
            # a demo database made before the generator moved to its own addon:
            # installing it generates nothing, the demo users being there
            info(f"refreshing {db}: updating {ADDON}, installing {DEMO_ADDON}")
            odoo_setup(db, ["-u", ADDON, "-i", DEMO_ADDON], addons)
    else:
        drop_database(db)
        info(f"creating {db} with {ADDON} and its demo data (about five minutes)")
        odoo_setup(db, ["-i", ",".join(addons), f"--load-language={DEMO_LANGUAGES}"], addons)
    if args.no_serve:
        return
    info(f"serving Odoo on http://localhost:{args.port} (database {db}; Ctrl-C stops it)")
    info("log in as admin/admin, grading_manager/grading_manager or sales_li/sales_li")
    os.execv(
        sys.executable,
        odoo_command("-d", db, f"--http-port={args.port}", f"--db-filter=^{db}$"),
    )


def pip_install(requirements):
    run([sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / requirements)])


def find_chrome():
    return next((path for path in map(shutil.which, CHROME_NAMES) if path), None)


def ensure_chrome():
    """The browser tours need Chrome or Chromium, which Odoo finds by name; Odoo
    skips browser tests without it, so a missing browser stops the command."""
    if find_chrome():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        info("installing Chromium for the browser tours (apt-get install chromium)")
        run(["apt-get", "update", "-q"])
        run(["apt-get", "install", "-y", "-q", "chromium"])
    if not find_chrome():
        fail(
            "the browser tours need Chrome or Chromium, found by one of the names "
            f"{', '.join(CHROME_NAMES)} in PATH, and none is installed.\n"
            "Install it, e.g. on Debian or Ubuntu: sudo apt-get install chromium"
        )


def cmd_test(args):
    check_odoo()
    ensure_postgres()
    if not all(importlib.util.find_spec(module) for module in ("pytest_odoo", "websocket")):
        info("installing the test requirements (requirements-test.txt)")
        pip_install("requirements-test.txt")
    ensure_chrome()
    pytest_args = args.pytest_args
    if pytest_args[:1] == ["--"]:  # the Makefile passes PYTEST_ARGS after "--"
        pytest_args = pytest_args[1:]
    # test files or test ids given: those only; otherwise every test of the addon
    given = [a for a in pytest_args if a[:1] != "-" and (ROOT / a.split("::")[0]).exists()]
    db = args.database
    drop_database(db)
    info(f"creating {db} with {ADDON} installed (no demo data)")
    odoo_setup(db, ["-i", ADDON, "--without-demo=all"])
    command = [
        sys.executable,
        "-m",
        "pytest",
        *([] if given else [str(ROOT / ADDON / "tests")]),
        f"--odoo-database={db}",
        f"--odoo-addons-path={addons_path()}",
        "--odoo-log-level=warn",
        # an HTTP server in the test process, for the browser tours (HttpCase)
        "--odoo-http",
        "-p",
        "no:cacheprovider",
        *pytest_args,
    ]
    info(" ".join(command))
    code = subprocess.run(command, cwd=ROOT, check=False).returncode
    if not args.keep:
        drop_database(db)
    if code:
        fail(f"the tests failed (pytest exit code {code})")


def cmd_lint(_args):
    """Run every pre-commit check on every file; the hooks are local, so offline."""
    if not all(importlib.util.find_spec(module) for module in LINT_MODULES):
        info("installing the development tools (requirements-dev.txt)")
        pip_install("requirements-dev.txt")
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    info("pre-commit run --all-files (.pre-commit-config.yaml)")
    if subprocess.run(command, cwd=ROOT, check=False).returncode:
        fail("the checks failed (fixes made by the hooks are left in the work tree)")


def cmd_pot(args):
    """Export the addon's terms to i18n/customer_grading.pot from a scratch database."""
    check_odoo()
    ensure_postgres()
    db = args.database
    drop_database(db)
    odoo_setup(db, ["-i", ADDON, "--without-demo=all"])
    pot = ROOT / ADDON / "i18n" / f"{ADDON}.pot"
    run(
        odoo_command(
            "-d",
            db,
            f"--i18n-export={pot}",
            f"--modules={ADDON}",
            "--stop-after-init",
            "--log-level=warn",
        )
    )
    drop_database(db)
    info(f"wrote {pot.relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check Odoo and PostgreSQL").set_defaults(func=cmd_check)

    demo = sub.add_parser("demo", help="create or refresh the demo database and serve it")
    demo.add_argument("--database", default=os.environ.get("DEMO_DB", "customer_grading_demo"))
    demo.add_argument("--port", type=int, default=int(os.environ.get("HTTP_PORT", "8069")))
    demo.add_argument("--reset", action="store_true", help="drop the demo database first")
    demo.add_argument("--no-serve", action="store_true", help="prepare the database only")
    demo.set_defaults(func=cmd_demo)

    test = sub.add_parser("test", help="run the tests on a fresh database")
    test.add_argument("--database", default=os.environ.get("TEST_DB", "customer_grading_test"))
    test.add_argument("--keep", action="store_true", help="keep the test database")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    test.set_defaults(func=cmd_test)

    lint = sub.add_parser("lint", help="run the pre-commit checks, offline")
    lint.set_defaults(func=cmd_lint)

    pot = sub.add_parser("pot", help="export the translatable terms to the .pot file")
    pot.add_argument("--database", default="customer_grading_i18n")
    pot.set_defaults(func=cmd_pot)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
