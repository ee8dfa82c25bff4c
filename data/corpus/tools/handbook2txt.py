#!/usr/bin/env python3
"""Render one language of the Debian Administrator's Handbook (publican XHTML) to plain text.

Pages are visited in reading order by following each page's rel="next" link from index.html.
Page chrome (banner, title images, docnav bars, table of contents) and preformatted
listings (<pre>: shell sessions, config files, program listings) are dropped; every other
text node is kept verbatim except that HTML whitespace inside a block is collapsed to single
spaces (as a browser renders it). Block elements become paragraphs separated by a blank line.
Usage: handbook2txt.py HTML_DIR MAX_BYTES [ENGLISH_HTML_DIR LANG] > out.txt
Stops after the last whole paragraph that fits in MAX_BYTES of UTF-8.

Translations (de-DE, fr-FR) fall back to the English original for paragraphs that are not yet
translated. With ENGLISH_HTML_DIR and LANG (de or fr), such paragraphs are dropped from every page
after the front matter (index.html): a paragraph is dropped when it occurs verbatim in the English
edition, or when it has at least 8 words and more of them are common English function words than
common LANG function words (this catches English fallbacks whose cross-reference titles were
localised). Kept paragraphs are not changed.
"""
import html.parser, os, re, sys

BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "tr", "table",
         "ul", "ol", "dl", "blockquote", "br", "title"}
SKIP_CLASSES = {"docnav", "toc", "list-of-figures", "list-of-tables", "list-of-examples"}
SKIP_IDS = {"banner", "title"}
VOID = {"br", "img", "meta", "link", "hr", "input", "col", "area", "base", "wbr"}


class Extractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras, self.buf, self.stack, self.skip_depth, self.next = [], [], [], 0, None

    def flush(self):
        text = re.sub(r"\s+", " ", "".join(self.buf)).strip()
        if text:
            self.paras.append(text)
        self.buf = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "next":
            self.next = a.get("href")
        if tag in VOID:
            if tag == "br":
                self.flush()
            return
        classes = set((a.get("class") or "").split())
        skip = tag in ("pre", "head", "script", "style") or a.get("id") in SKIP_IDS or classes & SKIP_CLASSES
        self.stack.append((tag, bool(skip)))
        if skip:
            self.skip_depth += 1
        if tag in BLOCK and not self.skip_depth:
            self.flush()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            t, skip = self.stack.pop()
            if skip:
                self.skip_depth -= 1
            if t == tag:
                break
        if tag in BLOCK and not self.skip_depth:
            self.flush()

    def handle_data(self, data):
        if not self.skip_depth:
            self.buf.append(data)


STOP = {
    "en": "the and of to is this that with which are for be it can on by an".split(),
    "de": "der die das und ist nicht mit den von zu ein eine sich auf für des im wird werden".split(),
    "fr": "le la les et est des une un du dans pour que qui sur pas par au aux ce".split(),
}


def pages(root):
    """Yields (page name, paragraphs) in reading order."""
    page, seen = "index.html", set()
    while page and page not in seen:
        seen.add(page)
        ex = Extractor()
        with open(os.path.join(root, page), encoding="utf-8") as f:
            ex.feed(f.read())
        ex.close()
        ex.flush()
        yield page, ex.paras
        page = ex.next


def is_english(p, english, lang):
    if p in english:
        return True
    words = re.findall(r"[^\W\d_]+", p.lower())
    if len(words) < 8:
        return False
    en = sum(w in STOP["en"] for w in words)
    return en > sum(w in STOP[lang] for w in words)


def main():
    root, max_bytes = sys.argv[1], int(sys.argv[2])
    english, lang = set(), None
    if len(sys.argv) > 3:
        english = {p for _, ps in pages(sys.argv[3]) for p in ps}
        lang = sys.argv[4]
    out, size, dropped, seen = [], 0, 0, []
    for page, paras in pages(root):
        seen.append(page)
        if lang and page != "index.html":
            kept = [p for p in paras if not is_english(p, english, lang)]
            dropped += len(paras) - len(kept)
            paras = kept
        for p in paras:
            n = len((p + "\n\n").encode("utf-8"))
            if size + n > max_bytes:
                sys.stdout.write("\n\n".join(out) + "\n")
                sys.stderr.write(f"stopped in page {page} after {len(seen)} pages; dropped {dropped}\n")
                return
            out.append(p)
            size += n
    sys.stdout.write("\n\n".join(out) + "\n")
    sys.stderr.write(f"all {len(seen)} pages; dropped {dropped}\n")


main()
