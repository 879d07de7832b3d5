"""The one HTTP helper for every source (docs/sources/efecte.md, "HTTP").

Connect and read timeouts on every request, retries with exponential back-off and jitter on 5xx
and connection errors, a wait of the stated seconds on 429, TLS verification on (a per-source
`ca_bundle`), proxies from `HTTPS_PROXY`/`NO_PROXY` or a per-source `proxy`, and every secret
redacted from log lines and error messages. `http://` URLs work, with a warning.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import requests

from kpimon.config import SourceConfig
from kpimon.redact import redact
from kpimon.sources.base import SourceError, SourceStats

RETRY_STATUS = frozenset({500, 502, 503, 504})
MAX_THROTTLE_WAIT = 300.0


class HttpClient:
    """A requests.Session wrapper with kpimon's retry, throttle, TLS and redaction rules.

    `request` returns the response for 2xx and for 401 (the caller decides whether to log in
    again); it raises SourceError for everything else once retries are spent. Adapters may set
    `session.auth` (Basic, NTLM, …) and call `add_secret` for tokens they obtain.

    `stats` and `log` are plain attributes: an adapter that keeps one client for the daemon's
    lifetime (to reuse connections) points them at each collection's context.
    """

    def __init__(self, config: SourceConfig, stats: SourceStats, log: logging.Logger | None = None,
                 *, sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random, secrets: Iterable[str] = ()):
        """`secrets` are the configuration's (`CollectContext.secrets`), masked in every
        message beside the source's own (its password, its URL's query secrets)."""
        self.config = config
        self.stats = stats
        self.log = log or logging.getLogger("kpimon.http")
        self.sleep = sleep
        self.jitter = jitter
        self.session = requests.Session()
        self.session.verify = config.ca_bundle or True
        self.session.headers["User-Agent"] = "kpimon"
        # requests lets HTTPS_PROXY and REQUESTS_CA_BUNDLE from the environment override the
        # session's own `proxies` and `verify`; the per-source settings are therefore passed
        # with every request (see `request`), where they win.
        self._proxies: dict[str, str] | None = None
        if config.proxy:
            self._proxies = {"http": config.proxy, "https": config.proxy}
            self.session.proxies = dict(self._proxies)
        self._secrets: set[str] = {s for s in (*config.secrets, *secrets) if s}
        if config.proxy:
            self.add_secret(_url_password(config.proxy))
        self._warned_plain = False

    def add_secret(self, secret: str | None) -> None:
        """Redact this value (a token, a cookie) from every later message."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """Replace every known secret, and any `Bearer …`, `Basic …`, `password=…`, `"token": …`,
        secret query parameter or `user:password@` in a URL, with `***` (`kpimon.redact`)."""
        return redact(text, self._secrets)

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self.request("POST", url, **kw)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | str | None = None, json: Any = None,
                headers: Mapping[str, str] | None = None,
                ok_status: Iterable[int] = (),
                on_error: Callable[[requests.Response], None] | None = None
                ) -> requests.Response:
        """One logical request with retries; see the class docstring for what it returns.

        `on_error`, if given, sees the final failing response before the generic SourceError
        is raised, so an adapter can raise a more telling one (e.g. with the source's own
        error code from the body).
        """
        if url.startswith("http://") and not self._warned_plain:
            self._warned_plain = True
            self.log.warning("source %s uses plain http:// — credentials travel unencrypted",
                             self.config.name)
        timeout = (min(10.0, self.config.timeout), self.config.timeout)
        attempts = max(1, self.config.retries + 1)
        throttle_limit = attempts + 2  # 429s have their own budget: they are not failures
        ok = set(ok_status)
        attempt = 0
        throttled = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                resp = self.session.request(method, url, params=params, data=data, json=json,
                                            headers=dict(headers or {}), timeout=timeout,
                                            verify=self.session.verify,
                                            proxies=dict(self._proxies) if self._proxies else None)
                # Read the body inside the try, also for error answers, so that a connection
                # dropped mid-body is retried here rather than escaping as a requests error.
                _ = resp.content
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema, requests.exceptions.URLRequired) as e:
                # A configured URL is checked by check-config; this is one a server sent
                # (a next-page link such as `http://[::1]:99999/`): the source fails in words.
                raise SourceError(self.redact(f"{method} {_short(url)}: not a usable URL: {e}"),
                                  permanent=True) from None
            except requests.exceptions.SSLError as e:
                raise SourceError(self.redact(f"TLS error talking to {_host(url)}: {e}"),
                                  permanent=True) from None
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as e:
                if attempt - throttled >= attempts:
                    raise SourceError(self.redact(
                        f"{method} {_short(url)} failed after {attempt} attempts: {e}")) from None
                self._backoff(attempt - throttled, f"{type(e).__name__}")
                continue
            status = resp.status_code
            if status < 300 or status == 401 or status in ok:
                return resp
            if status == 429:
                self.stats.throttled += 1
                throttled += 1
                if throttled >= throttle_limit:
                    raise SourceError(f"{method} {_short(url)}: still throttled (429) after "
                                      f"{throttled} attempts")
                wait = _stated_wait(resp)
                self.log.info("source %s throttled (429); waiting %.0f s", self.config.name, wait)
                self.stats.retries += 1
                self.sleep(wait)
                continue
            if status in RETRY_STATUS and attempt - throttled < attempts:
                self._backoff(attempt - throttled, f"HTTP {status}")
                continue
            if on_error is not None:
                on_error(resp)
            body = self.redact(resp.text[:200].strip())
            raise SourceError(f"{method} {_short(url)}: HTTP {status} {body}".strip(),
                              permanent=400 <= status < 500)

    def _backoff(self, attempt: int, why: str) -> None:
        self.stats.retries += 1
        delay = min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + self.jitter())
        self.log.info("source %s: %s, retry %d in %.1f s", self.config.name, why, attempt, delay)
        self.sleep(delay)


_NUMBER = r"(\d+(?:\.\d+)?)"
_SECONDS = r"\s*(?:s\b|secs?\b|seconds?\b)"
# In order of trust: a wait phrased as one ("retry in 30 seconds"), a JSON key that names a wait
# ("retryAfter": 30, "wait_seconds": 30), then any number of seconds at all.
_WAIT_PATTERNS = (
    re.compile(r"(?:retry|wait|again|after)\D{0,30}?" + _NUMBER + _SECONDS, re.IGNORECASE),
    re.compile(r"\"[\w-]*(?:retry|wait|seconds)[\w-]*\"\s*:\s*\"?" + _NUMBER, re.IGNORECASE),
    re.compile(_NUMBER + _SECONDS, re.IGNORECASE),
)


def _stated_wait(resp: requests.Response) -> float:
    """Seconds a 429 asks us to wait: the Retry-After header (seconds or an HTTP date) or a
    number of seconds stated in the body; 1 s when nothing is stated."""
    header = resp.headers.get("Retry-After", "").strip()
    if header:
        try:
            return max(0.0, min(MAX_THROTTLE_WAIT, float(header)))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(header)
            return max(0.0, min(MAX_THROTTLE_WAIT, (when - datetime.now(UTC)).total_seconds()))
        except (TypeError, ValueError):
            pass
    text = resp.text[:500]
    for pattern in _WAIT_PATTERNS:
        m = pattern.search(text)
        if m:
            return min(MAX_THROTTLE_WAIT, float(m.group(1)))
    return 1.0


_INT_DIGITS = 4300  # Python's int-string limit (sys.get_int_max_str_digits)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def loads_json(content: bytes | str) -> Any:
    """A JSON answer as every source reads one; ValueError when it is not JSON.

    * An integer past Python's int-string limit (4 300 digits) is kept as its text: a value
      that then fails as whatever it was meant to be, not a page that cannot be read.
    * A document nested deeper than the parser's recursion limit is a ValueError, like any
      other answer that is not JSON (not a RecursionError escaping the source).
    * A lone surrogate (`"\\ud800"`: JSON allows it, no database stores it) becomes U+FFFD,
      as an undecodable byte of a file does.
    """
    try:
        body = json.loads(content, parse_int=_int_or_text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    if _SURROGATE_ESCAPE.search(raw):
        body = _without_surrogates(body)
    return body


def _int_or_text(text: str) -> int | str:
    return int(text) if len(text.lstrip("-")) <= _INT_DIGITS else text


def _clean(text: str) -> str:
    if text.isascii():
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _without_surrogates(body: Any) -> Any:
    """`body` with every lone surrogate in its strings (keys too) replaced; iterative, since
    the document may be nested almost as deep as the parser allows."""
    if isinstance(body, str):
        return _clean(body)
    root: list[Any] = [body]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        holder, key = stack.pop()
        value = holder[key]
        if isinstance(value, str):
            holder[key] = _clean(value)
        elif isinstance(value, list):
            stack.extend((value, i) for i in range(len(value)))
        elif isinstance(value, dict):
            cleaned = {_clean(k) if isinstance(k, str) else k: v for k, v in value.items()}
            holder[key] = cleaned
            stack.extend((cleaned, k) for k in cleaned)
    return root[0]


def _url_password(url: str) -> str | None:
    """The password in a `scheme://user:password@host` URL (a proxy's), to redact it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _host(url: str) -> str:
    return re.sub(r"^[a-z]+://([^/]+).*$", r"\1", url)


def _short(url: str) -> str:
    """The URL without its query string (which may carry filters or tokens)."""
    return url.split("?", 1)[0]
