"""Checking: a unit's declarations gathered into a Program, names resolved, types and structure checked."""
