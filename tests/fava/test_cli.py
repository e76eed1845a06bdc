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


def test_off_loopback_every_page_needs_the_login():
    from fava_fundbook.session import login_required

    assert login_required("0.0.0.0", asked=False) and login_required("192.168.1.5", asked=False)
    assert login_required("::", asked=False)
    assert not login_required("127.0.0.1", asked=False) and not login_required("::1", asked=False)
    assert not login_required("localhost", asked=False)
    assert login_required("127.0.0.1", asked=True)
    assert build_parser().parse_args(["fava", "HOME", "--login"]).login


def test_with_the_login_fava_s_pages_send_a_stranger_to_the_login_page(tmp_path):
    layout = write_small_book(tmp_path / "home")
    client = make_app(layout.home, login=True).test_client()
    slug = urlsplit(client.get("/").headers["Location"]).path.strip("/").split("/")[0]
    page = client.get(f"/{slug}/income_statement/")
    assert page.status_code == 303
    assert page.headers["Location"].endswith(
        f"/{slug}/extension/FundbookDesk/login?next=/{slug}/income_statement/"
    )
    assert client.get(f"/{slug}/api/balance_sheet").status_code == 401
    assert client.put(f"/{slug}/api/source", json={}).status_code == 401
    login = client.get(f"/{slug}/extension/FundbookDesk/login")
    assert login.status_code == 200 and 'name="token"' in login.get_data(as_text=True)
    # A forged cookie is no login.
    client.set_cookie("fundbook_desk", "forged.value.here")
    assert client.get(f"/{slug}/journal/").status_code == 303
    # Without the setting (loopback), the pages are open.
    assert make_app(layout.home).test_client().get(f"/{slug}/journal/").status_code == 200
