"""The lock files pin, with hashes, every dependency pyproject.toml asks for, at a version it
allows: editing pyproject.toml without `make lock` fails here. `make run` installs the runtime's
lock only, `make test` the development one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
RUNTIME, DEV = ROOT / "requirements" / "runtime.lock", ROOT / "requirements" / "dev.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _pins(lock: Path) -> dict[str, Version]:
    pins = {}
    for line in lock.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            pins[canonicalize_name(match[1])] = Version(match[2])
    return pins


def _asked() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    return runtime, runtime + [Requirement(r) for r in project["optional-dependencies"]["dev"]]


@pytest.mark.parametrize("which", ["runtime", "dev"])
def test_the_lock_pins_every_dependency_at_an_allowed_version(which: str) -> None:
    runtime, dev = _asked()
    lock, asked = (RUNTIME, runtime) if which == "runtime" else (DEV, dev)
    pins = _pins(lock)
    for requirement in asked:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {lock.name}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock.name} pins {name}=={pins[name]}, outside {requirement}: run `make lock`"
        )


@pytest.mark.parametrize("lock", [RUNTIME, DEV], ids=["runtime", "dev"])
def test_every_pin_has_its_hashes(lock: Path) -> None:
    # An entry is a pin and its indented continuation lines (its hashes, "# via" comments).
    entries: list[str] = []
    for line in lock.read_text().splitlines():
        if _PIN.match(line):
            entries.append(line)
        elif line.startswith(" ") and entries:
            entries[-1] += line
    unhashed = [e.split()[0] for e in entries if "--hash=sha256:" not in e]
    assert entries and not unhashed, unhashed


def test_the_runtime_lock_holds_no_development_tool() -> None:
    pins = _pins(RUNTIME)
    assert not {"pytest", "mypy", "ruff", "playwright", "schemathesis"} & set(pins)
