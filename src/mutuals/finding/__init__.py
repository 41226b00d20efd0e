"""Finding users (API.md §12): by the app's own id, by username, whether a username is
free, autocomplete ranked by the caller's graph, and typo-tolerant search."""
