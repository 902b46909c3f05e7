"""Import of assessment results: the portal template and ФИС ОКО «Статистика по отметкам», one validator.

The file's shape is recognised from its content: the portal template (Russian or English header), the flat
ФИС ОКО table or the ФИС ОКО report as exported (``layouts/fisoko.py`` turns both into template rows). Every row
is validated; a file with any error writes nothing; a result is upserted by (school, procedure), so the same file
twice changes nothing and a corrected file updates in place.

Speed and memory (issue 3: ≥ 100,000 CSV rows/s end to end, < 300 MB for a million rows): rows stream from the
reader through validation into a writer in chunks and are never collected; schools, kinds, subjects and
procedures are dicts loaded once, and a procedure is resolved once per distinct (kind, subject, grade, year)
text; the duplicate check keeps one int per row. On PostgreSQL chunks are COPYed into a temporary staging table
and an INSERT … ON CONFLICT per chunk writes them in a helper thread while the next chunk is validated (a preview
counts the would-be changes with one query); on other
databases (SQLite, the demo) chunks go through ``bulk_create(update_conflicts=True)``. Only errors are kept,
capped at MAX_STORED_ERRORS.

The package, in the order a file goes through it:

- ``layouts/`` — every sheet of the file (.csv is one, .xlsx and .xls all of theirs, one after the other)
  recognised on its own from its first rows (``open_rows``) and read in the template's column order; each sheet
  said in a ``SheetReport`` (read and how, skipped and why, empty, not recognised) that the preview and the
  command list: ``template`` (the portal's template), ``fisoko`` (ФИС ОКО's flat table and report), and the
  other layouts in ``LAYOUTS``;
- ``importer`` — ``ResultsImporter``: the pass over the rows (the fast path of the validation inline), all or
  nothing, the recompute after commit;
- ``validation`` — a row's checks with their Russian messages (the slow path);
- ``catalog`` — the region's schools, kinds, subjects and procedures, loaded once;
- ``writers`` — COPY and upserts on PostgreSQL, ``bulk_create`` elsewhere.
"""

from . import importer, vpr_scales  # noqa: F401  (register the «results» and «vpr_scales» import kinds)
