#!/usr/bin/env python3
"""Quality and speed of article extraction, claimwatch vs readability-lxml, on one page set.

Quality: word 4-gram shingles (lowercased \\w+ tokens) of the extracted text against the known
main text; precision, recall and F1 per page, averaged over pages (an extractor that returns
nothing scores 0 on that page). Speed: pages per CPU second in process for readability (Document(html)
.summary()); claimwatch's in-process number comes from bench_extract (run.sh passes it in).

usage: score.py PAGES_DIR CLAIMWATCH_BIN [ROUNDS]   (prints a report; JSON summary on the last line)
"""
import glob
import json
import os
import re
import subprocess
import sys
import time

WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text, n=4):
    w = [t.lower() for t in WORD.findall(text or "")]
    if len(w) < n:
        return {tuple(w)} if w else set()
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def prf(got, want):
    g, t = shingles(got), shingles(want)
    if not g or not t:
        return (0.0, 0.0, 0.0) if t else (1.0, 1.0, 1.0)
    inter = len(g & t)
    p, r = inter / len(g), inter / len(t)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def readability_text(html_text):
    from readability import Document
    import lxml.html
    summary = Document(html_text).summary(html_partial=True)
    root = lxml.html.fromstring(summary)
    # paragraph-ish blocks separated, so words of adjacent blocks do not glue together
    for el in root.iter("p", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "br", "td"):
        el.tail = (el.tail or "") + "\n"
    return root.text_content()


def main():
    pages_dir, cw_bin = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    pages = sorted(glob.glob(os.path.join(pages_dir, "*.html")))
    rows, layouts = [], {}
    for path in pages:
        truth = json.load(open(path[:-5] + ".json", encoding="utf-8"))
        html_text = open(path, encoding="utf-8").read()
        cw = subprocess.run([cw_bin, "extract", path], capture_output=True, text=True)
        cw_text = json.loads(cw.stdout)["text"] if cw.returncode == 0 else ""
        try:
            rd_text = readability_text(html_text)
        except Exception:  # readability gives up on some pages: that page scores 0
            rd_text = ""
        c, r = prf(cw_text, truth["text"]), prf(rd_text, truth["text"])
        rows.append((os.path.basename(path), truth["layout"], c, r))
        layouts.setdefault(truth["layout"], []).append((c[2], r[2]))
    # readability speed, in process, same pages, same number of rounds as bench_extract
    from readability import Document
    texts = [open(p, encoding="utf-8").read() for p in pages]
    t0 = time.process_time()  # CPU seconds, as bench_extract and run.sh's xmllint timing
    for _ in range(rounds):
        for t in texts:
            try:
                Document(t).summary()
            except Exception:
                pass
    rd_pps = len(texts) * rounds / (time.process_time() - t0)

    def avg(k, i):
        return sum(row[k][i] for row in rows) / len(rows)
    print(f"{'layout':14s} {'claimwatch F1':>14s} {'readability F1':>15s}  pages")
    for name, v in sorted(layouts.items()):
        print(f"{name:14s} {sum(a for a, b in v) / len(v):14.3f} {sum(b for a, b in v) / len(v):15.3f}  {len(v)}")
    print(f"{'ALL':14s} {avg(2, 2):14.3f} {avg(3, 2):15.3f}  {len(rows)}")
    print(f"claimwatch  P {avg(2, 0):.3f} R {avg(2, 1):.3f} F1 {avg(2, 2):.3f}")
    print(f"readability P {avg(3, 0):.3f} R {avg(3, 1):.3f} F1 {avg(3, 2):.3f}")
    worst = sorted(rows, key=lambda r: r[2][2])[:5]
    print("claimwatch's weakest pages:", ", ".join(f"{n} ({l}) {c[2]:.2f}" for n, l, c, _ in worst))
    print(json.dumps({"pages": len(rows), "cw": {"p": avg(2, 0), "r": avg(2, 1), "f1": avg(2, 2)},
                      "readability": {"p": avg(3, 0), "r": avg(3, 1), "f1": avg(3, 2), "pages_per_sec": rd_pps}}))


if __name__ == "__main__":
    main()
