"""Writes of the inventory: the catalog, the monthly counts and the losses."""
