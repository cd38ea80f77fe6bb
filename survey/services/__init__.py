"""Write and query functions. Services add and flush; the caller commits once."""
