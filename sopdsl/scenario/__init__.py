"""The scenario language: a playbook's `scenario` blocks checked and merged over the defaults."""
