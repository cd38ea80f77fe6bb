"""Supporting documents attached to answers: file typing, virus scanning, storage and staff downloads."""
