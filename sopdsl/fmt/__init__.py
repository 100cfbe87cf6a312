"""The canonical formatter behind `sopdsl fmt`."""
