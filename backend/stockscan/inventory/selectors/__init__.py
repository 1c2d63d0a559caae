"""Reads of the inventory: the lists the API pages through, the stats and the alerts."""
