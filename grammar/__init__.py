"""The Lark grammar of the playbook language, shipped as package data."""
