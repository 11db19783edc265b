"""RSS feeds on a loopback HTTP server (port 0) whose items appear page by page: every request for
a feed shows `page` more of its items (up to `per_feed`), newest first, so a daemon that keeps
polling keeps finding new items, and a fetch lost to a crash loses nothing (the items stay in the
feed). Counts requests per feed and logs who asked (User-Agent), for tests that check when and by
whom feeds are fetched. Not a test itself (lib/ is not globbed by tests/CMakeLists.txt)."""
import http.server
import threading


class PagedFeeds:
    def __init__(self, name, nfeeds, per_feed, page):
        self.name, self.nfeeds, self.per_feed, self.page = name, nfeeds, per_feed, page
        self.lock = threading.Lock()
        self.shown = [0] * nfeeds
        self.requests = [0] * nfeeds
        self.full_served = [0] * nfeeds  # requests answered with every item shown
        self.frozen = False  # when set, requests show no new items
        self.log = []  # (feed, User-Agent) per request, in arrival order
        feeds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                try:
                    f = int(self.path.rsplit("/", 1)[-1].split(".")[0])
                    if not 0 <= f < feeds.nfeeds:
                        raise ValueError
                except ValueError:
                    self.send_error(404)
                    return
                body = feeds._serve(f, self.headers.get("User-Agent", ""))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the client went away (killed mid-transfer)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def url(self, f):
        return "http://127.0.0.1:%d/feed/%d.xml" % (self.port, f)

    def item_url(self, f, i):
        return "https://%s.test/feed%d/item-%d" % (self.name, f, i)

    def all_item_urls(self):
        return {self.item_url(f, i) for f in range(self.nfeeds) for i in range(self.per_feed)}

    def total_requests(self):
        with self.lock:
            return sum(self.requests)

    def total_shown(self):
        with self.lock:
            return sum(self.shown)

    def requests_since(self, mark):
        """The (feed, User-Agent) of every request after the first `mark` ones."""
        with self.lock:
            return self.log[mark:]

    def _serve(self, f, who=""):
        with self.lock:
            self.requests[f] += 1
            self.log.append((f, who))
            if not self.frozen:
                self.shown[f] = min(self.per_feed, self.shown[f] + self.page)
            n = self.shown[f]
            if n == self.per_feed:
                self.full_served[f] += 1
        parts = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
                 "<title>%s feed %d</title><link>https://%s.test/feed%d/</link>"
                 "<description>items revealed page by page</description>\n" % (self.name, f, self.name, f)]
        for i in reversed(range(n)):  # newest first, as feeds usually are
            parts.append("<item><title>Test report %d of feed %d</title><link>%s</link>"
                         "<guid isPermaLink=\"false\">urn:%s-test:feed%d:item-%d</guid>"
                         "<description>Report %d of feed %d, published for a delivery test.</description>"
                         "</item>\n" % (i, f, self.item_url(f, i), self.name, f, i, i, f))
        parts.append("</channel></rss>\n")
        return "".join(parts).encode()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
