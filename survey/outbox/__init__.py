"""Staff pages of the outbox: every e-mail of a round, its state and errors, a manual retry."""
