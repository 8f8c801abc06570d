#!/usr/bin/env bash
# Builds the OCR corpus in test/fixtures/ocr/ from the source texts in test/fixtures/ocr/source/
# (pages separated by a form feed), with the tools a real archive's scans come from: pandoc writes
# a DOCX with a page break between the source's pages, LibreOffice sets it into PDF pages,
# pdftoppm rasterises them (gray, 300 and 150 DPI), ImageMagick adds what scanners and faxes add
# (noise, skew, JPEG compression, a page fed sideways), and img2pdf wraps the images back into PDFs
# without a text layer. The outputs are committed (about 2 MB in all): tests do not need these tools.
#
# Needs Debian's tools:
#   apt-get install -y --no-install-recommends pandoc libreoffice-writer poppler-utils img2pdf \
#     imagemagick
# Run from anywhere: bash scripts/make-ocr-corpus.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$root/test/fixtures/ocr/source"
out="$root/test/fixtures/ocr"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# /usr/local/bin/convert may be another program of the same name: Debian's ImageMagick by path.
magick=/usr/bin/convert
for tool in pandoc soffice pdftoppm pdfinfo img2pdf "$magick"; do
  command -v "$tool" >/dev/null || { echo "missing $tool: see the apt-get line at the top of $0" >&2; exit 1; }
done

# SOURCE.txt → PDF pages through pandoc's DOCX and LibreOffice. Each source page starts with its
# title (a heading); a raw page break separates them, so PDF page N holds exactly source page N.
set_into_pages() { # NAME
  local name="$1" pages
  awk 'BEGIN { RS = "\f" }
    {
      if (NR > 1) print "\n```{=openxml}\n<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>\n```\n"
      sub(/^\n+/, "")
      title = $0; sub(/\n.*/, "", title)
      body = $0; sub(/^[^\n]*\n/, "", body)
      print "# " title "\n" body
    }' "$source_dir/$name.txt" >"$work/$name.md"
  pandoc --from markdown-smart --to docx -o "$work/$name.docx" "$work/$name.md"
  soffice -env:UserInstallation="file://$work/profile" --headless --convert-to pdf \
    --outdir "$work" "$work/$name.docx" >/dev/null 2>&1
  pages="$(pdfinfo "$work/$name.pdf" | awk '/^Pages:/ { print $2 }')"
  local expected
  expected=$(($(grep -c $'\f' "$source_dir/$name.txt") + 1))
  [ "$pages" = "$expected" ] || { echo "$name.pdf has $pages pages, its source $expected" >&2; exit 1; }
}

# NAME DPI → $work/NAME-DPI-N.png, one page image each. pdftoppm's -gray PNGs are stored as RGB
# and in dots per centimetre; rewritten as 8-bit gray in dots per inch, which img2pdf reads right.
rasterise() {
  pdftoppm -gray -r "$2" -png "$work/$1.pdf" "$work/$1-$2"
  for page in "$work/$1-$2"-*.png; do
    "$magick" "$page" -colorspace Gray -type Grayscale -units PixelsPerInch -density "$2" \
      -define png:compression-level=9 "$page"
  done
}

# What a worn office scanner does to a page: gray noise, a skew, and JPEG at a low quality.
# IN OUT DEGREES DPI (the JPEG must say its DPI: img2pdf sizes the PDF page from it).
scan_badly() {
  "$magick" "$1" -attenuate 0.4 +noise Gaussian -background white -rotate "$3" \
    -units PixelsPerInch -density "$4" -quality 40 "$2"
}

set_into_pages lease-en
set_into_pages acta-es
for dpi in 300 150; do
  rasterise lease-en "$dpi"
  rasterise acta-es "$dpi"
done

# --- Scanned PDFs: image pages only, no text layer -----------------------------------------------
# Clean 300 DPI: lossless gray pages (text compresses better as PNG than as JPEG).
img2pdf --output "$out/lease-en-300dpi.pdf" "$work"/lease-en-300-{1,2,3}.png
# 150 DPI: lossless too, so only the resolution is low.
img2pdf --output "$out/acta-es-150dpi.pdf" "$work"/acta-es-150-{1,2}.png
# Noisy, skewed ±3° and JPEG-compressed: every page a little differently (img2pdf embeds a JPEG as
# it is, without decoding it again).
scan_badly "$work/lease-en-300-1.png" "$work/noisy-1.jpg" 3 300
scan_badly "$work/lease-en-300-2.png" "$work/noisy-2.jpg" -2 300
scan_badly "$work/lease-en-300-3.png" "$work/noisy-3.jpg" -3 300
img2pdf --output "$out/lease-en-300dpi-noisy-skewed.pdf" "$work"/noisy-{1,2,3}.jpg
# Page 2 fed sideways: its image turned 90° clockwise, so the PDF page is landscape.
"$magick" "$work/acta-es-300-2.png" -rotate 90 -define png:compression-level=9 \
  "$work/sideways-2.png"
img2pdf --output "$out/acta-es-300dpi-page2-sideways.pdf" "$work/acta-es-300-1.png" "$work/sideways-2.png"

# --- Loose images ---------------------------------------------------------------------------------
# A scanner's PNG at 300 DPI, one page.
cp "$work/lease-en-300-1.png" "$out/lease-en-page1-300dpi.png"
# A JPEG at 150 DPI with noise and a skew.
scan_badly "$work/lease-en-150-1.png" "$out/lease-en-page1-150dpi-noisy.jpg" -3 150
# A multi-page TIFF as fax machines and archive scanners write it: bilevel, Group 4, 300 DPI.
"$magick" "$work"/acta-es-300-{1,2}.png -threshold 55% -compress Group4 -density 300 -units PixelsPerInch \
  "$out/acta-es-300dpi-fax.tiff"

du -ch "$out"/*.pdf "$out"/*.png "$out"/*.jpg "$out"/*.tiff
