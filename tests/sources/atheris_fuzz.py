"""`make fuzz`'s coverage-guided pass: atheris (libFuzzer) drives the hypothesis fuzz tests of
the file parsers through `fuzz_one_input`, one target per process.

    python tests/sources/atheris_fuzz.py --list
    python tests/sources/atheris_fuzz.py ticket_exports -max_total_time=60

Not a pytest module (pytest collects only `test_*.py`); run only when atheris installs (it
ships wheels for Linux x86_64). A crash prints the failing input and exits non-zero.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for `tests.…`

with atheris.instrument_imports(include=["kpimon"]):
    from tests.sources import test_fuzz_files, test_fuzz_phone, test_fuzz_ticket_csv

TARGETS = {
    "ticket_exports": test_fuzz_ticket_csv.test_ticket_exports,
    "history_files": test_fuzz_ticket_csv.test_history_files,
    "ticket_bytes": test_fuzz_ticket_csv.test_arbitrary_bytes,
    "ace_reports": test_fuzz_phone.test_ace_reports,
    "ace_bytes": test_fuzz_phone.test_ace_arbitrary_bytes,
    "queue_log": test_fuzz_phone.test_queue_log,
    "efecte_xml": test_fuzz_files.test_efecte_xml,
    "efecte_xml_bytes": test_fuzz_files.test_efecte_xml_arbitrary_bytes,
    "inventory_csv": test_fuzz_files.test_inventory_csv,
    "inventory_bytes": test_fuzz_files.test_inventory_arbitrary_bytes,
    "manual_values": test_fuzz_files.test_manual_values,
}


def main() -> None:
    if sys.argv[1:] == ["--list"]:
        print("\n".join(TARGETS))
        return
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target.hypothesis.fuzz_one_input)  # type: ignore[attr-defined]
    atheris.Fuzz()


if __name__ == "__main__":
    main()
