"""Data contracts: the metadata registry of tables and columns, and pandera schemas."""
