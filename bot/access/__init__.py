"""Who may call the API: tokens (hashed, scoped) and their verification."""
