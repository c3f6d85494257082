"""The one template layer of every PDF the bureau prints: the certificate (certification/pdf.py), the
application form (applications/form.py) and the decision letter (applications/letters.py).

- `layout`: a page of a document being drawn (`Sheet`: mixed Chinese/Latin text, wrapped paragraphs,
  label/value rows, page breaks) and `pdf_render`, which draws a document twice, first to learn its
  characters, then with exactly those embedded, fixes its metadata and date, and signs it on request;
- `fonts`: the embedded CJK font (a per-document subset of Noto Sans CJK SC);
- `signing`: the bureau's digital signature (pyHanko).
"""
