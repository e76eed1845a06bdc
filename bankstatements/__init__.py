"""Bank statements: a beangulp importer for the CSV statements Chinese banks export."""
