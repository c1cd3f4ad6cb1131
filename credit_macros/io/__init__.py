"""Files in and out, below the builders: reading workbooks (``read``), the intake of files and
mails (``intake``), OOXML package writing (``xlsxstream``: stream rows into a saved .xlsx;
``cached``: formula results), the file engine of ``collect`` (``collect_master``) and the
validation marks of ``check --in-place`` / ``clear`` (``filemarks``).
"""
