"""Consolidated sector position: one municipality, one voice, population-weighted figures."""
