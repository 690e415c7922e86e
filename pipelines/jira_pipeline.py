"""Load Jira Cloud into DuckDB (or any dlt destination). Copy and edit to taste.

Credentials come from [sources.atlassian.credentials] in .dlt/secrets.toml or environment
variables (see .dlt/example.secrets.toml). Run it again to load only what changed.
"""

import dlt

from dlt_atlassian import jira_source


def load_jira() -> None:
    pipeline = dlt.pipeline(
        pipeline_name="jira_pipeline",
        destination="duckdb",  # or "postgres", "snowflake", "bigquery", "motherduck", ...
        dataset_name="jira",
        progress="log",
    )
    source = jira_source(
        # projects=["ENG", "OPS"],          # default: every project the credentials see
        # jql="labels = customer",         # narrow the issues further
        # start_date="2024-01-01",         # first run only
        # custom_field_names="name",       # story_points instead of customfield_10016
    )
    # Pick tables with .with_resources("issues", "issue_changelogs", "issue_comments", ...).
    info = pipeline.run(source)
    print(info)


if __name__ == "__main__":
    load_jira()
