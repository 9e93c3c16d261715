"""`joinedup demo` as a command: in the test database, and end to end in a var/ directory."""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from joinedup.accounts.models import User
from joinedup.demo import harbourside
from joinedup.demo.harbourside import DEMO_PASSWORD
from joinedup.directory.models import Agency, Service
from joinedup.platform.access import Role
from joinedup.platform.audit import audit_verify
from joinedup.platform.models import AuditEvent

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--young-people", "0", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_outside_var_it_touches_nothing_without_reset():
    with pytest.raises(CommandError, match="--reset"):
        run_demo("--no-serve")
    assert not Agency.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_running_it_twice_with_no_serve_works_and_keeps_the_trail():
    # The first run also migrates (nothing to apply in the test database): that step is safe here.
    first = run_demo("--no-serve", "--reset", "--seed", "5")
    names = sorted(User.objects.values_list("full_name", flat=True))
    second = run_demo("--no-serve", "--reset", "--seed", "5", "--no-migrate")

    assert "Harbourside built (seed 5)" in first
    assert "Harbourside rebuilt (seed 5)" in second
    assert Agency.objects.count() == len(harbourside.AGENCIES)
    assert Service.objects.count() == len(harbourside.SERVICES)
    assert sorted(User.objects.values_list("full_name", flat=True)) == names
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["demo.partnership.load", "demo.partnership.remove", "demo.partnership.load"]
    assert audit_verify().ok


@pytest.mark.django_db
def test_it_prints_one_sign_in_line_per_role_with_the_password_and_url():
    out = run_demo("--no-serve", "--reset", "--no-migrate", "--addrport", "127.0.0.1:8123")
    assert "http://127.0.0.1:8123/sign-in/" in out
    lines = out.splitlines()
    for role in Role:
        role_lines = [line for line in lines if line.strip().startswith(role.label)]
        assert len(role_lines) == 1, role
        assert DEMO_PASSWORD in role_lines[0]
        assert "@harbourside.example" in role_lines[0]
    assert "coordinator@harbourside.example" in out
    for spec in harbourside.USERS:
        assert spec.email in out


@pytest.mark.django_db
def test_it_serves_with_runserver_without_the_reloader(monkeypatch):
    from joinedup.demo.management.commands import demo as demo_command

    calls = []
    real_call_command = demo_command.call_command

    def fake_call_command(name, *args, **kwargs):
        if name == "runserver":
            calls.append((args, kwargs))
            return None
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(demo_command, "call_command", fake_call_command)
    out = run_demo("--reset", "--no-migrate", "--addrport", "0.0.0.0:8001")
    assert calls == [(("0.0.0.0:8001",), {"use_reloader": False})]
    assert "Serving Harbourside at http://127.0.0.1:8001/" in out


def run_cli(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "JOINEDUP_TEST_DATABASE_URL"}}
    env.update({"JOINEDUP_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "joinedup.config.settings.development"})
    return subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "demo", "--no-serve", "--young-people", "0", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def trail(db_file: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(db_file) as db:
        return db.execute("SELECT seq, action, detail FROM platform_auditevent ORDER BY seq").fetchall()


def test_end_to_end_in_a_var_directory_a_rebuild_is_a_new_database(tmp_path):
    """The real command, in its own process, against SQLite under JOINEDUP_VAR_DIR."""
    first = run_cli(tmp_path, "--seed", "2")
    assert first.returncode == 0, first.stderr
    db_file = tmp_path / "joinedup.sqlite3"
    assert db_file.exists()
    assert "Harbourside built (seed 2)" in first.stdout
    assert [row[:2] for row in trail(db_file)] == [(1, "demo.partnership.load")]
    with sqlite3.connect(db_file) as db:
        (agencies,) = db.execute("SELECT count(*) FROM directory_agency").fetchone()
        # The append-only triggers are there: the file's trail cannot be edited in place.
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM platform_auditevent")
    assert agencies == len(harbourside.AGENCIES)

    second = run_cli(tmp_path, "--seed", "3")
    assert second.returncode == 0, second.stderr
    assert f"Removed {db_file}" in second.stdout
    # A fresh database with a fresh trail: one load event, for the new seed.
    rows = trail(db_file)
    assert [row[:2] for row in rows] == [(1, "demo.partnership.load")]
    assert '"seed": 3' in rows[0][2]


def test_end_to_end_outside_var_it_refuses_without_reset(tmp_path):
    var_dir = tmp_path / "var"
    other = tmp_path / "elsewhere.sqlite3"
    env_db = f"sqlite:///{other}"
    env = {key: value for key, value in os.environ.items() if key != "JOINEDUP_TEST_DATABASE_URL"}
    env.update(
        {
            "JOINEDUP_VAR_DIR": str(var_dir),
            "DATABASE_URL": env_db,
            "DJANGO_SETTINGS_MODULE": "joinedup.config.settings.development",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "demo", "--no-serve"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "--reset" in result.stderr
    assert not other.exists() or other.stat().st_size == 0


def test_the_readme_documents_the_demo_and_every_setting():
    readme = (PROJECT_DIR / "README.md").read_text()
    assert readme.index("make demo") < readme.index("## Configuration")
    assert readme.index("make test") < readme.index("## Configuration")
    assert DEMO_PASSWORD in readme
    settings_dir = PROJECT_DIR / "joinedup" / "config" / "settings"
    pattern = re.compile(r"(?:os\.environ(?:\.get)?[(\[]|env_bool\(|env_list\()\s*\"([A-Z][A-Z0-9_]+)\"")
    names = {name for path in settings_dir.glob("*.py") for name in pattern.findall(path.read_text())}
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "JOINEDUP_VAR_DIR"} <= names
    names |= {"DJANGO_SETTINGS_MODULE"}
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert not undocumented, f"Document these environment variables in README.md: {undocumented}"
    for doc in (
        "docs/adr/0001-stack.md",
        "docs/adr/0002-access-and-scoping.md",
        "docs/adr/0003-audit-trail.md",
        "docs/glossary.md",
    ):
        assert Path(doc).name in readme, doc
        assert (PROJECT_DIR / doc).exists(), doc
