"""Dagster code location of the social-assistance indicator warehouse."""
