"""The book's agents, one module per algorithm."""
