#!/usr/bin/env bash
# Builds the PDF table corpus in test/fixtures/tables/ from the markdown sources in
# test/fixtures/tables/source/: pandoc writes each source as DOCX and as ODT, LibreOffice prints both
# to PDF, so the tables are laid out the way a real office suite lays them out. Beside each PDF goes
# its ground truth (<name>.truth.json): the source's blocks in order, text blocks as plain text and
# tables as rows of cells, read from pandoc's own parse of the source so the truth cannot drift from
# what was typeset. Two-column prose pages (no table in them) are printed too, to catch false tables.
# The outputs are committed (a few KB each): tests do not need these tools.
#
# Needs Debian's tools:
#   apt-get install -y --no-install-recommends libreoffice-writer pandoc ghostscript python3
# Run from anywhere: bash scripts/make-table-corpus.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$root/test/fixtures/tables/source"
out="$root/test/fixtures/tables"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for tool in soffice pandoc gs /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: see the apt-get line at the top of $0" >&2; exit 1; }
done

# A private LibreOffice profile: no clash with another soffice running on the machine.
to_pdf() { # SOURCE TARGET
  soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf \
    --outdir "$work/pdf" "$1" >/dev/null 2>&1
  mv "$work/pdf/$(basename "${1%.*}").pdf" "$2"
}

# Ground truth from pandoc's JSON syntax tree: headings, paragraphs and list items as text, tables
# as [header, ...rows] of cell texts.
truth() { # SOURCE TARGET
  pandoc --from markdown-smart --to json "$1" | /usr/bin/python3 -c '
import json, sys

def inline_text(inlines):
    out = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind == "Str": out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"): out.append(" ")
        elif kind == "Code": out.append(content[1])
        elif kind in ("Emph", "Strong", "Strikeout", "Underline", "SmallCaps"): out.append(inline_text(content))
        elif kind == "Span": out.append(inline_text(content[1]))
        else: raise SystemExit(f"unhandled inline {kind}")
    return "".join(out)

def cell_text(cell):
    blocks = cell[4]
    return " ".join(inline_text(block["c"]) for block in blocks)

def rows_of(body_rows):
    return [[cell_text(cell) for cell in row[1]] for row in body_rows]

def walk(blocks, out):
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind == "Header": out.append({"kind": "text", "text": inline_text(content[2])})
        elif kind in ("Para", "Plain"): out.append({"kind": "text", "text": inline_text(content)})
        elif kind == "BulletList":
            for item in content: walk(item, out)
        elif kind == "OrderedList":
            for item in content[1]: walk(item, out)
        elif kind == "Table":
            head = rows_of(content[3][1])
            body = [row for section in content[4] for row in rows_of(section[3])]
            out.append({"kind": "table", "rows": head + body})
        else: raise SystemExit(f"unhandled block {kind}")
    return out

document = json.load(sys.stdin)
json.dump({"blocks": walk(document["blocks"], [])}, sys.stdout, ensure_ascii=False, indent=1)
print()
' >"$2"
}

mkdir -p "$work/pdf"
for source in "$source_dir"/*.md; do
  name="$(basename "${source%.md}")"
  truth "$source" "$out/$name.truth.json"
  pandoc --from markdown-smart --to docx -o "$work/$name-docx.docx" "$source"
  pandoc --from markdown-smart --to odt -o "$work/$name-odt.odt" "$source"
  to_pdf "$work/$name-docx.docx" "$out/$name-docx.pdf"
  to_pdf "$work/$name-odt.odt" "$out/$name-odt.pdf"
done

# --- A table as LibreOffice itself sets one (not pandoc's): borders, cell padding, a bold header
# row repeated on each page, centred and right-aligned cells. Written as flat ODT from
# source/native-table.json, which is also its truth.
/usr/bin/python3 - "$source_dir/native-table.json" "$work/native-table.fodt" "$out/native-table.truth.json" <<'PY'
import json, sys
from xml.sax.saxutils import escape
spec = json.load(open(sys.argv[1], encoding="utf-8"))
aligns = spec["align"]
def cell(text, header, column):
    style = "Head" if header else {"left": "Left", "center": "Center", "right": "Right"}[aligns[column]]
    return f'<table:table-cell table:style-name="Cell" office:value-type="string"><text:p text:style-name="{style}">{escape(text)}</text:p></table:table-cell>'
def row(cells, header=False):
    return "<table:table-row>" + "".join(cell(text, header, i) for i, text in enumerate(cells)) + "</table:table-row>"
header, *body = spec["rows"]
columns = "".join(f'<table:table-column table:style-name="Col{i}"/>' for i in range(len(header)))
column_styles = "".join(
    f'<style:style style:name="Col{i}" style:family="table-column"><style:table-column-properties style:column-width="{width}cm"/></style:style>'
    for i, width in enumerate(spec["widths"]))
table = (f'<table:table table:name="Table1" table:style-name="Table">{columns}'
         f'<table:table-header-rows>{row(header, True)}</table:table-header-rows>'
         + "".join(row(r) for r in body) + "</table:table>")
paragraphs = lambda texts: "".join(f"<text:p>{escape(t)}</text:p>" for t in texts)
open(sys.argv[2], "w", encoding="utf-8").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
 <style:style style:name="Table" style:family="table"><style:table-properties style:width="{sum(spec['widths'])}cm" table:align="left"/></style:style>
 {column_styles}
 <style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style>
 <style:style style:name="Head" style:family="paragraph"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Left" style:family="paragraph"><style:paragraph-properties fo:text-align="start"/></style:style>
 <style:style style:name="Center" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/></style:style>
 <style:style style:name="Right" style:family="paragraph"><style:paragraph-properties fo:text-align="end"/></style:style>
</office:automatic-styles>
<office:body><office:text>
{paragraphs(spec["before"])}
{table}
{paragraphs(spec["after"])}
</office:text></office:body></office:document>
""")
blocks = [{"kind": "text", "text": t} for t in spec["before"]] + [{"kind": "table", "rows": spec["rows"]}] + [{"kind": "text", "text": t} for t in spec["after"]]
with open(sys.argv[3], "w", encoding="utf-8") as truth:
    json.dump({"blocks": blocks}, truth, ensure_ascii=False, indent=1)
    truth.write("\n")
PY
to_pdf "$work/native-table.fodt" "$out/native-table-odt.pdf"

# --- No table: justified prose set in two columns (a flat ODT with a two-column section) ---------
/usr/bin/python3 - "$source_dir/two-columns.txt" "$work/two-columns.fodt" <<'PY'
import sys
from xml.sax.saxutils import escape
paragraphs = [p.strip() for p in open(sys.argv[1], encoding="utf-8").read().split("\n\n") if p.strip()]
# Justified, as newsletters are: LibreOffice stretches the word spaces, the widest gaps inside
# prose that table detection sees.
body = "\n".join(f'<text:p text:style-name="Justified">{escape(" ".join(p.split()))}</text:p>' for p in paragraphs)
open(sys.argv[2], "w", encoding="utf-8").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
 <style:style style:name="Justified" style:family="paragraph"><style:paragraph-properties fo:text-align="justify"/></style:style>
 <style:style style:name="Sect1" style:family="section">
  <style:section-properties><style:columns fo:column-count="2" fo:column-gap="0.8cm"/></style:section-properties>
 </style:style>
</office:automatic-styles>
<office:body><office:text>
<text:section text:style-name="Sect1" text:name="Columns">
{body}
</text:section>
</office:text></office:body></office:document>
""")
PY
to_pdf "$work/two-columns.fodt" "$out/two-columns-odt.pdf"

# --- No table either: the same prose in two columns drawn line by line (left line, then right line
# on the same baseline), as some generators do; Ghostscript from PostScript.
fold -s -w 44 "$source_dir/two-columns.txt" | awk '
  { lines[NR] = $0 }
  END {
    print "%!PS"; print "/Helvetica findfont 10 scalefont setfont"
    half = int((NR + 1) / 2)
    for (i = 1; i <= half; i++) {
      y = 740 - (i - 1) * 12
      for (side = 0; side < 2; side++) {
        line = lines[i + side * half]
        gsub(/\\/, "\\\\", line); gsub(/\(/, "\\(", line); gsub(/\)/, "\\)", line)
        if (line != "") printf "%d %d moveto (%s) show\n", 60 + side * 260, y, line
      }
    }
    print "showpage"
  }' >"$work/two-columns.ps"
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -o "$out/two-columns-ghostscript.pdf" "$work/two-columns.ps"

ls -l "$out"
