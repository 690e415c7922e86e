"""Storage XHTML and ADF to readable plain text."""

from __future__ import annotations

import json

from dlt_atlassian.confluence.plaintext import adf_to_text, storage_to_text
from dlt_atlassian.confluence.rows import body_columns

MACRO_PAGE = """<h1>Release&nbsp;notes</h1><p>Intro with <strong>bold</strong> and
<a href="https://example.com">a   link</a>.</p>
<ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="abc">
  <ac:parameter ac:name="title">Heads up</ac:parameter>
  <ac:rich-text-body><p>Panel text</p></ac:rich-text-body>
</ac:structured-macro>
<ac:structured-macro ac:name="toc"><ac:parameter ac:name="maxLevel">3</ac:parameter>
</ac:structured-macro>
<ac:structured-macro ac:name="code">
  <ac:parameter ac:name="language">python</ac:parameter>
  <ac:plain-text-body><![CDATA[def f(a, b):
    return a < b and "<p>" != b]]></ac:plain-text-body>
</ac:structured-macro>
<table><tbody><tr><th>Name</th><th>Value</th></tr>
<tr><td><p>alpha</p></td><td><p>1</p><p>2</p></td></tr></tbody></table>
<ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>
<ol><li>first</li><li>second</li></ol>
<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status>
<ac:task-body>done thing</ac:task-body></ac:task><ac:task><ac:task-id>2</ac:task-id>
<ac:task-status>incomplete</ac:task-status><ac:task-body>open thing</ac:task-body></ac:task>
</ac:task-list>
<p>See <ac:link><ri:page ri:content-title="Other page" /></ac:link> and
<ac:link><ri:page ri:content-title="X"/><ac:plain-text-link-body><![CDATA[custom text]]>
</ac:plain-text-link-body></ac:link>.<br/>Line two <ac:emoticon ac:name="smile"/>
<ac:image><ri:attachment ri:filename="diagram.png"/></ac:image></p>
<p>Due <time datetime="2024-05-01" /></p>"""


def test_storage_with_macros_tables_and_code_is_readable() -> None:
    text = storage_to_text(MACRO_PAGE)
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == "Release notes"
    assert "Intro with bold and a link." in lines
    assert "Panel text" in lines
    # code block verbatim, indentation and < kept
    assert "def f(a, b):" in lines
    assert '    return a < b and "<p>" != b' in lines
    # a table row per line, cells separated, paragraphs inside a cell stay on the row
    assert "Name | Value" in lines
    assert "alpha | 1 2" in lines
    # lists: bullets, nesting, numbers, tasks
    assert lines[lines.index("- one") + 1] == "  - nested"
    assert "- two" in lines
    assert "1. first" in lines and "2. second" in lines
    assert "[x] done thing" in lines and "[ ] open thing" in lines
    # links as their text, page title when there is none
    assert "See Other page and custom text." in lines
    assert "Due 2024-05-01" in lines
    # no markup, no macro parameters, no entity left over
    for leftover in ("<", "ac:", "ri:", "&nbsp;", "Heads up", "maxLevel", "python\n", "smile",
                     "diagram.png"):
        assert leftover not in text.replace("a < b", "").replace('"<p>"', "")


def test_storage_edge_cases() -> None:
    assert storage_to_text(None) is None
    assert storage_to_text("") == ""
    assert storage_to_text("<p>unclosed <b>bold<br>next") == "unclosed bold\nnext"
    assert storage_to_text("<p>a</p><p></p><p></p><p>b</p>") == "a\nb"
    assert storage_to_text("<p>caf&eacute; &lt;tag&gt; &#x263A;</p>") == "café <tag> ☺"


def test_adf_document_is_readable() -> None:
    def para(text: str) -> dict[str, object]:
        return {"type": "paragraph", "content": [{"type": "text", "text": text}]}

    doc = {"type": "doc", "version": 1, "content": [
        {"type": "heading", "attrs": {"level": 1}, "content": [{"type": "text", "text": "T"}]},
        {"type": "paragraph", "content": [
            {"type": "text", "text": "Hi "},
            {"type": "mention", "attrs": {"id": "x", "text": "@Ada"}},
            {"type": "hardBreak"}, {"type": "text", "text": "next"}]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [para("a"), {"type": "bulletList", "content": [
                {"type": "listItem", "content": [para("a1")]}]}]},
            {"type": "listItem", "content": [para("b")]}]},
        {"type": "orderedList", "attrs": {"order": 3}, "content": [
            {"type": "listItem", "content": [para("three")]},
            {"type": "listItem", "content": [para("four")]}]},
        {"type": "codeBlock", "content": [{"type": "text", "text": "x = 1\n  y = 2"}]},
        {"type": "table", "content": [
            {"type": "tableRow", "content": [
                {"type": "tableHeader", "content": [para("H1")]},
                {"type": "tableHeader", "content": [para("H2")]}]},
            {"type": "tableRow", "content": [
                {"type": "tableCell", "content": [para("c1"), para("more")]},
                {"type": "tableCell", "content": [para("c2")]}]}]},
        {"type": "taskList", "content": [
            {"type": "taskItem", "attrs": {"state": "DONE"}, "content": [
                {"type": "text", "text": "shipped"}]}]},
    ]}
    assert adf_to_text(doc) == (
        "T\nHi @Ada\nnext\n- a\n  - a1\n- b\n3. three\n4. four\nx = 1\n  y = 2\n"
        "H1 | H2\nc1 more | c2\n[x] shipped"
    )
    assert adf_to_text(None) is None


def test_body_columns_per_format() -> None:
    storage = {"body": {"storage": {"representation": "storage", "value": "<p>Hello</p>"}}}
    assert body_columns(storage, plain_text=True) == {
        "body_storage": "<p>Hello</p>", "body_atlas_doc_format": None, "body_text": "Hello"}
    adf = {"type": "doc", "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "Hello"}]}]}
    as_adf = {"body": {"atlas_doc_format": {"representation": "atlas_doc_format",
                                            "value": json.dumps(adf)}}}
    assert body_columns(as_adf, plain_text=True) == {
        "body_storage": None, "body_atlas_doc_format": adf, "body_text": "Hello"}
    assert body_columns(as_adf, plain_text=False)["body_text"] is None
    assert body_columns({"body": {}}, plain_text=True) == {
        "body_storage": None, "body_atlas_doc_format": None, "body_text": None}
