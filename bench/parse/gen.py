#!/usr/bin/env python3
"""Generates the parse benchmark inputs: an RSS 2.0 and an Atom 1.0 feed of N items (default
2,000), each carrying about 2 KB of HTML (paragraphs, links, emphasis, an image, a script and an
event handler for the sanitiser to remove). Deterministic: same N, same bytes."""
import random
import sys
from xml.sax.saxutils import escape

n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
out = sys.argv[1] if len(sys.argv) > 1 else "bench/data"
rnd = random.Random(42)
WORDS = ("harbour council ferry bridge repairs timetable winter market report minister statement "
         "weather storm vote budget school hospital road train station river museum festival "
         "analysis officials said according evidence claim denied confirmed sources").split()


def sentence():
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 16))).capitalize() + "."


def body(i):
    parts = []
    while sum(map(len, parts)) < 1900:
        parts.append(f"<p>{sentence()} <b>{sentence()}</b> <a href=\"/news/{i}/more?utm_source=rss\" "
                     f"onclick=\"track({i})\">{sentence()}</a> &amp; {sentence()}</p>")
    parts.insert(1, f"<img src=\"/img/{i}.jpg\" alt=\"photo {i}\"><script>track({i})</script>")
    return "".join(parts)


with open(f"{out}/bench.rss", "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            "<channel><title>Bench</title><link>https://bench.example/</link><description>d</description>\n")
    for i in range(n):
        f.write(f"<item><title>{escape(sentence())}</title><link>https://bench.example/news/{i}</link>"
                f"<guid isPermaLink=\"false\">bench-{i}</guid><pubDate>Tue, 10 Sep 2024 "
                f"{i % 24:02d}:{i % 60:02d}:00 +0000</pubDate><dc:creator>Writer {i % 17}</dc:creator>"
                f"<category>Cat {i % 9}</category><description>{escape(body(i))}</description></item>\n")
    f.write("</channel></rss>\n")

with open(f"{out}/bench.atom", "w") as f:
    f.write('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Bench</title><id>urn:bench</id><updated>2024-09-10T00:00:00Z</updated>"
            '<link href="https://bench.example/"/>\n')
    for i in range(n):
        f.write(f"<entry><title>{escape(sentence())}</title><id>urn:bench:{i}</id>"
                f"<link href=\"https://bench.example/news/{i}\"/><updated>2024-09-10T{i % 24:02d}:{i % 60:02d}:00Z</updated>"
                f"<author><name>Writer {i % 17}</name></author><category term=\"c{i % 9}\"/>"
                f"<content type=\"html\">{escape(body(i))}</content></entry>\n")
    f.write("</feed>\n")
