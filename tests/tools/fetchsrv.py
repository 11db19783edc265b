"""A loopback HTTP server with the fault modes the fetcher must survive, for tests/integration/fetch_*.py
and bench. Each path is one behaviour; the server counts requests, concurrency and bytes sent."""
import email.utils
import gzip
import http.server
import io
import json
import os
import subprocess
import sys
import threading
import time

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b'<item><guid>a1</guid><title>one</title><link>http://example.com/1</link></item>'
        b'</channel></rss>')


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits = {}
        self.headers = []        # (path, dict of request headers)
        self.active = 0
        self.max_active = 0
        self.sent = {}           # path -> body bytes written
        self.stop = threading.Event()

    def hit(self, path):
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]


def make_handler(st, peer=None):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send_body(self, code, body, headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = self.path.split("?")[0]
            n = st.hit(path)
            slow = path.startswith("/slow/")
            with st.lock:
                st.headers.append((path, dict(self.headers.items())))
                if slow:  # concurrency is measured on these requests only
                    st.active += 1
                    st.max_active = max(st.max_active, st.active)
            try:
                self.route(path, n)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                if slow:
                    with st.lock:
                        st.active -= 1

        def route(self, path, n):
            if path == "/feed":
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.end_headers()
                    return
                self.send_body(200, FEED, [("Content-Type", "application/rss+xml"), ("ETag", '"v1"'),
                                           ("Last-Modified", "Sat, 01 Nov 2025 10:00:00 GMT"),
                                           ("Cache-Control", "public, max-age=1200")])
            elif path in ("/429s", "/503s"):
                self.send_body(int(path[1:4]), b"busy", [("Retry-After", "120")])
            elif path in ("/429d", "/503d"):
                when = email.utils.formatdate(time.time() + 3600, usegmt=True)
                self.send_body(int(path[1:4]), b"busy", [("Retry-After", when)])
            elif path == "/loop":
                self.send_body(301, b"", [("Location", "/loop")])
            elif path == "/perm1":
                self.send_body(301, b"", [("Location", "/perm2")])
            elif path == "/perm2":
                self.send_body(308, b"", [("Location", "/feed")])
            elif path == "/temp":
                self.send_body(302, b"", [("Location", "/perm2")])
            elif path == "/meta":
                self.send_body(301, b"", [("Location", "http://169.254.169.254/latest/meta-data/")])
            elif path == "/tolo" and peer:
                self.send_body(301, b"", [("Location", peer + "/feed")])
            elif path.startswith("/toslow/") and peer:
                self.send_body(302, b"", [("Location", peer + "/slow/" + path[8:])])
            elif path == "/tofile":
                self.send_body(302, b"", [("Location", "file:///etc/passwd")])
            elif path == "/drip":
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(60):
                    if st.stop.is_set():
                        return
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.5)
            elif path == "/hang":
                st.stop.wait(30)
            elif path == "/big":
                # chunked, 50 MB, no Content-Length: only the decoded-byte cap can stop it
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"y" * 65536
                for _ in range(800):
                    if st.stop.is_set():
                        return
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    with st.lock:
                        st.sent[path] = st.sent.get(path, 0) + len(chunk)
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/bomb":
                buf = io.BytesIO()
                with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
                    z = b"\0" * (1 << 20)
                    for _ in range(64):
                        g.write(z)
                self.send_body(200, buf.getvalue(), [("Content-Encoding", "gzip")])
            elif path == "/gz":
                self.send_body(200, gzip.compress(FEED), [("Content-Encoding", "gzip")])
            elif path.startswith("/slow/"):
                time.sleep(0.5)  # long enough that the limit, not luck, decides the overlap
                self.send_body(200, FEED)
            elif path == "/flaky":
                if n <= 2:
                    self.send_body(500, b"down")
                else:
                    self.send_body(200, FEED, [("ETag", '"f1"')])
            elif path.startswith("/f/"):
                # feed number k: three items with ids unique to it; slow enough to kill mid-round
                k = path[3:]
                time.sleep(0.15)
                body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>' % k +
                        "".join("<item><guid>%s-%d</guid><title>%d</title></item>" % (k, j, j) for j in range(3)) +
                        "</channel></rss>").encode()
                self.send_body(200, body, [("ETag", '"e%s"' % k)])
            elif path == "/ua":
                self.send_body(200, self.headers.get("User-Agent", "").encode())
            else:
                self.send_body(404, b"no")
    return H


class Server:
    def __init__(self, host="127.0.0.1", peer=None):
        self.st = State()
        self.httpd = http.server.ThreadingHTTPServer((host, 0), make_handler(self.st, peer))
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *a: None  # clients hanging up mid-body is what we test
        self.base = "http://%s:%d" % (host, self.httpd.server_address[1])
        self.t = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.t.start()

    def close(self):
        self.st.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def tool(args, timeout=120):
    """Runs fetch_tool and returns its results keyed by the URL requested."""
    exe = os.path.join(os.environ.get("CW_TOOLS_DIR", "build/tests"), "fetch_tool")
    p = subprocess.run([exe] + args, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise AssertionError("fetch_tool exited %d" % p.returncode)
    out = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        out[r["url"]] = r
    return out
