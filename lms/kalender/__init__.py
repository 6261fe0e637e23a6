"""Calendar feeds: private subscriptions per person, public schedules, single-event downloads."""
