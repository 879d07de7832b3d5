"""Configuration: one TOML file validated into a frozen `Config`.

Every error is collected with its key path (`sources[1].fields.priority: required`) and reported
at once by `ConfigError`. `${ENV_VAR}` is expanded in every string (`$$` is a literal `$`), and a
`*_file` key reads a secret from a file (systemd credentials). Secrets are never put in messages.

The package is split by section (`calendars`, `sources`, `indicators`, `alerts`, the top level in
`loader`); `load_config` is the one entry point, and every public name is re-exported here.
"""

from kpimon.config.alerts import (
    RULE_KINDS,
    AlertsConfig,
    InhibitConfig,
    ReceiverConfig,
    RouteConfig,
    RuleConfig,
    SmtpConfig,
)
from kpimon.config.calendars import WEEKDAYS, CalendarConfig, business_day_length
from kpimon.config.controls import AREAS, ControlConfig
from kpimon.config.indicators import (
    CALL_INDICATOR_KINDS,
    CLOCK_KINDS,
    DEFAULT_UNIT,
    DURATION_UNITS,
    FILTER_KEYS,
    INDICATOR_KINDS,
    THRESHOLD_KINDS,
    TICKET_INDICATOR_KINDS,
    GoalConfig,
    IndicatorConfig,
    Target,
    parse_target,
)
from kpimon.config.loader import (
    DEFAULT_CONFIG,
    LANGUAGES,
    Config,
    HttpConfig,
    config_path,
    load_config,
    parse_config,
)
from kpimon.config.parsing import ConfigError
from kpimon.config.sources import (
    DEFAULT_CSV_FIELDS,
    DEFAULT_EVERY,
    REQUIRED_TICKET_FIELDS,
    SOURCE_KEYS,
    SOURCE_KINDS,
    TICKET_FIELDS,
    TICKET_SOURCE_KINDS,
    VOCABULARY,
    SourceConfig,
)

__all__ = [
    "AREAS", "LANGUAGES", "RULE_KINDS", "AlertsConfig", "ControlConfig", "InhibitConfig",
    "ReceiverConfig", "RouteConfig", "RuleConfig", "SmtpConfig",
    "CALL_INDICATOR_KINDS", "CLOCK_KINDS", "DEFAULT_CONFIG", "DEFAULT_CSV_FIELDS", "DEFAULT_EVERY",
    "DEFAULT_UNIT", "DURATION_UNITS", "FILTER_KEYS", "INDICATOR_KINDS", "REQUIRED_TICKET_FIELDS",
    "SOURCE_KEYS", "SOURCE_KINDS", "THRESHOLD_KINDS", "TICKET_FIELDS", "TICKET_INDICATOR_KINDS",
    "TICKET_SOURCE_KINDS", "VOCABULARY", "WEEKDAYS", "CalendarConfig", "Config", "ConfigError",
    "GoalConfig", "HttpConfig", "IndicatorConfig", "SourceConfig", "Target", "business_day_length",
    "config_path", "load_config", "parse_config", "parse_target",
]
