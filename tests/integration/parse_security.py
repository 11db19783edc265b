#!/usr/bin/env python3
"""Hostile feeds: XXE (external entity, external DTD, parameter entity, file:// SYSTEM id),
billion laughs, quadratic blow-up, 10,000-deep nesting, a 50 MB text node, NUL and control bytes,
truncated documents. Each must be refused (exit 1) or recovered (exit 0) within a time bound,
without a crash, without reading the named file and without touching the network.

"Nothing touched" is checked with traps: every SYSTEM id names a FIFO (opening it for reading
would block the parser until our timeout) or a loopback port we listen on (a connection would be
accepted)."""
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.environ["CW_BIN"]
SRC = os.environ["CW_SOURCE_DIR"]
TIMEOUT = 60
failures = []


def run(name, data, want=(0, 1)):
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(data)
        path = f.name
    t0 = time.monotonic()
    try:
        p = subprocess.run([BIN, "parse", "--compact", path], capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        failures.append(f"{name}: did not finish in {TIMEOUT}s (blocked on a trap or unbounded)")
        os.unlink(path)
        return None
    os.unlink(path)
    dt = time.monotonic() - t0
    if p.returncode not in want:
        failures.append(f"{name}: exit {p.returncode} (want {want}); stderr: {p.stderr[-300:]!r}")
        return None
    print(f"{name}: exit {p.returncode} in {dt:.2f}s")
    return json.loads(p.stdout) if p.returncode == 0 else None


tmp = tempfile.mkdtemp()
secret = os.path.join(tmp, "secret.txt")
with open(secret, "w") as f:
    f.write("TOP-SECRET-MARKER")
fifo = os.path.join(tmp, "trap.fifo")
os.mkfifo(fifo)
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
srv.setblocking(False)
port = srv.getsockname()[1]
net = f"http://127.0.0.1:{port}/evil.dtd"


def rss(title, doctype=""):
    return (f'<?xml version="1.0"?>{doctype}<rss version="2.0"><channel><title>{title}</title>'
            f'<item><title>i</title><link>https://e.example/1</link></item></channel></rss>').encode()


def no_leak(name, doc):
    if doc is not None and "TOP-SECRET-MARKER" in json.dumps(doc):
        failures.append(f"{name}: the file's content leaked into the output")


cases = {
    "xxe file entity": rss("&x;", f'<!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'),
    "xxe fifo entity": rss("&x;", f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{fifo}">]>'),
    "xxe network entity": rss("&x;", f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{net}">]>'),
    "external dtd fifo": rss("t", f'<!DOCTYPE rss SYSTEM "{fifo}">'),
    "external dtd network": rss("t", f'<!DOCTYPE rss PUBLIC "-//x//EN" "{net}">'),
    "parameter entity": rss("t", f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{fifo}"> %p;]>'),
    "parameter entity network": rss("t", f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{net}"> %p; %q;]>'),
    "billion laughs": rss("&l9;", "<!DOCTYPE rss [<!ENTITY l0 \"lol\">" + "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>"),
    "quadratic blow-up": rss("&a;" * 20000, f'<!DOCTYPE rss [<!ENTITY a "{"x" * 100000}">]>'),
}
for name, data in cases.items():
    doc = run(name, data)
    no_leak(name, doc)
    if doc is not None:
        t = doc["feed"].get("title", "")
        if len(t) > 1000000:
            failures.append(f"{name}: title of {len(t)} bytes: entities were expanded")

try:
    conn, _ = srv.accept()
    failures.append("the parser connected to the network trap")
    conn.close()
except BlockingIOError:
    pass

# Deep nesting, in XML and in HTML content, and in JSON.
run("10000-deep XML", b'<rss version="2.0"><channel><title>d</title>' + b"<x>" * 10000 + b"</x>" * 10000 + b"</channel></rss>")
doc = run("10000-deep HTML", rss("d").replace(b"<title>i</title>", b"<title>i</title><description>" + b"&lt;div&gt;" * 10000 + b"deep</description>"))
if doc is not None and doc["items"] and "deep" not in doc["items"][0].get("text", ""):
    failures.append("10000-deep HTML: text lost")
run("100000-deep JSON", b'{"version":"https://jsonfeed.org/version/1","items":' + b"[" * 100000 + b"]" * 100000 + b"}")

# A 50 MB text node: refused or truncated, in bounded time and memory.
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
big = b'<rss version="2.0"><channel><title>big</title><item><title>t</title><description>' + b"a" * (50 * 1024 * 1024) + b"</description></item></channel></rss>"
run("50 MB text node", big)
rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"peak child RSS {rss_kb // 1024} MB")
if rss_kb > 3 * 1024 * 1024:
    failures.append(f"50 MB text node: peak RSS {rss_kb // 1024} MB")

# NUL and control bytes everywhere.
ctrl = bytes(range(0, 32)).replace(b"\n", b"")
doc = run("NUL and control bytes", b'<rss version="2.0"><channel><title>a' + ctrl + b'b\x00c</title><item><title>x\x00y</title></item></channel></rss>')
if doc is None or doc["feed"].get("title") != "a bc":  # tab and CR are whitespace
    failures.append(f"control bytes: title {doc and doc['feed'].get('title')!r}, want 'a bc'")

# Truncated documents: every prefix of two fixtures at a stride.
for fx in ("rss20.xml", "atom10.xml", "feed.json"):
    with open(os.path.join(SRC, "tests/fixtures/feeds", fx), "rb") as f:
        whole = f.read()
    for cut in range(0, len(whole), max(1, len(whole) // 40)):
        run(f"{fx} cut at {cut}", whole[:cut])

os.unlink(fifo)
os.unlink(secret)
os.rmdir(tmp)
srv.close()
for f in failures:
    print("FAIL", f)
sys.exit(1 if failures else 0)
