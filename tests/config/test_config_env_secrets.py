"""The loader records every value it took from the environment (`${NAME}`) or a secret file,
and counts as secrets those of at least MIN_SECRET_LENGTH characters that went into a setting
other than a place or a word of kpimon's own — with the forms they travel in — so that
`redact` masks a short token under a harmless query name (`?t=`)."""

from __future__ import annotations

from pathlib import Path

from kpimon.config import parse_config
from kpimon.redact import MIN_SECRET_LENGTH, redact


def _csv_source(url: str) -> dict[str, object]:
    return {"name": "export", "kind": "ticket_csv", "url": url, "every": "1h",
            "fields": {"id": "Id", "created": "Skapad", "status": "Status",
                       "priority": "Prio"},
            "values": {"priority": {"1": "acute"}, "status": {"n": "new"}}}


def test_env_values_in_urls_and_secret_files_are_secrets(tmp_path: Path) -> None:
    (tmp_path / "smtp").write_text("Sm7p-pw\n", "utf-8")
    env = {"T": "k7Qz9", "SPACED": "a b/c+d", "PGPW": "pg-Pw1", "DIR": str(tmp_path),
           "PORT": "9817", "ZONE": "Europe/Stockholm", "TINY": "x9z"}
    cfg = parse_config({
        "database": "postgresql+psycopg://kpimon:${PGPW}@db.kommun.local/kpimon",
        "timezone": "${ZONE}",
        "http": {"listen": "127.0.0.1:${PORT}"},
        "sources": [_csv_source("https://files.kommun.local/x.csv?t=${T}&s=${SPACED}&u=${TINY}")
                    | {"archive": "${DIR}/archive"}],
        "alerts": {"smtp": {"host": "smtp.kommun.local",
                            "username": "kpimon", "password_file": "${DIR}/smtp"},
                   "from": "kpimon <kpimon@kommun.se>", "receiver": "desk",
                   "receivers": {"desk": {"email": ["desk@kommun.se"]}}},
    }, env=env)
    secrets = set(cfg.secrets)
    # A URL's short query value under a harmless name, and as it travels percent-encoded.
    assert {"k7Qz9", "a b/c+d", "a%20b%2Fc%2Bd", "a+b%2Fc%2Bd"} <= secrets
    assert "pg-Pw1" in secrets and "Sm7p-pw" in secrets  # a PostgreSQL URL, a secret file
    # Places and words of kpimon's own, and values too short to mask by value, are not.
    assert len("x9z") < MIN_SECRET_LENGTH
    for plain in (str(tmp_path), "9817", "Europe/Stockholm", "x9z"):
        assert plain not in secrets, plain

    said = redact("GET https://files.kommun.local/x.csv?t=k7Qz9&s=a%20b%2Fc%2Bd&u=x9z: "
                  "HTTP 500", cfg.secrets)
    assert said == "GET https://files.kommun.local/x.csv?t=***&s=***&u=x9z: HTTP 500"


def test_sqlite_database_and_file_paths_stay_readable() -> None:
    env = {"STATE": "/var/lib/kpimon", "CREDENTIALS_DIRECTORY": "/run/credentials/kpimon"}
    cfg = parse_config({
        "database": "sqlite:///${STATE}/kpimon.db", "state_dir": "${STATE}",
        "sources": [{"name": "drop", "kind": "inventory_csv",
                     "path": "${CREDENTIALS_DIRECTORY}/../exports/*.csv", "every": "1h"}],
    }, env=env)
    assert cfg.env_secrets == ()
    text = "cannot write /var/lib/kpimon/kpimon.db-writer.lock"
    assert redact(text, cfg.secrets) == text


def test_the_same_value_in_a_place_and_in_a_url_is_a_secret() -> None:
    env = {"X": "sh0rt"}
    cfg = parse_config({"sources": [_csv_source("https://h/x.csv?t=${X}")
                                    | {"archive": "/srv/${X}"}]}, env=env)
    assert "sh0rt" in cfg.secrets
