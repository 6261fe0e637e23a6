"""The instrument library: versioned checklists, templates, guides and agreements with their files,
German full-text search and bookmarks."""
