#!/usr/bin/env bash
# Writes a Zola site of N pages (default 50,000) into DIR, for timing Zola
# beside `vouch site build` (bench/site.sh with ZOLA=BINARY): 50 sections
# of N/50 pages, each page a title, a few paragraphs, a list and a fenced
# code block; each section lists its pages, as a directory page does.
#
#   bash bench/zola-site.sh DIR [N]
set -euo pipefail
DIR="${1:?usage: bash bench/zola-site.sh DIR [N]}"
N="${2:-50000}"
mkdir -p "$DIR"
python3 - "$DIR" "$N" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
sections = 50
os.makedirs(os.path.join(root, "templates"), exist_ok=True)
with open(os.path.join(root, "config.toml"), "w") as f:
    f.write('base_url = "https://example.org"\ntitle = "bench"\ncompile_sass = false\nbuild_search_index = false\n'
            'generate_feeds = false\n\n[markdown]\n')
with open(os.path.join(root, "templates", "base.html"), "w") as f:
    f.write('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ config.title }}'
            '{% endblock title %}</title></head><body><header><a href="{{ get_url(path="/") }}">{{ config.title }}</a>'
            '</header><main>{% block main %}{% endblock main %}</main></body></html>\n')
with open(os.path.join(root, "templates", "index.html"), "w") as f:
    f.write('{% extends "base.html" %}{% block main %}<ul>{% for s in section.subsections %}'
            '{% set sub = get_section(path=s, metadata_only=true) %}<li><a href="{{ sub.permalink }}">{{ sub.title }}</a></li>'
            '{% endfor %}</ul>{% endblock main %}\n')
with open(os.path.join(root, "templates", "section.html"), "w") as f:
    f.write('{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock title %}{% block main %}'
            '<h1>{{ section.title }}</h1><table>{% for p in section.pages %}<tr><td><a href="{{ p.permalink }}">'
            '{{ p.title }}</a></td><td>{{ p.word_count }}</td></tr>{% endfor %}</table>{% endblock main %}\n')
with open(os.path.join(root, "templates", "page.html"), "w") as f:
    f.write('{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock title %}{% block main %}'
            '<h1>{{ page.title }}</h1>{{ page.content | safe }}{% endblock main %}\n')
content = os.path.join(root, "content")
os.makedirs(content, exist_ok=True)
with open(os.path.join(content, "_index.md"), "w") as f:
    f.write('+++\ntitle = "bench"\n+++\n')
for s in range(sections):
    d = os.path.join(content, f"s{s:02}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "_index.md"), "w") as f:
        f.write(f'+++\ntitle = "Section {s}"\nsort_by = "title"\n+++\n')
for k in range(n):
    with open(os.path.join(content, f"s{k % sections:02}", f"p{k:05}.md"), "w") as f:
        f.write(f'+++\ntitle = "Page {k}"\n+++\n\nThis is page {k} of the benchmark site. It has a few paragraphs '
                'of text, a list and a code block, about the size of a short source file page.\n\n'
                '* one item\n* another item with `code`\n* a third, with a [link](https://example.org)\n\n'
                f'```\nfn page_{k}() -> u32 {{\n    {k}\n}}\n```\n\nA closing paragraph with *emphasis* and **strong** text.\n')
PY
echo "zola site: $DIR ($N pages)"
