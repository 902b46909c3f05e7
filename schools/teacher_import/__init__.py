"""Import of teachers and of their professional development courses (КПК) from .xlsx/.csv.

The flow of the schools registry: every row parsed, a plan made against the database, then everything written
in one transaction, or nothing when any row failed. A teacher is upserted by school and name (case does not
matter); a course is keyed by teacher, title and dates. The same file twice changes nothing.

Names are personal data (152-ФЗ): an error names the row and the column, never the teacher, so error lists
and logs can be read by whoever sees the upload.

- ``rows`` — what both share: limits, the school column, a name in one or three columns, the user's schools;
- ``teachers`` — ``TeacherImporter`` (kind «teachers»);
- ``courses`` — ``CourseImporter`` (kind «courses»).
"""

# Importing registers the import kinds, in the order the uploads page lists them: teachers, then courses.
# isort: off
from . import teachers  # noqa: F401
from . import courses  # noqa: F401
# isort: on
