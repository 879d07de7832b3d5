"""Eight clients guessing passwords do not slow a real scrape: the scraper's success is cached
and only one bcrypt check runs at a time, so the guesses queue behind each other instead of
taking every core. Before, each request paid bcrypt and a scrape took about ten times as long.

The bound is generous (the machine may be shared): the loaded median within 3 times the
unloaded median measured in the same run, plus 30 ms."""

from __future__ import annotations

import itertools
import threading

import bcrypt
import pytest

from tests.web.golden import get, wait_for
from tests.web.standalone import basic, median_seconds, web_server

CLIENTS = 8


@pytest.mark.timeout(120)
def test_a_scrape_under_eight_wrong_password_clients() -> None:
    # Cost 10: what `htpasswd -nBC 10` (the documented command) makes.
    hashed = bcrypt.hashpw(b"right", bcrypt.gensalt(rounds=10)).decode()
    with web_server(basic_auth={"prometheus": hashed}) as server:
        url = f"http://127.0.0.1:{server.port}/metrics"

        def scrape() -> None:
            r = get(url, headers=basic("prometheus", "right"))
            assert r.status == 200 and b"process_cpu_seconds_total" in r.body

        scrape()
        # Paced as a scraper is, so the measurement lasts long enough for the load to bite.
        unloaded = median_seconds(scrape, 20, pause=0.05)

        stop = threading.Event()
        counter = itertools.count()
        answers: list[int] = []

        def guess() -> None:
            while not stop.is_set():
                r = get(url, headers=basic("prometheus", f"guess{next(counter)}"), timeout=30)
                answers.append(r.status)

        clients = [threading.Thread(target=guess, daemon=True) for _ in range(CLIENTS)]
        for c in clients:
            c.start()
        try:
            wait_for(lambda: len(answers) >= CLIENTS, 60, "the guessers' first answers")
            before = len(answers)
            loaded = median_seconds(scrape, 30, pause=0.05)
            during = len(answers) - before
        finally:
            stop.set()
            for c in clients:
                c.join(30)
        assert set(answers) == {401}
        assert during >= CLIENTS  # the guessers kept getting answers meanwhile
        assert loaded <= 3 * unloaded + 0.03, \
            f"scrape {loaded * 1000:.1f} ms under load vs {unloaded * 1000:.1f} ms unloaded"
