"""Scenario engine: replays a hazard (e.g. Typhoon Lekima 2019) through the real pipeline."""
