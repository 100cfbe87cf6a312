"""Syntax: playbook text to a typed AST, with spans, imports and recovery from syntax errors."""
