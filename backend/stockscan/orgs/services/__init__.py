"""Writes of the organisations: tenants and their services and members, and invitations."""
