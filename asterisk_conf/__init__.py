"""Asterisk configuration, the local sandbox instance and the no-SIP call simulation."""
