"""The few constants of the Atlas Cloud billing source: API limits, defaults, HTTP behaviour."""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.atlascloud.ai/public/v1"
API_KEY_PREFIX = "apikey-"

# Limits the API enforces on /model-usage and /model-costs.
MAX_WINDOW_DAYS = 180
MAX_IDS_PER_REQUEST = 100
MAX_MODEL_TYPES_PER_REQUEST = 3
MAX_PAGE_SIZE = 1000

# Defaults of the source's configuration ([sources.atlas_billing]).
DEFAULT_PAGE_SIZE = 1000
DEFAULT_LOOKBACK_DAYS = 3
DEFAULT_SCOPE = "account"
SCOPES = ("account", "self")
DEFAULT_GRAIN = "model,api_key"
GRAINS: dict[str, tuple[str, ...]] = {
    "model,api_key": ("model", "api_key"),
    "model": ("model",),
    "api_key": ("api_key",),
    "model_type": ("model_type",),
}
"""The group_by sets the API supports, by the name a user writes (and the `grain` column holds)."""

ROWS_PER_ITEM = 50_000
"""Rows handed to dlt at once: fewer, larger Arrow tables cost dlt far less than many pages."""
PAGES_PER_MAPPING = 8
"""Pages of one request chain mapped to rows together: a pass over a page costs mostly per call."""

# Concurrency: request chains (one date window of one endpoint) read at the same time.
DEFAULT_MAX_IN_FLIGHT = 8
PAGES_PER_AGGREGATE = 24
"""While model_costs/model_usage read pages, one aggregate request (a window's daily totals or
model types) goes out per this many pages read: the API answers an aggregate over a whole
window slowly, and pages asked for meanwhile wait behind it (see `helpers.AggregatePacer`)."""
LAST_LOAD_WAIT_SECONDS = 60.0
"""How long the balance snapshot waits for the daily resources loaded with it to plan their days
(to know whether their load is the run's last); past it, the snapshot gets a load of its own."""
AGGREGATE_MAX_WAIT_SECONDS = 3.0
"""An aggregate request never waits longer than this for its turn (pages held up, e.g. by a
rate limit, do not hold the rest of the run back)."""

# HTTP behaviour.
CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_MAX_RETRY_SECONDS = 300.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS_ON_BAD_BODY = 3
"""A 2xx whose body is not JSON is asked again this often before the run stops on it."""

# Money columns: the API sends six decimals; we keep headroom for sums downstream.
MONEY_PRECISION = 38
MONEY_SCALE = 9
