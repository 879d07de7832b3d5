"""The Alertmanager channel: alerts POSTed to `/api/v2/alerts`.

Each alert goes with its labels, annotations, `startsAt`, `endsAt` and `generatorURL`. A firing
alert's `endsAt` lies `AM_ENDS_AFTER` resend intervals ahead, and kpimon re-posts it every
`resend_interval` while it fires — what Alertmanager expects of a client, so that an alert
whose sender has gone away resolves by itself. A resolved alert is posted with the time it
resolved as `endsAt`. Several URLs are the members of an Alertmanager cluster: each gets every
post (the cluster deduplicates), and a post counts as delivered when one member took it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests

from kpimon.alerts.errors import DeliveryError
from kpimon.alerts.policy import AM_ENDS_AFTER
from kpimon.config import ReceiverConfig
from kpimon.store.alerts import AlertRow


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def payload(firing: list[AlertRow], resolved: list[AlertRow], receiver: ReceiverConfig,
            external_url: str | None, now: int) -> list[dict[str, Any]]:
    """The JSON body: every firing alert (ending a few resends ahead) and every resolved one
    (ended when it resolved)."""
    out = []
    for row, ends in [*[(r, now + AM_ENDS_AFTER * receiver.resend_interval) for r in firing],
                      *[(r, r.resolved_at or now) for r in resolved]]:
        item: dict[str, Any] = {
            "labels": dict(row.labels),
            "annotations": dict(row.annotations),
            "startsAt": _iso(row.fired_at or row.active_since or now),
            "endsAt": _iso(ends),
        }
        if external_url:
            item["generatorURL"] = external_url
        out.append(item)
    return out


class AlertmanagerTransport:
    """POSTs a prepared body to every URL of one receiver."""

    def __init__(self, receiver: ReceiverConfig):
        self.receiver = receiver

    @property
    def deadline(self) -> float:
        # Connect and read timeouts, for each member of the cluster in turn.
        return 2 * self.receiver.timeout * len(self.receiver.alertmanager)

    def send(self, body: str) -> str:
        """Post `body` (JSON); returns what the members answered. DeliveryError when none
        took it (permanent when every answer was a 4xx other than 429: a bad request)."""
        answers, failures, client_errors = [], [], 0
        data = json.loads(body)
        for base in self.receiver.alertmanager:
            url = base.rstrip("/") + "/api/v2/alerts"
            try:
                r = requests.post(url, json=data, timeout=self.receiver.timeout,
                                  verify=self.receiver.ca_bundle or True)
            except requests.RequestException as e:
                failures.append(f"{url}: {type(e).__name__}: {e}")
                continue
            if 200 <= r.status_code < 300:
                answers.append(f"{url}: {r.status_code}")
            else:
                if 400 <= r.status_code < 500 and r.status_code != 429:
                    client_errors += 1
                failures.append(f"{url}: {r.status_code} {' '.join(r.text.split())[:200]}")
        if answers:
            return "; ".join(answers + failures)
        raise DeliveryError("; ".join(failures),
                            permanent=client_errors == len(self.receiver.alertmanager))
