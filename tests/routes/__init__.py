"""The route × role × scope matrix: its table, its world and its runner (tests/test_route_matrix.py)."""
