"""Writes of billing: Checkout and portal sessions, Stripe events, subscription sync."""
