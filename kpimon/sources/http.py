"""The one HTTP helper for every source (DESIGN §4 "HTTP").

Connect and read timeouts on every request, retries with exponential back-off and jitter on 5xx
and connection errors, a wait of the stated seconds on 429, TLS verification on (a per-source
`ca_bundle`), proxies from `HTTPS_PROXY`/`NO_PROXY` or a per-source `proxy`, and every secret
redacted from log lines and error messages. `http://` URLs work, with a warning.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests

from kpimon.config import SourceConfig
from kpimon.sources.base import SourceError, SourceStats

RETRY_STATUS = frozenset({500, 502, 503, 504})
MAX_THROTTLE_WAIT = 300.0


class HttpClient:
    """A requests.Session wrapper with kpimon's retry, throttle, TLS and redaction rules.

    `request` returns the response for 2xx and for 401 (the caller decides whether to log in
    again); it raises SourceError for everything else once retries are spent. Adapters may set
    `session.auth` (Basic, NTLM, …) and call `add_secret` for tokens they obtain.
    """

    def __init__(self, config: SourceConfig, stats: SourceStats, log: logging.Logger | None = None,
                 *, sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random):
        self.config = config
        self.stats = stats
        self.log = log or logging.getLogger("kpimon.http")
        self.sleep = sleep
        self.jitter = jitter
        self.session = requests.Session()
        self.session.verify = config.ca_bundle or True
        self.session.headers["User-Agent"] = "kpimon"
        if config.proxy:
            self.session.proxies = {"http": config.proxy, "https": config.proxy}
        self._secrets: set[str] = {s for s in config.secrets if s}
        self._warned_plain = False

    def add_secret(self, secret: str | None) -> None:
        """Redact this value (a token, a cookie) from every later message."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """Replace every known secret, and any `Bearer …`/`password=…`, with `***`."""
        for s in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(s, "***")
        text = re.sub(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+", r"\1***", text)
        return re.sub(r"(?i)(password=)[^&\s]+", r"\1***", text)

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self.request("POST", url, **kw)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | str | None = None, json: Any = None,
                headers: Mapping[str, str] | None = None,
                ok_status: Iterable[int] = ()) -> requests.Response:
        """One logical request with retries; see the class docstring for what it returns."""
        if url.startswith("http://") and not self._warned_plain:
            self._warned_plain = True
            self.log.warning("source %s uses plain http:// — credentials travel unencrypted",
                             self.config.name)
        timeout = (min(10.0, self.config.timeout), self.config.timeout)
        attempts = max(1, self.config.retries + 1)
        attempt = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                resp = self.session.request(method, url, params=params, data=data, json=json,
                                            headers=dict(headers or {}), timeout=timeout)
                if resp.status_code < 300 or resp.status_code == 401 \
                        or resp.status_code in ok_status:
                    # Read the body now, so a connection dropped mid-body is retried here.
                    _ = resp.content
                    return resp
            except requests.exceptions.SSLError as e:
                raise SourceError(self.redact(f"TLS error talking to {_host(url)}: {e}"),
                                  permanent=True) from None
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError) as e:
                if attempt >= attempts:
                    raise SourceError(self.redact(
                        f"{method} {_short(url)} failed after {attempt} attempts: {e}")) from None
                self._backoff(attempt, f"{type(e).__name__}")
                continue
            status = resp.status_code
            if status == 429:
                self.stats.throttled += 1
                wait = _stated_wait(resp)
                if attempt >= attempts + 2:
                    raise SourceError(f"{method} {_short(url)}: still throttled (429) after "
                                      f"{attempt} attempts")
                self.log.info("source %s throttled (429); waiting %.0f s", self.config.name, wait)
                self.stats.retries += 1
                self.sleep(wait)
                continue
            if status in RETRY_STATUS and attempt < attempts:
                self._backoff(attempt, f"HTTP {status}")
                continue
            body = self.redact(resp.text[:200].strip())
            raise SourceError(f"{method} {_short(url)}: HTTP {status} {body}".strip(),
                              permanent=400 <= status < 500)

    def _backoff(self, attempt: int, why: str) -> None:
        self.stats.retries += 1
        delay = min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + self.jitter())
        self.log.info("source %s: %s, retry %d in %.1f s", self.config.name, why, attempt, delay)
        self.sleep(delay)


def _stated_wait(resp: requests.Response) -> float:
    """Seconds a 429 asks us to wait: the Retry-After header or a number stated in the body."""
    header = resp.headers.get("Retry-After", "")
    if header.strip().isdigit():
        return min(MAX_THROTTLE_WAIT, float(header))
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:s\b|sec|second)", resp.text[:500], re.IGNORECASE)
    if m is None:
        m = re.search(r"\"(?:retry_?after|wait|seconds)\"\s*:\s*(\d+(?:\.\d+)?)",
                      resp.text[:500], re.IGNORECASE)
    return min(MAX_THROTTLE_WAIT, float(m.group(1))) if m else 1.0


def _host(url: str) -> str:
    return re.sub(r"^[a-z]+://([^/]+).*$", r"\1", url)


def _short(url: str) -> str:
    """The URL without its query string (which may carry filters or tokens)."""
    return url.split("?", 1)[0]
