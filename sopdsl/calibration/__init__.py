"""Scenarios fitted from an operator's own data: the estimators and `calibrate`."""
