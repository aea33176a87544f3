"""docs/deploy.md documents every setting, and the deploy/ files say what the code does."""

from __future__ import annotations

from pathlib import Path

from orderflow.cli import EXIT_CONFIG
from orderflow.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_settings_reference_lists_every_setting() -> None:
    guide = (ROOT / "docs" / "deploy.md").read_text()
    reference = guide[guide.index("## 8. Settings reference") :]
    missing = [
        f"ORDERFLOW_{name.upper()}"
        for name in Settings.model_fields
        if f"`ORDERFLOW_{name.upper()}`" not in reference
    ]
    assert not missing, f"add these to the settings reference in docs/deploy.md: {missing}"


def test_the_unit_does_not_restart_a_refused_configuration() -> None:
    unit = (ROOT / "deploy" / "orderflow.service").read_text()
    assert f"RestartPreventExitStatus={EXIT_CONFIG}" in unit
