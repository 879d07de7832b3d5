"""Prometheus-style `web-config.yml`: TLS (`tls_server_config`) and basic auth
(`basic_auth_users`, bcrypt hashes), as node_exporter and Prometheus read it.

```yaml
tls_server_config:
  cert_file: /etc/kpimon/tls.crt
  key_file: /etc/kpimon/tls.key
basic_auth_users:
  grafana: $2y$10$...   # htpasswd -nBC 10 grafana
```
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class WebConfigError(Exception):
    """A web config that cannot be used; `errors` lists the problems."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class WebConfig:
    users: dict[str, str] = field(default_factory=dict)
    ssl_context: ssl.SSLContext | None = None


def load_web_config(path: str) -> WebConfig:
    """Read and check the file; raises WebConfigError listing every problem."""
    base = Path(path).parent
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise WebConfigError([f"{path}: {e}"]) from None
    errors: list[str] = []
    if not isinstance(data, dict):
        raise WebConfigError([f"{path}: expected a mapping"])
    for key in data:
        if key not in ("tls_server_config", "basic_auth_users", "http_server_config"):
            errors.append(f"{path}: {key}: unknown key")
    users = data.get("basic_auth_users") or {}
    if not isinstance(users, dict) or not all(
            isinstance(u, str) and isinstance(h, str) for u, h in users.items()):
        errors.append(f"{path}: basic_auth_users: expected user: bcrypt-hash pairs")
        users = {}
    for user, hashed in users.items():
        if not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            errors.append(f"{path}: basic_auth_users.{user}: not a bcrypt hash")
    context = None
    tls = data.get("tls_server_config")
    if tls is not None:
        if not isinstance(tls, dict) or "cert_file" not in tls or "key_file" not in tls:
            errors.append(f"{path}: tls_server_config: cert_file and key_file are required")
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                context.load_cert_chain(base / tls["cert_file"], base / tls["key_file"])
            except (OSError, ssl.SSLError) as e:
                errors.append(f"{path}: tls_server_config: cannot load certificate: {e}")
            if tls.get("client_ca_file"):
                try:
                    context.load_verify_locations(base / tls["client_ca_file"])
                    context.verify_mode = ssl.CERT_REQUIRED
                except (OSError, ssl.SSLError) as e:
                    errors.append(f"{path}: tls_server_config.client_ca_file: {e}")
    if errors:
        raise WebConfigError(errors)
    return WebConfig(dict(users), context)
