"""The rules of the practice in plain Python. Nothing here imports Reflex."""
