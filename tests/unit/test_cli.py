"""The `joinedup` command line: friendly verbs map to Django management commands."""

from __future__ import annotations

from pathlib import Path

import django.core.management
import pytest

from joinedup import cli
from joinedup.demo.management.commands.demo import site_url, sqlite_file_under


@pytest.fixture
def executed(monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", lambda argv: calls.append(list(argv)))
    return calls


@pytest.mark.parametrize(
    ("verb", "command"),
    [("import", "import_data"), ("worker", "db_worker"), ("serve", "runserver")],
)
def test_friendly_verbs_map_to_management_commands(executed, verb, command):
    cli.main(["joinedup", verb, "--flag", "value"])
    assert executed == [["joinedup", command, "--flag", "value"]]


@pytest.mark.parametrize("verb", ["demo", "migrate", "createsuperuser", "audit"])
def test_other_verbs_pass_straight_through(executed, verb):
    cli.main(["joinedup", verb, "x"])
    assert executed == [["joinedup", verb, "x"]]


def test_no_arguments_prints_help_and_runs_nothing(executed, capsys):
    cli.main(["joinedup"])
    assert executed == []
    assert "joinedup demo" in capsys.readouterr().out


def test_help_prints_the_verbs_then_django_help(executed, capsys):
    cli.main(["joinedup", "--help"])
    assert "joinedup worker" in capsys.readouterr().out
    assert executed == [["joinedup", "--help"]]


def test_development_settings_are_the_default_and_never_override(executed, monkeypatch):
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    cli.main(["joinedup", "check"])
    import os

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "joinedup.config.settings.development"
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "joinedup.config.settings.production")
    cli.main(["joinedup", "check"])
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "joinedup.config.settings.production"


def test_the_mapped_commands_exist():
    from django.core.management import get_commands

    commands = get_commands()
    for command in cli.ALIASES.values():
        assert command in commands, command
    assert "demo" in commands


# --- Which database `joinedup demo` may delete ----------------------------------------------

SQLITE = "django.db.backends.sqlite3"


def test_only_a_sqlite_file_inside_var_may_be_deleted(tmp_path):
    var = tmp_path / "var"
    inside = var / "joinedup.sqlite3"
    assert sqlite_file_under({"ENGINE": SQLITE, "NAME": str(inside)}, var) == inside.resolve()
    assert sqlite_file_under({"ENGINE": SQLITE, "NAME": inside}, str(var)) == inside.resolve()
    assert sqlite_file_under({"ENGINE": SQLITE, "NAME": str(var / "sub" / "x.sqlite3")}, var) is not None


@pytest.mark.parametrize(
    "settings_dict",
    [
        {"ENGINE": SQLITE, "NAME": ":memory:"},
        {"ENGINE": SQLITE, "NAME": "file:memorydb_default?mode=memory&cache=shared"},
        {"ENGINE": SQLITE, "NAME": ""},
        {"ENGINE": "django.db.backends.postgresql", "NAME": "VAR/joinedup.sqlite3"},
        {"ENGINE": SQLITE, "NAME": "ELSEWHERE/joinedup.sqlite3"},
        {"ENGINE": SQLITE, "NAME": "VAR/../joinedup.sqlite3"},
        {"ENGINE": SQLITE, "NAME": "VAR"},
    ],
)
def test_nothing_else_may_be_deleted(tmp_path, settings_dict):
    var = tmp_path / "var"
    name = str(settings_dict["NAME"]).replace("VAR", str(var)).replace("ELSEWHERE", str(tmp_path / "other"))
    assert sqlite_file_under({**settings_dict, "NAME": name}, var) is None


def test_a_symlink_out_of_var_does_not_count_as_inside(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    real = tmp_path / "precious.sqlite3"
    real.write_bytes(b"")
    (var / "joinedup.sqlite3").symlink_to(real)
    assert sqlite_file_under({"ENGINE": SQLITE, "NAME": str(var / "joinedup.sqlite3")}, var) is None


@pytest.mark.parametrize(
    ("addrport", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("8001", "http://127.0.0.1:8001"),
        ("0.0.0.0:8002", "http://127.0.0.1:8002"),
        ("localhost:8003", "http://localhost:8003"),
    ],
)
def test_site_url(addrport, url):
    assert site_url(addrport) == url


def test_paths_are_compared_resolved(tmp_path):
    var = tmp_path / "var"
    dotted = Path(str(var) + "/./joinedup.sqlite3")
    assert sqlite_file_under({"ENGINE": SQLITE, "NAME": str(dotted)}, var) == (var / "joinedup.sqlite3").resolve()
