"""queue_log: a call that moves to a second queue counts once, in the queue it entered first."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.sources.phone_helpers import FIXTURES, Runner
from tests.sources.queue_log_helpers import calls, collect


def test_transfers_count_in_the_first_queue(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    shutil.copyfile(FIXTURES / "queue_log.transfer", log)
    got = calls(collect(log, runner))
    # Answered in servicedesk, then blind-transferred to bestallning: one call, servicedesk.
    blind = got["1583139600.40"]
    assert (blind.queue, blind.outcome, blind.wait_seconds) == ("servicedesk", "answered", 12)
    # Pressed a key to leave servicedesk and was answered in bestallning: servicedesk's
    # EXITWITHKEY ends it there (abandoned), the second entry is not counted again.
    key = got["1583140000.50"]
    assert (key.queue, key.outcome, key.wait_seconds) == ("servicedesk", "abandoned", 10)
    # EXITEMPTY in servicedesk leaves the call out there; it counts where it was answered.
    empty = got["1583140400.60"]
    assert (empty.queue, empty.outcome, empty.wait_seconds) == ("bestallning", "answered", 20)
    assert len(got) == 3


def test_a_transfer_in_a_later_read_is_still_recognised(tmp_path: Path) -> None:
    runner = Runner()
    lines = (FIXTURES / "queue_log.transfer").read_text().splitlines(keepends=True)
    log = tmp_path / "queue_log"
    log.write_text("".join(lines[:3]))  # answered + BLINDTRANSFER
    first = calls(collect(log, runner))
    with log.open("a") as f:
        f.write("".join(lines[3:6]))  # the second queue's ENTERQUEUE + CONNECT
    second = calls(collect(log, runner))
    assert first["1583139600.40"].queue == "servicedesk"
    assert second == {}


def test_entering_a_second_queue_while_still_waiting(tmp_path: Path) -> None:
    runner = Runner()
    log = tmp_path / "queue_log"
    log.write_text(
        "1583139600|7.1|servicedesk|NONE|ENTERQUEUE||070|1\n"
        "1583139630|7.1|bestallning|NONE|ENTERQUEUE||070|1\n"
        "1583139650|7.1|bestallning|PJSIP/1002|CONNECT|20|7.2|3\n")
    call = calls(collect(log, runner))["7.1"]
    # Counted in servicedesk, waiting from its first entry.
    assert (call.queue, call.outcome, call.wait_seconds) == ("servicedesk", "answered", 50)
