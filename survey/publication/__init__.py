"""Public scorecards: a round's figures published after review, with small cells suppressed."""
