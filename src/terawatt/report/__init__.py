"""Surfaces that present results: plots and tables. No model logic lives here."""
