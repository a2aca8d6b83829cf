"""`clearance init` through the CLI, and the starter workflows shipped inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from clearance.config import load_config
from clearance.errors import ExitCode
from clearance.starter import Template, template_text

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "workflows-templates"
PYPROJECT = '[project]\nname = "app"\nversion = "1"\n\n[tool.ruff]\nline-length = 100\n'


def test_init_appends_the_section_and_copies_the_template(tmp_path: Path, run_cli) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    r = run_cli("init", "--template", "python-service", cwd=tmp_path)
    assert r.code == ExitCode.OK, r.stderr
    assert r.stdout.splitlines() == ["pyproject.toml", ".github/workflows/python-service.yml"]
    written = (tmp_path / "pyproject.toml").read_bytes()
    assert written.startswith(PYPROJECT.encode())
    settings = load_config(None, tmp_path)
    assert settings.source == tmp_path / "pyproject.toml"
    assert settings.section("environments")["production"]["after"] == "staging"
    assert settings.section("verify")["repository"] == "OWNER/REPO"  # no origin to read it from
    workflow = tmp_path / ".github" / "workflows" / "python-service.yml"
    assert workflow.read_bytes() == (TEMPLATES / "python-service.yml").read_bytes()


def test_init_refuses_to_replace_a_section_or_a_workflow_unless_forced(
    tmp_path: Path, run_cli
) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + '\n[tool.clearance]\nfail-on = "high"\n')
    before = (tmp_path / "pyproject.toml").read_bytes()
    r = run_cli("init", "--template", "python-package", cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert "already has a [tool.clearance] section" in r.stderr
    assert (tmp_path / "pyproject.toml").read_bytes() == before
    assert not (tmp_path / ".github").exists()  # checked before anything is written

    forced = run_cli("init", "--template", "python-package", "--force", cwd=tmp_path)
    assert forced.code == ExitCode.OK, forced.stderr
    assert (tmp_path / "pyproject.toml").read_text().startswith(PYPROJECT)
    assert load_config(None, tmp_path).fail_on.value == "medium"

    (tmp_path / ".github" / "workflows" / "python-package.yml").write_text("mine\n")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    again = run_cli("init", "--template", "python-package", cwd=tmp_path)
    assert again.code == ExitCode.USAGE
    assert "python-package.yml exists" in again.stderr
    assert (tmp_path / ".github" / "workflows" / "python-package.yml").read_text() == "mine\n"
    assert (tmp_path / "pyproject.toml").read_text() == PYPROJECT


def test_without_a_pyproject_init_writes_clearance_toml_and_refuses_to_replace_it(
    tmp_path: Path, run_cli
) -> None:
    r = run_cli("init", str(tmp_path), "--template", "pull-request-checks", cwd=tmp_path.parent)
    assert r.code == ExitCode.OK, r.stderr
    assert load_config(None, tmp_path).source == tmp_path / "clearance.toml"
    assert (tmp_path / ".github" / "workflows" / "pull-request-checks.yml").is_file()
    assert run_cli("init", str(tmp_path), cwd=tmp_path.parent).code == ExitCode.USAGE


def test_an_unknown_template_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    r = run_cli("init", "--template", "java-service", cwd=tmp_path)
    assert r.code == ExitCode.USAGE
    assert "python-service, python-package, pull-request-checks" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("template", list(Template))
def test_the_installed_package_finds_every_template(template: Template) -> None:
    assert template_text(template) == (TEMPLATES / f"{template.value}.yml").read_text()


def test_a_built_wheel_carries_the_templates(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (source / name).write_bytes((ROOT / name).read_bytes())
    # the symlink src/clearance/templates/workflows -> ../../../workflows-templates stays one
    subprocess.run(
        ["cp", "-a", str(ROOT / "src"), str(ROOT / "workflows-templates"), str(source)],
        check=True,
        timeout=60,
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "out").glob("clearance-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for template in Template:
            member = f"clearance/templates/workflows/{template.value}.yml"
            assert archive.read(member) == (TEMPLATES / f"{template.value}.yml").read_bytes()


def test_the_verification_policy_names_the_repository_of_the_origin_remote(
    tmp_path: Path, run_cli
) -> None:
    from tests.e2e.harness import make_repository

    repo = make_repository(
        tmp_path / "shop", {"pyproject.toml": PYPROJECT}, remote="https://github.com/acme/shop.git"
    )
    r = run_cli("init", "--template", "python-package", cwd=repo)
    assert r.code == ExitCode.OK, r.stderr
    verify = load_config(None, repo).section("verify")
    assert verify["repository"] == "acme/shop"
    assert verify["ref"] == "refs/tags/v*"
    assert "change: this repository" not in (repo / "pyproject.toml").read_text()
