"""The unit, the example configuration, `kpimon-admin` and the README agree on the secrets:
every `${CREDENTIALS_DIRECTORY}/NAME` the example reads is a credential the unit hands the
service (the whole credentials folder), and the README's short install puts a file of that name
there. (Before, the unit loaded only `efecte`, so the service exited 2 on the example while
`kpimon-admin check-config`, which loaded the whole folder, passed.)"""

from __future__ import annotations

import re

from tests.deploy.harness import REPO
from tests.deploy.unit import values

FOLDER = "/etc/kpimon/credentials"
EXAMPLE = (REPO / "config" / "kpimon.example.toml").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")


def _secrets() -> set[str]:
    settings = "\n".join(line for line in EXAMPLE.splitlines() if not line.startswith("#"))
    names = set(re.findall(r"\$\{CREDENTIALS_DIRECTORY\}/([\w.-]+)", settings))
    assert names == {"efecte", "cmdb", "sccm", "smtp"}, names
    return names


def _provided(name: str) -> bool:
    for value in values("LoadCredential"):
        ident, _, path = value.partition(":")
        if path.rstrip("/") == FOLDER or ident == name:
            return True
    return False


def test_the_unit_hands_the_service_every_secret_of_the_example() -> None:
    for name in _secrets():
        assert _provided(name), f"the unit does not load the credential {name!r}"
    # The whole folder: a site's new secret needs a file, not a unit change.
    assert f"kpimon:{FOLDER}" in values("LoadCredential")


def test_the_readme_install_puts_each_secret_in_place() -> None:
    install = README.split("## Install as a service", 1)[1].split("\n## ", 1)[0]
    block = install.split("```sh", 1)[1].split("```", 1)[0]
    step = next(line for line in block.splitlines() if f"{FOLDER}/" in line)
    assert "systemd-ask-password" in block
    for name in _secrets():
        assert re.search(rf"\b{name}\b", block), f"the README's install does not set {name}"
    assert block.index(step) < block.index("check-config")  # before the check, not after
