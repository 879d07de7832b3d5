# kpimon — `make run` (demo daemon) and `make test` are the two commands to know.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DIR ?= var/demo
# The demo's SMTP sink (bench/mailsink.py) saves each alert mail here; config/demo/kpimon.toml
# sends to 127.0.0.1:2525.
DEMO_MAIL ?= $(DEMO_DIR)/mail

.PHONY: run demo-data test test-slow fuzz lint audit soak bench bench-full wheelhouse lock install-service clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	touch $@

venv: $(VENV)/.installed

demo-data: $(VENV)/.installed
	$(PY) bench/generate.py demo --out $(DEMO_DIR)

# The daemon in the foreground and the mail sink beside it; Ctrl-C stops both.
run: demo-data
	$(PY) bench/mailsink.py --port 2525 --out $(DEMO_MAIL) & sink=$$!; \
	trap 'kill $$sink 2>/dev/null; wait $$sink 2>/dev/null' EXIT; \
	KPIMON_DEMO_DIR=$(abspath $(DEMO_DIR)) $(VENV)/bin/kpimon --config config/demo/kpimon.toml run

test: $(VENV)/.installed
	$(PY) -m pytest -q -m "not slow" -p no:cacheprovider

# Exit code 5 is pytest's "no test selected": not a failure while no scenario is marked slow.
test-slow: $(VENV)/.installed
	$(PY) -m pytest -q -m slow -p no:cacheprovider; rc=$$?; [ $$rc -eq 5 ] || exit $$rc

# The parser fuzz tests at length: hypothesis with FUZZ_EXAMPLES examples per test (`make test`
# runs the same tests with a few dozen), then — where atheris installs (Linux x86_64 wheels) —
# FUZZ_SECONDS of coverage-guided fuzzing per file-parser target (tests/sources/atheris_fuzz.py).
FUZZ_EXAMPLES ?= 2000
FUZZ_SECONDS ?= 60
fuzz: $(VENV)/.installed
	KPIMON_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) HYPOTHESIS_PROFILE=fuzz \
	  $(PY) -m pytest -q -m fuzz -p no:cacheprovider --timeout=0
	@if $(PY) -m pip install -q -c $(CONSTRAINTS) atheris >/dev/null 2>&1; then \
	  mkdir -p var/fuzz; \
	  for t in $$($(PY) tests/sources/atheris_fuzz.py --list); do \
	    $(PY) tests/sources/atheris_fuzz.py $$t -max_total_time=$(FUZZ_SECONDS) \
	      -print_final_stats=1 > var/fuzz/$$t.log 2>&1 \
	      || { tail -40 var/fuzz/$$t.log; echo "atheris: $$t crashed (var/fuzz/$$t.log)"; exit 1; }; \
	    echo "atheris: $$t: $$(grep -h 'stat::number_of_executed_units' var/fuzz/$$t.log)"; \
	  done; \
	else echo "atheris does not install here: hypothesis only"; fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check kpimon tests bench
	$(VENV)/bin/mypy kpimon

# pip-audit over the locked set: fails on a known vulnerability that has a fix; says
# "NOT AUDITED: reason" (and passes) when the vulnerability service cannot be reached.
audit: $(VENV)/.installed
	$(PY) .ci/audit.py --requirements $(CONSTRAINTS)

# ---------------------------------------------------------------- offline install (docs/operations.md)
# constraints.txt pins every distribution kpimon (with its extras and test tools) installs.
# `make lock` rewrites it from the development venv: upgrade there first, e.g.
#   .venv/bin/pip install -U -e '.[test,ntlm]' && make lock
CONSTRAINTS ?= constraints.txt
# `make wheelhouse` builds kpimon and every locked dependency as wheels into one folder, with the
# constraints, the systemd files, the example configuration and the guides (docs/), so that
# folder alone installs and configures kpimon on a machine without internet (same Python minor
# version and architecture as BUILD_PYTHON).
WHEELHOUSE ?= wheelhouse
WHEEL_EXTRAS ?= ntlm
BUILD_PYTHON ?= $(PYTHON)
# install-service: where the unit, sysusers and tmpfiles snippets and the kpimon-admin wrapper
# go (DESTDIR for staging).
UNITDIR ?= /etc/systemd/system
SYSUSERSDIR ?= /etc/sysusers.d
TMPFILESDIR ?= /etc/tmpfiles.d
SBINDIR ?= /usr/local/sbin

lock: $(VENV)/.installed
	{ echo "# Locked dependency set for kpimon: every distribution installed in the development venv"; \
	  echo "# (runtime, extras, test tools). Regenerate with 'make lock'; use with pip -c."; \
	  $(PY) -m pip freeze --all --exclude-editable | grep -v -i -E '^(kpimon([=@ ]|$$)|setuptools==)'; } > $(CONSTRAINTS)

wheelhouse: $(CONSTRAINTS)
	mkdir -p $(WHEELHOUSE)
	rm -f $(WHEELHOUSE)/*.whl
	$(BUILD_PYTHON) -m pip wheel --wheel-dir $(WHEELHOUSE) --constraint $(CONSTRAINTS) \
	  '.$(if $(WHEEL_EXTRAS),[$(WHEEL_EXTRAS)])'
	cp $(CONSTRAINTS) $(WHEELHOUSE)/constraints.txt
	rm -rf $(WHEELHOUSE)/deploy $(WHEELHOUSE)/docs $(WHEELHOUSE)/config
	mkdir -p $(WHEELHOUSE)/deploy $(WHEELHOUSE)/config
	cp deploy/systemd/kpimon.service deploy/systemd/kpimon.sysusers \
	  deploy/systemd/kpimon.tmpfiles deploy/systemd/kpimon-admin $(WHEELHOUSE)/deploy/
	cp -R docs $(WHEELHOUSE)/docs
	cp config/kpimon.example.toml $(WHEELHOUSE)/config/
	cp README.md $(WHEELHOUSE)/
	cd $(WHEELHOUSE) && sha256sum *.whl constraints.txt README.md deploy/* config/* \
	  $$(find docs -type f | sort) > SHA256SUMS

install-service:
	install -D -m 0644 deploy/systemd/kpimon.service $(DESTDIR)$(UNITDIR)/kpimon.service
	install -D -m 0644 deploy/systemd/kpimon.sysusers $(DESTDIR)$(SYSUSERSDIR)/kpimon.conf
	install -D -m 0644 deploy/systemd/kpimon.tmpfiles $(DESTDIR)$(TMPFILESDIR)/kpimon.conf
	install -D -m 0755 deploy/systemd/kpimon-admin $(DESTDIR)$(SBINDIR)/kpimon-admin
	@if [ -z "$(DESTDIR)" ]; then \
	  systemd-sysusers $(SYSUSERSDIR)/kpimon.conf && \
	  systemd-tmpfiles --create $(TMPFILESDIR)/kpimon.conf && \
	  systemctl daemon-reload && \
	  echo "installed; next: config, credentials, venv (docs/operations.md), then systemctl enable --now kpimon"; \
	fi

# Soak (bench/soak.py): real daemons against failing fake sources and a refusing SMTP relay,
# restarted at random: one on SQLite, then three on PostgreSQL (127.0.0.1:5432 or
# KPIMON_TEST_POSTGRES_URL) with random leader kills; loopback only, about 12 minutes.
# Figures printed and in var/soak-*.json.
SOAK_SECONDS ?= 270
SOAK_SEED ?= 1
soak: $(VENV)/.installed
	$(PY) bench/soak.py --db sqlite --seconds $(SOAK_SECONDS) --seed $(SOAK_SEED) \
	  --json var/soak-sqlite.json; a=$$?; \
	$(PY) bench/soak.py --db postgresql --instances 3 --restart-every 10,30 \
	  --seconds $(SOAK_SECONDS) --seed $(SOAK_SEED) --json var/soak-postgresql.json; b=$$?; \
	[ $$a -eq 0 ] && [ $$b -eq 0 ]

# The benchmark suite (BENCHMARKS.md): `bench` up to 100,000 tickets, `bench-full` 1,000,000
# (BENCH_10M=1 adds 10,000,000 on PostgreSQL). Figures go to bench/results/*.json. DuckDB is
# the compute benchmark's baseline: installed here if it can be, else that baseline is skipped.
bench: $(VENV)/.installed
	$(PY) -m pip install -q duckdb || echo "duckdb could not be installed: no DuckDB baseline"
	$(PY) bench/run_all.py

bench-full: $(VENV)/.installed
	$(PY) -m pip install -q duckdb || echo "duckdb could not be installed: no DuckDB baseline"
	$(PY) bench/run_all.py --full

clean:
	rm -rf $(VENV) var build *.egg-info
