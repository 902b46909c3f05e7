"""Renderers: a ``ReportContext`` in, bytes out (PDF, .xlsx, .docx). None of them touches the ORM.

Import the renderer you need from its module (``reports.renderers.pdf.render_pdf`` etc.): importing
this package does not load WeasyPrint, openpyxl or python-docx.
"""
