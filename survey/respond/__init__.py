"""The pages where officials answer through their personal link (``/r/<token>``)."""
