"""The two rules of the house fail the build when broken (README, "Layout"): the import
contracts (`lint-imports`) and ruff's private-import and private-member rules on src/.
Each is run on a copy of the package with one deliberate violation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def copy_of_the_house(tmp_path: Path) -> Path:
    shutil.copytree(REPOSITORY / "src" / "mutuals", tmp_path / "src" / "mutuals")
    shutil.copy(REPOSITORY / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(  # noqa: S603 - the project's own tool, fixed arguments
        [str(BIN / "lint-imports"), "--no-cache"],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_house_as_it_is_keeps_its_contracts(tmp_path: Path) -> None:
    result = lint_imports(copy_of_the_house(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # kit reaching up into a feature
        ("kit/ids.py", "from mutuals.connections import errors", "mutuals.kit is not allowed"),
        # two features importing each other
        ("users/errors.py", "from mutuals.connections import errors", "No cycles"),
    ],
)
def test_a_broken_contract_fails(tmp_path: Path, module: str, line: str, broken: str) -> None:
    root = copy_of_the_house(tmp_path)
    target = root / "src" / "mutuals" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa: F401\n")
    result = lint_imports(root)
    assert result.returncode != 0
    assert broken in result.stdout


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("from fastapi._compat import Undefined", "import-private-name"),
        ("from sqlalchemy import Table\nTable.__init__._sa_internal = 1", "private-member-access"),
    ],
)
def test_a_private_name_of_a_dependency_fails_lint(tmp_path: Path, line: str, rule: str) -> None:
    root = copy_of_the_house(tmp_path)
    target = root / "src" / "mutuals" / "kit" / "ids.py"
    target.write_text(target.read_text() + f"\n{line}\n")
    result = subprocess.run(  # noqa: S603 - the project's own tool, fixed arguments
        [str(BIN / "ruff"), "check", "--no-cache", "--output-format", "concise", str(target)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert rule in result.stdout, result.stdout
