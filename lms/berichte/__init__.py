"""Reports across the domains: the annual report (Sachbericht) per region and year, and Land-wide.

`figures` declares what the report contains (one list a Land adjusts with LMS_REPORT_FIGURES),
`report` computes it, `exports` writes it as XLSX and PDF, `views` shows and serves it. Aggregates
only: no figure that counts people describes fewer than MIN_GROUP_SIZE of them (lms/disclosure.py).
"""
