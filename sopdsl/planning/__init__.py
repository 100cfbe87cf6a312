"""Plans: real customers through the interpreter as task plans, their formats and the workflow export."""
