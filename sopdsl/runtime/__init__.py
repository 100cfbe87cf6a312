"""Run time: journeys compiled to instructions and the one interpreter that runs them for every consumer."""
