#!/usr/bin/env python3
"""Builds the extraction benchmark page set: news-like pages in many layouts (semantic HTML5,
class-less div soup with obfuscated class names, WordPress-style, table layout, paywalled,
ad-interleaved, script-rendered with JSON-LD only, comment threads longer than the story,
teaser grids, br-separated text, non-English), each with its known main text.

The article texts are synthetic (seeded random sentences, so the set is reproducible) plus,
when ../shared/seeds exists, the seed articles' paragraphs. Nothing here is tuned to the
extractor: the layouts imitate common publishing systems, and the boilerplate around the text
is the usual kind (menus, share bars, newsletters, related lists, comments, cookie banners).

With --deep it builds the second set instead: 60 pages in the DOM shape of a large publisher's
article page today (component wrappers 22-25 levels deep, a full mega-menu, story-card grids, link
footers; 1,700-2,100 elements). Both print element count and depth statistics of what they wrote.

usage: make_pages.py OUTDIR [SEEDS_DIR] [--deep]   -> OUTDIR/NNN.html + OUTDIR/NNN.json {"text", "layout"}
"""
import hashlib
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



# ---- the "deep" set: the DOM shape of a large publisher's article page today ----
# Component frameworks wrap every region in several layers of layout divs; the header carries a
# full mega-menu in the DOM (CSS shows it on hover), the article body is a list of components
# (text block, ad slot, inline promo, newsletter form), and below and beside it sit grids of
# nested story cards and a footer of link lists. The pages come out at 1,700-2,100 elements and
# 22-25 levels, the low end of what browser audits report for such pages (1,500-4,000 elements,
# depths in the 20s-30s); nothing in the shape looks at either extractor's rules.

SECTIONS = ["World", "Politics", "Business", "Markets", "Tech", "Science", "Health", "Climate", "Sport", "Culture",
            "Style", "Travel", "Opinion", "Video"]
UTIL = ["flex", "items-center", "gap-2", "px-4", "py-2", "md:px-6", "lg:grid", "grid-cols-12", "relative", "w-full",
        "mx-auto", "max-w-screen-xl", "hidden", "md:block", "text-sm", "font-bold", "space-y-4", "col-span-8"]


def cls_maker(style):
    # CSS-in-JS names a class after the style rule, not the element: every instance of a component
    # carries the same generated name (per site build; here per page)
    salt = str(R.random())

    def c(name):
        if style == "hash":
            return "css-" + hashlib.sha1((salt + name).encode()).hexdigest()[:7]
        if style == "utility":
            return " ".join([name] + R.sample(UTIL, R.randrange(2, 6))).replace(" hidden", "")
        return name
    return c


def wrap(c, inner, names):
    for n in reversed(names):
        inner = f'<div class="{c(n)}">{inner}</div>'
    return inner


def layers(c, k, base="layout"):
    return [f"{base}__{w}" for w in R.sample(["container", "wrapper", "inner", "row", "col", "region", "slot", "stack", "box", "frame"], k)]


def icon():
    return '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16"/></svg>'


def deep_megamenu(c):
    cols = ""
    for s in SECTIONS:
        links = "".join(f'<li class="{c("menu__item")}"><a class="{c("menu__link")}" href="/{s.lower()}/{j}"><span class="{c("menu__label")}">{R.choice(PLACES)} {R.choice(NOUNS)}</span></a></li>'
                        for j in range(R.randrange(12, 30)))
        cols += (f'<li class="{c("menu__section")}">' + wrap(c, f'<button class="{c("menu__toggle")}" aria-expanded="false"><span>{s}</span>{icon()}</button>'
                 + wrap(c, f'<ul class="{c("menu__list")}">{links}</ul>', ["menu__panel", "menu__panel-inner"]), ["menu__group"]) + '</li>')
    return wrap(c, f'<nav class="{c("site-nav")}" aria-label="Main">' + wrap(c, f'<ul class="{c("menu")}">{cols}</ul>', layers(c, R.randrange(2, 4), "nav")) + '</nav>',
                layers(c, R.randrange(1, 3), "header"))


def deep_header(c):
    top = (f'<a class="{c("skip-link")}" href="#main">Skip to content</a>' +
           wrap(c, f'<a href="/" class="{c("logo")}">{icon()}<span class="{c("visually-hidden")}">The Example Post</span></a>'
                f'<form class="{c("search")}" role="search"><input type="search" name="q"><button>{icon()}Search</button></form>'
                f'<a class="{c("account")}" href="/login">Sign in</a><a class="{c("subscribe")}" href="/subscribe">Subscribe</a>', layers(c, R.randrange(2, 4), "masthead")))
    ticker = "".join(f'<li><a href="/live/{i}">{teaser()}</a></li>' for i in range(5))
    return (f'<header class="{c("site-header")}">' + top + deep_megamenu(c) +
            wrap(c, f'<span>Breaking</span><ul>{ticker}</ul>', layers(c, 2, "ticker")) + '</header>')


def deep_card(c, small=False):
    n = R.randrange(99999)
    media = "" if small else wrap(c, f'<picture><source media="(min-width: 1024px)" srcset="/i/{n}-1024.jpg"><source media="(min-width: 600px)" srcset="/i/{n}-600.jpg"><img src="/i/{n}-320.jpg" alt="" loading="lazy"></picture>', ["card__media", "card__ratio"])
    summary = f'<p class="{c("card__summary")}">{sentence()}</p>' if (not small and R.random() < 0.5) else ""
    body = (f'<span class="{c("card__kicker")}">{R.choice(SECTIONS)}</span><h3 class="{c("card__headline")}"><span>{teaser()}</span></h3>' + summary +
            wrap(c, f'<time datetime="2024-09-{R.randrange(1, 28):02d}">{R.randrange(1, 23)}h ago</time>', ["card__meta"]))
    return wrap(c, f'<a class="{c("card__link")}" href="/story/{n}">{media}' + wrap(c, body, ["card__body"]) + '</a>', ["card", "card__inner"])


def deep_grid(c, title, n):
    cards = "".join(wrap(c, deep_card(c), ["grid__col"]) for _ in range(n))
    return wrap(c, f'<section class="{c("package")}"><h2 class="{c("package__title")}">{title}</h2>' + wrap(c, cards, ["grid", "grid__row"]) + '</section>',
                layers(c, R.randrange(2, 5), "zone"))


def deep_para(c, kind, text):
    t = html.escape(text, quote=False)
    if kind == "p" and R.random() < 0.3:  # an inline link on a name in the text
        for w in PLACES:
            if w in t:
                t = t.replace(w, f'<a href="/topic/{w.lower()}">{w}</a>', 1)
                break
    inner = {"h2": f"<h2>{t}</h2>", "blockquote": f"<blockquote><p>{t}</p></blockquote>", "li": f"<li>{t}</li>"}.get(kind, f'<p class="{c("paragraph")}">{t}</p>')
    return inner


def deep_body(c, a, mode):
    """The story as components. mode "own": each paragraph in its own pair of text-block wrappers
    (BBC-style data-component blocks); "group": runs of paragraphs in column wrappers, cut at each
    ad or promo (NYT-style companion columns); "flat": paragraphs are direct siblings with ads and
    promos between them (CNN/Guardian-style)."""
    out, run, lis = [], [], []

    def put(x):
        if mode == "group":
            run.append(x)
        elif mode == "own":
            out.append(wrap(c, x, ["text-block", "text-block__inner"]))
        else:
            out.append(x)

    def cut():
        if run:
            out.append(wrap(c, "".join(run), ["body-column", "body-column__inner"]))
            run.clear()

    def insert(x):
        cut()
        out.append(x)

    for i, (kind, text) in enumerate(a["blocks"]):
        if kind == "li":
            lis.append(deep_para(c, kind, text))
            continue
        if lis:
            put(f'<ul>{"".join(lis)}</ul>')
            lis = []
        put(deep_para(c, kind, text))
        if i % 4 == 3:
            insert(wrap(c, f'<div id="ad-inline-{i}" data-ad-unit="/1234/news/article"></div><span class="{c("ad-slot__label")}">Advertisement</span>', ["ad-slot", "ad-slot__inner"]))
        if i == 2:
            insert(wrap(c, f'<h2>Read more</h2><ul><li><a href="/r/1">{teaser()}</a></li><li><a href="/r/2">{teaser()}</a></li></ul>', ["inline-promo", "inline-promo__inner"]))
        if i == 5:
            insert(wrap(c, f'<h3>Sign up for the morning briefing</h3><p>The news you need to start the day, in your inbox every morning.</p>'
                        f'<form><label>Email<input type="email"></label><button>Sign up</button></form>', ["newsletter", "newsletter__inner"]))
    if lis:
        put(f'<ul>{"".join(lis)}</ul>')
    cut()
    return "".join(out)


def deep_article(c, a, mode):
    share = "".join(f'<li><button class="{c("share__button")}" aria-label="Share on {w}">{icon()}</button></li>' for w in ["Facebook", "X", "WhatsApp", "LinkedIn", "Email", "Copy link"])
    head = (wrap(c, f'<a href="/{R.choice(SECTIONS).lower()}">{R.choice(SECTIONS)}</a>', ["kicker"]) + f'<h1 class="{c("headline")}">{html.escape(a["title"])}</h1>' +
            wrap(c, f'<span>By <a href="/author/x">{a["author"]}</a></span><time datetime="2024-09-10T08:00:00Z">10 September 2024</time>', ["byline", "byline__inner"]) +
            wrap(c, f'<ul class="{c("share__list")}">{share}</ul>', ["share"]))
    fig = wrap(c, f'<figure><picture><source srcset="/lead-1024.jpg"><img src="/lead.jpg" alt=""></picture><figcaption>{sentence()} <span>Photo: {person()}/Agency</span></figcaption></figure>', ["lead-media"])
    tags = "".join(f'<li><a href="/topic/{i}">{R.choice(PLACES)}</a></li>' for i in range(5))
    after = (wrap(c, f'<h2>Topics</h2><ul>{tags}</ul>', ["topics"]) +
             wrap(c, f'<img src="/a.jpg" alt=""><p><a href="/author/x">{a["author"]}</a> is a correspondent covering {R.choice(NOUNS)} policy.</p>', ["author-card"]) +
             wrap(c, f'<button>Comments ({R.randrange(10, 900)})</button>', ["comments-cta"]))
    return (f'<article class="{c("article")}">' + wrap(c, head, ["article__header"]) + fig +
            wrap(c, deep_body(c, a, mode), layers(c, R.randrange(2, 4), "article")) + after + '</article>')


def deep_rail(c):
    most = "".join(f'<li><span>{i + 1}</span><a href="/m/{i}">{teaser()}</a></li>' for i in range(10))
    latest = "".join(deep_card(c, small=True) for _ in range(8))
    return (f'<aside class="{c("rail")}">' + wrap(c, f'<h2>Most read</h2><ol>{most}</ol>', ["rail__module", "rail__inner"]) +
            wrap(c, '<div id="ad-rail" data-ad-unit="/1234/news/rail"></div>', ["ad-slot", "ad-slot__inner", "sticky"]) +
            wrap(c, f'<h2>Latest</h2>{latest}', ["rail__module", "rail__inner"]) + '</aside>')


def deep_footer(c):
    cols = "".join(f'<div class="{c("footer__col")}"><h3>{s}</h3><ul>' + "".join(f'<li><a href="/{s.lower()}/{j}">{R.choice(PLACES)} {R.choice(NOUNS)}</a></li>' for j in range(12)) + '</ul></div>'
                   for s in R.sample(SECTIONS, 6))
    social = "".join(f'<li><a href="https://social.example/{w}" aria-label="{w}">{icon()}</a></li>' for w in ["x", "fb", "ig", "yt", "tt"])
    legal = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in ["Terms", "Privacy", "Cookies", "Accessibility", "Contact", "Careers", "Advertise"])
    return (f'<footer class="{c("site-footer")}">' + wrap(c, cols, layers(c, R.randrange(2, 4), "footer")) +
            wrap(c, f'<ul>{social}</ul><ul>{legal}</ul><p>\u00a9 2024 The Example Post. All rights reserved.</p>', ["footer__bottom", "footer__inner"]) + '</footer>')


def deep_page(a, style, mode):
    c = cls_maker(style)
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": a["title"],
                     "author": {"@type": "Person", "name": a["author"]}, "datePublished": "2024-09-10T08:00:00Z"})
    main = wrap(c, wrap(c, deep_article(c, a, mode), ["grid__col--main"]) + wrap(c, deep_rail(c), ["grid__col--rail"]), layers(c, R.randrange(1, 3), "page"))
    below = "".join(deep_grid(c, t, R.randrange(6, 13)) for t in R.sample(["More on this story", "Top stories", "Features", "Elsewhere on the site", "From the newsroom", "Editors' picks"], 3))
    return (head(a, f'<script type="application/ld+json">{ld}</script>') + '<body>' +
            wrap(c, deep_header(c) + f'<main id="main" class="{c("main")}">' + main + below + '</main>' + deep_footer(c),
                 ["app", "app__shell"] + layers(c, R.randrange(1, 4), "root")) + '</body></html>')


def l_deep_hash(a):
    return deep_page(a, "hash", "group")


def l_deep_bem(a):
    return deep_page(a, "bem", "flat")


def l_deep_utility(a):
    return deep_page(a, "utility", "own")


DEEP_LAYOUTS = [l_deep_hash, l_deep_bem, l_deep_utility]


def dom_stats(out):
    """Element count and nesting depth per page, as libxml2 (lxml) parses it."""
    try:
        import lxml.html
    except ImportError:
        return "make_pages: (no lxml: DOM statistics skipped)"
    els, depths, divs, links = [], [], [], []
    for name in sorted(os.listdir(out)):
        if not name.endswith(".html"):
            continue
        root = lxml.html.parse(os.path.join(out, name)).getroot()
        n = md = d = k = 0
        stack = [(root, 1)]
        while stack:
            e, dep = stack.pop()
            if not isinstance(e.tag, str):
                continue
            n += 1
            md = max(md, dep)
            d += e.tag == "div"
            k += e.tag == "a"
            stack.extend((ch, dep + 1) for ch in e)
        els.append(n)
        depths.append(md)
        divs.append(d)
        links.append(k)

    def med(v):
        return sorted(v)[len(v) // 2]
    return (f"make_pages: DOM per page: elements median {med(els)} (min {min(els)}, max {max(els)}), max depth median {med(depths)} "
            f"(min {min(depths)}, max {max(depths)}), divs median {med(divs)}, links median {med(links)}")


LAYOUTS = [l_semantic, l_divsoup, l_wordpress, l_table, l_paywall, l_interleaved, l_scripted, l_bigcomments, l_teasers, l_brtext,
           l_sidebartext, l_shortparas, l_sections, l_captions]


def main():
    args = [x for x in sys.argv[1:] if not x.startswith("--")]
    deep = "--deep" in sys.argv
    out = args[0]
    seeds = args[1] if len(args) > 1 else None
    os.makedirs(out, exist_ok=True)
    if deep:
        R.seed(20241121)  # its own stream: the classic set stays byte-for-byte what it was
    arts = seed_articles(seeds)
    while len(arts) < (60 if deep else 70):
        arts.append(synthetic_article())
    layouts = DEEP_LAYOUTS if deep else LAYOUTS
    for i, a in enumerate(arts):
        layout = layouts[i % len(layouts)]
        a = dict(a)
        page = layout(a)  # may trim a["blocks"] (paywall)
        if not deep:
            page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + mega_menu(), page, count=1)
        truth = "\n\n".join(t for k, t in a["blocks"])
        with open(os.path.join(out, f"{i:03d}.html"), "w", encoding="utf-8") as f:
            f.write(page)
        with open(os.path.join(out, f"{i:03d}.json"), "w", encoding="utf-8") as f:
            json.dump({"text": truth, "layout": layout.__name__[2:]}, f)
    print(f"make_pages: {len(arts)} pages in {out}")
    print(dom_stats(out))


if __name__ == "__main__":
    main()
