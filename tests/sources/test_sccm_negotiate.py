"""sccm: auth = "negotiate" (Kerberos) through the optional `kerberos` extra.

Kerberos needs a KDC, a service principal for the AdminService host and a ticket for kpimon,
none of which a test machine has; the real exchange therefore runs only against a site given
in `KPIMON_TEST_SCCM_NEGOTIATE_URL` (the AdminService base, with a ticket in the default
credential cache and, if the site's CA is private, `KPIMON_TEST_SCCM_CA_BUNDLE`).
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from kpimon.sources.base import SourceError
from tests.sources.sccm_server import collect_once, sccm_config

HAS_GSSAPI = importlib.util.find_spec("requests_gssapi") is not None


@pytest.mark.skipif(HAS_GSSAPI, reason="the kerberos extra is installed here")
def test_missing_extra_is_a_clear_permanent_error() -> None:
    cfg = sccm_config("https://127.0.0.1:9/AdminService", auth="negotiate",
                      username=None, password=None)
    with pytest.raises(SourceError) as exc:
        collect_once(cfg)
    assert exc.value.permanent
    assert "kpimon[kerberos]" in exc.value.message


@pytest.mark.skipif(not os.environ.get("KPIMON_TEST_SCCM_NEGOTIATE_URL"),
                    reason="no Kerberos realm here: set KPIMON_TEST_SCCM_NEGOTIATE_URL to a real "
                           "AdminService (and hold a ticket) to run it")
def test_negotiate_against_a_real_site() -> None:
    pytest.importorskip("requests_gssapi", reason="the kerberos extra is not installed")
    cfg = sccm_config(os.environ["KPIMON_TEST_SCCM_NEGOTIATE_URL"], auth="negotiate",
                      username=None, password=None,
                      ca_bundle=os.environ.get("KPIMON_TEST_SCCM_CA_BUNDLE"))
    batches = collect_once(cfg)
    assert len(batches) == 1 and batches[0].snapshot
