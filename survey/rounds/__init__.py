"""Staff pages for rounds: create, edit, open, close, invite officials, follow progress."""
