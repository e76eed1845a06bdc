"""`fundbook init`: a district from its TOML description becomes a valid book."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from beancount import loader

from fundbook_cli.district_config import ConfigError, parse_config, read_config
from fundbook_cli.main import main
from ledger.book import PLUGINS
from ledger.layout import Layout
from ledger.registry_io import read_registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "district.toml"
BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def bean_check(main_file: Path) -> subprocess.CompletedProcess[str]:
    """Plain bean-check as an auditor runs it (without the loader's pickle cache)."""
    return subprocess.run(
        [str(BEAN_CHECK), "--no-cache", str(main_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "district"
    assert main(["init", str(home), "--config", str(EXAMPLE)]) == 0
    return home


def test_init_book_passes_plain_bean_check(home: Path) -> None:
    result = bean_check(Layout(home).main)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_init_book_reads_back_equal_to_the_toml(home: Path) -> None:
    config = read_config(EXAMPLE)
    entries, errors, options = loader.load_file(str(Layout(home).main))
    assert errors == []
    assert options["title"] == "成都市武侯区社区发展基金会"
    assert options["operating_currency"] == ["CNY"]
    book, problems = read_registry(entries)
    assert problems == []
    assert book.registry == config.registry
    assert book.banks == config.banks
    assert len(book.registry.funds) == 6


def test_main_beancount_declares_plugins_includes_and_fava_options(home: Path) -> None:
    layout = Layout(home)
    lines = layout.main.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("plugin ")] == [
        f'plugin "{plugin}"' for plugin in PLUGINS
    ]
    assert [line for line in lines if line.startswith("include ")] == [
        'include "chart.beancount"',
        'include "registry.beancount"',
        'include "manual.beancount"',
        'include "fundbook/journal.beancount"',
        'include "documents.beancount"',
    ]
    assert 'option "documents" "../documents"' in lines
    text = "\n".join(lines)
    for option in (
        '"fava-option" "language" "zh"',
        '"fava-option" "import-config" "importers.py"',
        '"fava-option" "import-dirs" "../imports"',
    ):
        assert option in text
    manual = layout.manual.read_text(encoding="utf-8").rstrip("\n").splitlines()
    assert manual[-1].endswith('custom "fava-option" "insert-entry" ".*"')
    assert layout.journal_index.exists()
    assert layout.imports_dir.is_dir()
    assert (layout.book_dir / "importers.py").exists()  # Fava's import-config


def test_init_refuses_a_non_empty_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "busy"
    home.mkdir()
    (home / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["init", str(home), "--config", str(EXAMPLE)]) == 1
    assert "not an empty directory" in capsys.readouterr().err
    assert sorted(path.name for path in home.iterdir()) == ["notes.txt"]


def test_init_twice_refuses_the_second_time(home: Path) -> None:
    before = {path: path.read_bytes() for path in home.rglob("*") if path.is_file()}
    assert main(["init", str(home), "--config", str(EXAMPLE)]) == 1
    assert {path: path.read_bytes() for path in home.rglob("*") if path.is_file()} == before


def test_fundbook_init_console_script(tmp_path: Path) -> None:
    home = tmp_path / "cli"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "fundbook"),
            "init",
            str(home),
            "--config",
            str(EXAMPLE),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "6 funds" in result.stdout
    assert Layout(home).main.exists()


EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('code = "ST02C01"', 'code = "st02c01"'), "'st02c01'"),
        (
            lambda t: t.replace('street = "ST02"', 'street = "ST09"'),
            "street 'ST09' is not a street",
        ),
        (
            lambda t: t.replace('code = "D02"', 'code = "D01"'),
            "organization code 'D01' is used more than once",
        ),
        (lambda t: t.replace('pool = "GP"', 'pool = "DCF"'), "pool 'DCF' is not a pool fund"),
        (
            lambda t: t.replace('kind = "micro"', 'kind = "mikro"', 1),
            "'mikro' is not a valid FundKind",
        ),
        (
            lambda t: t.replace('org = "ST01C01"', 'org = "ST07C01"', 1),
            "org 'ST07C01' is not an organization",
        ),
        (lambda t: t.replace("start = 2026-01-01", 'start = "soon"'), "start must be a date"),
        (
            lambda t: t.replace('title = "成都市武侯区社区发展基金会"', 'title = "a\\nb"'),
            "title must be at most",
        ),
        (lambda t: t.replace('key = "ICBC"', 'key = "icbc:X"'), "key must match"),
        (
            lambda t: t.replace('chain = "foundation@foundation"', 'chain = "boss@foundation"'),
            "approval step 'boss@foundation'",
        ),
        (
            lambda t: t.replace(
                'restriction = "restricted"\nchain = "district',
                'restriction = "unrestricted"\nchain = "district',
                1,
            ),
            "only the foundation's own fund may be unrestricted",
        ),
        (
            lambda t: (
                t + '\n[[funds]]\ncode = "FDN"\nkind = "foundation"\nname = "x"\nname_zh = "y"\n'
                'org = "WHCDF"\nrestriction = "unrestricted"\n'
            ),
            "fund code 'FDN' is used more than once",
        ),
        (
            lambda t: t.replace('bank = "CCB"', 'bank = "ABC"'),
            "fund 'GP': bank 'ABC' is not a [[banks]] account",
        ),
        (lambda t: t.replace("[district]", "[distrikt]"), "[district] table is missing"),
        (lambda t: t + "\n = broken", "not valid TOML"),
    ],
)
def test_invalid_descriptions_are_refused_with_clear_errors(change, message: str) -> None:  # type: ignore[no-untyped-def]
    text = change(EXAMPLE_TEXT)
    assert text != EXAMPLE_TEXT
    with pytest.raises(ConfigError) as excinfo:
        parse_config(text)
    assert message in str(excinfo.value)


def test_every_problem_is_listed_at_once() -> None:
    text = EXAMPLE_TEXT.replace('street = "ST02"', 'street = "ST09"').replace(
        'code = "D02"', 'code = "D01"'
    )
    with pytest.raises(ConfigError) as excinfo:
        parse_config(text)
    assert "ST09" in str(excinfo.value)
    assert "'D01' is used more than once" in str(excinfo.value)


def test_init_reports_config_errors_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_TEXT.replace('pool = "GP"', 'pool = "NOPE"'), encoding="utf-8")
    home = tmp_path / "home"
    assert main(["init", str(home), "--config", str(bad)]) == 1
    assert "pool 'NOPE' is not a pool fund" in capsys.readouterr().err
    assert not home.exists()
