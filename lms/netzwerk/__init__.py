"""The network itself: so far the emergency numbers per region and the emergency view
("Kinderschutz-Notfall in <Region>"); institutions, binding contacts and agreements follow."""
