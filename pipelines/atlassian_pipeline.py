"""Load Jira and Confluence in one pipeline, on one token (one OAuth consent covers both)."""

import dlt

from dlt_atlassian import atlassian_source


def load_atlassian() -> None:
    pipeline = dlt.pipeline(
        pipeline_name="atlassian_pipeline",
        destination="duckdb",
        dataset_name="atlassian",
        progress="log",
    )
    source = atlassian_source(
        # projects=["ENG"], spaces=["DOCS"],
    )
    info = pipeline.run(source)
    print(info)


if __name__ == "__main__":
    load_atlassian()
