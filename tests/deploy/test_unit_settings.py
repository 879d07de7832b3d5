"""The unit carries what the issue and DESIGN §8 ask for; runs without systemd installed.

These are the decisions an edit could silently undo: notify protocol and watchdog, restarts,
reload, directories, credentials, the account, and every hardening switch.
"""

from __future__ import annotations

from tests.deploy.unit import settings, values

REQUIRED = {
    "Type": "notify", "NotifyAccess": "main", "Restart": "on-failure",
    "RestartPreventExitStatus": "2",
    "ExecStart": "/opt/kpimon/venv/bin/kpimon --config /etc/kpimon/kpimon.toml run",
    "ExecReload": "/bin/kill -HUP $MAINPID", "Environment": "KPIMON_CONFIG=/etc/kpimon/kpimon.toml",
    "StateDirectory": "kpimon", "ConfigurationDirectory": "kpimon",
    "LoadCredential": "kpimon:/etc/kpimon/credentials",
    "User": "kpimon", "Group": "kpimon", "UMask": "0077",
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
    "PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
    "ProtectClock": "yes", "ProtectHostname": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "RestrictNamespaces": "yes",
    "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes", "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "", "AmbientCapabilities": "", "DevicePolicy": "closed",
    "ProcSubset": "pid", "ProtectProc": "invisible", "RemoveIPC": "yes",
    "ReadWritePaths": "/var/lib/kpimon",
}


def test_required_settings() -> None:
    have = settings()
    for key, value in REQUIRED.items():
        assert (key, value) in have, f"{key}={value} missing"


def test_watchdog_and_syscall_filter() -> None:
    [watchdog] = values("WatchdogSec")
    assert watchdog.endswith("s") and 10 <= int(watchdog[:-1]) <= 120
    assert values("SystemCallFilter")[0] == "@system-service"


def test_no_dynamic_user_and_no_ip_deny() -> None:
    keys = {k for k, _ in settings()}
    # A fixed account (sysusers) owns the state; the sources are at site-specific addresses.
    assert "DynamicUser" not in keys or values("DynamicUser") == ["no"]
    assert "IPAddressDeny" not in keys
