"""Load Confluence Cloud into DuckDB (or any dlt destination). Copy and edit to taste.

Credentials come from [sources.atlassian.credentials] in .dlt/secrets.toml or environment
variables (see .dlt/example.secrets.toml). Run it again to load only what changed.
"""

import dlt

from dlt_atlassian import confluence_source


def load_confluence() -> None:
    pipeline = dlt.pipeline(
        pipeline_name="confluence_pipeline",
        destination="duckdb",
        dataset_name="confluence",
        progress="log",
    )
    source = confluence_source(
        # spaces=["DOCS", "ENG"],          # default: every space
        # body_format="atlas_doc_format",  # or "storage" (default) or "none"
    )
    info = pipeline.run(source)
    print(info)


if __name__ == "__main__":
    load_confluence()
