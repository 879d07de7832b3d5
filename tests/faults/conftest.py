"""Fixtures of the fault suite: the deploy tests' notify socket and always-stopped daemon."""

from tests.deploy.conftest import notify, start_daemon

__all__ = ["notify", "start_daemon"]
