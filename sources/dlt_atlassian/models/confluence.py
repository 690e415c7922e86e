"""``confluence_page_activity`` and ``confluence_space_summary``."""

from __future__ import annotations

from dlt_atlassian.models.context import ModelContext


def _content(ctx: ModelContext) -> str:
    """Pages and blog posts as one derived table (id, type, space, title, status, last edit)."""
    text = ctx.dialect.text
    parts = []
    for table, kind in (("pages", "page"), ("blog_posts", "blogpost")):
        if ctx.has(table):
            parts.append(f"SELECT id, '{kind}' AS content_type, space_id, title, status, "
                         f"created_at, version_created_at FROM {ctx.t(table)}")
    if not parts:
        parts.append(f"SELECT CAST(NULL AS {text}) AS id, CAST(NULL AS {text}) AS content_type, "
                     f"CAST(NULL AS {text}) AS space_id, CAST(NULL AS {text}) AS title, "
                     f"CAST(NULL AS {text}) AS status, "
                     "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS created_at, "
                     "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS version_created_at WHERE 1 = 0")
    return "(" + "\nUNION ALL\n".join(parts) + ")"


def _versions(ctx: ModelContext) -> str:
    if ctx.has("page_versions"):
        return ctx.t("page_versions")
    text = ctx.dialect.text
    return (f"(SELECT CAST(NULL AS {text}) AS content_id, CAST(NULL AS {text}) AS author_id, "
            "CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS created_at WHERE 1 = 0)")


def page_activity_sql(ctx: ModelContext) -> str:
    """Edits (versions) per page or blog post per UTC day per author."""
    d = ctx.dialect
    author = (f"(SELECT MAX(u.display_name) FROM {ctx.t('users')} u "
              "WHERE u.account_id = v.author_id)" if ctx.has("users")
              else f"CAST(NULL AS {d.text})")
    return f"""
SELECT {d.day("v.created_at")} AS date_day, v.content_id, v.content_type, c.space_id, c.title,
       v.author_id, {author} AS author_name, COUNT(*) AS edits,
       SUM(CASE WHEN v.number = 1 THEN 1 ELSE 0 END) AS creations
FROM {ctx.t("page_versions")} v
LEFT JOIN {_content(ctx)} c ON c.id = v.content_id AND c.content_type = v.content_type
GROUP BY {d.day("v.created_at")}, v.content_id, v.content_type, c.space_id, c.title, v.author_id
"""


def space_summary_sql(ctx: ModelContext) -> str:
    """Per space: current pages and blog posts, contributors, last edit, stale pages."""
    stale_before = f"({ctx.as_of_sql} - INTERVAL '{int(ctx.options.stale_days)} days')"
    recent = f"({ctx.as_of_sql} - INTERVAL '30 days')"
    return f"""
WITH content AS {_content(ctx)},
edits AS (
  SELECT c.space_id, v.author_id, v.created_at
  FROM {_versions(ctx)} v JOIN content c ON c.id = v.content_id
),
by_space AS (
  SELECT space_id,
         SUM(CASE WHEN content_type = 'page' AND status = 'current' THEN 1 ELSE 0 END) AS pages,
         SUM(CASE WHEN content_type = 'blogpost' AND status = 'current' THEN 1 ELSE 0 END)
           AS blog_posts,
         SUM(CASE WHEN content_type = 'page' AND status = 'current'
                   AND COALESCE(version_created_at, created_at) < {stale_before}
                  THEN 1 ELSE 0 END) AS stale_pages,
         MAX(COALESCE(version_created_at, created_at)) AS last_edit_at
  FROM content GROUP BY space_id
),
people AS (
  SELECT space_id, COUNT(DISTINCT author_id) AS contributors,
         SUM(CASE WHEN created_at >= {recent} THEN 1 ELSE 0 END) AS edits_last_30_days
  FROM edits GROUP BY space_id
)
SELECT s.id AS space_id, s.key AS space_key, s.name AS space_name, s.type AS space_type,
       s.status AS space_status,
       COALESCE(b.pages, 0) AS pages, COALESCE(b.blog_posts, 0) AS blog_posts,
       COALESCE(p.contributors, 0) AS contributors,
       COALESCE(p.edits_last_30_days, 0) AS edits_last_30_days,
       COALESCE(b.stale_pages, 0) AS stale_pages, {int(ctx.options.stale_days)} AS stale_days,
       b.last_edit_at
FROM {ctx.t("spaces")} s
LEFT JOIN by_space b ON b.space_id = s.id
LEFT JOIN people p ON p.space_id = s.id
"""
