"""Fetcher against a loopback server: conditional GET, Retry-After, redirects and the address policy."""
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("CW_SOURCE_DIR", "."), "tests", "tools"))
import fetchsrv  # noqa: E402

fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


lo = fetchsrv.Server("127.0.0.1")
srv = fetchsrv.Server("127.0.0.2", peer=lo.base)
A = ["--allow", "127.0.0.2/32"]
b = srv.base
try:
    # 200 then 304 with the validators sent back
    r = fetchsrv.tool(A + [b + "/feed"])[b + "/feed"]
    check(r["error"] == "ok" and r["status"] == 200 and r["etag"] == '"v1"', "200 with ETag")
    check(r["last_modified"] == "Sat, 01 Nov 2025 10:00:00 GMT", "Last-Modified captured")
    check(r["max_age_s"] == 1200, "Cache-Control max-age read")
    check(r["body"].startswith("<?xml"), "body delivered")
    r = fetchsrv.tool(A + ["--etag", r["etag"], "--last-modified", r["last_modified"], b + "/feed"])[b + "/feed"]
    check(r["error"] == "ok" and r["status"] == 304 and r["body_null"], "304 on the second fetch, no body")
    h = srv.st.headers[-1][1]
    check(h.get("If-None-Match") == '"v1"', "If-None-Match sent")
    check(h.get("If-Modified-Since") == "Sat, 01 Nov 2025 10:00:00 GMT", "If-Modified-Since sent")
    check(h.get("User-Agent", "").startswith("claimwatch/"), "User-Agent names claimwatch")
    check("gzip" in h.get("Accept-Encoding", "") and "deflate" in h.get("Accept-Encoding", ""),
          "Accept-Encoding offers gzip and deflate")
    r = fetchsrv.tool(A + ["--user-agent", "custom/1", b + "/ua"])[b + "/ua"]
    check(r["body"] == "custom/1", "User-Agent configurable")
    r = fetchsrv.tool(A + [b + "/gz"])[b + "/gz"]
    check(r["error"] == "ok" and r["body"].startswith("<?xml"), "gzip body decoded")

    # Retry-After, both forms, on 429 and 503
    res = fetchsrv.tool(A + [b + p for p in ("/429s", "/503s", "/429d", "/503d")])
    for code in ("429", "503"):
        rs, rd = res[b + "/" + code + "s"], res[b + "/" + code + "d"]
        check(rs["error"] == "http" and rs["status"] == int(code) and rs["retry_after_s"] == 120,
              code + " Retry-After seconds")
        check(rd["status"] == int(code) and 3500 <= rd["retry_after_s"] <= 3601, code + " Retry-After HTTP date")

    # redirects
    res = fetchsrv.tool(A + [b + "/loop", b + "/perm1", b + "/temp", b + "/meta", b + "/tolo", b + "/tofile"])
    check(res[b + "/loop"]["error"] == "too_many_redirects", "301 loop stopped")
    check(srv.st.hits.get("/loop", 0) <= 6, "301 loop: at most 5 redirects followed")
    p = res[b + "/perm1"]
    check(p["error"] == "ok" and p.get("permanent_redirect") == b + "/feed", "301+308 chain is permanent")
    t = res[b + "/temp"]
    check(t["error"] == "ok" and "permanent_redirect" not in t, "chain with a 302 is not permanent")
    check(res[b + "/meta"]["error"] == "blocked", "redirect to 169.254.169.254 refused")
    check(res[b + "/tolo"]["error"] == "blocked", "redirect to 127.0.0.1 refused when not allowed")
    check(lo.st.hits.get("/feed", 0) == 0, "127.0.0.1 server never contacted")
    check(res[b + "/tofile"]["error"] == "blocked", "redirect to file:// refused")
    r = fetchsrv.tool(A + ["--allow", "127.0.0.1/32", b + "/tolo"])[b + "/tolo"]
    check(r["error"] == "ok" and lo.st.hits.get("/feed", 0) == 1, "127.0.0.1 reachable once allowed")
    r = fetchsrv.tool([b + "/feed"])[b + "/feed"]
    check(r["error"] == "blocked", "loopback refused without allow_cidrs")
    r = fetchsrv.tool(A + ["file:///etc/hostname"])["file:///etc/hostname"]
    check(r["error"] == "blocked", "file:// refused unless allow_file")
    r = fetchsrv.tool(A + ["--allow-file", "1", "file:///etc/hostname"])["file:///etc/hostname"]
    check(r["error"] == "ok" and r["status"] == 200, "file:// read when allow_file")

    # fails then recovers (the fetcher reports each; the poller's backoff is unit-tested)
    r1 = fetchsrv.tool(A + [b + "/flaky"])[b + "/flaky"]
    r2 = fetchsrv.tool(A + [b + "/flaky"])[b + "/flaky"]
    r3 = fetchsrv.tool(A + [b + "/flaky"])[b + "/flaky"]
    check(r1["error"] == "http" and r2["status"] == 500 and r3["error"] == "ok", "flaky: fails then recovers")

    # TLS verification is on: a self-signed certificate is refused
    if shutil.which("openssl"):
        tmp = tempfile.mkdtemp(prefix="cw_tls_")
        key, crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                        "-days", "1", "-subj", "/CN=127.0.0.2", "-addext", "subjectAltName=IP:127.0.0.2"],
                       check=True, capture_output=True)
        tls = fetchsrv.Server("127.0.0.2")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        tls.httpd.socket = ctx.wrap_socket(tls.httpd.socket, server_side=True)
        u = tls.base.replace("http://", "https://") + "/feed"
        r = fetchsrv.tool(A + [u])[u]
        check(r["error"] == "tls", "self-signed certificate refused (%s)" % r["errmsg"])
        tls.close()
        shutil.rmtree(tmp, ignore_errors=True)
finally:
    srv.close()
    lo.close()

print("%d failures" % len(fails))
sys.exit(1 if fails else 0)
