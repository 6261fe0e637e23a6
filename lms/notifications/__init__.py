"""The mail outbox: mails are queued in the database and delivered by a scheduled job."""
