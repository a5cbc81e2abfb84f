"""dbt-bigquery builds against the local emulator: a profile with `method: oauth-secrets`, a
token the emulator does not check and `api_endpoint`; money cast as NUMERIC(38, 9) stays exact
to the micro-dollar through seeds, models, an incremental merge, data tests and unit tests.

The project here is a small stand-in written by the test, with extreme amounts; it pins the
emulator settings the real project's `bigquery_emulator` target uses (test_bq_marts.py builds the
real project).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bigquery_support import BigQueryEmulator, new_dataset_name
from dbt.cli.main import dbtRunner
from dbt.contracts.results import RunExecutionResult

pytestmark = [
    pytest.mark.bigquery,
    pytest.mark.filterwarnings("ignore:Cannot create BigQuery Storage client"),
]

PROFILE = """
emulator_probe:
  target: emulator
  outputs:
    emulator:
      type: bigquery
      method: oauth-secrets
      token: not-checked-by-the-emulator
      project: {project}
      dataset: {dataset}
      api_endpoint: {endpoint}
      location: US
      threads: 1
      job_retries: 0
"""

PROJECT = """
name: emulator_probe
version: "1.0"
config-version: 2
profile: emulator_probe
flags:
  send_anonymous_usage_stats: false
seeds:
  emulator_probe:
    # A load job's schema takes no type parameters; BigQuery's NUMERIC is (38, 9) anyway.
    +column_types:
      amount_usd: numeric
      day: date
models:
  emulator_probe:
    # The emulator drops NUMERIC(38, 9) parameters inside view bodies (a bare NUMERIC then
    # rounds to 3 decimals); models that would be views are tables on the emulator target.
    +materialized: "{{ 'table' if target.name == 'emulator' else 'view' }}"
"""

FILES = {
    "seeds/daily_costs.csv": """
        day,api_key_id,model,amount_usd
        2026-05-01,ak_1,gpt-x,0.000001
        2026-05-01,ak_1,flux,0.000002
        2026-05-01,ak_2,gpt-x,12345678901234567890.123456
        2026-05-02,ak_1,gpt-x,1.123456
    """,
    "models/spend_by_key.sql": """
        select
            day,
            api_key_id,
            cast(sum(cast(amount_usd as numeric(38, 9))) as numeric(38, 9)) as spend_usd,
            cast(date_add(day, interval 1 day) as date) as next_day
        from {{ ref('daily_costs') }}
        group by day, api_key_id
    """,
    "models/spend_by_key_incremental.sql": """
        {{ config(
            materialized='incremental',
            incremental_strategy='merge',
            unique_key=['day', 'api_key_id'],
            partition_by={'field': 'day', 'data_type': 'date', 'granularity': 'day'},
            cluster_by=['api_key_id'],
        ) }}
        select day, api_key_id, spend_usd from {{ ref('spend_by_key') }}
        {% if is_incremental() %}
        where day >= (select max(day) from {{ this }})
        {% endif %}
    """,
    "models/spend_by_key.yml": """
        version: 2
        models:
          - name: spend_by_key
            columns:
              - name: spend_usd
                data_tests: [not_null]
        unit_tests:
          - name: spend_adds_micro_dollars_exactly
            model: spend_by_key
            given:
              - input: ref('daily_costs')
                rows:
                  - {day: 2026-05-01, api_key_id: a, model: m, amount_usd: 0.000001}
                  - {day: 2026-05-01, api_key_id: a, model: n, amount_usd: 0.000002}
            expect:
              rows:
                - {day: 2026-05-01, api_key_id: a, spend_usd: 0.000003}
    """,
}


@dataclass
class DbtProject:
    """The stand-in dbt project, built into one dataset of the emulator."""

    emulator: BigQueryEmulator
    path: Path
    dataset: str

    def build(self) -> dict[str, str]:
        """`dbt build`; returns each node's status. Fails the test if dbt could not run."""
        outcome = dbtRunner().invoke(
            ["build", "--project-dir", str(self.path), "--profiles-dir", str(self.path)]
        )
        assert outcome.exception is None, outcome.exception
        assert isinstance(outcome.result, RunExecutionResult)
        return {result.node.name: str(result.status) for result in outcome.result.results}

    def merged_into(self, model: str) -> bool:
        """Whether dbt ran a MERGE into the model's table (its incremental path)."""
        target = f"merge into `{self.emulator.project}`.`{self.dataset}`.`{model}`"
        queries = self.emulator.queries_run()
        return any(target in query.lower() for query in queries)

    def rows(self, table: str, columns: str) -> list[tuple[Any, ...]]:
        table_id = f"`{self.emulator.project}.{self.dataset}.{table}`"
        query = f"SELECT {columns} FROM {table_id} ORDER BY 1, 2"
        return [tuple(row.values()) for row in self.emulator.client().query(query).result()]


@pytest.fixture
def dbt_project(bigquery_emulator: BigQueryEmulator, tmp_path: Path) -> DbtProject:
    dataset = new_dataset_name("dbt")
    (tmp_path / "profiles.yml").write_text(
        PROFILE.format(
            project=bigquery_emulator.project, dataset=dataset, endpoint=bigquery_emulator.endpoint
        )
    )
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text).strip() + "\n")
    return DbtProject(bigquery_emulator, tmp_path, dataset)


def test_dbt_builds_exact_money_and_an_incremental_merge_on_the_emulator(
    dbt_project: DbtProject,
) -> None:
    first = dbt_project.build()
    second = dbt_project.build()  # the incremental model now merges into its existing table

    expected_statuses = {
        "daily_costs": "success",
        "spend_by_key": "success",
        "spend_by_key_incremental": "success",
        "not_null_spend_by_key_spend_usd": "pass",
        "spend_adds_micro_dollars_exactly": "pass",
    }
    assert first == second == expected_statuses
    assert dbt_project.merged_into("spend_by_key_incremental")
    spend = [
        (date(2026, 5, 1), "ak_1", Decimal("0.000003")),
        (date(2026, 5, 1), "ak_2", Decimal("12345678901234567890.123456")),
        (date(2026, 5, 2), "ak_1", Decimal("1.123456")),
    ]
    assert dbt_project.rows("spend_by_key", "day, api_key_id, spend_usd, next_day") == [
        (*row, date.fromordinal(row[0].toordinal() + 1)) for row in spend
    ]
    assert dbt_project.rows("spend_by_key_incremental", "day, api_key_id, spend_usd") == spend
