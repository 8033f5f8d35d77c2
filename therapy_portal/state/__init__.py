"""Reflex state: thin classes that check who is asking, call services, and hold only what a page shows."""
