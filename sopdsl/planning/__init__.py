"""Plans: real customers through the interpreter as task plans, their formats and the workflow export."""

# The formats a plan is written in, and the CRMs whose task import columns a CSV plan uses.
# They live here, away from the writers, so the command line names them without loading any.
PLAN_FORMATS = ("json", "csv", "ics")
CSV_STYLES = ("hubspot", "salesforce")
