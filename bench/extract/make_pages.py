#!/usr/bin/env python3
"""Builds the extraction benchmark page set: news-like pages in many layouts (semantic HTML5,
class-less div soup with obfuscated class names, WordPress-style, table layout, paywalled,
ad-interleaved, script-rendered with JSON-LD only, comment threads longer than the story,
teaser grids, br-separated text, non-English), each with its known main text.

The article texts are synthetic (seeded random sentences, so the set is reproducible) plus,
when ../shared/seeds exists, the seed articles' paragraphs. Nothing here is tuned to the
extractor: the layouts imitate common publishing systems, and the boilerplate around the text
is the usual kind (menus, share bars, newsletters, related lists, comments, cookie banners).

usage: make_pages.py OUTDIR [SEEDS_DIR]   -> OUTDIR/NNN.html + OUTDIR/NNN.json {"text", "layout"}
"""
import html
import json
import os
import random
import re
import sys

R = random.Random(20240910)

FIRST = "Ana Ben Carla David Elena Farid Grace Hugo Ines Jonas Kemal Lena Marco Nadia Omar Paula Rui Sofia Tomas Yara".split()
LAST = "Alvarez Becker Costa Dubois Eriksen Fischer Garcia Hansen Ivanova Jensen Kowalski Larsen Moreau Novak Okafor Petrov Rossi Silva Tanaka Weber".split()
PLACES = "Lisbon Gdansk Porto Tampere Leeds Lyon Graz Turin Cork Bergen Malmo Brno Ghent Split Varna Kaunas Tartu Aarhus Bilbao Utrecht".split()
ORGS = ["the transport ministry", "the regional council", "the central bank", "the port authority", "the health agency",
        "the energy regulator", "the university hospital", "the statistics office", "the farmers' union", "the water company",
        "the court of appeal", "the fire service", "the housing association", "the chamber of commerce", "the teachers' union"]
NOUNS = "budget plan report survey contract strike bridge railway tariff pension reform audit harvest flood election vaccine tunnel merger subsidy shortage".split()
VERBS = ["approved", "rejected", "delayed", "announced", "criticised", "defended", "published", "suspended", "expanded", "reviewed"]
ADJ = "controversial ambitious costly delayed revised temporary national regional unexpected long-awaited".split()
TIMES = ["on Monday", "on Tuesday", "last week", "earlier this month", "in March", "on Friday evening", "this year", "since 2019"]
SAYS = ["said", "told reporters", "wrote in a statement", "added", "argued", "warned"]


def person():
    return f"{R.choice(FIRST)} {R.choice(LAST)}"


def sentence():
    k = R.randrange(7)
    n, o, p, a = R.choice(NOUNS), R.choice(ORGS), R.choice(PLACES), R.choice(ADJ)
    num = R.choice([str(R.randrange(2, 99)), f"{R.randrange(1, 40)}.{R.randrange(10)} million", f"{R.randrange(2, 900)},{R.randrange(100, 999)}"])
    if k == 0:
        return f"{o.capitalize()} {R.choice(VERBS)} the {a} {n} {R.choice(TIMES)}, a decision that affects about {num} people in {p}."
    if k == 1:
        return f"\u201cWe cannot wait for the {n} any longer,\u201d {person()}, a spokesperson for {o}, {R.choice(SAYS)}."
    if k == 2:
        return f"According to figures from {o}, the {n} will cost {num} euros, more than twice the original estimate."
    if k == 3:
        return f"Residents of {p} have protested against the {n} {R.choice(TIMES)}, saying it was {a} and badly explained."
    if k == 4:
        return f"The {a} {n} was first proposed in {R.randrange(1995, 2023)}, but it stalled after objections from {o}."
    if k == 5:
        return f"{person()} {R.choice(SAYS)} that the {n} in {p} would be {R.choice(VERBS)} unless {o} changed course."
    return f"Critics, including {person()} of {o}, {R.choice(SAYS)} that the numbers did not add up."


def paragraph(lo=2, hi=5):
    return " ".join(sentence() for _ in range(R.randint(lo, hi)))


def synthetic_article():
    paras, heads = [], []
    n = R.randint(4, 14)
    for i in range(n):
        if i > 2 and R.random() < 0.15:
            heads.append(len(paras))
            paras.append(("h2", f"{R.choice(ADJ).capitalize()} {R.choice(NOUNS)} in {R.choice(PLACES)}"))
        kind = "p"
        if R.random() < 0.08:
            kind = "blockquote"
        paras.append((kind, paragraph(1, 2) if R.random() < 0.3 else paragraph()))
    if R.random() < 0.3:
        paras.append(("li", sentence()))
        paras.append(("li", sentence()))
        paras.append(("li", sentence()))
        paras.append(("p", paragraph(1, 3)))
    title = f"{R.choice(ORGS).capitalize()} {R.choice(VERBS)} {R.choice(ADJ)} {R.choice(NOUNS)} in {R.choice(PLACES)}"
    return {"title": title, "author": person(), "blocks": paras}


def seed_articles(seeds):
    out = []
    if not seeds or not os.path.isdir(seeds):
        return out
    for name in sorted(os.listdir(seeds)):
        lines = [l.strip() for l in open(os.path.join(seeds, name), encoding="utf-8") if l.strip()]
        body = [l for l in lines[1:] if len(l) > 80]
        if len(body) >= 3:
            out.append({"title": lines[0][:120], "author": person(), "blocks": [("p", b) for b in body]})
    return out


def teaser():
    return f"{R.choice(ORGS).capitalize()} {R.choice(VERBS)} the {R.choice(NOUNS)} plan"


def nav(cls="nav"):
    items = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in ["Home", "World", "Politics", "Business", "Sport", "Culture", "Opinion"])
    return f'<nav class="{cls}"><ul>{items}</ul></nav>'


def related(cls="related"):
    lis = "".join(f'<li><a href="/s/{R.randrange(1000)}">{teaser()}</a></li>' for _ in range(5))
    return f'<div class="{cls}"><h3>Related stories</h3><ul>{lis}</ul></div>'


def teaser_grid(cls):
    cards = "".join(f'<div class="{cls}-card"><a href="/t/{R.randrange(999)}"><h4>{teaser()}</h4></a><p>{sentence()}</p></div>' for _ in range(6))
    return f'<div class="{cls}"><h3>More from the newsroom</h3>{cards}</div>'


def comments(cls="comments", n=6):
    out = "".join(f'<div class="{cls}-item"><span class="{cls}-author">{person()}</span><p>{paragraph(1, 3)}</p><a href="#">Reply</a></div>' for _ in range(n))
    return f'<section class="{cls}"><h3>{n} Comments</h3>{out}</section>'


def share():
    return '<div class="share-buttons"><a href="#">Facebook</a> <a href="#">Twitter</a> <a href="#">Email</a> <span>Share</span></div>'


def blocks_html(blocks, p="p"):
    out, in_list = [], False
    for kind, text in blocks:
        t = html.escape(text, quote=False)
        if kind == "li" and not in_list:
            out.append("<ul>")
            in_list = True
        if kind != "li" and in_list:
            out.append("</ul>")
            in_list = False
        if kind == "li":
            out.append(f"<li>{t}</li>")
        elif kind == "blockquote":
            out.append(f"<blockquote><p>{t}</p></blockquote>")
        elif kind == "h2":
            out.append(f"<h2>{t}</h2>")
        else:
            out.append(f"<{p}>{t}</{p}>")
    if in_list:
        out.append("</ul>")
    return out


def page_weight():
    """What makes real news pages 100-400 KB: inline CSS, analytics/ad scripts, hydration JSON,
    SVG icons, mega menus. Deterministic filler of realistic shape and size."""
    css = "".join(f".c{i}{{margin:{i % 7}px;padding:{i % 5}px;color:#{i * 2654435761 % 0xffffff:06x}}}\n" for i in range(R.randrange(300, 1500)))
    js = "".join(f"function f{i}(a,b){{var x=a*{i}+b;if(x>{i}){{return window.dataLayer.push({{event:'e{i}',v:x}})}}return x}}\n" for i in range(R.randrange(200, 900)))
    state = json.dumps({"props": {"items": [{"id": i, "slug": teaser().lower().replace(" ", "-"), "score": R.random()} for i in range(R.randrange(50, 300))]}})
    return f"<style>{css}</style><script>window.dataLayer=[];{js}</script><script id=\"__STATE__\" type=\"application/json\">{state}</script>"


def mega_menu():
    icon = '<svg viewBox="0 0 24 24" width="16" height="16"><path d="M12 2L2 7l10 5 10-5-10-5zm0 13l-10-5v6l10 5 10-5v-6l-10 5z"/></svg>'
    cols = "".join(f'<li class="menu-col"><span>{w}</span><ul>' + "".join(f'<li><a href="/{w.lower()}/{j}">{icon}{R.choice(PLACES)} {R.choice(NOUNS)}</a></li>' for j in range(R.randrange(10, 30))) + "</ul></li>"
                   for w in ["World", "Europe", "Politics", "Business", "Markets", "Tech", "Science", "Sport", "Culture", "Travel"])
    return f'<div class="mega-menu" hidden><ul>{cols}</ul></div>'


def head(a, extra=""):
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(a["title"])} | The Example Post</title>'
            f'<meta property="og:title" content="{html.escape(a["title"])}"><meta name="author" content="{a["author"]}">'
            f'<link rel="stylesheet" href="/s.css">{page_weight()}{extra}</head>')


def l_semantic(a):
    body = "".join(blocks_html(a["blocks"]))
    fig = f'<figure><img src="/i.jpg" alt=""><figcaption>Image</figcaption></figure>'
    return (head(a) + '<body><a class="skip-link" href="#c">Skip to content</a><header class="site-header">' + nav() +
            '<a href="/login">Sign In</a></header><main id="c"><article><header><h1>' + html.escape(a["title"]) +
            f'</h1><p class="byline">By {a["author"]}</p><time datetime="2024-09-10">September 10, 2024</time></header>' + fig +
            body + share() + '</article>' + related() + '</main><footer class="site-footer"><p>\u00a9 2024 The Example Post. All rights reserved.</p>'
            + nav("footer-nav") + '</footer></body></html>')


def l_divsoup(a):
    # obfuscated CSS-in-JS class names: no hints to lean on
    def c():
        return "sc-" + "".join(R.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
    a["blocks"] = [b for b in a["blocks"] if b[0] != "li"]  # this layout has no lists
    paras = "".join(f'<div class="{c()}">{html.escape(t, quote=False)}</div>' if k != "h2" else f'<div class="{c()}"><b>{html.escape(t)}</b></div>' for k, t in a["blocks"])
    side = "".join(f'<div class="{c()}"><a href="/x/{i}">{teaser()}</a><div class="{c()}">{R.randrange(2, 59)} min ago</div></div>' for i in range(8))
    menu = "".join(f'<a class="{c()}" href="/{i}">{w}</a>' for i, w in enumerate(["News", "Video", "Audio", "Sport", "Weather"]))
    return (head(a) + f'<body><div id="root"><div class="{c()}">{menu}</div><div class="{c()}"><div class="{c()}">'
            f'<div class="{c()}"><span class="{c()}">{html.escape(a["title"])}</span></div><div class="{c()}">{paras}</div></div>'
            f'<div class="{c()}">{side}</div></div><div class="{c()}">{menu}<span>Cookie settings</span></div></div></body></html>')


def l_wordpress(a):
    body = "".join(blocks_html(a["blocks"]))
    return (head(a) + '<body class="single-post"><div id="page"><div id="masthead" class="site-header">' + nav("main-navigation") +
            '</div><div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">'
            '<article class="post type-post hentry"><header class="entry-header"><h1 class="entry-title">' + html.escape(a["title"]) +
            '</h1><div class="entry-meta"><span class="posted-on">Posted on September 10, 2024</span> <span class="byline">by ' + a["author"] +
            '</span></div></header><div class="entry-content">' + body + '<div class="sharedaddy"><h3>Share this:</h3><ul><li><a href="#">Twitter</a></li><li><a href="#">Facebook</a></li></ul></div>'
            '</div><footer class="entry-footer">Posted in <a href="/c">News</a></footer></article>' + comments("comment", R.randint(2, 8)) +
            '</main></div><aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts</h2><ul>' +
            "".join(f'<li><a href="/r/{i}">{teaser()}</a></li>' for i in range(5)) + '</ul></section><section class="widget"><h2>About</h2><p>' + paragraph(1, 2) +
            '</p></section></aside></div><footer id="colophon"><p>Proudly powered by a CMS</p></footer></div></body></html>')


def l_table(a):
    body = "<br><br>\n".join(html.escape(t, quote=False) for k, t in a["blocks"])
    links = "<br>".join(f'<a href="/o/{i}">{teaser()}</a>' for i in range(6))
    return (head(a) + '<body><table width="100%"><tr><td colspan="2"><font size="5">The Example Post</font> | <a href="/">Home</a> | <a href="/archive">Archive</a></td></tr>'
            f'<tr><td width="200" valign="top">{links}</td><td valign="top"><font size="4"><b>{html.escape(a["title"])}</b></font><br><br>\n{body}</td></tr>'
            '<tr><td colspan="2"><small>Copyright 2024. All rights reserved. <a href="/contact">Contact</a></small></td></tr></table></body></html>')


def l_paywall(a):
    n = max(2, len(a["blocks"]) // 3)
    a["blocks"] = a["blocks"][:n]  # the rest is behind the paywall: not on the page
    body = "".join(blocks_html(a["blocks"]))
    return (head(a) + '<body><a href="#main" class="skip">Skip to content</a><div class="gh-head">' + nav("gh-head-menu") +
            '<a href="/signin">Sign in</a><a href="/subscribe">Subscribe</a></div><main id="main"><article class="article post">'
            f'<header class="article-header"><h1 class="article-title">{html.escape(a["title"])}</h1><div class="article-byline">{a["author"]}</div></header>'
            f'<section class="gh-content gh-canvas">{body}<aside class="gh-post-upgrade-cta"><h2>This post is for paying subscribers only</h2>'
            '<a href="/signup">Subscribe now</a><p>Already have an account? <a href="/signin">Sign In</a></p></aside></section></article></main>'
            '<footer class="site-footer"><a href="/">Powered by a newsletter platform</a></footer></body></html>')


def l_interleaved(a):
    out = []
    for i, s in enumerate(blocks_html(a["blocks"])):
        out.append(s)
        if i == 2:
            out.append('<div class="newsletter-signup"><h3>Get the morning briefing</h3><p>Sign up for our newsletter to receive the top stories every day.</p><input type="email"><button>Sign up</button></div>')
        elif i % 3 == 1:
            out.append(f'<div class="ad-container"><span>Advertisement</span><div id="ad-slot-{i}"></div></div>')
        elif i % 4 == 3:
            out.append(f'<p class="read-more"><strong>Read more:</strong> <a href="/m/{i}">{teaser()}</a></p>')
    return (head(a) + '<body><div class="cookie-notice">We use cookies to personalise content and ads. <button>Accept</button></div>' + nav() +
            f'<div class="container"><div class="article-body story-content"><h1>{html.escape(a["title"])}</h1><div class="meta">{R.randrange(200, 9000):,} views</div>'
            + "".join(out) + '</div>' + teaser_grid("recirc") + '</div><div class="footer">' + nav("footer-links") + '</div></body></html>')


def l_scripted(a):
    text = "\n".join(t for k, t in a["blocks"])
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"], "author": {"@type": "Person", "name": a["author"]},
                     "datePublished": "2024-09-10T12:00:00Z", "articleBody": text})
    return (head(a, f'<script type="application/ld+json">{ld}</script>') +
            f'<body><div id="app"><div class="shell">{nav()}<div class="spinner">Loading...</div></div></div><script src="/bundle.js"></script></body></html>')


def l_bigcomments(a):
    body = "".join(blocks_html(a["blocks"]))
    return (head(a) + '<body>' + nav() + f'<div id="main"><div class="story"><h1>{html.escape(a["title"])}</h1><div class="story-text">{body}</div></div>'
            + comments("comment", 25) + '</div></body></html>')


def l_teasers(a):
    body = "".join(blocks_html(a["blocks"]))
    return (head(a) + '<body>' + nav() + teaser_grid("top-stories") + f'<div class="layout"><div class="col-main"><h1>{html.escape(a["title"])}</h1>'
            f'<div class="text">{body}</div></div><div class="col-side">{teaser_grid("most-read")}</div></div>' + teaser_grid("more") + '</body></html>')


def l_brtext(a):
    body = "<br>\n<br>\n".join(html.escape(t, quote=False) for k, t in a["blocks"])
    return (head(a) + f'<body>{nav()}<div id="container"><div class="main"><h2>{html.escape(a["title"])}</h2><div class="posttext">{body}</div>'
            f'<div class="postmeta">Posted by {a["author"]} | <a href="#c">{R.randrange(1, 40)} comments</a></div></div>{related("sidebar")}</div></body></html>')


def l_sidebartext(a):
    # a sidebar with real prose (author bio, editor's note, opinion teasers): text-heavy, few links
    body = "".join(blocks_html(a["blocks"]))
    side = "".join(f'<div class="panel"><h4>{teaser()}</h4><p>{paragraph(1, 3)}</p></div>' for _ in range(3))
    return (head(a) + '<body>' + nav() + f'<div class="wrap"><div class="l-col-8"><h1>{html.escape(a["title"])}</h1>{body}</div>'
            f'<div class="l-col-4"><div class="bio"><h4>About the author</h4><p>{a["author"]} covers {R.choice(NOUNS)} policy and {R.choice(NOUNS)} issues, and has reported from {R.choice(PLACES)}, {R.choice(PLACES)} and {R.choice(PLACES)} since {R.randrange(1995, 2020)}.</p></div>{side}</div></div>'
            '<div class="bottom"><p>Contact the newsroom with tips and corrections at any time, day or night.</p></div></body></html>')


def l_shortparas(a):
    # tabloid style: one sentence per paragraph, inline ad slots and "READ MORE" links between them
    sents = []
    for k, t in a["blocks"]:
        sents.extend([x + "." for x in t.replace(".\u201d", "\u201d.").split(". ") if x] if k == "p" else [t])
    sents = [x.replace("..", ".") for x in sents]
    a["blocks"] = [("p", x) for x in sents]
    out = []
    for i, x in enumerate(sents):
        out.append(f'<p class="article__paragraph">{html.escape(x, quote=False)}</p>')
        if i % 3 == 2:
            out.append(f'<div class="inline-ad"><div class="ad-label">ADVERTISEMENT</div></div>')
        if i % 5 == 4:
            out.append(f'<p class="article__paragraph"><strong>READ MORE:</strong> <a href="/rm/{i}">{teaser()}</a></p>')
    return (head(a) + '<body>' + nav() + f'<main><div class="article"><h1 class="article__headline">{html.escape(a["title"])}</h1>'
            f'<div class="article__byline">By {a["author"]} | Published: 10:31, 10 Sep 2024</div><div class="article__content">{"".join(out)}</div>'
            f'</div>{teaser_grid("article__recirc")}</main></body></html>')


def l_sections(a):
    # a component-built page: the story is cut into sibling sections, each in its own wrappers
    chunks, cur = [], []
    for b in a["blocks"]:
        cur.append(b)
        if len(cur) >= 3:
            chunks.append(cur)
            cur = []
    if cur:
        chunks.append(cur)
    secs = ""
    for i, ch in enumerate(chunks):
        secs += f'<div class="block-{i}"><div class="inner"><section class="text-block">{"".join(blocks_html(ch))}</section></div></div>'
        if i == 0:
            secs += f'<div class="block-embed"><div class="inner"><figure><img src="/e.jpg"><figcaption>{sentence()}</figcaption></figure></div></div>'
    return (head(a) + '<body>' + nav() + f'<div id="__next"><div class="page"><div class="hero"><h1>{html.escape(a["title"])}</h1></div>'
            f'<div class="content-wrap">{secs}</div><div class="more">{teaser_grid("cards")}</div></div></div></body></html>')


def l_captions(a):
    # many photos with long captions (not part of the story text)
    out = []
    for i, s in enumerate(blocks_html(a["blocks"])):
        out.append(s)
        if i % 2 == 1:
            out.append(f'<figure class="photo"><img src="/p{i}.jpg"><figcaption><span class="caption">{sentence()}</span> <span class="credit">Photo: {person()}/Agency</span></figcaption></figure>')
    return (head(a) + '<body>' + nav() + f'<article class="story"><h1>{html.escape(a["title"])}</h1>{"".join(out)}'
            f'<div class="tags"><a href="/t/1">{R.choice(PLACES)}</a> <a href="/t/2">{R.choice(NOUNS)}</a></div></article>{comments("comment", 3)}</body></html>')


LAYOUTS = [l_semantic, l_divsoup, l_wordpress, l_table, l_paywall, l_interleaved, l_scripted, l_bigcomments, l_teasers, l_brtext,
           l_sidebartext, l_shortparas, l_sections, l_captions]


def main():
    out = sys.argv[1]
    seeds = sys.argv[2] if len(sys.argv) > 2 else None
    os.makedirs(out, exist_ok=True)
    arts = seed_articles(seeds)
    while len(arts) < 70:
        arts.append(synthetic_article())
    for i, a in enumerate(arts):
        layout = LAYOUTS[i % len(LAYOUTS)]
        a = dict(a)
        page = layout(a)  # may trim a["blocks"] (paywall)
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + mega_menu(), page, count=1)
        truth = "\n\n".join(t for k, t in a["blocks"])
        with open(os.path.join(out, f"{i:03d}.html"), "w", encoding="utf-8") as f:
            f.write(page)
        with open(os.path.join(out, f"{i:03d}.json"), "w", encoding="utf-8") as f:
            json.dump({"text": truth, "layout": layout.__name__[2:]}, f)
    print(f"make_pages: {len(arts)} pages in {out}")


if __name__ == "__main__":
    main()
