"""The README's promises: its two quick-start lines, CI running the test line verbatim,
and the "state your own claim" example, which is verify/claims/template.py and must run."""

import pathlib
import re

from verify.cli import main
from verify.claims import base

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _quick_start_lines():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```\n(.*?)```", section, flags=re.S)]


def test_exactly_two_quick_start_lines_one_checks_all_one_runs_the_suite():
    lines = _quick_start_lines()
    assert len(lines) == 2 and all("\n" not in line for line in lines)
    assert lines[0].endswith("verify check --all")
    assert "pytest" in lines[1] and "-c .ci/constraints.txt" in lines[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _quick_start_lines()[1] in ci


def test_the_readme_example_is_the_template_and_it_runs(capsys):
    template = (ROOT / "verify" / "claims" / "template.py").read_text().rstrip("\n")
    assert f"```python\n{template}\n```" in README
    code = main(["check", "--import", str(ROOT / "verify/claims/template.py"),
                 "user/rayleigh-quotient", "--n", "8", "-q", "--out", "/tmp/verify-readme"])
    out = capsys.readouterr().out
    base._REGISTRY.pop("user/rayleigh-quotient", None)  # do not leak into later tests
    assert code == 0, out
    assert re.search(r"user/rayleigh-quotient .* 8\s+holds", out)
