#!/usr/bin/env python3
"""claimwatch extract on the demo article pages (config/demo/articles/*.html): every must-appear
sentence of tests/fixtures/demo/expected.json is in the extracted text, no page-furniture string
is, no furniture line stands as a paragraph, and the metadata (canonical URL, title, author,
published, lang) matches the ground truth."""
import json
import os
import subprocess
import sys

src = os.environ["CW_SOURCE_DIR"]
cw = os.environ["CW_BIN"]
expected = json.load(open(os.path.join(src, "tests/fixtures/demo/expected.json"), encoding="utf-8"))
failures, checks = [], 0
for path, e in sorted(expected["articles"].items()):
    page = os.path.join(src, path)
    r = subprocess.run([cw, "extract", "--url", "https://demo.test/" + e.get("feed_link", path), page],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        failures.append(f"{path}: exit {r.returncode}: {r.stderr.strip()}")
        continue
    a = json.loads(r.stdout)
    text = a["text"]
    paragraphs = [p.strip() for p in text.split("\n")]
    if text != "\n\n".join(a["paragraphs"]):
        failures.append(f"{path}: text is not the paragraphs joined by blank lines")
    for s in e.get("must_contain", []):
        checks += 1
        if s not in text:
            failures.append(f"{path}: missing sentence: {s}")
    for s in e.get("must_not_contain", []):
        checks += 1
        if s in text:
            failures.append(f"{path}: boilerplate present: {s}")
    for s in e.get("must_not_contain_lines", []):
        checks += 1
        if s in paragraphs:
            failures.append(f"{path}: boilerplate line present: {s}")
    for key, field in (("canonical", "canonical_url"), ("title", "title"), ("published", "published"), ("lang", "lang")):
        if e.get(key):
            checks += 1
            if a.get(field) != e[key]:
                failures.append(f"{path}: {field} is {a.get(field)!r}, want {e[key]!r}")
    if e.get("author"):
        checks += 1
        if e["author"] not in a.get("authors", []):
            failures.append(f"{path}: authors {a.get('authors')!r} lack {e['author']!r}")
if checks < 20:
    failures.append(f"only {checks} checks ran: is expected.json complete?")
for f in failures:
    print("FAIL", f)
print(f"extract_demo: {len(expected['articles'])} pages, {checks} checks, {len(failures)} failures")
sys.exit(1 if failures else 0)
