"""web-config.yml `basic_auth_users` (bcrypt, as Prometheus reads it): without or with wrong
credentials every path answers 401 with a Basic challenge; the right ones get through."""

from __future__ import annotations

import base64
from pathlib import Path

import bcrypt

from tests.web.golden import get, golden_daemon

PATHS = ("/metrics", "/api/kpis", "/", "/healthz", "/readyz")


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_basic_auth(tmp_path: Path, golden_dir: Path, db_url: str) -> None:
    hashed = bcrypt.hashpw(b"s3cret:with colon", bcrypt.gensalt(rounds=4)).decode()
    # htpasswd -B writes $2y$; Prometheus's exporter toolkit takes it, and so must kpimon.
    htpasswd = "$2y$" + bcrypt.hashpw(b"other", bcrypt.gensalt(rounds=4)).decode()[4:]
    web_config = tmp_path / "web-config.yml"
    web_config.write_text(f"basic_auth_users:\n  grafana: '{hashed}'\n  ops: '{htpasswd}'\n",
                          encoding="utf-8")
    with golden_daemon(tmp_path, golden_dir, db_url, web_config=web_config) as d:
        d.wait_collected("export")
        denied = {
            "no credentials": {},
            "wrong password": _basic("grafana", "s3cret"),
            "unknown user": _basic("nobody", "s3cret:with colon"),
            "other user's password": _basic("ops", "s3cret:with colon"),
            "not basic": {"Authorization": "Bearer s3cret"},
            "not base64": {"Authorization": "Basic !!!"},
        }
        for path in PATHS:
            for why, headers in denied.items():
                r = get(f"{d.url}{path}", headers=headers)
                assert r.status == 401, (path, why)
                assert r.headers["WWW-Authenticate"].startswith("Basic "), (path, why)
                assert r.body == b"", (path, why)  # nothing leaks before authentication
            ok = get(f"{d.url}{path}", headers=_basic("grafana", "s3cret:with colon"))
            assert ok.status == 200, path
        r = get(f"{d.url}/metrics", headers=_basic("ops", "other"))
        assert r.status == 200 and b"kpimon_indicator_value" in r.body
