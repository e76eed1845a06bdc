"""`fundbook fava`: refuses a HOME without a book, prepares Fava's import config for one."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fava_fundbook.server import make_app, prepare_home
from fundbook_cli.main import build_parser, main
from tests.fava.smallbook import write_small_book


def test_a_home_without_a_book_is_refused(tmp_path, capsys):
    assert main(["fava", str(tmp_path)]) == 1
    assert "main.beancount does not exist" in capsys.readouterr().err
    assert not (tmp_path / "book").exists()


def test_the_command_defaults_to_chinese_on_localhost():
    args = build_parser().parse_args(["fava", "HOME"])
    assert (args.lang, args.host, args.port, args.read_only) == ("zh", "127.0.0.1", 5000, False)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["fava", "HOME", "--lang", "fr"])


def test_prepare_home_writes_the_import_config_and_statements_directory(tmp_path):
    layout = write_small_book(tmp_path / "home")
    (layout.home / "imports").rmdir()
    prepare_home(layout.home)
    assert (layout.book_dir / "importers.py").is_file() and layout.imports_dir.is_dir()
    with pytest.raises(ValueError, match="language"):
        make_app(layout.home, language="fr")


def test_a_relative_home_serves_fava_s_pages(tmp_path, monkeypatch):
    """`fundbook fava demo-home` from the directory holding it: Beancount needs absolute paths."""
    write_small_book(tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    client = make_app(Path("home")).test_client()
    root = client.get("/")
    assert root.status_code == 302
    slug = urlsplit(root.headers["Location"]).path.strip("/").split("/")[0]
    for page in ("income_statement", "journal", "extension/FundbookDesk"):
        assert client.get(f"/{slug}/{page}/").status_code == 200, page
    assert client.get(f"/{slug}/api/balance_sheet").status_code == 200
