"""Expert consultation (Fachberatung): experts, availability, pseudonymous bookings, reminders, retention."""
