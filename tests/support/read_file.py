#!/usr/bin/python3
"""Reads back a file the API produced, for the tests (file_readers.h).

  read_file.py pdf FILE [PNG]  the PDF's text (pdftotext -layout, NFC), and
                               its first page as PNG for a person to look at
  read_file.py xlsx FILE       the workbook as JSON: {"sheets": [{"name", "rows":
                               [[cell, ...], ...]}]}, numbers as JSON numbers,
                               a formula as {"formula": "=…"}

Run by Debian's /usr/bin/python3, which sees python3-openpyxl.
"""
import json
import subprocess
import sys
import unicodedata


def pdf(path, png):
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", path, "-"],
                          check=True, capture_output=True).stdout.decode("utf-8")
    pages = subprocess.run(["pdfinfo", path], check=True, capture_output=True).stdout
    sys.stdout.write(unicodedata.normalize("NFC", text))
    for line in pages.decode("utf-8").splitlines():
        if line.startswith("Pages:") or line.startswith("Page size:"):
            sys.stdout.write("\n@@ " + " ".join(line.split()) + "\n")
    if png:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        path, png.removesuffix(".png")], check=True)


def xlsx(path):
    import openpyxl  # Debian's python3-openpyxl.
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = []
    for sheet in book.worksheets:
        rows = [[{"formula": c.value} if c.data_type == "f" else c.value for c in row]
                for row in sheet.iter_rows()]
        sheets.append({"name": sheet.title, "rows": rows})
    json.dump({"sheets": sheets}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    if sys.argv[1] == "pdf":
        pdf(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    elif sys.argv[1] == "xlsx":
        xlsx(sys.argv[2])
    else:
        sys.exit("usage: read_file.py pdf|xlsx FILE [PNG]")
