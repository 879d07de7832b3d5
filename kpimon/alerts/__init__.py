"""Alerting (docs/alerts.md), with Alertmanager's semantics.

* `rules` turns the computed indicators, the sources' collection runs and the daemon's own
  state into alert samples (one per rule and label set), each active or not;
* `state` moves each alert inactive → pending → firing → resolved;
* `policy` routes alerts to receivers and groups, applies silences and inhibition, and decides
  when a group is due for a notification (`group_wait`, `group_interval`, `repeat_interval`,
  opening hours);
* `alerter` is the alert job: it stores every state change as a compare-and-swap together with
  the notification it causes (the outbox);
* `outbox` is the sender: it takes due notifications, fixes their content (the mail, under a
  stable Message-ID), delivers them through `smtp` or `alertmanager` with retries and back-off,
  and gives up after `give_up_after`;
* `mail` renders the messages from the Jinja2 templates in `templates/`;
* `view` is what the outputs show: the metrics, `/api/alerts` and the status page's list.
"""
