"""Data protection across the domains (DSGVO): the audit trail's page, a person's data on request
(Art. 15, 20), erasure of an account (Art. 17), retention of personal data and the records of
processing (Art. 30). It sits on top, beside `berichte`: it reads every domain, and changes them only
through their own `privacy` services."""
