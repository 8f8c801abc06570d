#!/usr/bin/env bash
# Builds the fidelity corpus in test/fixtures/fidelity/ from the source texts in
# test/fixtures/fidelity/source/, with real office tools, so the extractors are tested on files the
# way LibreOffice, pandoc and Ghostscript write them rather than only on files our own test code
# builds. The outputs are committed (a few KB each): tests do not need these tools.
#
# Needs Debian's tools:
#   apt-get install -y --no-install-recommends libreoffice-writer libreoffice-calc \
#     libreoffice-impress pandoc ghostscript python3-uno
# Run from anywhere: bash scripts/make-fidelity-corpus.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$root/test/fixtures/fidelity/source"
out="$root/test/fixtures/fidelity"
work="$(mktemp -d)"
soffice_pid=""
cleanup() {
  if [ -n "$soffice_pid" ]; then kill "$soffice_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for tool in soffice pandoc gs iconv /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: see the apt-get line at the top of $0" >&2; exit 1; }
done

# A private LibreOffice profile: no clash with another soffice running on the machine.
convert() { # FILTER SOURCE TARGET
  local target_dir="$work/converted"
  mkdir -p "$target_dir"
  soffice -env:UserInstallation="file://$work/profile" --headless --convert-to "$1" \
    --outdir "$target_dir" "$2" >/dev/null 2>&1
  local produced
  produced="$target_dir/$(basename "${2%.*}").${1%%:*}"
  mv "$produced" "$3"
}

pandoc_md() { pandoc --from markdown-smart "$@"; }

# --- Handbook: headings, a list and a table, in every word-processing and web format -------------
cp "$source_dir/document.md" "$out/document.md"
pandoc_md --to docx -o "$out/document-pandoc.docx" "$source_dir/document.md"
pandoc_md --to odt -o "$out/document-pandoc.odt" "$source_dir/document.md"
convert "docx:MS Word 2007 XML" "$out/document-pandoc.odt" "$out/document-libreoffice.docx"
convert "odt" "$out/document-libreoffice.docx" "$out/document-libreoffice.odt"
convert "pdf" "$out/document-pandoc.odt" "$out/document-libreoffice.pdf"

# Legacy and interchange formats of the same handbook: Word 97, RTF (both writers), EPUB.
convert "doc:MS Word 97" "$out/document-pandoc.odt" "$out/document-libreoffice.doc"
convert "rtf:Rich Text Format" "$out/document-pandoc.odt" "$out/document-libreoffice.rtf"
pandoc_md --to rtf --standalone -o "$out/document-pandoc.rtf" "$source_dir/document.md"
pandoc_md --to epub3 --metadata title="Platform handbook" -o "$out/document-pandoc.epub" "$source_dir/document.md"

# HTML with the page chrome a real site has around its article: it must not reach the index.
pandoc_md --to html5 --standalone --metadata pagetitle="Platform handbook" \
  -o "$work/document.html" "$source_dir/document.md"
sed -e 's#<body>#<body>\n<nav><a href="/">Home</a> <a href="/pricing">Pricing and plans</a> <a href="/careers">Careers at the company</a></nav>\n<header><p>Site banner: subscribe to our newsletter today</p></header>\n<script>console.log("tracking pixel loaded");</script>#' \
  -e 's#</body>#<footer>Copyright footer with legal links and cookie settings</footer>\n</body>#' \
  "$work/document.html" >"$out/document.html"

# --- Multi-page PDF with known text per page: PostScript pages through Ghostscript ---------------
# pages.txt separates pages with a form feed; each line is drawn where it stands.
awk 'BEGIN { print "%!PS"; print "/Helvetica findfont 12 scalefont setfont"; y = 720 }
  {
    line = $0
    if (substr(line, 1, 1) == "\f") { print "showpage"; line = substr(line, 2); y = 720 }
    gsub(/\\/, "\\\\", line); gsub(/\(/, "\\(", line); gsub(/\)/, "\\)", line)
    printf "72 %d moveto (%s) show\n", y, line
    y -= 16
  }
  END { print "showpage" }' "$source_dir/pages.txt" >"$work/pages.ps"
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -o "$out/pages-ghostscript.pdf" "$work/pages.ps"

# A PDF that opens only with a password, as LibreOffice writes it.
cp "$out/document-pandoc.odt" "$work/protected.odt"
convert 'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}' \
  "$work/protected.odt" "$out/protected-libreoffice.pdf"

# --- An ODT saved with a password, through LibreOffice's UNO API (the zip stays readable, its parts
# are encrypted and the manifest says how). LibreOffice 7.4 does not write password-protected
# DOCX/XLSX from a script (storeToURL fails with a write error), so the tests build that OLE
# container themselves (test/support/document-fixtures.ts, makeEncryptedOfficeFile).
pipe="ragworker-fidelity-$$"
soffice -env:UserInstallation="file://$work/profile-uno" --headless --norestore \
  --accept="pipe,name=$pipe;urp;" >/dev/null 2>&1 &
soffice_pid=$!
save_with_password() { # SOURCE TARGET FILTER
  /usr/bin/python3 "$root/scripts/save-with-password.py" "$pipe" "$1" "$2" "$3" secret
}
cp "$out/document-pandoc.odt" "$work/to-protect.odt" # its lock file must not land in the corpus
save_with_password "$work/to-protect.odt" "$out/protected-libreoffice.odt" "writer8"
# Legacy binary formats with a password: Word 97 and Excel 97 encrypt their streams (RC4), which the
# extractors must refuse as encrypted rather than read as garbage or hand to LibreOffice.
cp "$out/document-pandoc.odt" "$work/to-protect-doc.odt"
save_with_password "$work/to-protect-doc.odt" "$out/protected-libreoffice.doc" "MS Word 97"
cp "$out/sheets-libreoffice.xlsx" "$work/to-protect-xls.xlsx"
save_with_password "$work/to-protect-xls.xlsx" "$out/protected-libreoffice.xls" "MS Excel 97"
kill "$soffice_pid"
wait "$soffice_pid" 2>/dev/null || true
soffice_pid=""

# --- Slides: one "#" heading per slide -------------------------------------------------------------
pandoc_md --to pptx -o "$out/slides-pandoc.pptx" "$source_dir/slides.md"
convert "pptx:Impress MS PowerPoint 2007 XML" "$out/slides-pandoc.pptx" "$out/slides-libreoffice.pptx"
convert "odp:impress8" "$out/slides-pandoc.pptx" "$out/slides-libreoffice.odp"
convert "ppt:MS PowerPoint 97" "$out/slides-pandoc.pptx" "$out/slides-libreoffice.ppt"

# --- Sheets: the two CSV files as two sheets of one workbook (flat ODS in, XLSX out) --------------
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body><office:spreadsheet>'
  for sheet in staff inventory; do
    awk -F, -v name="${sheet^}" 'BEGIN { printf "<table:table table:name=\"%s\">\n", name }
      {
        printf "<table:table-row>"
        for (i = 1; i <= NF; i++) {
          cell = $i
          gsub(/&/, "\\&amp;", cell); gsub(/</, "\\&lt;", cell); gsub(/>/, "\\&gt;", cell)
          if (NR > 1 && cell ~ /^[0-9]+$/) printf "<table:table-cell office:value-type=\"float\" office:value=\"%s\"><text:p>%s</text:p></table:table-cell>", cell, cell
          else printf "<table:table-cell office:value-type=\"string\"><text:p>%s</text:p></table:table-cell>", cell
        }
        print "</table:table-row>"
      }
      END { print "</table:table>" }' "$source_dir/$sheet.csv"
  done
  echo '</office:spreadsheet></office:body></office:document>'
} >"$work/sheets.fods"
convert "xlsx:Calc MS Excel 2007 XML" "$work/sheets.fods" "$out/sheets-libreoffice.xlsx"
convert "csv:Text - txt - csv (StarCalc):44,34,76" "$out/sheets-libreoffice.xlsx" "$out/staff-libreoffice.csv"
convert "ods:calc8" "$work/sheets.fods" "$out/sheets-libreoffice.ods"
convert "xls:MS Excel 97" "$work/sheets.fods" "$out/sheets-libreoffice.xls"


# --- E-mail: the handbook as the body, the staff sheet as a CSV attachment, and a forwarded message
# (message/rfc822) in ISO-8859-1 quoted-printable, written by Python's email package as a mail
# client would. No Debian tool writes Outlook's .msg: its tests build one with the cfb package
# (test/support/outlook-message.ts) from the same sources.
/usr/bin/python3 - "$source_dir" "$out/mail-python.eml" <<'PYTHON'
import sys
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from datetime import datetime, timezone

source, target = sys.argv[1], sys.argv[2]
read = lambda name: open(f"{source}/{name}", encoding="utf-8").read()

forwarded = EmailMessage()
forwarded["From"] = "François Ménard <francois@example.com>"
forwarded["To"] = "Platform team <platform@example.com>"
forwarded["Subject"] = "Latin-1 notes"
forwarded["Date"] = format_datetime(datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc))
forwarded.set_content(read("latin1.txt"), charset="iso-8859-1", cte="quoted-printable")

message = EmailMessage()
message["From"] = "Zoë Müller <zoe@example.com>"
message["To"] = "Platform team <platform@example.com>"
message["Subject"] = "Platform handbook"
message["Date"] = format_datetime(datetime(2024, 3, 4, 10, 0, tzinfo=timezone.utc))
message.set_content(read("document.md"))
message.add_attachment(read("staff.csv"), subtype="csv", filename="staff.csv")
message.add_attachment(forwarded, filename="latin1-notes.eml")
open(target, "wb").write(message.as_bytes(policy=SMTP))
PYTHON

# --- Plain text in the encodings users still send ---------------------------------------------------
cp "$source_dir/latin1.txt" "$out/text-utf8.txt"
iconv -f UTF-8 -t ISO-8859-1 "$source_dir/latin1.txt" >"$out/text-latin1.txt"
iconv -f UTF-8 -t WINDOWS-1252 "$source_dir/windows-1252.txt" >"$out/text-windows-1252.txt"
{ printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$source_dir/windows-1252.txt"; } >"$out/text-utf16le.txt"
{ printf '\xfe\xff'; iconv -f UTF-8 -t UTF-16BE "$source_dir/windows-1252.txt"; } >"$out/text-utf16be.txt"

ls -l "$out"
