"""Roo Usage: a persistent, exact ledger of the AI usage of Roo Code, Kilo Code and Cline."""

__version__ = "0.1.0"
